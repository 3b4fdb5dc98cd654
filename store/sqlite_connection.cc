#include "store/sqlite_connection.h"

#include <sqlite3.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"

namespace motcua::store {
namespace {

// Page cache of each connection, in KiB (negative for SQLite): the indexes
// a command touches stay in memory between batches.
constexpr int kWriterCacheKib = 64 * 1024;
constexpr int kReaderCacheKib = 32 * 1024;
// The writer's lookaside: 256 slots of 4.5 KiB, about 1.1 MiB.
constexpr int kWriterLookasideSlotBytes = 4608;
constexpr int kWriterLookasideSlots = 256;

}  // namespace

absl::Status ConfigureConnection(Database& database, ConnectionRole role) {
  const bool writer = role == ConnectionRole::kWriter;
  if (writer) {
    // Larger lookaside slots than SQLite's default (1,200 bytes): the
    // records a command writes (a dossier row with its snapshot, an event
    // with its payload) are built in buffers of about a page, which would
    // otherwise come from malloc and go back to it at every statement.
    // Allowed only before the connection's first statement; best effort.
    sqlite3_db_config(database.get(), SQLITE_DBCONFIG_LOOKASIDE, nullptr,
                      kWriterLookasideSlotBytes, kWriterLookasideSlots);
    ASSIGN_OR_RETURN(Statement mode,
                     database.Prepare("PRAGMA journal_mode = WAL"));
    ASSIGN_OR_RETURN(const bool row, mode.Step());
    if (!row || mode.ColumnText(0) != "wal") {
      return absl::FailedPreconditionError(absl::StrCat(
          "the database cannot use write-ahead logging (journal mode \"",
          row ? mode.ColumnText(0) : "",
          "\"); is it on a network file "
          "system?"));
    }
  }
  // NORMAL: SQLite flushes the WAL only at checkpoints (before copying it
  // into the database, and the database after), never at a commit. With
  // Durability::kFull the store's flusher thread flushes the WAL after each
  // commit and answers no command before that flush (see WalFile): what
  // synchronous=FULL would do, without the writer waiting for it.
  return database.Execute(absl::StrCat(
      "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -",
      writer ? kWriterCacheKib : kReaderCacheKib,
      "; PRAGMA temp_store = MEMORY;",
      writer ? absl::StrCat(
                   " PRAGMA journal_size_limit = ", kJournalSizeLimitBytes, ";")
             : std::string(" PRAGMA query_only = 1;")));
}

}  // namespace motcua::store
