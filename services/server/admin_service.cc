#include <memory>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/status_macros.h"
#include "engine/time_limit.h"
#include "engine/utf8.h"
#include "services/api/from_proto.h"
#include "services/rules_files/rules_files.h"
#include "services/server/services.h"

namespace motcua::server {
namespace {

void AddProblems(const std::vector<RuleError>& errors,
                 v1::ValidateRulesReply* reply) {
  for (const RuleError& error : errors) {
    v1::RuleProblem* problem = reply->add_problems();
    // A file name on disk need not be UTF-8, and a message may quote the
    // file; a proto3 string must be, or the client cannot read the reply.
    problem->set_file(ToValidUtf8(error.where.file));
    problem->set_line(error.where.line);
    problem->set_column(error.where.column);
    problem->set_message(ToValidUtf8(error.message));
  }
}

}  // namespace

grpc::ServerUnaryReactor* AdminService::ValidateRules(
    grpc::CallbackServerContext* call, const v1::ValidateRulesRequest* request,
    v1::ValidateRulesReply* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = AuthenticateFor(
      context_, call, access::Operation::kAdminRead, Reach::kEveryAgency);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  absl::StatusOr<std::vector<RuleSource>> sources =
      api::RuleSourcesFromProto(*request);
  if (!sources.ok()) return Refuse(reactor, sources.status());
  // Loading a rules directory reads files: off the gRPC threads.
  const ServiceContext* context = &context_;
  return RunSlow(
      context_, reactor,
      [context, reply, sources = *std::move(sources)]() -> absl::Status {
        RuleLoadResult loaded =
            sources.empty()
                ? LoadRulesFromDirectory(context->rules->directory())
                : LoadRules(sources);
        reply->set_valid(loaded.rules != nullptr && loaded.errors.empty());
        if (reply->valid()) reply->set_version(loaded.rules->version());
        AddProblems(loaded.errors, reply);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AdminService::ReloadRules(
    grpc::CallbackServerContext* call,
    const v1::ReloadRulesRequest* /*request*/, v1::ReloadRulesReply* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = AuthenticateFor(
      context_, call, access::Operation::kAdminWrite, Reach::kEveryAgency);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  const ServiceContext* context = &context_;
  return RunSlow(context_, reactor, [context, reply]() -> absl::Status {
    ASSIGN_OR_RETURN(RulesHolder::ReloadOutcome reloaded,
                     context->reload_rules());
    reply->set_version(reloaded.rules->version());
    reply->set_changed(reloaded.changed);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::GetRules(
    grpc::CallbackServerContext* call, const v1::GetRulesRequest* /*request*/,
    v1::GetRulesReply* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = AuthenticateFor(
      context_, call, access::Operation::kAdminRead, Reach::kEveryAgency);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  const std::shared_ptr<const RuleSet> rules = context_.rules->Current();
  reply->set_version(rules->version());
  for (const auto& [name, calendar] : rules->calendars()) {
    reply->add_calendars(name);
  }
  for (const auto& [name, ladder] : rules->ladders()) reply->add_ladders(name);
  for (const auto& [code, versions] : rules->procedures()) {
    for (const ProcedureVersion& version : versions) {
      v1::ProcedureSummary* summary = reply->add_procedures();
      summary->set_code(version.code);
      summary->set_name(version.name);
      summary->set_effective_from(
          absl::FormatCivilTime(version.effective_from));
      if (version.effective_until.has_value()) {
        summary->set_effective_until(
            absl::FormatCivilTime(*version.effective_until));
      }
      summary->set_time_limit(version.limit.ToString());
      if (version.limit.cutoff_second.has_value()) {
        summary->set_cutoff(FormatClockTime(*version.limit.cutoff_second));
      }
      summary->set_calendar(version.calendar_name);
      summary->set_supplement(
          std::string(SupplementPolicyName(version.supplement)));
      for (const ProcedureStep& step : version.steps) {
        summary->add_steps(step.id);
      }
    }
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace motcua::server
