#ifndef MOTCUA_ENGINE_CLOCK_H_
#define MOTCUA_ENGINE_CLOCK_H_

#include <atomic>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace motcua {

// The source of "now", injected wherever time is read, so that tests move a
// fake clock instead of sleeping. The engine itself never reads a clock: it
// is given `now`.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start) : nanos_(absl::ToUnixNanos(start)) {}
  absl::Time Now() const override {
    return absl::FromUnixNanos(nanos_.load(std::memory_order_acquire));
  }
  void Set(absl::Time now) {
    nanos_.store(absl::ToUnixNanos(now), std::memory_order_release);
  }
  void Advance(absl::Duration by) { Set(Now() + by); }

 private:
  std::atomic<int64_t> nanos_;
};

}  // namespace motcua

#endif  // MOTCUA_ENGINE_CLOCK_H_
