#include "store/command_decision.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"
#include "store/command_fingerprint.h"

namespace motcua::store {
namespace {

Decision Refusal(absl::Status status) {
  Decision decision;
  decision.answer = CommandOutcome::Refusal(std::move(status));
  return decision;
}

// The answer to `request`, whose request id was first used by the command
// that `first` records: that command's answer when `request` is the same
// command (`fingerprint`) from the same caller, who may still see the
// dossier; otherwise ALREADY_EXISTS.
Decision AnswerUsedRequestId(CommandStorage& storage,
                             const CommandRequest& request,
                             const RequestRecord& first,
                             absl::string_view fingerprint) {
  // The first command's answer is the dossier as it left it, rebuilt from
  // its events (retries are rare; the log is the truth). Its last event
  // also says who sent it: the actor, the caller's name.
  Event first_event;
  absl::StatusOr<Dossier> first_answer = DossierAtVersion(
      storage, first.dossier_code, first.dossier_version, &first_event);
  if (!first_answer.ok()) return Refusal(first_answer.status());
  // A request id belongs to the caller who first used it, and its answer
  // shows a dossier: anyone else, or the owner no longer allowed to see the
  // dossier, learns only that the id is taken.
  if (first_event.actor != request.command.actor ||
      (request.may_see && !request.may_see(first_answer->agency))) {
    return Refusal(absl::AlreadyExistsError(absl::StrCat(
        "request_id: ", request.request_id,
        " is already taken; send each command with a request_id of its "
        "own")));
  }
  // A command logged before fingerprints were kept is compared by what its
  // events tell: the dossier, and the action by the type of its last event.
  const bool same_command =
      first.fingerprint.empty()
          ? first.dossier_code == request.command.dossier_code &&
                ActionEventTypeName(request.command.action) ==
                    EventTypeName(first_event.body)
          : first.fingerprint == fingerprint;
  if (!same_command) {
    absl::string_view action =
        ActionNameOfEventType(EventTypeName(first_event.body));
    return Refusal(absl::AlreadyExistsError(absl::StrCat(
        "request_id: ", request.request_id, " was already used for ",
        action.empty() ? "another command" : action, " on dossier ",
        first.dossier_code,
        "; a different command needs a new request_id (a retry sends the "
        "same command again)")));
  }
  Decision decision;
  decision.answer.dossier = *std::move(first_answer);
  decision.answer.repeated = true;
  return decision;
}

}  // namespace

Decision DecideCommand(const CommandRequest& request, const RuleSet& rules,
                       absl::Time now, CommandStorage& storage) {
  const Command& command = request.command;
  RequestTag tag;
  if (!request.request_id.empty()) {
    tag.id = request.request_id;
    tag.fingerprint = CommandFingerprint(request);
    absl::StatusOr<std::optional<RequestRecord>> first =
        storage.LoadRequest(request.request_id);
    if (!first.ok()) return Refusal(first.status());
    if (first->has_value()) {
      return AnswerUsedRequestId(storage, request, **first, tag.fingerprint);
    }
  }

  absl::StatusOr<const Dossier*> found =
      storage.FindDossier(command.dossier_code);
  if (!found.ok()) return Refusal(found.status());
  const Dossier* before = *found;
  // Another agency's dossier is decided as if the code named none, so that
  // no refusal (a stale version, a lifecycle state, different content)
  // tells the caller more than a missing code would.
  const bool hidden =
      before != nullptr && request.may_see && !request.may_see(before->agency);
  const Dossier* seen = hidden ? nullptr : before;
  if (request.expected_version.has_value() && seen != nullptr &&
      seen->version != *request.expected_version) {
    return Refusal(absl::AbortedError(absl::StrCat(
        "dossier ", command.dossier_code, " is at version ", seen->version,
        "; the command expected version ", *request.expected_version)));
  }

  absl::StatusOr<std::vector<Event>> decided =
      Decide(seen, command, rules, now);
  if (!decided.ok()) return Refusal(decided.status());
  if (hidden) {
    // Only a submission gets here (any other action on a code that names
    // no dossier is NOT_FOUND): the code is taken, which is all the
    // refusal can tell, and what a valid submission cannot avoid learning.
    return Refusal(DossierExistsError(command.dossier_code));
  }
  if (decided->empty()) {
    // The same submission again: answer with the dossier as it is.
    if (before == nullptr) {
      return Refusal(absl::InternalError(
          absl::StrCat("the engine decided nothing for dossier ",
                       command.dossier_code, ", which does not exist")));
    }
    Decision decision;
    decision.answer.dossier = *before;
    decision.answer.repeated = true;
    return decision;
  }
  Decision decision;
  decision.events = *std::move(decided);
  decision.tag = std::move(tag);
  decision.before = before;
  return decision;
}

absl::Status AppendDecided(Decision& decision, absl::Time now, LogChain& chain,
                           CommandStorage& storage, CommandOutcome& outcome) {
  // One copy of the state for the command, applied event by event; the
  // state before an event is the stored one for the first (the caller's,
  // untouched), and a copy only when a command appends several.
  Dossier after = decision.before != nullptr ? *decision.before : Dossier();
  const Dossier* before = decision.before;
  Dossier previous;
  for (size_t i = 0; i < decision.events.size(); ++i) {
    ASSIGN_OR_RETURN(SealedEvent sealed,
                     chain.Seal(std::move(decision.events[i]), decision.tag.id,
                                now, decision.tag.fingerprint));
    if (i > 0) {
      previous = after;
      before = &previous;
    }
    if (absl::Status status = Apply(after, sealed.stored.event); !status.ok()) {
      return absl::InternalError(absl::StrCat(
          "the engine's own event does not apply: ", status.message()));
    }
    RETURN_IF_ERROR(storage.Append(
        sealed, decision.tag,
        before != nullptr && before->version > 0 ? before : nullptr, after));
    outcome.events.push_back(std::move(sealed.stored));
  }
  decision.events.clear();
  outcome.dossier = std::move(after);
  return absl::OkStatus();
}

absl::StatusOr<Dossier> DossierAtVersion(CommandStorage& storage,
                                         const std::string& code,
                                         int64_t version, Event* last) {
  ASSIGN_OR_RETURN(std::vector<StoredEvent> events,
                   storage.EventsToVersion(code, version));
  Dossier dossier;
  for (const StoredEvent& stored : events) {
    if (absl::Status status = Apply(dossier, stored.event); !status.ok()) {
      return absl::DataLossError(
          absl::StrCat("dossier ", code, ": event ", stored.sequence,
                       " does not apply: ", status.message()));
    }
  }
  if (dossier.version != version) {
    return absl::DataLossError(absl::StrCat(
        "dossier ", code, " has no version ", version, " in the log"));
  }
  if (last != nullptr) *last = std::move(events.back().event);
  return dossier;
}

}  // namespace motcua::store
