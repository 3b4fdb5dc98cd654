#ifndef MOTCUA_SERVICES_CLI_CLIENT_COMMANDS_H_
#define MOTCUA_SERVICES_CLI_CLIENT_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "services/cli/audit_commands.h"  // kExitLogBroken
#include "services/cli/connection.h"
#include "services/cli/offline_commands.h"  // kExitOk, kExitBadInput

namespace motcua::cli {

// The commands of the command-line client that call motcuad, one per RPC,
// in files by area: dossier_commands.cc, supervision_commands.cc,
// log_rules_commands.cc (what they share: client_session.h).
//
// Each prints a human-readable answer on `out`, or with `json` each reply
// message as one line of JSON (protobuf's mapping, proto field names).
// Errors go to `err` as one line, "motcua <command>: <message>" for bad input
// and "motcua <command>: <CODE_NAME>: <message>" for a call the server
// answered with an error, and the exit code says what to do next:
//
//   0  kExitOk
//   1  kExitRefused       the server refused the call: NOT_FOUND,
//                         FAILED_PRECONDITION, ABORTED, ALREADY_EXISTS,
//                         RESOURCE_EXHAUSTED, INTERNAL, any other code;
//                         `rules validate` found problems (as `rules check`)
//   2  kExitBadInput      a flag or value was wrong, found by the client or
//                         by the server (INVALID_ARGUMENT)
//   3  kExitLogBroken     `verify`: the log's hash chain is broken
//   5  kExitUnreachable   UNAVAILABLE (no server at the address, or it is
//                         stopping) or DEADLINE_EXCEEDED (no answer within
//                         --timeout)
//   6  kExitAccessDenied  UNAUTHENTICATED (no or unknown token) or
//                         PERMISSION_DENIED (the token's role or agencies do
//                         not allow it)
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUnreachable = 5;
inline constexpr int kExitAccessDenied = 6;

// The exit code for a call that ended with `code` (kExitOk for OK).
int ExitCodeForStatus(grpc::StatusCode code);

// Flags every client command takes.
struct ClientOptions {
  ConnectionOptions connection;
  bool json = false;
};

// Flags of every lifecycle command (CommandOptions in the API).
struct CommandFlags {
  std::string request_id;
  int64_t expected_version = 0;  // 0: any version
};

// `motcua submit`: prints the due time first (as `motcua due` does), then
// the events appended and the dossier.
struct SubmitOptions {
  std::string dossier_code;
  std::string procedure_code;
  std::string agency;
  std::string channel;                  // in_person, online or postal
  std::optional<std::string> received;  // ISO 8601; default: now
  std::string summary;
  // Why a receipt older than the server's backdating bound is entered now.
  std::string late_entry_reason;
  CommandFlags command;
};
int RunSubmit(const ClientOptions& client, const SubmitOptions& options,
              std::ostream& out, std::ostream& err);

// The lifecycle actions of `motcua act CODE ACTION`: the engine's caller
// actions after submit, in its order (checked by the compiler).
enum class ActAction {
  kHandOver,
  kRequestSupplement,
  kReceiveSupplement,
  kRequestFinancialObligation,
  kConfirmFinancialObligation,
  kStop,
  kResume,
  kApologise,
  kResolve,
  kReturnResult,
  kReject,
  kWithdraw,
};
// The subcommand's name, the engine's with "-" for "_": "hand-over",
// "request-supplement", ...
std::string ActActionName(ActAction action);

// `motcua act CODE ACTION`: prints the events appended, then the dossier.
// Only the fields of `action` are sent; the server names a missing one.
struct ActOptions {
  std::string dossier_code;
  ActAction action = ActAction::kHandOver;
  std::string to_step;               // hand-over
  std::string to_unit;               // hand-over
  std::string note;                  // hand-over
  std::vector<std::string> missing;  // request-supplement
  std::string description;           // request-financial-obligation
  std::string reason;                // stop, apologise, reject, withdraw
  std::string new_appointment;       // apologise, ISO 8601
  std::string result;                // resolve
  CommandFlags command;
};
int RunAct(const ClientOptions& client, const ActOptions& options,
           std::ostream& out, std::ostream& err);

// `motcua get CODE`: the dossier block of `motcua audit events`, with the
// working time left and the step open now.
int RunGet(const ClientOptions& client, const std::string& dossier_code,
           std::ostream& out, std::ostream& err);

// Paging of the list commands: one page from `page_token`, or with `all`
// every page (one JSON line per page with --json).
struct PageFlags {
  int32_t page_size = 0;  // 0: the server's default (100)
  std::string page_token;
  bool all = false;
};

// `motcua list`: a table of dossiers; the next page's token after it.
struct ListOptions {
  std::string agency;
  std::string procedure_code;
  std::string unit;
  std::string state;  // e.g. PROCESSING or processing; empty: any
  PageFlags page;
};
int RunList(const ClientOptions& client, const ListOptions& options,
            std::ostream& out, std::ostream& err);

// `motcua overdue` and `motcua due-soon`: tables of late (or soon due)
// dossiers and steps, most late (or soonest due) first, a KIND column
// telling which deadline each row is about.
struct SupervisionOptions {
  std::string agency;
  std::string unit;
  std::string procedure_code;
  // overdue: --min-lateness; due-soon: --within. Working time, "2h30m".
  std::string duration;
  PageFlags page;
  // overdue --count: the counts per agency instead of the dossiers.
  bool count = false;
  // --kind: "dossier", "step" or "all" (empty: all): the dossiers' due
  // times, the open steps' budgets (for the unit holding each), or both.
  std::string kind;
};
int RunOverdue(const ClientOptions& client, const SupervisionOptions& options,
               std::ostream& out, std::ostream& err);
int RunDueSoon(const ClientOptions& client, const SupervisionOptions& options,
               std::ostream& out, std::ostream& err);

// `motcua watch`: one line per event (one JSON line with --json), flushed
// as it arrives, until interrupted, `limit` events were printed, or the
// server ends the stream. On an UNAVAILABLE end it also prints the
// position to resume from ("resume with --after N").
struct WatchOptions {
  int64_t after_sequence = 0;
  std::vector<std::string> types;
  std::string agency;
  int64_t limit = 0;  // 0: no limit
};
int RunWatch(const ClientOptions& client, const WatchOptions& options,
             std::ostream& out, std::ostream& err);

// `motcua events`: the events of one dossier, or a range of the log.
struct EventsOptions {
  std::optional<std::string> dossier_code;
  int64_t after_sequence = 0;
  int32_t limit = 0;  // 0: the server's default (1000)
};
int RunEvents(const ClientOptions& client, const EventsOptions& options,
              std::ostream& out, std::ostream& err);

// `motcua as-of CODE --at TIME`: the dossier as it was at that instant.
int RunAsOf(const ClientOptions& client, const std::string& dossier_code,
            const std::string& at, std::ostream& out, std::ostream& err);

// `motcua report --from DAY --to DAY [--group-by agency|procedure|field]
// [--agency A] [--count-at resolution|return] [--csv]`: the periodic report,
// as a table, CSV (a header line, then a row per group and the total) or
// JSON.
struct ReportOptions {
  std::string from_day;
  std::string to_day;
  std::string group_by = "agency";
  std::string agency;
  std::string count_at = "resolution";
  bool csv = false;
  // --address repeated: the same report asked of each server and summed
  // (a national report over a province per cluster). Empty: the client's
  // one address.
  std::vector<std::string> addresses;
};
int RunReport(const ClientOptions& client, const ReportOptions& options,
              std::ostream& out, std::ostream& err);

// `motcua checkpoint [--sign] [--out FILE]`: the server's newest signed
// checkpoint (SignCheckpoint with --sign), printed as the file an auditor
// keeps, or written to FILE.
struct CheckpointOptions {
  bool sign = false;
  std::string out_file;
};
int RunCheckpoint(const ClientOptions& client, const CheckpointOptions& options,
                  std::ostream& out, std::ostream& err);

// `motcua verify`: the server walks its log's hash chain. kExitLogBroken
// naming the first bad event, like `motcua audit verify`.
int RunVerify(const ClientOptions& client, std::ostream& out,
              std::ostream& err);

// `motcua rules validate [DIR]`: sends the *.yaml and *.yml files under DIR
// (their paths relative to DIR) for the server to check, or without DIR has
// the server check its own rules directory. Problems are printed as
// `motcua rules check` prints them, with kExitRefused.
int RunRulesValidate(const ClientOptions& client,
                     const std::optional<std::string>& directory,
                     std::ostream& out, std::ostream& err);

// `motcua rules reload`: the server reads its rules directory again; a rule
// set with errors is refused (FAILED_PRECONDITION) and the running one
// stays.
int RunRulesReload(const ClientOptions& client, std::ostream& out,
                   std::ostream& err);

// `motcua rules show`: the rules in force on the server.
int RunRulesShow(const ClientOptions& client, std::ostream& out,
                 std::ostream& err);

}  // namespace motcua::cli

#endif  // MOTCUA_SERVICES_CLI_CLIENT_COMMANDS_H_
