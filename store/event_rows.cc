#include "store/event_rows.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "store/event_codec.h"

namespace motcua::store {

ChainedFields ChainedFieldsOfRow(const Statement& row) {
  ChainedFields fields;
  fields.sequence = row.ColumnInt(0);
  fields.dossier_code = row.ColumnText(1);
  fields.dossier_version = row.ColumnInt(2);
  fields.type = row.ColumnText(3);
  fields.occurred_at_micros = row.ColumnInt(4);
  fields.recorded_at_micros = row.ColumnInt(5);
  fields.actor = row.ColumnText(6);
  fields.rule_version = row.ColumnText(7);
  fields.payload = row.ColumnBlob(8);
  return fields;
}

absl::StatusOr<StoredEvent> StoredEventOfFields(const ChainedFields& fields,
                                                absl::string_view previous_hash,
                                                absl::string_view hash,
                                                absl::string_view agency,
                                                RequestTag* request) {
  absl::StatusOr<DecodedPayload> payload = DecodeEventPayload(fields.payload);
  if (!payload.ok()) {
    return absl::DataLossError(absl::StrCat("event ", fields.sequence, ": ",
                                            payload.status().message()));
  }
  StoredEvent stored;
  stored.sequence = fields.sequence;
  stored.recorded_at = FromStoredMicros(fields.recorded_at_micros);
  stored.event.dossier_code = std::string(fields.dossier_code);
  stored.event.dossier_version = fields.dossier_version;
  stored.event.occurred_at = FromStoredMicros(fields.occurred_at_micros);
  stored.event.actor = std::string(fields.actor);
  stored.event.rule_version = std::string(fields.rule_version);
  stored.event.body = std::move(payload->body);
  stored.event.schedule = payload->schedule;
  if (EventTypeName(stored.event.body) != fields.type) {
    return absl::DataLossError(
        absl::StrCat("event ", fields.sequence, ": type column \"", fields.type,
                     "\" does not match its payload (",
                     EventTypeName(stored.event.body), ")"));
  }
  stored.previous_hash = std::string(previous_hash);
  stored.hash = std::string(hash);
  stored.agency = std::string(agency);
  if (request != nullptr) {
    request->id = std::move(payload->request_id);
    request->fingerprint = std::move(payload->command_fingerprint);
  }
  return stored;
}

absl::StatusOr<StoredEvent> StoredEventOfRow(const Statement& row,
                                             RequestTag* request) {
  // Reads that join the dossier add its agency after the event's columns.
  return StoredEventOfFields(
      ChainedFieldsOfRow(row), row.ColumnBlob(9), row.ColumnBlob(10),
      row.ColumnCount() > 11 ? row.ColumnText(11) : absl::string_view(),
      request);
}

absl::StatusOr<std::vector<StoredEvent>> ReadAllEvents(Statement& statement) {
  std::vector<StoredEvent> events;
  while (true) {
    absl::StatusOr<bool> row = statement.Step();
    if (!row.ok()) {
      statement.Reset();
      return row.status();
    }
    if (!*row) break;
    absl::StatusOr<StoredEvent> stored = StoredEventOfRow(statement);
    if (!stored.ok()) {
      statement.Reset();
      return stored.status();
    }
    events.push_back(std::move(*stored));
  }
  statement.Reset();
  return events;
}

}  // namespace motcua::store
