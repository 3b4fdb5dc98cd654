#ifndef MOTCUA_SERVICES_CLI_BACKUP_COMMANDS_H_
#define MOTCUA_SERVICES_CLI_BACKUP_COMMANDS_H_

#include <optional>
#include <ostream>
#include <string>

#include "services/cli/client_commands.h"

namespace motcua::cli {

// `motcua backup --to FILE [--db DB] [--keep N] [--max-age AGE]`.
struct BackupOptions {
  std::string to;  // the backup file to create; never overwritten
  // Offline: copy this database file. Empty: ask motcuad (Admin.Backup),
  // which copies its database while it runs.
  std::string database;
  // After a verified backup, delete the older backups in FILE's directory
  // (files that motcua backup made, by their SQLite mark) beyond the newest
  // `keep` counting the new one, and those older than `max_age`.
  std::optional<int> keep;
  std::optional<std::string> max_age;  // "30d", "12h", "90m"
};

// Copies the database into FILE.partial (mode 0600), verifies it with the
// code of `motcua audit verify` (and, online, that it holds the head the
// server copied), then renames it to FILE and prints its last sequence and
// head hash, then prunes. Exit codes as client_commands.h says, and
// kExitLogBroken when the copy does not verify; on any failure FILE does not
// exist and nothing was pruned.
int RunBackup(const ClientOptions& client, const BackupOptions& options,
              std::ostream& out, std::ostream& err);

// `motcua restore --from FILE --data-dir DIR`: verifies FILE (kExitLogBroken
// when it does not), refuses a data directory that a motcuad holds (its
// lock) or that is not empty (kExitBadInput, naming what is in it), then
// writes DIR/motcua.db (DIR created mode 0700 when missing, the file 0600)
// holding the lock meanwhile. Nothing is changed on a refusal.
int RunRestore(const std::string& from, const std::string& data_dir, bool json,
               std::ostream& out, std::ostream& err);

}  // namespace motcua::cli

#endif  // MOTCUA_SERVICES_CLI_BACKUP_COMMANDS_H_
