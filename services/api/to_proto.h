#ifndef MOTCUA_SERVICES_API_TO_PROTO_H_
#define MOTCUA_SERVICES_API_TO_PROTO_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/dossier.h"
#include "engine/lifecycle.h"
#include "engine/rules.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "motcua/v1/service.pb.h"
#include "services/api/proto_time.h"  // TimeToProto, DurationToProto
#include "store/types.h"

namespace motcua::api {

// The engine's and the store's types translated into the API's messages
// (motcua.v1). Nothing here fails: every value the engine holds has a place
// in the API.

v1::DossierState StateToProto(LifecycleState state);
v1::Channel ChannelToProto(Channel channel);
// CLASSIFICATION_UNSPECIFIED while not resolved.
v1::Classification ClassificationToProto(Classification classification);

// The working and calendar time left before the dossier's due time at
// `now` (engine TimeLeftOf), counted in the calendar the engine decides it
// with (its pinned procedure version's in `rules`; failing that, the
// calendar it was received under, by name); negative when late. While the
// clock is paused the count stands still at the start of the pause (the due
// time moves when the pause ends). Nullopt once resolved or closed, without
// `rules`, when the rules no longer hold the dossier's calendar, or when the
// calendar does not cover the dates.
std::optional<TimeLeft> DossierTimeLeft(const Dossier& dossier, absl::Time now,
                                        const RuleSet* rules_or_null);

// The open step of `dossier` at `now` as the engine counts it
// (OpenStepStanding), in the calendar DossierTimeLeft uses. Nullopt when no
// step is open, without `rules`, when the rules no longer hold the
// dossier's calendar, or when the calendar does not cover the dates.
std::optional<StepStanding> OpenStepStandingOf(const Dossier& dossier,
                                               absl::Time now,
                                               const RuleSet* rules_or_null);

// The budget of the dossier's open step as its pinned procedure version
// states it ("2wh"); empty when no step is open, the unit is outside the
// steps, or the rules no longer hold the version.
std::string OpenStepBudget(const Dossier& dossier,
                           const RuleSet* rules_or_null);

// Every field of v1::Dossier, as of `now`:
// - working_time_left, calendar_time_left and past_due as DossierTimeLeft
//   above (unset when it is nullopt);
// - entered_late and recorded_at for a receipt entered late;
// - due_time_provisional and provisional_days from the calendar in force;
// - current_step, current_unit and current_step_due_at from the open step
//   (empty/unset when none is open);
// - control_sheet in order; for the open step, `used` and `late` are
//   counted up to now (up to the start of a pause) with the calendar, as the
//   engine will count them when the step ends, and left zero/false without
//   one;
// - paused: every reason ("supplement", "financial_obligation", "stopped"),
//   with the working time of a pause still running counted up to now when
//   the calendar is known;
// - portal_status: the National Public Service Portal code of the state.
v1::Dossier DossierToProto(const Dossier& dossier, absl::Time now,
                           const RuleSet* rules_or_null);

// One stored event. `agency` is the dossier's (events after the receipt do
// not carry it; for a receipt an empty `agency` is taken from the event).
// The description is text::DescribeEvent, with times at UTC+07:00.
v1::Event EventToProto(const store::StoredEvent& stored,
                       absl::string_view agency);

// Every pause of the clock the dossier's events record, in order, the one
// under way (a pause not ended by the last event) without ended_at.
void PausesToProto(const std::vector<store::StoredEvent>& events,
                   v1::Dossier* dossier);

// The answer to a command that succeeded (the caller maps a refusal with
// ToGrpcStatus instead): the dossier as of `now`, the events appended, and
// whether it answered a retry.
v1::CommandReply ReplyToProto(const store::CommandOutcome& outcome,
                              absl::Time now, const RuleSet* rules_or_null);

}  // namespace motcua::api

#endif  // MOTCUA_SERVICES_API_TO_PROTO_H_
