#ifndef MOTCUA_SERVICES_CLI_AUDIT_COMMANDS_H_
#define MOTCUA_SERVICES_CLI_AUDIT_COMMANDS_H_

#include <optional>
#include <ostream>
#include <string>

namespace motcua::cli {

// Exit codes of the audit commands, beyond kExitOk and kExitBadInput.
inline constexpr int kExitLogBroken = 3;        // verify found a bad event
inline constexpr int kExitReplayDiffers = 4;    // replay differs from live

// `motcua audit verify --db FILE`: walks the hash chain. Exit 0 when intact;
// otherwise kExitLogBroken, naming the sequence number of the first bad event.
int RunAuditVerify(const std::string& database, std::ostream& out,
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

}  // namespace motcua::cli

#endif  // MOTCUA_SERVICES_CLI_AUDIT_COMMANDS_H_
