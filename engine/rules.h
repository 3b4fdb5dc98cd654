#ifndef MOTCUA_ENGINE_RULES_H_
#define MOTCUA_ENGINE_RULES_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/calendar.h"
#include "engine/source_location.h"
#include "engine/time_limit.h"

namespace motcua {

// What happens to the clock when a requested supplement arrives.
enum class SupplementPolicy {
  kPause,    // the time already used is kept; the clock resumes
  kRestart,  // the clock counts again, from the complete dossier
};
absl::string_view SupplementPolicyName(SupplementPolicy policy);

// The kind of event an escalation threshold appends when it is reached.
// Stored; never renumber.
enum class ThresholdEvent : int32_t {
  kDeadlineApproaching = 0,  // "deadline_approaching"
  kOverdue = 1,              // "overdue" ("step_overdue" for a step)
  kEscalated = 2,            // "escalated"
};
absl::string_view ThresholdEventName(ThresholdEvent event);

// When a threshold is reached.
struct ThresholdPoint {
  enum class Basis {
    kShareOfLimit,   // "50%": that share of the working time from start to due
    kRelativeToDue,  // "due", "due + 2wd", "due - 4wh"
  };
  Basis basis = Basis::kShareOfLimit;
  double share = 0;      // (0, 1] for kShareOfLimit
  WorkingOffset offset;  // for kRelativeToDue

  std::string ToString() const;  // "50%", "due", "due + 2wd"
};

struct EscalationThreshold {
  ThresholdPoint at;
  ThresholdEvent event = ThresholdEvent::kDeadlineApproaching;
  int level = 0;
  std::vector<std::string> notify_roles;
  std::vector<std::string> notify_units;
};

// Applies to a dossier (against its time limit) and to each of its steps
// (against the step's budget). Thresholds are kept in rule-file order.
struct EscalationLadder {
  std::string name;
  std::vector<EscalationThreshold> thresholds;
  SourceLocation where;
};

// The instant a threshold is reached for a clock that started at `start` and
// is due at `due`, having been paused for `paused` of working time since
// `start` (the due time already moved by it). A share counts the working
// time the clock ran: "50%" is reached when half of the limit is used, the
// pauses (all before that point) left out.
absl::StatusOr<absl::Time> ThresholdTime(
    const Calendar& calendar, const ThresholdPoint& point, absl::Time start,
    absl::Time due, absl::Duration paused = absl::ZeroDuration());

// A ladder has at most this many thresholds (each dossier remembers which it
// reached in one bit each).
inline constexpr size_t kMaxLadderThresholds = 32;

// One step of a procedure's internal process (quy trình nội bộ).
struct ProcedureStep {
  std::string id;
  std::string unit;
  TimeLimit budget;
};

// One version of a procedure, in force on [effective_from, effective_until]
// (local days, both included; no end means open-ended).
struct ProcedureVersion {
  std::string code;
  std::string name;
  std::string agency;
  std::string field;
  absl::CivilDay effective_from;
  std::optional<absl::CivilDay> effective_until;
  std::string calendar_name;
  TimeLimit limit;
  SupplementPolicy supplement = SupplementPolicy::kPause;
  std::vector<ProcedureStep> steps;
  std::string ladder_name;
  SourceLocation where;

  // Resolved when the rule set is built; never null in a loaded rule set.
  const Calendar* calendar = nullptr;
  const EscalationLadder* ladder = nullptr;
};

// A validated, immutable set of rules. Build one with LoadRules.
class RuleSet {
 public:
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  // Hex SHA-256 over every file's relative path and content: the rule
  // version recorded with each decision.
  const std::string& version() const { return version_; }

  const Calendar* FindCalendar(absl::string_view name) const;
  const EscalationLadder* FindLadder(absl::string_view name) const;

  // The version of procedure `code` in force on the local day of `at`.
  // NOT_FOUND for an unknown code; FAILED_PRECONDITION when no version is in
  // force on that day.
  absl::StatusOr<const ProcedureVersion*> FindProcedure(absl::string_view code,
                                                        absl::Time at) const;
  // A specific version, by code and effective-from day; null when unknown.
  const ProcedureVersion* FindProcedureVersion(
      absl::string_view code, absl::CivilDay effective_from) const;

  const std::map<std::string, Calendar, std::less<>>& calendars() const {
    return calendars_;
  }
  const std::map<std::string, EscalationLadder, std::less<>>& ladders() const {
    return ladders_;
  }
  // Versions of each code, ordered by effective_from.
  const std::map<std::string, std::vector<ProcedureVersion>, std::less<>>&
  procedures() const {
    return procedures_;
  }
  size_t file_count() const { return file_count_; }

 private:
  friend class RuleSetBuilder;
  RuleSet() = default;

  std::string version_;
  size_t file_count_ = 0;
  std::map<std::string, Calendar, std::less<>> calendars_;
  std::map<std::string, EscalationLadder, std::less<>> ladders_;
  std::map<std::string, std::vector<ProcedureVersion>, std::less<>> procedures_;
};

// One rule file: its path relative to the rules directory and its content.
struct RuleSource {
  std::string path;
  std::string content;
};

// Either a rule set or every error found; a rule set with any error is
// refused whole.
struct RuleLoadResult {
  std::unique_ptr<const RuleSet> rules;
  std::vector<RuleError> errors;
};

// Parses and validates rule files. Errors name file, line and column.
RuleLoadResult LoadRules(const std::vector<RuleSource>& sources);

// The engine reads no files: services/rules_files reads a rules directory
// into RuleSources (LoadRulesFromDirectory).

// A step of the internal process as planned for one receipt: each step
// starts when the one before it is due (at the next working instant, when
// that is the end of a period).
struct PlannedStep {
  const ProcedureStep* step = nullptr;
  absl::Time start;
  absl::Time due;
};

// The steps of `procedure` planned from `clock_start` (where the dossier's
// clock starts). OUT_OF_RANGE when the calendar does not cover them.
absl::StatusOr<std::vector<PlannedStep>> PlanSteps(
    const ProcedureVersion& procedure, absl::Time clock_start);

// Warnings, not errors: the procedure versions whose planned steps end after
// the dossier's own due time for a receipt at some time of a working day.
// Receipt times are tried minute by minute over a working day of each
// distinct weekly pattern of the procedure's calendar; each warning names
// the procedure, its version, the first receipt time that does not fit and
// the worst one, with how far the steps overrun.
std::vector<RuleError> StepFitWarnings(const RuleSet& rules);

}  // namespace motcua

#endif  // MOTCUA_ENGINE_RULES_H_
