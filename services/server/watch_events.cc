// WatchEvents: the log from a position, then live, in log order.
#include <atomic>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/lifecycle.h"
#include "engine/status_macros.h"
#include "services/api/from_proto.h"
#include "services/api/grpc_status.h"
#include "services/api/to_proto.h"
#include "services/server/reads.h"
#include "services/server/services.h"
#include "store/intact_reads.h"

namespace motcua::server {
namespace {

// Events read from the log per read.
constexpr int64_t kReadBatch = 256;

// One subscriber. It reads the log itself from its position, filters, and
// keeps one write in flight; with nothing left to send it waits on the hub.
// History and live events come from the same reads, so there is neither a
// gap nor a duplicate where one ends and the other begins, and a slow
// subscriber only falls behind in the log: it never holds the writer up.
// One that does not take its next event within the slow-subscriber timeout
// is ended with RESOURCE_EXHAUSTED and the position to resume from.
//
// Lifetime: gRPC holds one reference until OnDone, the hub one while the
// stream waits; the last Unref deletes.
class EventStream final : public grpc::ServerWriteReactor<v1::Event>,
                          public LogWaiter {
 public:
  EventStream(const ServiceContext& context, grpc::CallbackServerContext* call,
              WatchScope scope)
      : context_(context),
        call_(call),
        after_(scope.after_sequence),
        delivered_(scope.after_sequence),
        scope_(std::move(scope)) {
    context_.metrics->watch_subscribers.fetch_add(1);
    Pump();
  }
  ~EventStream() override { context_.metrics->watch_subscribers.fetch_sub(1); }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (ok) delivered_ = current_.sequence();
      if (!ok) {
        // The client went away; OnDone follows.
        FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED,
                                  "the subscriber went away"));
        return;
      }
    }
    Pump();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    FinishLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
    }
    Unref();
  }

  void Wake() override { Pump(); }
  void Ref() override { references_.fetch_add(1); }
  void Unref() override {
    if (references_.fetch_sub(1) == 1) delete this;
  }

 private:
  // Sends the next event, reading the log when none is buffered, or waits.
  void Pump() {
    while (true) {
      v1::Event* next = nullptr;
      {
        absl::MutexLock lock(&mu_);
        if (finished_ || writing_) return;
        if (buffer_.empty()) {
          absl::Status read = FillLocked();
          if (absl::IsDataLoss(read)) {
            // A retry would meet the same event: tell the subscriber not
            // to, after the events before the damage were delivered.
            FinishLocked(grpc::Status(
                grpc::StatusCode::DATA_LOSS,
                absl::StrCat("the log is damaged: ", read.message(),
                             "; every event up to sequence ", after_,
                             " was read, none after it can be (retrying "
                             "does not help; an operator must repair the "
                             "log)")));
            return;
          }
          if (!read.ok()) {
            FinishLocked(
                grpc::Status(grpc::StatusCode::UNAVAILABLE,
                             absl::StrCat("reading the log: ", read.message(),
                                          "; resume after sequence ", after_)));
            return;
          }
        }
        if (!buffer_.empty()) {
          current_ = std::move(buffer_.front());
          buffer_.pop_front();
          writing_ = true;
          write_started_ = absl::Now();
          if (!watched_) {
            watched_ = true;
            context_.hub->WatchWrite(
                this, write_started_ + context_.slow_subscriber_timeout);
          }
          next = &current_;
        } else if (context_.hub->closed()) {
          FinishLocked(grpc::Status(
              grpc::StatusCode::UNAVAILABLE,
              absl::StrCat("the server is stopping; resume after sequence ",
                           after_)));
          return;
        } else if (context_.hub->WaitBeyond(this, after_)) {
          return;  // Wake calls Pump again
        } else {
          continue;  // the log grew meanwhile: read again
        }
      }
      // Outside the lock: the write's completion may run OnWriteDone.
      StartWrite(next);
      return;
    }
  }

  // At the hub's deadline: ends the stream if its write has waited for the
  // subscriber longer than the timeout; else the next deadline to watch,
  // while a write is in flight.
  std::optional<absl::Time> CheckWrite() override {
    bool cancel = false;
    {
      absl::MutexLock lock(&mu_);
      std::optional<absl::Time> next = CheckWriteLocked(cancel);
      if (next.has_value()) return next;
    }
    // Outside the lock: cancelling may run OnCancel, which takes it.
    if (cancel) call_->TryCancel();
    return std::nullopt;
  }

  std::optional<absl::Time> CheckWriteLocked(bool& cancel)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!finished_ && writing_) {
      const absl::Time deadline =
          write_started_ + context_.slow_subscriber_timeout;
      if (absl::Now() < deadline) return deadline;
      context_.metrics->slow_subscribers_ended.fetch_add(1);
      // The status follows the stuck event: a subscriber that reads again
      // gets both. One that still does not after another timeout has its
      // call cancelled, so that nothing of it stays on the server.
      FinishLocked(grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("the subscriber did not keep up; resume after "
                       "sequence ",
                       delivered_)));
      cancel_if_stuck_ = true;
      return absl::Now() + context_.slow_subscriber_timeout;
    }
    cancel = cancel_if_stuck_ && !done_;
    cancel_if_stuck_ = false;
    watched_ = false;
    return std::nullopt;
  }

  absl::Status FillLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return ReadWatched(context_, scope_, after_, buffer_);
  }

  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  const ServiceContext& context_;
  grpc::CallbackServerContext* const call_;
  std::atomic<int> references_{1};

  absl::Mutex mu_;
  int64_t after_ ABSL_GUARDED_BY(mu_);
  // The last event the subscriber took.
  int64_t delivered_ ABSL_GUARDED_BY(mu_);
  const WatchScope scope_;
  std::deque<v1::Event> buffer_ ABSL_GUARDED_BY(mu_);
  v1::Event current_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  // When the write in flight started, and whether the hub watches it.
  absl::Time write_started_ ABSL_GUARDED_BY(mu_);
  bool watched_ ABSL_GUARDED_BY(mu_) = false;
  // Finished for being stuck: cancel the call if it stays stuck.
  bool cancel_if_stuck_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;  // OnDone ran
};

// A stream that ends at once with `status`.
class RefusedStream final : public grpc::ServerWriteReactor<v1::Event> {
 public:
  explicit RefusedStream(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

absl::Status ReadWatched(const ServiceContext& context, const WatchScope& scope,
                         int64_t& after, std::deque<v1::Event>& out) {
  const size_t found_before = out.size();
  while (out.size() == found_before) {
    absl::StatusOr<store::IntactRead> read =
        store::ReadIntactEvents(*context.log, after, kReadBatch);
    if (!read.ok()) return read.status();
    const std::vector<store::StoredEvent>* events = &read->events;
    for (const store::StoredEvent& stored : *events) {
      after = stored.sequence;
      if (!scope.types.empty() &&
          !scope.types.contains(EventTypeName(stored.event.body))) {
        continue;
      }
      if (!scope.agency.empty() ? stored.agency != scope.agency
                                : !scope.principal.MayActFor(stored.agency)) {
        continue;
      }
      out.push_back(api::EventToProto(stored, stored.agency));
    }
    // The events before a damaged one go out first; the next read
    // starts at the damage and reports it.
    if (!read->damage.ok()) {
      return out.size() == found_before ? read->damage : absl::OkStatus();
    }
    if (static_cast<int64_t>(events->size()) < kReadBatch) break;
  }
  return absl::OkStatus();
}

absl::StatusOr<WatchScope> ScopeWatch(const access::Principal& principal,
                                      const v1::WatchRequest& request) {
  if (request.after_sequence() < 0) {
    return absl::InvalidArgumentError("after_sequence: must not be negative");
  }
  WatchScope scope;
  scope.after_sequence = request.after_sequence();
  for (int i = 0; i < request.types_size(); ++i) {
    const std::string field = absl::StrCat("types[", i, "]");
    RETURN_IF_ERROR(
        api::CheckCode(request.types(i), field, api::Presence::kRequired));
    if (!IsEventTypeName(request.types(i))) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": \"", request.types(i),
                       "\" is not an event type; expected one of ",
                       absl::StrJoin(EventTypeNames(), ", ")));
    }
    scope.types.insert(request.types(i));
  }
  RETURN_IF_ERROR(
      api::CheckCode(request.agency(), "agency", api::Presence::kOptional));
  // Anyone who may list an agency's dossiers may follow its events (the
  // one-stop-shop software sends its notices from them). Without an agency
  // filter a scoped principal sees its own agencies.
  scope.agency = request.agency();
  if (!scope.agency.empty() || principal.all_agencies) {
    RETURN_IF_ERROR(access::Authorize(
        principal, access::Operation::kListDossiers, scope.agency));
  } else if (!access::RoleMayPerform(principal.role,
                                     access::Operation::kListDossiers)) {
    return access::Authorize(principal, access::Operation::kListDossiers,
                             principal.agencies.front());
  }
  scope.principal = principal;
  return scope;
}

grpc::ServerWriteReactor<v1::Event>* SupervisionService::WatchEvents(
    grpc::CallbackServerContext* call, const v1::WatchRequest* request) {
  absl::StatusOr<access::Principal> principal = Authenticate(context_, call);
  if (!principal.ok()) {
    return new RefusedStream(api::ToGrpcStatus(principal.status()));
  }
  absl::StatusOr<WatchScope> scope = ScopeWatch(*principal, *request);
  if (!scope.ok()) return new RefusedStream(api::ToGrpcStatus(scope.status()));
  return new EventStream(context_, call, *std::move(scope));
}

}  // namespace motcua::server
