#include "services/cli/client_flags.h"

#include <cstdlib>
#include <iostream>

#include "absl/time/time.h"

namespace motcua::cli {

ClientOptions ClientFlags::Client() const {
  ClientOptions client = client_;
  client.connection.timeout = absl::Seconds(timeout_seconds_);
  return client;
}

void ClientFlags::AddConnectionFlags(CLI::App* command, CallDeadline deadline) {
  // The environment's values are read once, in AddTo, not with CLI11's
  // envname: every subcommand binds the same variables, and CLI11 would let
  // a subcommand that was not given write its environment value over the
  // flag of the one that was.
  command
      ->add_option("--address", client_.connection.address,
                   "motcuad's address, host:port (env MOTCUA_ADDRESS)")
      ->capture_default_str();
  command->add_option(
      "--token", client_.connection.token,
      "Bearer token (env MOTCUA_TOKEN; motcuad prints a development one)");
  command->add_option("--tls-ca", client_.connection.tls_ca_file,
                      "Use TLS, verifying the server with this CA (PEM)");
  command->add_option("--tls-cert", client_.connection.tls_cert_file,
                      "Use TLS with this client certificate (PEM)");
  command->add_option("--tls-key", client_.connection.tls_key_file,
                      "The client certificate's private key (PEM)");
  if (deadline == CallDeadline::kPerCall) {
    command
        ->add_option("--timeout", timeout_seconds_,
                     "Deadline of each call, in seconds")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
  }
  command->add_flag("--json", client_.json,
                    "Print each reply as one line of JSON");
}

void ClientFlags::AddCommandFlags(CLI::App* command) {
  command->add_option("--request-id", command_.request_id,
                      "Idempotency key: a retry with the same id appends "
                      "nothing and returns the first answer");
  command
      ->add_option("--expected-version", command_.expected_version,
                   "Refuse (ABORTED) unless the dossier is at this "
                   "version")
      ->check(CLI::NonNegativeNumber);
}

void ClientFlags::AddPageFlags(CLI::App* command, PageFlags* page) {
  command->add_option("--page-size", page->page_size,
                      "Entries per page, 1..1000 (default 100)");
  CLI::Option* token = command->add_option("--page-token", page->page_token,
                                           "The page after a previous reply");
  command->add_flag("--all", page->all, "Fetch every page")->excludes(token);
}

void ClientFlags::AddAct(CLI::App& app, int* exit_code) {
  CLI::App* act = app.add_subcommand(
      "act", "A lifecycle action on a dossier: motcua act CODE ACTION ...");
  act->require_subcommand(1);
  act->add_option("CODE", act_.dossier_code, "Dossier code")->required();

  // Each action is a subcommand of `act` with its own flags and the flags
  // every command takes.
  auto action = [&](ActAction kind, const std::string& description) {
    CLI::App* command = act->add_subcommand(ActActionName(kind), description);
    AddCommandFlags(command);
    AddConnectionFlags(command);
    command->callback([this, exit_code, kind] {
      act_.action = kind;
      act_.command = command_;
      *exit_code = RunAct(Client(), act_, std::cout, std::cerr);
    });
    return command;
  };

  CLI::App* hand_over =
      action(ActAction::kHandOver,
             "Hand over to the next step (default), a named step, or a unit");
  hand_over->add_option("--to-step", act_.to_step, "Step id");
  hand_over->add_option("--to-unit", act_.to_unit,
                        "Unit (default: the step's unit)");
  hand_over->add_option("--note", act_.note, "Note");

  action(ActAction::kRequestSupplement,
         "Request a supplement; the clock pauses")
      ->add_option("--missing", act_.missing,
                   "What is missing (repeat for each item)")
      ->required();
  action(ActAction::kReceiveSupplement,
         "Record the supplement; the clock resumes or restarts");
  action(ActAction::kRequestFinancialObligation,
         "Request the applicant's financial obligation; the clock pauses")
      ->add_option("--description", act_.description, "What is due")
      ->required();
  action(ActAction::kConfirmFinancialObligation,
         "Record that the obligation is met; the clock resumes");
  action(ActAction::kStop, "Stop processing; the clock pauses")
      ->add_option("--reason", act_.reason, "Why")
      ->required();
  action(ActAction::kResume, "Resume a stopped dossier; the clock resumes");
  CLI::App* apologise =
      action(ActAction::kApologise,
             "Apologise with a new appointment (still late against the due "
             "time)");
  apologise->add_option("--reason", act_.reason, "Why")->required();
  apologise
      ->add_option("--new-appointment", act_.new_appointment,
                   "ISO 8601 (2025-03-12T09:00:00+07:00)")
      ->required();
  action(ActAction::kResolve,
         "The result is ready: classified early, on time or late")
      ->add_option("--result", act_.result, "The result");
  action(ActAction::kReturnResult, "The result was handed to the applicant");
  action(ActAction::kReject, "Not eligible")
      ->add_option("--reason", act_.reason, "Why")
      ->required();
  action(ActAction::kWithdraw, "The applicant withdrew")
      ->add_option("--reason", act_.reason, "Why")
      ->required();
}

void ClientFlags::AddTo(CLI::App& app, CLI::App& rules, int* exit_code) {
  if (const char* address = std::getenv("MOTCUA_ADDRESS");
      address != nullptr && *address != '\0') {
    client_.connection.address = address;
  }
  if (const char* token = std::getenv("MOTCUA_TOKEN"); token != nullptr) {
    client_.connection.token = token;
  }

  CLI::App* submit = app.add_subcommand(
      "submit", "Receive a dossier; prints its due time first");
  submit->add_option("--code", submit_.dossier_code, "Dossier code")
      ->required();
  submit->add_option("--procedure", submit_.procedure_code, "Procedure code")
      ->required();
  submit->add_option("--agency", submit_.agency, "Receiving agency")
      ->required();
  submit->add_option("--channel", submit_.channel, "in_person|online|postal")
      ->required();
  submit->add_option("--received", submit_.received,
                     "Receipt time, ISO 8601 (default: now)");
  submit->add_option("--summary", submit_.summary,
                     "Free text, without personal data");
  submit->add_option("--late-entry-reason", submit_.late_entry_reason,
                     "Why a receipt older than the server's backdating bound "
                     "is entered now (officer role)");
  AddCommandFlags(submit);
  AddConnectionFlags(submit);
  submit->callback([this, exit_code] {
    submit_.command = command_;
    *exit_code = RunSubmit(Client(), submit_, std::cout, std::cerr);
  });

  AddAct(app, exit_code);

  CLI::App* get = app.add_subcommand("get", "One dossier as it stands");
  get->add_option("CODE", get_code_, "Dossier code")->required();
  AddConnectionFlags(get);
  get->callback([this, exit_code] {
    *exit_code = RunGet(Client(), get_code_, std::cout, std::cerr);
  });

  CLI::App* list = app.add_subcommand("list", "Dossiers, filtered");
  list->add_option("--agency", list_.agency, "Agency");
  list->add_option("--procedure", list_.procedure_code, "Procedure code");
  list->add_option("--unit", list_.unit, "The unit holding it");
  list->add_option("--state", list_.state,
                   "State, e.g. processing or supplement_requested");
  AddPageFlags(list, &list_.page);
  AddConnectionFlags(list);
  list->callback([this, exit_code] {
    *exit_code = RunList(Client(), list_, std::cout, std::cerr);
  });

  CLI::App* overdue =
      app.add_subcommand("overdue", "Late dossiers and steps, most late first");
  overdue->add_option("--agency", overdue_.agency, "Agency");
  overdue->add_option("--unit", overdue_.unit, "The unit holding it");
  overdue->add_option("--procedure", overdue_.procedure_code, "Procedure code");
  overdue->add_option("--min-lateness", overdue_.duration,
                      "At least this late in working time, e.g. 2h or 1h30m");
  overdue->add_option("--kind", overdue_.kind,
                      "dossier (its due time), step (the open step's "
                      "budget, for the unit holding it) or all (default)");
  overdue->add_flag("--count", overdue_.count,
                    "How many dossiers and steps are overdue per agency");
  AddPageFlags(overdue, &overdue_.page);
  AddConnectionFlags(overdue);
  overdue->callback([this, exit_code] {
    *exit_code = RunOverdue(Client(), overdue_, std::cout, std::cerr);
  });

  CLI::App* due_soon = app.add_subcommand(
      "due-soon",
      "Dossiers and steps due within some working time, soonest first");
  due_soon
      ->add_option("--within", due_soon_.duration,
                   "Working time as limits are written (1wd, 4wh, 30wm), "
                   "counted in each dossier's calendar, or as a duration "
                   "(4h, 1h30m)")
      ->required();
  due_soon->add_option("--agency", due_soon_.agency, "Agency");
  due_soon->add_option("--unit", due_soon_.unit, "The unit holding it");
  due_soon->add_option("--procedure", due_soon_.procedure_code,
                       "Procedure code");
  due_soon->add_option("--kind", due_soon_.kind,
                       "dossier, step or all (default)");
  AddPageFlags(due_soon, &due_soon_.page);
  AddConnectionFlags(due_soon);
  due_soon->callback([this, exit_code] {
    *exit_code = RunDueSoon(Client(), due_soon_, std::cout, std::cerr);
  });

  CLI::App* watch = app.add_subcommand(
      "watch",
      "Stream events, the log's history after --after then live ones, one "
      "per line, until interrupted");
  watch
      ->add_option("--after", watch_.after_sequence,
                   "Events after this sequence number (0: from the start)")
      ->capture_default_str();
  watch->add_option("--type", watch_.types,
                    "Only this event type, e.g. handed_over (repeatable)");
  watch->add_option("--agency", watch_.agency, "Only this agency's events");
  watch->add_option("--limit", watch_.limit, "Stop after this many events");
  AddConnectionFlags(watch, CallDeadline::kNone);
  watch->callback([this, exit_code] {
    *exit_code = RunWatch(Client(), watch_, std::cout, std::cerr);
  });

  CLI::App* events = app.add_subcommand(
      "events", "The events of one dossier, or a range of the log");
  CLI::Option* events_dossier =
      events->add_option("--dossier", events_.dossier_code, "Dossier code");
  events
      ->add_option("--after", events_.after_sequence,
                   "Events after this sequence number")
      ->excludes(events_dossier);
  events
      ->add_option("--limit", events_.limit,
                   "At most this many events, 1..10000 (default 1000)")
      ->excludes(events_dossier);
  AddConnectionFlags(events);
  events->callback([this, exit_code] {
    *exit_code = RunEvents(Client(), events_, std::cout, std::cerr);
  });

  CLI::App* as_of = app.add_subcommand(
      "as-of", "A dossier as it was at an instant, rebuilt from the log");
  as_of->add_option("CODE", as_of_code_, "Dossier code")->required();
  as_of->add_option("--at", as_of_at_, "ISO 8601 (2025-03-12T09:00:00+07:00)")
      ->required();
  AddConnectionFlags(as_of);
  as_of->callback([this, exit_code] {
    *exit_code =
        RunAsOf(Client(), as_of_code_, as_of_at_, std::cout, std::cerr);
  });

  CLI::App* report = app.add_subcommand(
      "report",
      "The periodic report for a period of days: received, resolved, pending "
      "and paused, per agency, procedure or field");
  report->add_option("--from", report_.from_day, "First day, YYYY-MM-DD")
      ->required();
  report->add_option("--to", report_.to_day, "Last day, YYYY-MM-DD")
      ->required();
  report
      ->add_option("--group-by", report_.group_by,
                   "agency, procedure, field or unit (the steps each "
                   "unit held)")
      ->capture_default_str();
  report->add_option("--agency", report_.agency, "One agency's rows only");
  report
      ->add_option("--count-at", report_.count_at,
                   "Count a resolution at resolution (portal status 9) or "
                   "at return (10)")
      ->capture_default_str();
  report->add_flag("--csv", report_.csv, "Print CSV");
  AddConnectionFlags(report);
  // The report alone takes --address repeated: the same report of several
  // servers, summed.
  report->remove_option(report->get_option("--address"));
  report->add_option("--address", report_.addresses,
                     "motcuad's address, host:port (env MOTCUA_ADDRESS); "
                     "repeat it to sum the same report across servers");
  report->callback([this, exit_code] {
    *exit_code = RunReport(Client(), report_, std::cout, std::cerr);
  });

  CLI::App* verify = app.add_subcommand(
      "verify",
      "Have the server walk its log's hash chain; exit 3 naming the first "
      "bad event");
  AddConnectionFlags(verify);
  verify->callback([this, exit_code] {
    *exit_code = RunVerify(Client(), std::cout, std::cerr);
  });

  CLI::App* checkpoint = app.add_subcommand(
      "checkpoint",
      "Print the server's newest signed checkpoint of its log (--sign: sign "
      "one now) for an auditor to keep");
  checkpoint->add_flag("--sign", checkpoint_.sign,
                       "Have the server sign a checkpoint now");
  checkpoint->add_option("--out", checkpoint_.out_file,
                         "Write the checkpoint file here instead of printing "
                         "it");
  AddConnectionFlags(checkpoint);
  checkpoint->callback([this, exit_code] {
    *exit_code = RunCheckpoint(Client(), checkpoint_, std::cout, std::cerr);
  });

  CLI::App* backup = app.add_subcommand(
      "backup",
      "Copy the database while motcuad runs (or offline with --db), verify "
      "the copy, print its last sequence and head hash; prune old backups");
  backup->add_option("--to", backup_.to, "The backup file to create")
      ->required();
  backup->add_option("--db", backup_.database,
                     "Copy this database file instead of asking motcuad");
  backup->add_option("--keep", backup_.keep,
                     "Then keep only the newest N backups in FILE's "
                     "directory, the new one included");
  backup->add_option("--max-age", backup_.max_age,
                     "Then delete backups in FILE's directory older than "
                     "this (30d, 12h, 90m)");
  AddConnectionFlags(backup, CallDeadline::kNone);
  backup->callback([this, exit_code] {
    *exit_code = RunBackup(Client(), backup_, std::cout, std::cerr);
  });

  CLI::App* restore = app.add_subcommand(
      "restore",
      "Put a verified backup in place as a new data directory's database "
      "(offline: the directory must be empty and no motcuad on it)");
  restore->add_option("--from", restore_from_, "The backup file")->required();
  restore
      ->add_option("--data-dir", restore_data_dir_,
                   "The data directory to create (new or empty)")
      ->required();
  restore->add_flag("--json", client_.json, "Print one JSON object");
  restore->callback([this, exit_code] {
    *exit_code = RunRestore(restore_from_, restore_data_dir_, client_.json,
                            std::cout, std::cerr);
  });

  CLI::App* validate = rules.add_subcommand(
      "validate",
      "Have the server check a rules directory's files, or without DIR its "
      "own rules directory; exit 1 listing every error");
  validate->add_option("DIR", validate_directory_, "Rules directory");
  AddConnectionFlags(validate);
  validate->callback([this, exit_code] {
    *exit_code =
        RunRulesValidate(Client(), validate_directory_, std::cout, std::cerr);
  });

  CLI::App* reload = rules.add_subcommand(
      "reload",
      "Have the server read its rules directory again (refused, keeping the "
      "running rules, when they have errors)");
  AddConnectionFlags(reload);
  reload->callback([this, exit_code] {
    *exit_code = RunRulesReload(Client(), std::cout, std::cerr);
  });

  CLI::App* show =
      rules.add_subcommand("show", "The rules in force on the server");
  AddConnectionFlags(show);
  show->callback([this, exit_code] {
    *exit_code = RunRulesShow(Client(), std::cout, std::cerr);
  });
}

}  // namespace motcua::cli
