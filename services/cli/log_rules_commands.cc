// The log and the rules: watch, events, as-of, verify, checkpoint, and the
// rules the server holds.

#include <algorithm>
#include <fstream>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/rules.h"
#include "services/cli/client_commands.h"
#include "services/cli/client_session.h"
#include "services/cli/reply_text.h"
#include "services/rules_files/rules_files.h"

namespace motcua::cli {

int RunWatch(const ClientOptions& client, const WatchOptions& options,
             std::ostream& out, std::ostream& err) {
  Session session(client, "watch", out, err);
  if (options.after_sequence < 0) {
    return session.BadInput("--after: must not be negative");
  }
  if (options.limit < 0) {
    return session.BadInput("--limit: must not be negative");
  }
  v1::WatchRequest request;
  request.set_after_sequence(options.after_sequence);
  for (const std::string& type : options.types) request.add_types(type);
  request.set_agency(options.agency);
  if (!session.Connect()) return kExitBadInput;

  grpc::ClientContext context;
  session.connection().Prepare(&context, CallDeadline::kNone);
  std::unique_ptr<grpc::ClientReader<v1::Event>> reader =
      session.connection().supervision().WatchEvents(&context, request);
  int64_t last_sequence = options.after_sequence;
  int64_t printed = 0;
  v1::Event event;
  while (reader->Read(&event)) {
    if (session.json()) {
      out << JsonLine(event) << "\n";
    } else {
      out << EventLine(event) << "\n";
    }
    // Each line as it arrives: a script or a pager reads them live.
    out.flush();
    last_sequence = event.sequence();
    if (options.limit > 0 && ++printed >= options.limit) {
      context.TryCancel();
      break;
    }
  }
  const grpc::Status status = reader->Finish();
  if (options.limit > 0 && printed >= options.limit) return kExitOk;
  if (status.ok()) return kExitOk;
  const int exit_code = session.CallFailed(status);
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    err << "motcua watch: resume with --after " << last_sequence << "\n";
  }
  return exit_code;
}

int RunEvents(const ClientOptions& client, const EventsOptions& options,
              std::ostream& out, std::ostream& err) {
  Session session(client, "events", out, err);
  v1::ReadEventsRequest request;
  if (options.dossier_code.has_value()) {
    request.set_dossier_code(*options.dossier_code);
  } else {
    request.set_after_sequence(options.after_sequence);
    request.set_limit(options.limit);
  }
  if (!session.Connect()) return kExitBadInput;
  v1::ReadEventsReply reply;
  const grpc::Status status =
      session.Unary([&](const Connection& c, grpc::ClientContext* context) {
        return c.audit().ReadEvents(context, request, &reply);
      });
  if (!status.ok()) return session.CallFailed(status);
  if (session.json()) {
    session.PrintJson(reply);
    return kExitOk;
  }
  if (reply.events().empty()) {
    out << "no events\n";
    return kExitOk;
  }
  for (const v1::Event& event : reply.events()) {
    out << EventLine(event) << "\n";
  }
  // A full range may have more after it (the server's default is 1000).
  constexpr int kDefaultLimit = 1000;
  const int limit = options.limit > 0 ? options.limit : kDefaultLimit;
  if (!options.dossier_code.has_value() && reply.events_size() >= limit) {
    out << "more: --after " << reply.events(reply.events_size() - 1).sequence()
        << "\n";
  }
  return kExitOk;
}

int RunAsOf(const ClientOptions& client, const std::string& dossier_code,
            const std::string& at, std::ostream& out, std::ostream& err) {
  Session session(client, "as-of", out, err);
  absl::StatusOr<google::protobuf::Timestamp> as_of = ParseTimeFlag(at, "--at");
  if (!as_of.ok()) return session.BadInput(as_of.status().message());
  v1::AsOfRequest request;
  request.set_dossier_code(dossier_code);
  *request.mutable_as_of() = *as_of;
  if (!session.Connect()) return kExitBadInput;
  v1::Dossier reply;
  const grpc::Status status =
      session.Unary([&](const Connection& c, grpc::ClientContext* context) {
        return c.audit().GetDossierAsOf(context, request, &reply);
      });
  if (!status.ok()) return session.CallFailed(status);
  if (session.json()) {
    session.PrintJson(reply);
    return kExitOk;
  }
  out << "as of " << TimeText(*as_of) << ":\n";
  if (reply.recorded_after_as_of()) {
    // Received before as_of, recorded after it: say both, so that nobody
    // takes the log to have held it then.
    out << "received " << TimeText(reply.received_at())
        << " but recorded only at " << TimeText(reply.recorded_at())
        << ": shown as received; the log did not hold it yet\n";
  }
  PrintDossier(reply, out);
  return kExitOk;
}

int RunVerify(const ClientOptions& client, std::ostream& out,
              std::ostream& err) {
  Session session(client, "verify", out, err);
  if (!session.Connect()) return kExitBadInput;
  v1::VerifyReply reply;
  const grpc::Status status =
      session.Unary([&](const Connection& c, grpc::ClientContext* context) {
        return c.audit().VerifyLog(context, v1::VerifyRequest(), &reply);
      });
  if (!status.ok()) return session.CallFailed(status);
  if (session.json()) {
    session.PrintJson(reply);
  } else if (reply.intact()) {
    out << "log intact: " << reply.events_checked()
        << " events, every hash and link verified\n";
  } else {
    out << "log BROKEN at event " << reply.first_bad_sequence() << ": "
        << reply.problem() << "\n";
    out << reply.events_checked() << " events checked\n";
  }
  if (!session.json()) {
    out << "head: event " << reply.head_sequence() << ", hash "
        << absl::BytesToHexString(reply.head_hash()) << "\n";
  }
  return reply.intact() ? kExitOk : kExitLogBroken;
}

int RunCheckpoint(const ClientOptions& client, const CheckpointOptions& options,
                  std::ostream& out, std::ostream& err) {
  Session session(client, "checkpoint", out, err);
  if (!session.Connect()) return kExitBadInput;
  v1::CheckpointReply reply;
  const grpc::Status status = session.Unary([&](const Connection& c,
                                                grpc::ClientContext* context) {
    if (options.sign) {
      return c.audit().SignCheckpoint(context, v1::SignCheckpointRequest(),
                                      &reply);
    }
    return c.audit().GetCheckpoint(context, v1::GetCheckpointRequest(), &reply);
  });
  if (!status.ok()) return session.CallFailed(status);
  if (!options.out_file.empty()) {
    std::ofstream file(options.out_file, std::ios::binary | std::ios::trunc);
    file << reply.text();
    file.close();
    if (!file) {
      err << "motcua checkpoint: cannot write " << options.out_file << "\n";
      return kExitBadInput;
    }
  }
  if (session.json()) {
    session.PrintJson(reply);
  } else if (options.out_file.empty()) {
    out << reply.text();
  } else {
    out << "checkpoint of event " << reply.sequence() << " written to "
        << options.out_file << "\n";
  }
  return kExitOk;
}

int RunRulesValidate(const ClientOptions& client,
                     const std::optional<std::string>& directory,
                     std::ostream& out, std::ostream& err) {
  Session session(client, "rules validate", out, err);
  v1::ValidateRulesRequest request;
  if (directory.has_value()) {
    // Read as the server reads its own rules directory.
    RuleFiles files = ReadRuleFiles(*directory);
    if (!files.errors.empty()) {
      std::vector<std::string> problems;
      for (const RuleError& error : files.errors) {
        problems.push_back(error.ToString());
      }
      return session.BadInput(absl::StrJoin(problems, "\n"));
    }
    for (RuleSource& source : files.sources) {
      v1::RuleFile& file = *request.add_files();
      file.set_path(std::move(source.path));
      file.set_content(std::move(source.content));
    }
  }
  if (!session.Connect()) return kExitBadInput;
  v1::ValidateRulesReply reply;
  const grpc::Status status =
      session.Unary([&](const Connection& c, grpc::ClientContext* context) {
        return c.admin().ValidateRules(context, request, &reply);
      });
  if (!status.ok()) return session.CallFailed(status);
  if (session.json()) {
    session.PrintJson(reply);
    return reply.valid() ? kExitOk : kExitRefused;
  }
  if (reply.valid()) {
    out << "rules valid: "
        << (directory.has_value()
                ? absl::StrCat(request.files_size(), " files from ", *directory)
                : std::string("the server's rules directory"))
        << ", version " << reply.version() << "\n";
    return kExitOk;
  }
  // As `motcua rules check` prints them.
  for (const v1::RuleProblem& problem : reply.problems()) {
    err << RuleError{SourceLocation{problem.file(), problem.line(),
                                    problem.column()},
                     problem.message()}
               .ToString()
        << "\n";
  }
  err << reply.problems_size()
      << (reply.problems_size() == 1 ? " error" : " errors")
      << "; the rule set is refused\n";
  return kExitRefused;
}

int RunRulesReload(const ClientOptions& client, std::ostream& out,
                   std::ostream& err) {
  Session session(client, "rules reload", out, err);
  if (!session.Connect()) return kExitBadInput;
  v1::ReloadRulesReply reply;
  const grpc::Status status =
      session.Unary([&](const Connection& c, grpc::ClientContext* context) {
        return c.admin().ReloadRules(context, v1::ReloadRulesRequest(), &reply);
      });
  if (!status.ok()) return session.CallFailed(status);
  if (session.json()) {
    session.PrintJson(reply);
  } else {
    out << (reply.changed() ? "rules reloaded: version "
                            : "rules unchanged: version ")
        << reply.version() << "\n";
  }
  return kExitOk;
}

int RunRulesShow(const ClientOptions& client, std::ostream& out,
                 std::ostream& err) {
  Session session(client, "rules show", out, err);
  if (!session.Connect()) return kExitBadInput;
  v1::GetRulesReply reply;
  const grpc::Status status =
      session.Unary([&](const Connection& c, grpc::ClientContext* context) {
        return c.admin().GetRules(context, v1::GetRulesRequest(), &reply);
      });
  if (!status.ok()) return session.CallFailed(status);
  if (session.json()) {
    session.PrintJson(reply);
    return kExitOk;
  }
  out << "rules version: " << reply.version() << "\n";
  out << "calendars:     " << absl::StrJoin(reply.calendars(), ", ") << "\n";
  out << "ladders:       " << absl::StrJoin(reply.ladders(), ", ") << "\n";
  out << "procedures:\n";
  std::vector<std::vector<std::string>> rows = {
      {"CODE", "IN FORCE", "LIMIT", "CALENDAR", "SUPPLEMENT", "STEPS", "NAME"}};
  for (const v1::ProcedureSummary& procedure : reply.procedures()) {
    rows.push_back({procedure.code(),
                    absl::StrCat(procedure.effective_from(), "..",
                                 procedure.effective_until()),
                    procedure.cutoff().empty()
                        ? procedure.time_limit()
                        : absl::StrCat(procedure.time_limit(), ", cut-off ",
                                       procedure.cutoff()),
                    procedure.calendar(), procedure.supplement(),
                    procedure.steps().empty()
                        ? "-"
                        : absl::StrJoin(procedure.steps(), ","),
                    procedure.name()});
  }
  PrintTable(rows, out);
  return kExitOk;
}

}  // namespace motcua::cli
