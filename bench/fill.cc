#include "bench/fill.h"

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "engine/lifecycle.h"

namespace motcua::bench {
namespace {

// The plan cut into steps of the fake clock: each run of commands falls in
// one step and is decided at its end (never after the end of the history).
class Steps {
 public:
  Steps(const FillPlan& plan, absl::Time end, absl::Duration step)
      : plan_(plan),
        step_micros_(std::max<int64_t>(1, absl::ToInt64Microseconds(step))),
        end_micros_(absl::ToUnixMicros(end)) {}

  // Calls `run(first, last, decided_at)` for each step's commands
  // [first, last), in order; stops at the first error.
  template <typename Run>
  absl::Status ForEach(Run run) const {
    size_t next = 0;
    while (next < plan_.steps.size()) {
      const int64_t bucket = plan_.steps[next].at_micros / step_micros_;
      const int64_t decided_at =
          std::min(end_micros_, (bucket + 1) * step_micros_);
      size_t last = next;
      while (last < plan_.steps.size() &&
             plan_.steps[last].at_micros / step_micros_ == bucket) {
        ++last;
      }
      if (absl::Status status =
              run(next, last, absl::FromUnixMicros(decided_at));
          !status.ok()) {
        return status;
      }
      next = last;
    }
    return absl::OkStatus();
  }

 private:
  const FillPlan& plan_;
  const int64_t step_micros_;
  const int64_t end_micros_;
};

void Progress(const std::function<void(size_t)>& progress, size_t done) {
  if (progress != nullptr) progress(done);
}

}  // namespace

absl::StatusOr<FillTally> FillInBulk(
    const FillPlan& plan, const RuleSet& rules, absl::Time end,
    absl::Duration step, store::BulkLoader& loader,
    const std::function<void(size_t done)>& progress) {
  // Each dossier's last command: after it, its rows are written and it
  // leaves memory, so that only the dossiers still moving are held.
  std::vector<uint32_t> last_step(plan.dossiers.size(), 0);
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    last_step[plan.steps[i].dossier] = static_cast<uint32_t>(i);
  }
  FillTally tally;
  absl::Status status =
      Steps(plan, end, step)
          .ForEach([&](size_t first, size_t last,
                       absl::Time decided_at) -> absl::Status {
            ++tally.clock_steps;
            for (size_t i = first; i < last; ++i) {
              const Command command = FillCommand(plan, plan.steps[i]);
              absl::StatusOr<std::vector<Event>> decided =
                  Decide(loader.Find(command.dossier_code), command, rules,
                         decided_at);
              if (!decided.ok()) {
                if (++tally.refused <= 5) {
                  std::cerr << "a command was refused: " << decided.status()
                            << "\n";
                }
              } else {
                ++tally.commands;
                tally.events += static_cast<int64_t>(decided->size());
                if (absl::Status appended =
                        loader.Append(*std::move(decided), decided_at);
                    !appended.ok()) {
                  return appended;
                }
              }
              if (last_step[plan.steps[i].dossier] == i) {
                if (absl::Status finished =
                        loader.FinishDossier(command.dossier_code);
                    !finished.ok()) {
                  return finished;
                }
              }
            }
            Progress(progress, last);
            return absl::OkStatus();
          });
  if (!status.ok()) return status;
  return tally;
}

absl::StatusOr<FillTally> FillThroughStore(
    const FillPlan& plan, absl::Time end, absl::Duration step,
    store::EventStore& store, FakeClock& clock,
    const std::function<void(size_t done)>& progress) {
  // The writer thread answers; each step waits for the one before, as
  // the clock may only move when nothing is in flight.
  absl::Mutex mu;
  int64_t in_flight = 0;
  FillTally tally;
  auto drain = [&] {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int64_t* count) { return *count == 0; }, &in_flight));
  };
  absl::Status status =
      Steps(plan, end, step)
          .ForEach([&](size_t first, size_t last,
                       absl::Time decided_at) -> absl::Status {
            drain();
            clock.Set(decided_at);
            ++tally.clock_steps;
            for (size_t i = first; i < last; ++i) {
              store::CommandRequest request;
              request.command = FillCommand(plan, plan.steps[i]);
              {
                absl::MutexLock lock(&mu);
                ++in_flight;
              }
              absl::Status queued = store.Execute(
                  std::move(request), [&](store::CommandOutcome outcome) {
                    absl::MutexLock lock(&mu);
                    --in_flight;
                    if (!outcome.status.ok()) {
                      if (++tally.refused <= 5) {
                        std::cerr << "a command was refused: " << outcome.status
                                  << "\n";
                      }
                      return;
                    }
                    ++tally.commands;
                    tally.events += static_cast<int64_t>(outcome.events.size());
                  });
              if (!queued.ok()) {
                absl::MutexLock lock(&mu);
                --in_flight;
                return queued;
              }
            }
            Progress(progress, last);
            return absl::OkStatus();
          });
  drain();
  if (!status.ok()) return status;
  absl::MutexLock lock(&mu);
  return tally;
}

}  // namespace motcua::bench
