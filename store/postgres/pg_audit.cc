#include "store/postgres/pg_audit.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "store/chain_check.h"
#include "store/event_rows.h"
#include "store/hash_chain.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_schema.h"
#include "store/postgres/pq.h"
#include "store/schema.h"

namespace motcua::store::pg {
namespace {

// Events read at a time from PostgreSQL while verifying.
constexpr int64_t kPostgresPage = 10000;

// Opens the PostgreSQL database at `url` for reading, in one read-only
// snapshot (REPEATABLE READ), and checks that this build reads its schema.
absl::StatusOr<Connection> OpenPostgresForAudit(const std::string& url) {
  absl::StatusOr<Connection> connection = Connection::Open(url);
  if (!connection.ok()) return connection.status();
  if (absl::Status status = connection->Execute(
          "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      !status.ok()) {
    return status;
  }
  if (absl::Status status = CheckSchemaReadable(*connection); !status.ok()) {
    return status;
  }
  return connection;
}

}  // namespace

absl::StatusOr<VerifyReport> VerifyPostgresLog(const std::string& url,
                                               const VerifyOptions& options) {
  absl::StatusOr<Connection> database = OpenPostgresForAudit(url);
  if (!database.ok()) return database.status();
  absl::StatusOr<Result> head =
      database->Query("SELECT value, bytes FROM meta WHERE key = $1",
                      Params().Text(kMetaHeadSequence));
  if (!head.ok()) return head.status();
  VerifyReport report;
  report.head_sequence = head->rows() > 0 ? head->Int(0, 0) : 0;
  report.head_hash =
      head->rows() > 0 ? std::string(head->Bytes(0, 1)) : GenesisHash();
  for (int64_t sequence : options.hashes_wanted) {
    absl::StatusOr<Result> hash = database->Query(
        "SELECT hash FROM events WHERE sequence = $1", Params().Int(sequence));
    if (!hash.ok()) return hash.status();
    report.hashes[sequence] =
        hash->rows() > 0 ? std::string(hash->Bytes(0, 0)) : std::string();
  }
  std::string previous_hash = GenesisHash();
  int64_t previous_sequence = 0;
  if (options.from_sequence > 1) {
    absl::StatusOr<Result> before = database->Query(
        "SELECT sequence, hash FROM events WHERE sequence < $1 ORDER BY "
        "sequence DESC LIMIT 1",
        Params().Int(options.from_sequence));
    if (!before.ok()) return before.status();
    if (before->rows() > 0) {
      previous_sequence = before->Int(0, 0);
      previous_hash = std::string(before->Bytes(0, 1));
    }
  }
  RangeCheck range;
  std::string scratch;
  int64_t after = std::max<int64_t>(options.from_sequence - 1, 0);
  while (true) {
    absl::StatusOr<Result> page = database->Query(
        absl::StrCat("SELECT ", kEventColumns,
                     " FROM events WHERE sequence > $1 ORDER BY sequence "
                     "LIMIT $2"),
        Params().Int(after).Int(kPostgresPage));
    if (!page.ok()) return page.status();
    bool stopped = false;
    for (int row = 0; row < page->rows() && !stopped; ++row) {
      ChainedFields fields;
      fields.sequence = page->Int(row, 0);
      fields.dossier_code = page->Text(row, 1);
      fields.dossier_version = page->Int(row, 2);
      fields.type = page->Text(row, 3);
      fields.occurred_at_micros = page->Int(row, 4);
      fields.recorded_at_micros = page->Int(row, 5);
      fields.actor = page->Text(row, 6);
      fields.rule_version = page->Text(row, 7);
      fields.payload = page->Bytes(row, 8);
      stopped = !range.Add(fields, page->Bytes(row, 9), page->Bytes(row, 10),
                           report.head_sequence, scratch);
      after = fields.sequence;
    }
    if (stopped || page->rows() < kPostgresPage) break;
  }
  // The head copied out first: `report` itself is moved into the call.
  const int64_t head_sequence = report.head_sequence;
  const std::string head_hash = report.head_hash;
  return Conclude(RangeCheck(), range, previous_sequence, previous_hash,
                  head_sequence, head_hash, std::move(report));
}

absl::StatusOr<std::vector<StoredEvent>> ReadPostgresDossierEvents(
    const std::string& url, const std::string& dossier_code) {
  absl::StatusOr<Connection> database = OpenPostgresForAudit(url);
  if (!database.ok()) return database.status();
  absl::StatusOr<Result> rows = database->Query(
      absl::StrCat("SELECT ", kEventColumns,
                   " FROM events WHERE dossier_code = $1 ORDER BY "
                   "dossier_version"),
      Params().Text(dossier_code));
  if (!rows.ok()) return rows.status();
  return EventsOfResult(*rows);
}

}  // namespace motcua::store::pg
