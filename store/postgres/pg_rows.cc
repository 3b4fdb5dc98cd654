#include "store/postgres/pg_rows.h"

#include <utility>

#include "engine/status_macros.h"
#include "store/event_rows.h"
#include "store/hash_chain.h"

namespace motcua::store::pg {

absl::StatusOr<std::vector<StoredEvent>> EventsOfResult(const Result& result) {
  std::vector<StoredEvent> events;
  events.reserve(result.rows());
  for (int row = 0; row < result.rows(); ++row) {
    ChainedFields fields;
    fields.sequence = result.Int(row, 0);
    fields.dossier_code = result.Text(row, 1);
    fields.dossier_version = result.Int(row, 2);
    fields.type = result.Text(row, 3);
    fields.occurred_at_micros = result.Int(row, 4);
    fields.recorded_at_micros = result.Int(row, 5);
    fields.actor = result.Text(row, 6);
    fields.rule_version = result.Text(row, 7);
    fields.payload = result.Bytes(row, 8);
    // Reads that join the dossier add its agency after the event's columns
    // (NULL, read as empty, when the dossier row is missing).
    ASSIGN_OR_RETURN(
        StoredEvent stored,
        StoredEventOfFields(fields, result.Bytes(row, 9), result.Bytes(row, 10),
                            result.columns() > 11 ? result.Text(row, 11)
                                                  : absl::string_view()));
    events.push_back(std::move(stored));
  }
  return events;
}

}  // namespace motcua::store::pg
