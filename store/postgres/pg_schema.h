#ifndef MOTCUA_STORE_POSTGRES_PG_SCHEMA_H_
#define MOTCUA_STORE_POSTGRES_PG_SCHEMA_H_

// The PostgreSQL schema and its migrations: the same tables as the SQLite
// store's (store/schema.h), designed for PostgreSQL. Every instant is a
// bigint of Unix microseconds (UTC), as the hash chain covers it (a
// timestamptz would round-trip through the session's time zone on every
// read, and cannot hold the infinite bounds of an open query); every
// duration bigint seconds; every engine enum a smallint of its engine
// number; every text column collated "C", so that lists and cursors are in
// byte order whatever locale the cluster was made with, as on SQLite.

#include <cstdint>

#include "absl/status/status.h"
#include "store/postgres/pq.h"

namespace motcua::store::pg {

// The schema version this build writes. Raised by one with each migration;
// numbered apart from the SQLite schema's.
inline constexpr int64_t kSchemaVersion = 3;

// Creates the schema in an empty database (its current schema, `public`
// unless the role's search_path says otherwise) or migrates an older one
// to kSchemaVersion, in one transaction, holding an advisory lock so that
// two servers starting at once migrate once. FAILED_PRECONDITION, naming
// the database and both versions, when its schema is newer than this
// build's, or when it holds other tables and no motcua schema version.
absl::Status MigrateSchema(Connection& connection);

// For read-only tools: FAILED_PRECONDITION unless the schema is exactly
// kSchemaVersion.
absl::Status CheckSchemaReadable(Connection& connection);

// The advisory lock key a writer without a lease holds for as long as it
// writes (one writer per database), and the migration takes for its
// transaction. Leased writers (pg_lease.h) are fenced by the lease instead.
inline constexpr int64_t kWriterLockKey = 0x6d6f746375610001;  // "motcua"
inline constexpr int64_t kMigrationLockKey = 0x6d6f746375610002;

}  // namespace motcua::store::pg

#endif  // MOTCUA_STORE_POSTGRES_PG_SCHEMA_H_
