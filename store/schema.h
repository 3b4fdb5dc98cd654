#ifndef MOTCUA_STORE_SCHEMA_H_
#define MOTCUA_STORE_SCHEMA_H_

// The database schema and its migrations. Every instant is stored as an
// INTEGER of Unix microseconds (UTC), every duration as INTEGER seconds,
// every engine enum as its engine number.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/sqlite.h"

namespace motcua::store {

// The schema version this build writes. Raised by one with each migration.
inline constexpr int64_t kSchemaVersion = 9;

// Keys of the `meta` table.
inline constexpr char kMetaSchemaVersion[] = "schema_version";
// The last event's sequence and hash, updated in the transaction that
// appends, so that events removed from the end of the log are detected.
inline constexpr char kMetaHeadSequence[] = "head_sequence";
inline constexpr char kMetaHeadHash[] = "head_hash";
// The day before which deadline_totals counts the deadlines of
// deadline_days (days since 1970-01-01 at UTC+07:00); absent: none.
inline constexpr char kMetaDeadlinesSettledDay[] = "deadlines_settled_day";
// Present while the dossier snapshots must be rebuilt from the log: set by
// the migration to schema 4 (whose snapshots keep the working time paused
// since the clock start), cleared by the store in the transaction that
// rebuilds them.
inline constexpr char kMetaRebuildSnapshots[] = "rebuild_snapshots";
// Set by the migration to schema 7 when the log holds events: the store
// fills unit_report_deltas from the log at its next start.
inline constexpr char kMetaFillUnitReport[] = "fill_unit_report";

// Creates the schema in an empty database or migrates an older one to
// kSchemaVersion, in one transaction. FAILED_PRECONDITION, naming `path` and
// both versions, when the file's schema is newer than this build's, or when
// the file is some other application's database.
absl::Status MigrateSchema(Database& database, const std::string& path);

// For read-only tools, which cannot migrate: FAILED_PRECONDITION unless the
// file's schema is exactly kSchemaVersion.
absl::Status CheckSchemaReadable(Database& database, const std::string& path);

// Drops every index that does not enforce a key (those SQLite names
// itself), for a database being written in bulk: lookups and ON CONFLICT
// need only the keys. Returns the statements that create them again.
absl::StatusOr<std::vector<std::string>> DropSecondaryIndexes(
    Database& database);

// A projection table: rebuilt from the log by a replay, compared with the
// live one by ReplayAndCompare.
struct ProjectionTable {
  const char* name;
  // The primary key's columns, comma-separated: how a difference is named.
  const char* key_columns;
};
const std::vector<ProjectionTable>& ProjectionTables();

}  // namespace motcua::store

#endif  // MOTCUA_STORE_SCHEMA_H_
