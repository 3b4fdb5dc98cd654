#ifndef MOTCUA_ENGINE_COMMANDS_H_
#define MOTCUA_ENGINE_COMMANDS_H_

// The commands a caller (or the engine's own scheduler) gives about one
// dossier: what Decide (engine/lifecycle.h) validates and decides.

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/dossier.h"
#include "engine/time_limit.h"

namespace motcua {

// ---------------------------------------------------------------------------
// Actions: what a caller asks for. Each is validated and decided by Decide.

// Whether the caller may enter a kind of receipt, by its role
// (services/access): the desks enter receipts within the backdating bound,
// officers those beyond it. Decided by the server, never by the request.
enum class EntryPermission { kDenied, kGranted };

// How far in the past a receipt time may lie when it is entered: a policy of
// the server (its configuration), measured in the procedure's calendar.
struct ReceiptPolicy {
  // A receipt is entered in time while this limit, counted from the receipt
  // as a due time would be (without cut-off), has not run out: with "1wd", a
  // receipt of Monday 10:00 may be entered until Tuesday 10:00.
  TimeLimit max_backdate{LimitUnit::kWorkingDays, 1, std::nullopt};
  // A receipt in the future by more than this is refused: a desk clock a few
  // minutes ahead is tolerated.
  absl::Duration max_clock_skew = absl::Minutes(5);
  // A receipt within the bound (the intake role's submit).
  EntryPermission in_time_entry = EntryPermission::kGranted;
  // A receipt beyond the bound, with a reason (enter_late_receipt).
  EntryPermission late_entry = EntryPermission::kDenied;
};

struct SubmitAction {
  std::string procedure_code;
  std::string agency;  // the receiving agency, e.g. "ubnd-xa-tan-dinh"
  Channel channel = Channel::kInPerson;
  absl::Time received_at;
  std::string summary;  // free text without personal data, optional
  // Why a receipt older than the bound is entered now; required for one,
  // recorded in its event, ignored for a receipt within the bound.
  std::string late_entry_reason;
  ReceiptPolicy policy;  // filled by the server
};
struct HandOverAction {
  std::string to_step;  // optional: default is the next step of the procedure
  std::string to_unit;  // optional: default is the step's unit
  std::string note;
};
struct RequestSupplementAction {
  std::vector<std::string> missing;  // what is missing, at least one entry
};
struct ReceiveSupplementAction {};
struct RequestFinancialObligationAction {
  std::string description;
};
struct ConfirmFinancialObligationAction {};
struct StopAction {
  std::string reason;
};
struct ResumeAction {};
struct ApologiseAction {
  std::string reason;
  absl::Time new_appointment;
};
struct ResolveAction {
  std::string result;
};
struct ReturnResultAction {};
struct RejectAction {
  std::string reason;
};
struct WithdrawAction {
  std::string reason;
};
// Internal: the deadline scheduler's. Appends an event for every threshold
// of the dossier's and its step's ladders that is due at `now` and not yet
// reached; nothing when none is.
struct ReachThresholdsAction {};
// Internal: after the rules changed (a holiday announced late, an edited
// ladder), computes the dossier's due times and escalation schedule again
// and records any change; nothing when nothing changed.
struct RecomputeDueAction {
  std::string reason;
};

using Action =
    std::variant<SubmitAction, HandOverAction, RequestSupplementAction,
                 ReceiveSupplementAction, RequestFinancialObligationAction,
                 ConfirmFinancialObligationAction, StopAction, ResumeAction,
                 ApologiseAction, ResolveAction, ReturnResultAction,
                 RejectAction, WithdrawAction, ReachThresholdsAction,
                 RecomputeDueAction>;

struct Command {
  std::string dossier_code;
  Action action;
  std::string actor;  // the authenticated caller
};

// "submit", "hand_over", "request_supplement", ... (engine/transitions.h
// holds the names with the states each action is allowed in).
absl::string_view ActionName(const Action& action);
// The name of the Action alternative at `index`; empty beyond the last.
absl::string_view ActionNameAt(size_t index);
// The type of the event an action appends last ("received" for "submit",
// "result_returned" for "return_result", ...): what the log keeps of a
// command. Empty for the internal actions, whose events vary.
absl::string_view ActionEventTypeName(const Action& action);
// The action whose last event has type `type`; empty when no caller's
// action appends it (thresholds, due time changes).
absl::string_view ActionNameOfEventType(absl::string_view type);

// NOT_FOUND "dossier <code> not found": the one answer for a code that names
// no dossier, and for a dossier the caller may not see (so that the answer
// does not tell the two apart).
absl::Status DossierNotFoundError(absl::string_view code);
// ALREADY_EXISTS "dossier <code> already exists with different content": a
// submission under a code that names another dossier.
absl::Status DossierExistsError(absl::string_view code);

// The actor of the events the deadline scheduler appends.
inline constexpr absl::string_view kSchedulerActor = "motcua-scheduler";

// The fingerprint of a submission's content, compared when the same dossier
// code is submitted again.
std::string SubmissionFingerprint(const std::string& dossier_code,
                                  const SubmitAction& submit);

}  // namespace motcua

#endif  // MOTCUA_ENGINE_COMMANDS_H_
