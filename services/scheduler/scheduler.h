#ifndef MOTCUA_SERVICES_SCHEDULER_SCHEDULER_H_
#define MOTCUA_SERVICES_SCHEDULER_SCHEDULER_H_

// The deadline scheduler: notices escalation thresholds falling due when
// nobody calls, and has the engine record them.
//
// It keeps no timer per dossier. The `thresholds` projection holds the next
// threshold of every watched deadline, indexed by time; the scheduler reads
// the due part of it a window at a time and submits one internal
// "reach thresholds" command per dossier to the store's writer, with a
// bounded number in flight, so that commands from callers interleave with
// a burst. The engine decides each command against the dossier as it is
// then (a threshold already reached, or moved by a pause, appends nothing),
// and the event and the moved index row commit in one transaction: each
// threshold is recorded once across retries, restarts and reloads. One
// Boost.Asio timer waits for the earliest pending threshold.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/escalation.h"
#include "services/metrics/metrics.h"
#include "store/command_sink.h"
#include "store/read_model.h"

namespace motcua::scheduler {

struct SchedulerOptions {
  // Thresholds read from the index at a time: what the scheduler holds in
  // memory.
  int window = 4096;
  // Scheduler commands waiting at the writer at once. Callers' commands
  // queue behind at most this many.
  int max_in_flight = 64;
  // The longest the timer waits before looking at the index again (a
  // dossier received meanwhile may have a threshold already due).
  absl::Duration longest_wait = absl::Seconds(1);
};

// What one pass did.
struct PassResult {
  int64_t commands = 0;     // commands submitted
  int64_t thresholds = 0;   // threshold events appended
  int64_t due_changes = 0;  // due-time-changed events appended
  int64_t failures = 0;     // commands refused or not committed
  absl::Status first_failure;
};

class DeadlineScheduler {
 public:
  // Submits its commands to `commands` and finds what is due in
  // `read_model`; both outlive the scheduler.
  DeadlineScheduler(store::CommandSink& commands, store::ReadModel& read_model,
                    const Clock& clock, metrics::ServerMetrics& metrics,
                    SchedulerOptions options = {});
  ~DeadlineScheduler();  // Stop()
  DeadlineScheduler(const DeadlineScheduler&) = delete;
  DeadlineScheduler& operator=(const DeadlineScheduler&) = delete;

  // Starts the timer thread. Its first pass fires at once whatever fell due
  // while the server was down.
  void Start();
  // Stops submitting (a pass in progress ends after its commands in
  // flight), stops the thread. Idempotent.
  void Stop();

  // One pass at the clock's now: every threshold due is recorded. Also run
  // by the timer; passes never overlap.
  PassResult FireDue();

  // After the rules changed: has the engine recompute the due times and
  // schedules of every open dossier the change can touch (running dossiers
  // with a deadline or threshold from `change.from` on, and paused ones).
  // Synchronous; RulesChanged queues the same on the timer thread.
  PassResult Recompute(const RuleChange& change);
  void RulesChanged(const RuleChange& change);

 private:
  class Flight;

  void Loop();                    // on the timer thread
  void Arm(absl::Duration wait);  // Loop again after `wait`
  // Submits one internal command, waiting while too many are in flight.
  void Submit(Flight& flight, const std::string& code, Action action);

  store::CommandSink& commands_;
  store::ReadModel& read_model_;
  const Clock& clock_;
  metrics::ServerMetrics& metrics_;
  const SchedulerOptions options_;

  absl::Mutex pass_mu_;  // one pass at a time

  struct Io;
  std::unique_ptr<Io> io_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  int failed_passes_ = 0;  // consecutive, on the timer thread
};

}  // namespace motcua::scheduler

#endif  // MOTCUA_SERVICES_SCHEDULER_SCHEDULER_H_
