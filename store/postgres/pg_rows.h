#ifndef MOTCUA_STORE_POSTGRES_PG_ROWS_H_
#define MOTCUA_STORE_POSTGRES_PG_ROWS_H_

// Reading rows of the `events` table on PostgreSQL: shared by the writer
// (a retried command's first answer) and the reads.

#include <vector>

#include "absl/status/statusor.h"
#include "store/postgres/pq.h"
#include "store/types.h"

namespace motcua::store::pg {

// Every row of `result`, which selects store/event_rows.h's kEventColumns
// (or kEventColumnsWithAgency), as events. DATA_LOSS naming the sequence
// when one does not decode.
absl::StatusOr<std::vector<StoredEvent>> EventsOfResult(const Result& result);

}  // namespace motcua::store::pg

#endif  // MOTCUA_STORE_POSTGRES_PG_ROWS_H_
