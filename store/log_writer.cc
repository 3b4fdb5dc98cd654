#include "store/log_writer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "store/event_codec.h"
#include "store/hash_chain.h"
#include "store/schema.h"

namespace motcua::store {

absl::StatusOr<SealedEvent> LogChain::Seal(
    Event event, absl::string_view request_id, absl::Time recorded_at,
    absl::string_view command_fingerprint) {
  SealedEvent sealed;
  sealed.payload = EncodeEventPayload(event.body, request_id, event.schedule,
                                      command_fingerprint);
  // Apply what is stored, not the engine's original: the two differ below
  // storage precision, and a replay only ever sees the stored one.
  absl::StatusOr<DecodedPayload> decoded = DecodeEventPayload(sealed.payload);
  if (!decoded.ok()) {
    return absl::InternalError(absl::StrCat(
        "an event of dossier ", event.dossier_code,
        " does not survive encoding: ", decoded.status().message()));
  }
  event.body = std::move(decoded->body);
  event.schedule = std::move(decoded->schedule);
  event.occurred_at = ToStoredPrecision(event.occurred_at);
  sealed.type = EventTypeName(event.body);

  StoredEvent& stored = sealed.stored;
  stored.sequence = head_.sequence + 1;
  stored.recorded_at = ToStoredPrecision(recorded_at);
  stored.previous_hash = head_.hash;
  ChainedFields fields;
  fields.sequence = stored.sequence;
  fields.dossier_code = event.dossier_code;
  fields.dossier_version = event.dossier_version;
  fields.type = sealed.type;
  fields.occurred_at_micros = ToStoredMicros(event.occurred_at);
  fields.recorded_at_micros = ToStoredMicros(stored.recorded_at);
  fields.actor = event.actor;
  fields.rule_version = event.rule_version;
  fields.payload = sealed.payload;
  stored.hash = ChainHash(stored.previous_hash, fields, hash_scratch_);
  stored.event = std::move(event);
  head_.sequence = stored.sequence;
  head_.hash = stored.hash;
  return sealed;
}

absl::StatusOr<LogWriter> LogWriter::Prepare(Database& database) {
  LogWriter writer;
  absl::StatusOr<Statement> insert = database.Prepare(
      "INSERT INTO events (sequence, dossier_code, dossier_version, type, "
      "occurred_at, recorded_at, actor, rule_version, payload, "
      "previous_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
      "?10, ?11)");
  if (!insert.ok()) return insert.status();
  writer.insert_event_ = std::move(*insert);
  absl::StatusOr<Statement> meta = database.Prepare(
      "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO "
      "UPDATE SET value = excluded.value");
  if (!meta.ok()) return meta.status();
  writer.write_meta_ = std::move(*meta);
  return writer;
}

absl::Status LogWriter::Insert(const SealedEvent& sealed) {
  const StoredEvent& stored = sealed.stored;
  const Event& event = stored.event;
  insert_event_.BindInt(1, stored.sequence)
      .BindText(2, event.dossier_code)
      .BindInt(3, event.dossier_version)
      .BindText(4, sealed.type)
      .BindInt(5, ToStoredMicros(event.occurred_at))
      .BindInt(6, ToStoredMicros(stored.recorded_at))
      .BindText(7, event.actor)
      .BindText(8, event.rule_version)
      .BindBlob(9, sealed.payload)
      .BindBlob(10, stored.previous_hash)
      .BindBlob(11, stored.hash);
  return insert_event_.Run();
}

absl::Status LogWriter::WriteHead(const LogHead& head) {
  write_meta_.BindText(1, kMetaHeadSequence).BindInt(2, head.sequence);
  if (absl::Status status = write_meta_.Run(); !status.ok()) return status;
  write_meta_.BindText(1, kMetaHeadHash).BindBlob(2, head.hash);
  return write_meta_.Run();
}

}  // namespace motcua::store
