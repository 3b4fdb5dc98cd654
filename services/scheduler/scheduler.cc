#include "services/scheduler/scheduler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "store/event_codec.h"

namespace motcua::scheduler {

namespace asio = boost::asio;

struct DeadlineScheduler::Io {
  asio::io_context context;
  asio::executor_work_guard<asio::io_context::executor_type> work{
      context.get_executor()};
  asio::steady_timer timer{context};
};

// The commands of one pass: how many are in flight, and what they did.
class DeadlineScheduler::Flight {
 public:
  explicit Flight(int limit) : limit_(limit) {}

  void WaitForRoom() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](Flight* flight) ABSL_EXCLUSIVE_LOCKS_REQUIRED(flight->mu_) {
          return flight->in_flight_ < flight->limit_;
        },
        this));
    ++in_flight_;
    ++result_.commands;
  }

  // Runs on the writer thread: must be quick.
  void Done(const store::CommandOutcome& outcome,
            metrics::ServerMetrics& metrics) {
    int64_t thresholds = 0;
    int64_t changes = 0;
    for (const store::StoredEvent& stored : outcome.events) {
      if (const auto* reached =
              std::get_if<ThresholdReachedEvent>(&stored.event.body)) {
        ++thresholds;
        metrics.scheduler_lag.Observe(stored.event.occurred_at -
                                      reached->due_at);
      } else if (std::holds_alternative<DueTimeChangedEvent>(
                     stored.event.body)) {
        ++changes;
      }
    }
    metrics.thresholds_reached.fetch_add(thresholds);
    metrics.due_times_changed.fetch_add(changes);
    if (!outcome.status.ok()) metrics.scheduler_failures.fetch_add(1);
    absl::MutexLock lock(&mu_);
    --in_flight_;
    result_.thresholds += thresholds;
    result_.due_changes += changes;
    if (!outcome.status.ok()) Fail(outcome.status);
  }

  // A command that never reached the writer.
  void NotSubmitted(const absl::Status& status) {
    absl::MutexLock lock(&mu_);
    --in_flight_;
    --result_.commands;
    Fail(status);
  }

  PassResult Finish() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](Flight* flight) ABSL_EXCLUSIVE_LOCKS_REQUIRED(flight->mu_) {
          return flight->in_flight_ == 0;
        },
        this));
    return result_;
  }

  // A read of the index that failed.
  void ReadFailed(const absl::Status& status) {
    absl::MutexLock lock(&mu_);
    Fail(status);
  }

 private:
  void Fail(const absl::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (result_.failures++ == 0) result_.first_failure = status;
  }

  absl::Mutex mu_;
  const int limit_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  PassResult result_ ABSL_GUARDED_BY(mu_);
};

namespace {

void LogPass(const char* what, const PassResult& result) {
  if (result.thresholds > 0 || result.due_changes > 0) {
    spdlog::info(
        "{}: {} thresholds reached, {} due times changed ({} commands)", what,
        result.thresholds, result.due_changes, result.commands);
  }
  if (result.failures > 0) {
    spdlog::warn("{}: {} commands failed; the first: {}", what, result.failures,
                 result.first_failure.ToString());
  }
}

}  // namespace

DeadlineScheduler::DeadlineScheduler(store::CommandSink& commands,
                                     store::ReadModel& read_model,
                                     const Clock& clock,
                                     metrics::ServerMetrics& metrics,
                                     SchedulerOptions options)
    : commands_(commands),
      read_model_(read_model),
      clock_(clock),
      metrics_(metrics),
      options_(options),
      io_(std::make_unique<Io>()) {}

DeadlineScheduler::~DeadlineScheduler() { Stop(); }

void DeadlineScheduler::Start() {
  if (thread_.joinable()) return;
  asio::post(io_->context, [this] { Loop(); });
  thread_ = std::thread([this] { io_->context.run(); });
}

void DeadlineScheduler::Stop() {
  stopping_.store(true);
  io_->context.stop();
  if (thread_.joinable()) thread_.join();
}

void DeadlineScheduler::Loop() {
  if (stopping_.load()) return;
  const PassResult pass = FireDue();
  LogPass("deadline scheduler", pass);
  if (stopping_.load()) return;

  // A pass whose commands fail (a dossier whose procedure version the rules
  // no longer hold, a full disk) leaves its rows due; so would, were there
  // one, a row the engine finds nothing to do for. Wait longer after each
  // such pass, up to a minute, instead of trying again at once.
  const bool stuck =
      pass.failures > 0 ||
      (pass.commands > 0 && pass.thresholds == 0 && pass.due_changes == 0);
  failed_passes_ = stuck ? failed_passes_ + 1 : 0;
  if (failed_passes_ > 0) {
    Arm(std::min(absl::Minutes(1),
                 options_.longest_wait *
                     (int64_t{1} << std::min(failed_passes_ - 1, 6))));
    return;
  }

  // Wait for the earliest pending threshold, or longest_wait.
  absl::Duration wait = options_.longest_wait;
  absl::StatusOr<std::vector<store::ScheduledThreshold>> next =
      read_model_.ListThresholds(absl::InfinitePast(), absl::InfiniteFuture(),
                                 std::nullopt, 1);
  if (!next.ok()) {
    spdlog::warn("deadline scheduler: reading the threshold index: {}",
                 next.status().ToString());
  } else if (!next->empty()) {
    wait = std::clamp(next->front().at - clock_.Now(), absl::ZeroDuration(),
                      options_.longest_wait);
  }
  Arm(wait);
}

void DeadlineScheduler::Arm(absl::Duration wait) {
  io_->timer.expires_after(absl::ToChronoNanoseconds(wait));
  io_->timer.async_wait([this](const boost::system::error_code& error) {
    if (!error || error == asio::error::operation_aborted) Loop();
  });
}

void DeadlineScheduler::RulesChanged(const RuleChange& change) {
  if (!change.affects_dossiers()) return;
  asio::post(io_->context, [this, change] {
    if (stopping_.load()) return;
    LogPass("due times recomputed", Recompute(change));
  });
}

void DeadlineScheduler::Submit(Flight& flight, const std::string& code,
                               Action action) {
  flight.WaitForRoom();
  store::CommandRequest request;
  request.command =
      Command{code, std::move(action), std::string(kSchedulerActor)};
  for (int attempt = 0;; ++attempt) {
    absl::Status queued = commands_.Execute(
        request, [this, &flight](store::CommandOutcome outcome) {
          flight.Done(outcome, metrics_);
        });
    if (queued.ok()) return;
    // Callers filled the writer's queue: let it drain, then try again.
    if (absl::IsResourceExhausted(queued) && attempt < 1000 &&
        !stopping_.load()) {
      absl::SleepFor(absl::Milliseconds(5));
      continue;
    }
    flight.NotSubmitted(queued);
    return;
  }
}

PassResult DeadlineScheduler::FireDue() {
  absl::MutexLock pass(&pass_mu_);
  // Every threshold at or before now; the writer decides each command with
  // its own (later) now, so a row it moves never comes back in this pass.
  const absl::Time before =
      store::ToStoredPrecision(clock_.Now()) + absl::Microseconds(1);
  Flight flight(options_.max_in_flight);
  std::optional<store::ThresholdCursor> after;
  absl::flat_hash_set<std::string> submitted;
  while (!stopping_.load()) {
    absl::StatusOr<std::vector<store::ScheduledThreshold>> due =
        read_model_.ListThresholds(absl::InfinitePast(), before, after,
                                   options_.window);
    if (!due.ok()) {
      flight.ReadFailed(due.status());
      break;
    }
    // A dossier's command reaches every threshold of it that is due: one
    // command per dossier per window.
    submitted.clear();
    for (const store::ScheduledThreshold& threshold : *due) {
      if (stopping_.load()) break;
      if (!submitted.insert(threshold.dossier_code).second) continue;
      Submit(flight, threshold.dossier_code, ReachThresholdsAction{});
    }
    if (static_cast<int>(due->size()) < options_.window) break;
    const store::ScheduledThreshold& last = due->back();
    after = store::ThresholdCursor{last.at, last.dossier_code, last.target};
  }
  return flight.Finish();
}

PassResult DeadlineScheduler::Recompute(const RuleChange& change) {
  absl::MutexLock pass(&pass_mu_);
  Flight flight(options_.max_in_flight);
  auto submit = [&](const std::string& code) {
    Submit(flight, code, RecomputeDueAction{change.reason});
  };
  // Running dossiers: a deadline or a threshold from the change on. A
  // dossier met twice is recomputed once: the second command finds nothing
  // to change.
  for (store::DeadlineKind kind :
       {store::DeadlineKind::kDossier, store::DeadlineKind::kStep}) {
    store::DeadlineQuery query;
    query.kind = kind;
    query.due_from = change.from;
    query.limit = options_.window;
    while (!stopping_.load()) {
      absl::StatusOr<std::vector<store::Deadline>> page =
          read_model_.ListDeadlines(query);
      if (!page.ok()) {
        flight.ReadFailed(page.status());
        break;
      }
      for (const store::Deadline& deadline : *page)
        submit(deadline.dossier_code);
      if (static_cast<int>(page->size()) < query.limit) break;
      query.after = store::DeadlineCursor{page->back().due_at,
                                          page->back().dossier_code, kind};
    }
  }
  std::optional<store::ThresholdCursor> after;
  while (!stopping_.load()) {
    absl::StatusOr<std::vector<store::ScheduledThreshold>> page =
        read_model_.ListThresholds(change.from, absl::InfiniteFuture(), after,
                                   options_.window);
    if (!page.ok()) {
      flight.ReadFailed(page.status());
      break;
    }
    for (const store::ScheduledThreshold& threshold : *page) {
      submit(threshold.dossier_code);
    }
    if (static_cast<int>(page->size()) < options_.window) break;
    after = store::ThresholdCursor{page->back().at, page->back().dossier_code,
                                   page->back().target};
  }
  // Paused dossiers: their due times move when they resume, from the due
  // time recomputed now.
  for (LifecycleState state : {LifecycleState::kSupplementRequested,
                               LifecycleState::kAwaitingFinancialObligation,
                               LifecycleState::kStopped}) {
    store::DossierFilter filter;
    filter.state = state;
    std::string after_code;
    while (!stopping_.load()) {
      absl::StatusOr<std::vector<Dossier>> page =
          read_model_.ListDossiers(filter, after_code, options_.window);
      if (!page.ok()) {
        flight.ReadFailed(page.status());
        break;
      }
      for (const Dossier& dossier : *page) submit(dossier.code);
      if (static_cast<int>(page->size()) < options_.window) break;
      after_code = page->back().code;
    }
  }
  return flight.Finish();
}

}  // namespace motcua::scheduler
