#ifndef MOTCUA_BENCH_FILL_H_
#define MOTCUA_BENCH_FILL_H_

// Carrying out a fill plan (bench/fill_plan.h): in bulk, into a new file
// (how motcua_fill fills), or command by command through a running store
// (what the bulk load must equal). Both decide the commands of one step of
// the fake clock at the step's end, in plan order, so that the two leave
// the same log and the same projections.

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/fill_plan.h"
#include "engine/clock.h"
#include "engine/rules.h"
#include "store/bulk_load.h"
#include "store/event_store.h"

namespace motcua::bench {

struct FillTally {
  int64_t commands = 0;  // accepted
  int64_t refused = 0;
  int64_t events = 0;
  int64_t clock_steps = 0;
};

// Every command of `plan`, decided by the engine and appended by `loader`
// (left open: the caller closes it). `progress` is called now and then
// with the commands done so far (may be empty).
absl::StatusOr<FillTally> FillInBulk(
    const FillPlan& plan, const RuleSet& rules, absl::Time end,
    absl::Duration step, store::BulkLoader& loader,
    const std::function<void(size_t done)>& progress = nullptr);

// The same through `store`, whose clock is `clock`.
absl::StatusOr<FillTally> FillThroughStore(
    const FillPlan& plan, absl::Time end, absl::Duration step,
    store::EventStore& store, FakeClock& clock,
    const std::function<void(size_t done)>& progress = nullptr);

}  // namespace motcua::bench

#endif  // MOTCUA_BENCH_FILL_H_
