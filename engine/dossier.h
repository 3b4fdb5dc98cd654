#ifndef MOTCUA_ENGINE_DOSSIER_H_
#define MOTCUA_ENGINE_DOSSIER_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace motcua {

// The lifecycle states of a dossier (docs/lifecycle.md, "States"). The numbers
// are stored; never renumber.
enum class LifecycleState : int32_t {
  kReceived = 1,
  kProcessing = 2,
  kSupplementRequested = 3,
  kAwaitingFinancialObligation = 4,
  kStopped = 5,
  kResolved = 6,
  kReturned = 7,
  kRejected = 8,
  kWithdrawn = 9,
};
inline constexpr LifecycleState kAllLifecycleStates[] = {
    LifecycleState::kReceived,
    LifecycleState::kProcessing,
    LifecycleState::kSupplementRequested,
    LifecycleState::kAwaitingFinancialObligation,
    LifecycleState::kStopped,
    LifecycleState::kResolved,
    LifecycleState::kReturned,
    LifecycleState::kRejected,
    LifecycleState::kWithdrawn,
};

// "RECEIVED", "PROCESSING", ...
absl::string_view LifecycleStateName(LifecycleState state);
// The National Public Service Portal status code (TrangThaiHoSo).
int PortalStatusCode(LifecycleState state);
// RETURNED, REJECTED, WITHDRAWN.
bool IsTerminal(LifecycleState state);
// SUPPLEMENT_REQUESTED, AWAITING_FINANCIAL_OBLIGATION, STOPPED.
bool IsPaused(LifecycleState state);
// RECEIVED and PROCESSING: the states in which the clock counts, and
// deadlines are watched.
bool ClockRuns(LifecycleState state);

// Channel of receipt, numbered as the portal numbers them.
enum class Channel : int32_t {
  kInPerson = 1,
  kOnline = 2,
  kPostal = 3,
};
absl::string_view ChannelName(Channel channel);  // "in_person", ...

// Why the clock is paused. Stored; never renumber.
enum class PauseReason : int32_t {
  kSupplement = 0,
  kFinancialObligation = 1,
  kStopped = 2,
};
inline constexpr int kPauseReasonCount = 3;
absl::string_view PauseReasonName(PauseReason reason);

// How a resolved dossier compares with its due time. Stored.
enum class Classification : int32_t {
  kUnclassified = 0,
  kEarly = 1,
  kOnTime = 2,
  kLate = 3,
};
absl::string_view ClassificationName(Classification classification);

// One entry of the control sheet (phiếu kiểm soát quá trình): a step of the
// internal process while one unit held the dossier.
struct StepRecord {
  std::string step_id;  // empty for a hand-over to a unit outside the steps
  std::string unit;
  absl::Time started_at;
  // Where the step's own clock counts from: started_at, or the restart after
  // a supplement under the restart policy.
  absl::Time counted_from;
  absl::Time due_at;  // moved by pauses, renewed by a restart
  // Working time the step spent paused since counted_from.
  absl::Duration paused = absl::ZeroDuration();
  std::optional<absl::Time> ended_at;
  absl::Duration used = absl::ZeroDuration();  // working time, pauses left out
  bool late = false;                           // ended after due_at
  std::string handed_over_by;                  // actor of the hand-over

  // Whether the step has a budget of its own. A unit outside the
  // procedure's steps has none: its due_at is the dossier's, kept for the
  // control sheet, and it is never late on its own account (the dossier's
  // lateness stays the dossier's).
  bool has_budget() const { return !step_id.empty(); }
};

// A receipt entered later than the configured bound allows (a backdated
// receipt): when it was entered, why, and by whom. Reports of the periods it
// falls in changed when it was entered; this says so.
struct EnteredLate {
  absl::Time recorded_at;  // when the receipt was entered
  std::string reason;      // why it was entered late, as the officer gave it
  std::string by;          // the actor (token name) who entered it

  friend bool operator==(const EnteredLate&, const EnteredLate&) = default;
};

// The next threshold of an escalation ladder a deadline will reach.
struct PendingThreshold {
  int index = 0;  // the threshold's position in the ladder
  absl::Time at;  // when it is reached

  friend bool operator==(const PendingThreshold&,
                         const PendingThreshold&) = default;
};

// The escalation ladder as it runs against one deadline (the dossier's, or
// its open step's): which thresholds were reached, and which comes next.
struct ThresholdWatch {
  uint32_t reached = 0;  // bit i: threshold i was reached (an event exists)
  std::optional<PendingThreshold> next;

  bool Reached(int index) const { return (reached >> index) & 1u; }
  friend bool operator==(const ThresholdWatch&,
                         const ThresholdWatch&) = default;
};

// What a dossier pins at its receipt and keeps for its whole life: the
// procedure version it is handled under, where and how it was received. The
// receipt event carries one (ReceivedEvent is a Receipt) and the dossier
// holds the same one (Dossier is a Receipt), so that the fields are written
// once; as bases, so that `dossier.agency` reads as a dossier's agency.
struct Receipt {
  std::string procedure_code;
  absl::CivilDay procedure_effective_from;
  std::string agency;
  std::string field;
  Channel channel = Channel::kInPerson;
  std::string calendar;
  std::string summary;
  absl::Time received_at;
  // A fingerprint of the receipt's content, so that a resubmission can be
  // told apart from a different dossier under the same code.
  std::string submission_fingerprint;
  // Set when the receipt was entered beyond the backdating bound.
  std::optional<EnteredLate> entered_late;

  friend bool operator==(const Receipt&, const Receipt&) = default;
};

// The current state of one dossier: a projection of its events, rebuilt by
// applying them in order. Its Receipt is set by the receipt event and never
// changes after.
struct Dossier : Receipt {
  std::string code;
  int64_t version = 0;  // the number of events applied
  LifecycleState state = LifecycleState::kReceived;

  // The version of the rules in force at receipt.
  std::string rule_version;
  // Where the clock counts from: the clock start of the receipt, or of a
  // restart after a supplement.
  absl::Time clock_started_at;

  const Receipt& receipt() const { return *this; }

  // The due time of the dossier: moved by pauses and by a restart, never by
  // an apology.
  absl::Time due_at;
  std::optional<absl::Time> apology_appointment;

  std::vector<StepRecord> steps;  // the current step is the last, if open

  // Working time paused since clock_started_at (a restart clears it).
  absl::Duration clock_paused = absl::ZeroDuration();
  // The escalation ladder against the dossier's due time, and against the
  // open step's (renewed at each hand-over).
  ThresholdWatch dossier_watch;
  ThresholdWatch step_watch;

  // While paused: since when, and why.
  std::optional<absl::Time> paused_since;
  PauseReason pause_reason = PauseReason::kSupplement;
  std::array<absl::Duration, kPauseReasonCount> paused_by_reason{};
  std::vector<std::string> supplement_missing;

  Classification classification = Classification::kUnclassified;
  std::optional<absl::Time> resolved_at;
  std::optional<absl::Time> returned_at;
  std::optional<absl::Time> closed_at;  // rejected or withdrawn
  std::string closing_reason;

  const StepRecord* current_step() const {
    return !steps.empty() && !steps.back().ended_at.has_value() ? &steps.back()
                                                                : nullptr;
  }
};

}  // namespace motcua

#endif  // MOTCUA_ENGINE_DOSSIER_H_
