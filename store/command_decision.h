#ifndef MOTCUA_STORE_COMMAND_DECISION_H_
#define MOTCUA_STORE_COMMAND_DECISION_H_

// How a backend's writer turns one command into events, whatever the
// database: the request id check, the dossier as the caller may see it,
// the expected version, the engine's Decide, and the append of what it
// decided (chain, Apply, projections). The SQLite and PostgreSQL writers
// both call these inside their open transaction, giving the storage they
// read and write through CommandStorage, so that every backend decides
// alike.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/rules.h"
#include "store/event_codec.h"
#include "store/log_writer.h"
#include "store/types.h"

namespace motcua::store {

// What a writer reads and writes for a command, inside its transaction.
class CommandStorage {
 public:
  virtual ~CommandStorage() = default;

  // The record of a used request id; nullopt when the id is unused.
  virtual absl::StatusOr<std::optional<RequestRecord>> LoadRequest(
      const std::string& request_id) = 0;
  // The dossier's current state, null when no dossier has the code; valid
  // until the next call. DATA_LOSS when its snapshot does not decode.
  virtual absl::StatusOr<const Dossier*> FindDossier(
      const std::string& code) = 0;
  // The dossier's events with dossier_version <= version, in version order.
  virtual absl::StatusOr<std::vector<StoredEvent>> EventsToVersion(
      const std::string& code, int64_t version) = 0;
  // Writes `sealed` to the log and every projection it changes (`before`
  // null for the dossier's first event).
  virtual absl::Status Append(const SealedEvent& sealed, const RequestTag& tag,
                              const Dossier* before, const Dossier& after) = 0;
};

// What one transaction of a writer did.
struct WrittenBatch {
  // OK when the batch committed; otherwise why not, and every outcome is a
  // refusal saying that nothing was recorded.
  absl::Status status;
  // One per command, in order.
  std::vector<CommandOutcome> outcomes;
  // Whether the batch appended events (a batch of refusals appends none).
  bool appended = false;
};

// What to do with one command.
struct Decision {
  // The answer when there is nothing to append (a refusal, a repeat).
  CommandOutcome answer;
  // The events to append; empty when `answer` is the answer.
  std::vector<Event> events;
  RequestTag tag;
  // The dossier before the command (null when new), as FindDossier gave it.
  const Dossier* before = nullptr;
};

// Decides `request` at `now` (at storage precision) against the storage's
// state. Writes nothing.
Decision DecideCommand(const CommandRequest& request, const RuleSet& rules,
                       absl::Time now, CommandStorage& storage);

// Appends the decided events after the chain's head, recorded at `now`,
// and fills `outcome` (the dossier after them, the stored events). On an
// error the caller undoes the writes and rewinds the chain.
absl::Status AppendDecided(Decision& decision, absl::Time now, LogChain& chain,
                           CommandStorage& storage, CommandOutcome& outcome);

// The dossier after its first `version` events, from the log. When `last`
// is not null it receives the event of that version. DATA_LOSS when the
// log does not hold them or they do not apply.
absl::StatusOr<Dossier> DossierAtVersion(CommandStorage& storage,
                                         const std::string& code,
                                         int64_t version,
                                         Event* last = nullptr);

}  // namespace motcua::store

#endif  // MOTCUA_STORE_COMMAND_DECISION_H_
