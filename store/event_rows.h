#ifndef MOTCUA_STORE_EVENT_ROWS_H_
#define MOTCUA_STORE_EVENT_ROWS_H_

// Reading rows of the `events` table: shared by the store's reads and the
// offline audit.

#include <string>

#include "absl/status/statusor.h"
#include "store/event_codec.h"
#include "store/hash_chain.h"
#include "store/sqlite.h"
#include "store/types.h"

namespace motcua::store {

// The select list that the functions below read, in this order.
inline constexpr char kEventColumns[] =
    "sequence, dossier_code, dossier_version, type, occurred_at, "
    "recorded_at, actor, rule_version, payload, previous_hash, hash";

// The same, then the dossier's agency: a statement selecting this reads
// `FROM events LEFT JOIN dossiers ON code = dossier_code` (no column name is
// in both tables).
inline constexpr char kEventColumnsWithAgency[] =
    "sequence, dossier_code, dossier_version, type, occurred_at, "
    "recorded_at, actor, rule_version, payload, previous_hash, hash, agency";

// The chained fields of the current row, viewing the statement's memory:
// valid until the next Step.
ChainedFields ChainedFieldsOfRow(const Statement& row);

// An event from its stored columns: the chained fields, the hash-chain
// links and the dossier's agency (empty when not read). When `request` is
// not null it receives the request id and command fingerprint kept in the
// payload. DATA_LOSS, naming the sequence, when the payload does not decode
// or does not match the type column. Every backend's reads build events
// with it.
absl::StatusOr<StoredEvent> StoredEventOfFields(const ChainedFields& fields,
                                                absl::string_view previous_hash,
                                                absl::string_view hash,
                                                absl::string_view agency,
                                                RequestTag* request = nullptr);

// The current row as an event. When `request` is not null it receives the
// request id and command fingerprint kept in the payload. DATA_LOSS, naming the
// sequence, when the payload does not decode or does not match the type column.
absl::StatusOr<StoredEvent> StoredEventOfRow(const Statement& row,
                                             RequestTag* request = nullptr);

// Runs `statement` (already bound, selecting kEventColumns) to the end.
absl::StatusOr<std::vector<StoredEvent>> ReadAllEvents(Statement& statement);

}  // namespace motcua::store

#endif  // MOTCUA_STORE_EVENT_ROWS_H_
