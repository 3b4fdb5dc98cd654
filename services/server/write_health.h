#ifndef MOTCUA_SERVICES_SERVER_WRITE_HEALTH_H_
#define MOTCUA_SERVICES_SERVER_WRITE_HEALTH_H_

#include <atomic>
#include <cstdint>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "store/types.h"

namespace motcua::server {

// Whether the store can still write, from what became of its batches. A
// full disk refuses every command UNAVAILABLE while reads go on, so the
// clients see it one by one and the operator nowhere: this makes it a log
// line (the first failure at once, then at most one line per
// kLogInterval with the count of refusals in between), a counter, and a
// health status that is not serving for writes until a batch writes again.
class WriteHealth {
 public:
  static constexpr absl::Duration kLogInterval = absl::Seconds(10);

  // `on_change(serving)` runs when writes start failing (false) and when a
  // write succeeds again (true), on the thread of Observe.
  WriteHealth(const Clock* clock, std::function<void(bool)> on_change)
      : clock_(clock), on_change_(std::move(on_change)) {}

  WriteHealth(const WriteHealth&) = delete;
  WriteHealth& operator=(const WriteHealth&) = delete;

  // One batch of the writer (CommandSink::SetBatchObserver).
  void Observe(const store::BatchResult& result);

  // Commands refused because the disk was full, since start.
  uint64_t storage_full_commands() const { return storage_full_.load(); }
  // OK while writes succeed; UNAVAILABLE saying since when and why while
  // the disk is full.
  absl::Status Status() const;

 private:
  const Clock* const clock_;
  const std::function<void(bool)> on_change_;
  std::atomic<uint64_t> storage_full_{0};

  mutable absl::Mutex mu_;
  bool failing_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time failing_since_ ABSL_GUARDED_BY(mu_);
  absl::Status last_failure_ ABSL_GUARDED_BY(mu_);
  absl::Time last_logged_ ABSL_GUARDED_BY(mu_);
  // Refusals since the last line logged, and since writes started failing.
  uint64_t unlogged_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t refused_while_failing_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace motcua::server

#endif  // MOTCUA_SERVICES_SERVER_WRITE_HEALTH_H_
