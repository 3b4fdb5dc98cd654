// The motcua command-line client: wiring of flags to commands only.
#include <CLI/CLI.hpp>
#include <iostream>

#include "services/cli/offline_commands.h"

int main(int argc, char** argv) {
  using motcua::cli::kExitBadInput;
  CLI::App app{"motcua: deadline engine for one-stop-shop procedures"};
  app.require_subcommand(1);
  int exit_code = 0;

  CLI::App* rules = app.add_subcommand("rules", "Rule files");
  rules->require_subcommand(1);
  CLI::App* check = rules->add_subcommand(
      "check", "Validate a rules directory; exit 1 and list every error when "
               "it is invalid");
  std::string check_directory;
  check->add_option("DIR", check_directory, "Rules directory")->required();
  check->callback([&] {
    exit_code =
        motcua::cli::RunRulesCheck(check_directory, std::cout, std::cerr);
  });

  CLI::App* due = app.add_subcommand(
      "due", "Compute a due time from the rules (offline)");
  motcua::cli::DueOptions due_options;
  due->add_option("--rules", due_options.rules_directory, "Rules directory")
      ->required();
  due->add_option("--procedure", due_options.procedure,
                  "Procedure code (uses the version in force at --received)");
  due->add_option("--calendar", due_options.calendar, "Calendar name");
  due->add_option("--limit", due_options.limit,
                  "Time limit: Nwd, Nwh, Ncd or same-day");
  due->add_option("--cutoff", due_options.cutoff, "Cut-off hour, HH:MM");
  due->add_option("--received", due_options.received,
                  "Receipt time, ISO 8601 (2025-01-24T10:00:00+07:00)")
      ->required();
  due->add_option("--at", due_options.at,
                  "Also print the working time left at this time");
  due->add_flag("--json", due_options.json, "Print one JSON object");
  due->callback([&] {
    exit_code = motcua::cli::RunDue(due_options, std::cout, std::cerr);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // Help and version print as CLI11 prints them; any other parse error is
    // one line, like every other bad input.
    if (error.get_exit_code() == 0) return app.exit(error);
    std::cerr << "motcua: " << error.what() << "\n";
    return kExitBadInput;
  }
  return exit_code;
}
