// The motcua command-line client: wiring of flags to commands only. The
// offline commands (rules check, due, audit, demo) are wired here; the ones
// that call motcuad in client_flags.cc.
#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "services/cli/audit_commands.h"
#include "services/cli/client_flags.h"
#include "services/cli/offline_commands.h"

namespace {

// CLI11 answers a missing or misspelt subcommand with only "A subcommand is
// required": name the command that wanted one, what was given instead, and
// the subcommands it takes.
std::string MissingSubcommand(const CLI::App& app) {
  const CLI::App* deepest = &app;
  std::string path = "motcua";
  while (!deepest->get_subcommands().empty()) {
    deepest = deepest->get_subcommands().front();
    path += " " + deepest->get_name();
  }
  std::string known;
  for (const CLI::App* sub :
       deepest->get_subcommands([](const CLI::App*) { return true; })) {
    if (!known.empty()) known += ", ";
    known += sub->get_name();
  }
  const std::vector<std::string> extra = deepest->remaining(true);
  const std::string what = extra.empty()
                               ? std::string("a subcommand is required")
                               : "unknown subcommand \"" + extra.front() + "\"";
  return path + ": " + what + "; one of: " + known;
}

}  // namespace

int main(int argc, char** argv) {
  using motcua::cli::kExitBadInput;
  CLI::App app{"motcua: deadline engine for one-stop-shop procedures"};
  app.require_subcommand(1);
  int exit_code = 0;

  CLI::App* rules = app.add_subcommand(
      "rules",
      "Rule files: check offline; validate, reload or show on the "
      "server");
  rules->require_subcommand(1);
  CLI::App* check = rules->add_subcommand(
      "check",
      "Validate a rules directory; exit 1 and list every error when "
      "it is invalid");
  std::string check_directory;
  check->add_option("DIR", check_directory, "Rules directory")->required();
  check->callback([&] {
    exit_code =
        motcua::cli::RunRulesCheck(check_directory, std::cout, std::cerr);
  });

  CLI::App* due =
      app.add_subcommand("due", "Compute a due time from the rules (offline)");
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

  CLI::App* audit = app.add_subcommand(
      "audit",
      "Audit a copy of a database file, or a PostgreSQL database, with no "
      "server");
  audit->require_subcommand(1);
  std::string audit_database;
  std::string audit_dossier;
  std::string audit_as_of;
  bool audit_json = false;

  CLI::App* verify = audit->add_subcommand(
      "verify",
      "Walk the hash chain and print its head; exit 3 naming the first bad "
      "event or the first checkpoint the log no longer extends");
  motcua::cli::AuditVerifyOptions verify_options;
  std::string verify_postgres;
  CLI::Option* verify_db = verify->add_option("--db", verify_options.database,
                                              "SQLite database file");
  verify
      ->add_option("--postgres", verify_postgres,
                   "Or a PostgreSQL database, as a libpq URL "
                   "(postgresql://user@host:port/dbname; a read-only role "
                   "is enough)")
      ->excludes(verify_db);
  verify->add_option("--checkpoint", verify_options.checkpoint_files,
                     "A signed checkpoint file the log must still extend "
                     "(repeatable)");
  verify->add_option("--public-key", verify_options.public_key,
                     "The checkpoint key: a file, or the key itself (as "
                     "`motcuad checkpoint-key` prints it)");
  verify->add_flag("--json", verify_options.json, "Print one JSON object");
  verify->callback([&] {
    if (!verify_postgres.empty()) verify_options.database = verify_postgres;
    exit_code =
        motcua::cli::RunAuditVerify(verify_options, std::cout, std::cerr);
  });

  CLI::App* replay = audit->add_subcommand(
      "replay",
      "Rebuild every projection from the log and compare with the live ones "
      "(exit 4 when they differ); with --dossier and --as-of, print one "
      "dossier as it was at that instant");
  std::string audit_postgres;
  constexpr const char* kPostgresHelp =
      "Or a PostgreSQL database, as a libpq URL "
      "(postgresql://user@host:port/dbname; a read-only role is enough)";
  CLI::Option* replay_db =
      replay->add_option("--db", audit_database, "SQLite database file");
  replay->add_option("--postgres", audit_postgres, kPostgresHelp)
      ->excludes(replay_db);
  CLI::Option* replay_dossier =
      replay->add_option("--dossier", audit_dossier, "Dossier code");
  CLI::Option* replay_as_of = replay->add_option(
      "--as-of", audit_as_of, "Instant, ISO 8601 (2025-03-12T09:00:00+07:00)");
  replay->add_flag("--json", audit_json, "Print JSON");
  replay->callback([&] {
    std::optional<std::string> dossier;
    std::optional<std::string> as_of;
    if (replay_dossier->count() > 0) dossier = audit_dossier;
    if (replay_as_of->count() > 0) as_of = audit_as_of;
    if (!audit_postgres.empty()) audit_database = audit_postgres;
    exit_code = motcua::cli::RunAuditReplay(audit_database, dossier, as_of,
                                            audit_json, std::cout, std::cerr);
  });

  CLI::App* events = audit->add_subcommand(
      "events",
      "The control sheet of one dossier: every event, hand-over, "
      "pause and deadline");
  CLI::Option* events_db =
      events->add_option("--db", audit_database, "SQLite database file");
  events->add_option("--postgres", audit_postgres, kPostgresHelp)
      ->excludes(events_db);
  events->add_option("--dossier", audit_dossier, "Dossier code")->required();
  events->add_flag("--json", audit_json, "Print JSON");
  events->callback([&] {
    if (!audit_postgres.empty()) audit_database = audit_postgres;
    exit_code = motcua::cli::RunAuditEvents(audit_database, audit_dossier,
                                            audit_json, std::cout, std::cerr);
  });

  CLI::App* store_command =
      app.add_subcommand("store", "Move a store between backends");
  store_command->require_subcommand(1);
  std::string copy_from;
  std::string copy_to;
  CLI::App* copy = store_command->add_subcommand(
      "copy",
      "Copy a SQLite file into an empty PostgreSQL database, or back, and "
      "verify the copy (the same log and head)");
  copy->add_option("--from", copy_from,
                   "The source: a SQLite file, or a PostgreSQL URL "
                   "(postgresql://user@host:port/dbname)")
      ->required();
  copy->add_option("--to", copy_to,
                   "The target: a new SQLite file, or an empty PostgreSQL "
                   "database's URL")
      ->required();
  copy->callback([&] {
    exit_code =
        motcua::cli::RunStoreCopy(copy_from, copy_to, std::cout, std::cerr);
  });

  CLI::App* demo = app.add_subcommand("demo", "Sample data");
  demo->require_subcommand(1);
  CLI::App* seed = demo->add_subcommand(
      "seed", "Write a sample database with dossiers in every state");
  std::string seed_database;
  int seed_dossiers = 200;
  std::string seed_rules = "rules";
  std::string seed_postgres;
  CLI::Option* seed_db =
      seed->add_option("--db", seed_database, "SQLite database file to create");
  seed->add_option("--postgres", seed_postgres,
                   "Or an empty PostgreSQL database, as a libpq URL")
      ->excludes(seed_db);
  seed->add_option("--dossiers", seed_dossiers, "How many dossiers")
      ->check(CLI::Range(1, 10000000));
  seed->add_option("--rules", seed_rules, "Rules directory")
      ->capture_default_str();
  seed->callback([&] {
    if (!seed_postgres.empty()) seed_database = seed_postgres;
    exit_code = motcua::cli::RunDemoSeed(seed_database, seed_dossiers,
                                         seed_rules, std::cout, std::cerr);
  });

  motcua::cli::ClientFlags client_flags;
  client_flags.AddTo(app, *rules, &exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // Help and version print as CLI11 prints them; any other parse error is
    // one line, like every other bad input.
    if (error.get_exit_code() == 0) return app.exit(error);
    if (error.get_name() == "RequiredError" &&
        std::string(error.what()) == "A subcommand is required") {
      std::cerr << MissingSubcommand(app) << "\n";
      return kExitBadInput;
    }
    std::cerr << "motcua: " << error.what() << "\n";
    return kExitBadInput;
  }
  return exit_code;
}
