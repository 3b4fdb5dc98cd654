#ifndef MOTCUA_BENCH_FILL_PLAN_H_
#define MOTCUA_BENCH_FILL_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "engine/lifecycle.h"
#include "engine/rules.h"

namespace motcua::bench {

// The commands of a synthetic office history, in the order they happen:
// dossiers received over a period and carried through their lifecycle, so
// that at the end a realistic share is resolved, returned, paused, still
// within time, or overdue.
struct FillShape {
  int64_t dossiers = 1000000;
  absl::Time first;  // receipts from here ...
  absl::Time end;    // ... to here; nothing happens after it ("now")
  std::vector<std::string> agencies;
  uint64_t seed = 1;
};

// One command of the history, compact: 16 bytes, so that millions fit.
struct PlannedStep {
  int64_t at_micros = 0;  // when it happens (Unix microseconds)
  uint32_t dossier = 0;
  uint8_t action = 0;  // FillAction
  uint8_t argument = 0;
};

enum class FillAction : uint8_t {
  kSubmit,
  kHandOverToNextStep,
  kHandOverToUnit,
  kRequestSupplement,
  kReceiveSupplement,
  kResolve,
  kReturnResult,
  kReject,
  kWithdraw,
};

// What is drawn once per dossier.
struct PlannedDossier {
  int64_t received_micros = 0;
  uint16_t procedure = 0;  // index into FillPlan::procedures
  uint16_t agency = 0;
  uint8_t channel = 1;  // Channel
};

struct FillPlan {
  std::vector<std::string> procedure_codes;
  std::vector<std::string> agencies;
  std::vector<PlannedDossier> dossiers;
  std::vector<PlannedStep> steps;  // sorted by time; a dossier's in order
};

// Draws the history. Errors come from the calendars (a period they do not
// cover) or from rules without a procedure in force over the period.
absl::StatusOr<FillPlan> PlanFill(const RuleSet& rules, const FillShape& shape);

// "FILL-0000123": the code of dossier `index`.
std::string FillDossierCode(uint32_t index);

// The engine's command for one step of the plan.
Command FillCommand(const FillPlan& plan, const PlannedStep& step);

}  // namespace motcua::bench

#endif  // MOTCUA_BENCH_FILL_PLAN_H_
