#ifndef MOTCUA_SERVICES_CLI_AUDIT_COMMANDS_H_
#define MOTCUA_SERVICES_CLI_AUDIT_COMMANDS_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace motcua::cli {

// Exit codes of the audit commands, beyond kExitOk and kExitBadInput.
inline constexpr int kExitLogBroken = 3;      // verify found a bad event
inline constexpr int kExitReplayDiffers = 4;  // replay differs from live

// `motcua audit verify --db FILE [--checkpoint FILE...] [--public-key KEY]
// [--json]`: walks the hash chain and prints the head (last sequence and
// its hash). Exit 0 when intact and the log extends every checkpoint given;
// otherwise kExitLogBroken, naming the first bad event or the first
// checkpoint (in sequence order) that the log no longer extends or whose
// signature does not hold for the key. `public_key` is a file holding the
// key, or the key's text itself; without it signatures are not checked
// (and the output says so). An unreadable checkpoint or key is
// kExitBadInput.
struct AuditVerifyOptions {
  std::string database;
  std::vector<std::string> checkpoint_files;
  std::string public_key;
  bool json = false;
};
int RunAuditVerify(const AuditVerifyOptions& options, std::ostream& out,
                   std::ostream& err);

// `motcua audit replay --db FILE`: rebuilds every projection from the log in
// a scratch file beside the database and compares; with `dossier` and
// `as_of`, prints that dossier's state at that instant instead.
int RunAuditReplay(const std::string& database,
                   const std::optional<std::string>& dossier,
                   const std::optional<std::string>& as_of, bool json,
                   std::ostream& out, std::ostream& err);

// `motcua audit events --db FILE --dossier CODE`: the control sheet of one
// dossier — every event, hand-over, pause and deadline with times and units.
int RunAuditEvents(const std::string& database, const std::string& dossier,
                   bool json, std::ostream& out, std::ostream& err);

// `motcua demo seed --db FILE [--dossiers N] [--rules DIR]`: writes a sample
// database with dossiers in every state (some late, some paused, some handed
// over several times).
int RunDemoSeed(const std::string& database, int dossiers,
                const std::string& rules_directory, std::ostream& out,
                std::ostream& err);

// `motcua store copy --from A --to B`: copies a store from a SQLite file
// into a PostgreSQL database (a libpq URL) or back (store/store_copy.h),
// then proves the copy: its chain verifies and ends at the source's head,
// which it prints. Exit 0 then; kExitLogBroken when the copy does not
// verify; kExitBadInput for anything else (a target that is not new, a
// source that cannot be read), having kept nothing in the target.
int RunStoreCopy(const std::string& from, const std::string& to,
                 std::ostream& out, std::ostream& err);

}  // namespace motcua::cli

#endif  // MOTCUA_SERVICES_CLI_AUDIT_COMMANDS_H_
