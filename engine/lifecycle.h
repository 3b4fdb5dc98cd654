#ifndef MOTCUA_ENGINE_LIFECYCLE_H_
#define MOTCUA_ENGINE_LIFECYCLE_H_

// The lifecycle of a dossier: Decide turns a command into events, Apply
// folds events into the dossier's state. The commands are in
// engine/commands.h, the events in engine/events.h, the states each action
// is allowed in in engine/transitions.h, how a dossier stands at an
// instant in engine/standing.h.

#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/calendar.h"
#include "engine/commands.h"
#include "engine/dossier.h"
#include "engine/events.h"
#include "engine/rules.h"
#include "engine/standing.h"
#include "engine/time_limit.h"

namespace motcua {

// Decides what `command` does to `dossier` (null when no dossier has that
// code) at `now`, under `rules`. Returns the events to append, or:
// INVALID_ARGUMENT naming the field of a malformed command (an unknown
// procedure code included); NOT_FOUND for an unknown dossier;
// FAILED_PRECONDITION naming the state and the action when the lifecycle does
// not allow it; OUT_OF_RANGE when a calendar does not cover the dates. Every
// event carries the escalation schedule that follows it; a caller's command on
// an existing dossier first appends the escalation thresholds already due at
// `now` and not yet reached (actor kSchedulerActor), then its own events. Pure:
// reads nothing but its arguments.
absl::StatusOr<std::vector<Event>> Decide(const Dossier* dossier,
                                          const Command& command,
                                          const RuleSet& rules, absl::Time now);

// Applies one event. The first event of a dossier must be a ReceivedEvent
// applied to a default Dossier. Returns INTERNAL when the event does not fit
// the state (a corrupt log), and leaves the dossier as it was: replay
// reports it, it does not crash, and goes on from the state before.
absl::Status Apply(Dossier& dossier, const Event& event);

}  // namespace motcua

#endif  // MOTCUA_ENGINE_LIFECYCLE_H_
