#ifndef MOTCUA_SERVICES_CLI_OFFLINE_COMMANDS_H_
#define MOTCUA_SERVICES_CLI_OFFLINE_COMMANDS_H_

#include <optional>
#include <ostream>
#include <string>

namespace motcua::cli {

// Exit codes of the command-line client.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalidRules = 1;  // `rules check` found errors
inline constexpr int kExitBadInput = 2;      // a flag or value was wrong

// `motcua rules check DIR`: prints a summary of a valid rule set, or every
// error (one per line, file:line:column: message). Returns kExitOk or
// kExitInvalidRules.
int RunRulesCheck(const std::string& directory, std::ostream& out,
                  std::ostream& err);

struct DueOptions {
  std::string rules_directory;
  std::optional<std::string> procedure;
  std::optional<std::string> calendar;
  std::optional<std::string> limit;
  std::optional<std::string> cutoff;
  std::string received;
  std::optional<std::string> at;
  bool json = false;
};

// `motcua due`: prints the due time first (ISO 8601 with offset), then the
// details; with `json` one JSON object whose "due" field holds the due time.
// Bad input gets one line on `err` and kExitBadInput.
int RunDue(const DueOptions& options, std::ostream& out, std::ostream& err);

}  // namespace motcua::cli

#endif  // MOTCUA_SERVICES_CLI_OFFLINE_COMMANDS_H_
