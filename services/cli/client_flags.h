#ifndef MOTCUA_SERVICES_CLI_CLIENT_FLAGS_H_
#define MOTCUA_SERVICES_CLI_CLIENT_FLAGS_H_

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "services/cli/backup_commands.h"
#include "services/cli/client_commands.h"

namespace motcua::cli {

// The flags of the client subcommands (those that call motcuad), wired to
// the Run* functions of client_commands.h. Wiring only; it holds the parsed
// values, so it must outlive the parse.
class ClientFlags {
 public:
  ClientFlags() = default;
  ClientFlags(const ClientFlags&) = delete;
  ClientFlags& operator=(const ClientFlags&) = delete;

  // Adds submit, act, get, list, overdue, due-soon, watch, events, as-of and
  // verify, backup and restore to `app`, and validate, reload and show to
  // `rules`. The command that runs stores its exit code in `*exit_code`.
  void AddTo(CLI::App& app, CLI::App& rules, int* exit_code);

 private:
  // --address, --token, --tls-* and --json on `command`, and --timeout
  // when its calls have a deadline (a stream such as watch runs until
  // interrupted, so it takes no --timeout).
  void AddConnectionFlags(CLI::App* command,
                          CallDeadline deadline = CallDeadline::kPerCall);
  // --request-id and --expected-version on `command`.
  void AddCommandFlags(CLI::App* command);
  // --page-size, --page-token and --all on `command`.
  void AddPageFlags(CLI::App* command, PageFlags* page);
  void AddAct(CLI::App& app, int* exit_code);

  // The client options as parsed, with the timeout in place.
  ClientOptions Client() const;

  ClientOptions client_;
  double timeout_seconds_ = 30;
  CommandFlags command_;

  SubmitOptions submit_;
  ActOptions act_;
  std::string get_code_;
  ListOptions list_;
  SupervisionOptions overdue_;
  SupervisionOptions due_soon_;
  ReportOptions report_;
  WatchOptions watch_;
  EventsOptions events_;
  std::string as_of_code_;
  std::string as_of_at_;
  std::optional<std::string> validate_directory_;
  CheckpointOptions checkpoint_;
  BackupOptions backup_;
  std::string restore_from_;
  std::string restore_data_dir_;
};

}  // namespace motcua::cli

#endif  // MOTCUA_SERVICES_CLI_CLIENT_FLAGS_H_
