#include "services/console/api.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/rules.h"
#include "engine/status_macros.h"
#include "engine/time_format.h"
#include "services/console/json.h"
#include "services/console/report_files.h"

namespace motcua::console {
namespace {

using Json = nlohmann::ordered_json;
using Query = std::vector<std::pair<std::string, std::string>>;

constexpr absl::string_view kPrefix = "/api/v1/";

absl::string_view CodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "OK";
    case absl::StatusCode::kCancelled:
      return "CANCELLED";
    case absl::StatusCode::kUnknown:
      return "UNKNOWN";
    case absl::StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case absl::StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case absl::StatusCode::kNotFound:
      return "NOT_FOUND";
    case absl::StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case absl::StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case absl::StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case absl::StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case absl::StatusCode::kAborted:
      return "ABORTED";
    case absl::StatusCode::kOutOfRange:
      return "OUT_OF_RANGE";
    case absl::StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case absl::StatusCode::kInternal:
      return "INTERNAL";
    case absl::StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case absl::StatusCode::kDataLoss:
      return "DATA_LOSS";
    case absl::StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

// The value of cookie `name` in a Cookie header; empty when absent.
std::string CookieValue(absl::string_view header, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(header, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, name) && absl::ConsumePrefix(&part, "=")) {
      return std::string(part);
    }
  }
  return "";
}

ApiResponse JsonAnswer(const google::protobuf::Message& reply) {
  ApiResponse response;
  response.body = ToJson(reply);
  return response;
}

// A read of reads.h, its request built from the query and `fixed`
// parameters of the path.
template <typename Request, typename Reply>
ApiResponse Answer(const server::ServiceContext& context,
                   const access::Principal& principal, Query query,
                   absl::Status (*read)(const server::ServiceContext&,
                                        const access::Principal&,
                                        const Request&, Reply*)) {
  Request request;
  if (absl::Status parsed = FromQuery(query, &request); !parsed.ok()) {
    return Api::Refusal(parsed);
  }
  Reply reply;
  if (absl::Status read_status = read(context, principal, request, &reply);
      !read_status.ok()) {
    return Api::Refusal(read_status);
  }
  return JsonAnswer(reply);
}

// A slow read of reads.h (verify, as-of): prepared here, so that a refusal
// answers at once, then run on the slow-read thread, which answers `done`.
template <typename Reply>
void AnswerSlowly(const server::ServiceContext& context,
                  std::shared_ptr<Reply> reply,
                  absl::StatusOr<server::SlowRead> work,
                  std::function<void(ApiResponse)> done) {
  if (!work.ok()) {
    done(Api::Refusal(work.status()));
    return;
  }
  const bool posted =
      context.slow_reads->Post([work = *std::move(work), reply, done]() {
        const absl::Status status = work();
        done(status.ok() ? JsonAnswer(*reply) : Api::Refusal(status));
      });
  if (!posted) {
    done(Api::Refusal(absl::UnavailableError("the server is stopping")));
  }
}

std::string GroupByName(v1::ReportRequest::GroupBy group_by) {
  switch (group_by) {
    case v1::ReportRequest::GROUP_BY_AGENCY:
      return "agency";
    case v1::ReportRequest::GROUP_BY_PROCEDURE:
      return "procedure";
    case v1::ReportRequest::GROUP_BY_FIELD:
      return "field";
    case v1::ReportRequest::GROUP_BY_UNIT:
      return "unit";
    default:
      return "";
  }
}

}  // namespace

unsigned HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;  // UNKNOWN, INTERNAL, DATA_LOSS
  }
}

absl::StatusOr<std::string> Sessions::Open(std::string authorization) {
  ASSIGN_OR_RETURN(std::string id, access::GenerateToken());
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  std::erase_if(sessions_, [&](const auto& entry) {
    return now - entry.second.last_used > idle_;
  });
  sessions_[id] = Entry{std::move(authorization), now};
  return id;
}

std::string Sessions::Find(const std::string& id) {
  if (id.empty()) return "";
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  auto found = sessions_.find(id);
  if (found == sessions_.end()) return "";
  if (now - found->second.last_used > idle_) {
    sessions_.erase(found);
    return "";
  }
  found->second.last_used = now;
  return found->second.authorization;
}

void Sessions::Close(const std::string& id) {
  absl::MutexLock lock(&mu_);
  sessions_.erase(id);
}

ApiResponse Api::Refusal(const absl::Status& status) {
  ApiResponse response;
  response.status = HttpStatusOf(status.code());
  Json body = Json::object();
  body["code"] = CodeName(status.code());
  body["message"] = std::string(status.message());
  response.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return response;
}

absl::StatusOr<access::Principal> Api::Caller(const ApiRequest& request) const {
  if (!request.authorization.empty()) {
    return context_.access->Authenticate(request.authorization);
  }
  const std::string session =
      sessions_->Find(CookieValue(request.cookie, kSessionCookie));
  if (session.empty()) {
    return absl::UnauthenticatedError(
        "sign in first: POST /api/v1/session with {\"token\": \"...\"}, or "
        "send \"Authorization: Bearer <token>\"");
  }
  return context_.access->Authenticate(session);
}

ApiResponse Api::SessionInfo(const access::Principal& principal) const {
  Json body = Json::object();
  body["name"] = principal.name;
  body["role"] = std::string(access::RoleName(principal.role));
  body["all_agencies"] = principal.all_agencies;
  body["agencies"] = principal.agencies;
  body["now"] = FormatInstant(context_.clock->Now(), FixedZone(7 * 3600));
  body["head_sequence"] = context_.hub->head();
  // The length of a working day, for lateness in days and hours: the
  // longest of the rules' calendars (they agree in the shipped rules).
  absl::Duration day = absl::ZeroDuration();
  for (const auto& [name, calendar] : context_.rules->Current()->calendars()) {
    day = std::max(day, calendar.NominalWorkingDay());
  }
  body["working_day_seconds"] = absl::ToInt64Seconds(day);
  ApiResponse response;
  response.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return response;
}

ApiResponse Api::SignIn(const ApiRequest& request) const {
  Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object() || !body.contains("token") ||
      !body["token"].is_string() || body["token"].get<std::string>().empty()) {
    return Refusal(absl::InvalidArgumentError(
        "token: required, as a JSON body {\"token\": \"...\"}"));
  }
  const std::string authorization =
      absl::StrCat("Bearer ", body["token"].get<std::string>());
  absl::StatusOr<access::Principal> principal =
      context_.access->Authenticate(authorization);
  if (!principal.ok()) return Refusal(principal.status());
  // The console is for those who supervise and audit; a desk's token
  // belongs in the desk's software.
  if (principal->role == access::Role::kIntake) {
    return Refusal(absl::PermissionDeniedError(absl::StrCat(
        principal->name,
        " has the intake role: the console is for the officer, supervisor, "
        "auditor and admin roles")));
  }
  absl::StatusOr<std::string> id = sessions_->Open(authorization);
  if (!id.ok()) return Refusal(id.status());
  ApiResponse response = SessionInfo(*principal);
  response.headers.emplace_back(
      "Set-Cookie",
      absl::StrCat(kSessionCookie, "=", *id,
                   "; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200",
                   request.tls ? "; Secure" : ""));
  return response;
}

absl::StatusOr<server::WatchScope> Api::ScopeEvents(
    const ApiRequest& request, const std::string& last_event_id) const {
  ASSIGN_OR_RETURN(access::Principal principal, Caller(request));
  Query query = request.query;
  if (!last_event_id.empty()) {
    std::erase_if(query, [](const auto& entry) {
      return entry.first == "after_sequence";
    });
    query.emplace_back("after_sequence", last_event_id);
  }
  v1::WatchRequest watch;
  RETURN_IF_ERROR(FromQuery(query, &watch));
  return server::ScopeWatch(principal, watch);
}

void Api::Handle(const ApiRequest& request,
                 std::function<void(ApiResponse)> done) const {
  absl::string_view route = request.path;
  if (!absl::ConsumePrefix(&route, kPrefix)) {
    done(Refusal(absl::NotFoundError(absl::StrCat(
        "no route ", request.path, " (the API is under /api/v1/)"))));
    return;
  }
  auto method_not_allowed = [&](absl::string_view allowed) {
    ApiResponse response = Refusal(absl::InvalidArgumentError(absl::StrCat(
        request.method, " ", request.path, ": the method is ", allowed)));
    response.status = 405;
    response.headers.emplace_back("Allow", std::string(allowed));
    return response;
  };
  if (route == "session") {
    if (request.method == "POST") {
      done(SignIn(request));
      return;
    }
    if (request.method == "DELETE") {
      sessions_->Close(CookieValue(request.cookie, kSessionCookie));
      ApiResponse response;
      response.body = "{}";
      response.headers.emplace_back(
          "Set-Cookie", absl::StrCat(kSessionCookie,
                                     "=; Path=/; HttpOnly; SameSite=Strict; "
                                     "Max-Age=0",
                                     request.tls ? "; Secure" : ""));
      done(std::move(response));
      return;
    }
  }
  absl::StatusOr<access::Principal> principal = Caller(request);
  if (!principal.ok()) {
    done(Refusal(principal.status()));
    return;
  }
  const bool get = request.method == "GET";
  if (route == "session") {
    done(get ? SessionInfo(*principal)
             : method_not_allowed("GET, POST, DELETE"));
    return;
  }
  if (route == "audit/verify") {
    if (request.method != "POST") {
      done(method_not_allowed("POST"));
      return;
    }
    auto reply = std::make_shared<v1::VerifyReply>();
    AnswerSlowly(context_, reply,
                 server::PrepareVerifyLog(context_, *principal, reply.get()),
                 std::move(done));
    return;
  }
  if (!get) {
    done(method_not_allowed("GET"));
    return;
  }
  if (route == "overdue") {
    done(Answer(context_, *principal, request.query, &server::ListOverdue));
    return;
  }
  if (route == "due-soon") {
    done(Answer(context_, *principal, request.query, &server::ListDueSoon));
    return;
  }
  if (route == "overdue-counts") {
    done(Answer(context_, *principal, request.query, &server::CountOverdue));
    return;
  }
  if (route == "report" || route == "report.csv" || route == "report.xlsx") {
    v1::ReportRequest report_request;
    if (absl::Status parsed = FromQuery(request.query, &report_request);
        !parsed.ok()) {
      done(Refusal(parsed));
      return;
    }
    v1::ReportReply reply;
    if (absl::Status read =
            server::Report(context_, *principal, report_request, &reply);
        !read.ok()) {
      done(Refusal(read));
      return;
    }
    if (route == "report") {
      done(JsonAnswer(reply));
      return;
    }
    const std::string name = absl::StrCat(
        "bao-cao-", report_request.from_day(), "-", report_request.to_day(),
        route == "report.csv" ? ".csv" : ".xlsx");
    ApiResponse response;
    if (route == "report.csv") {
      response.content_type = "text/csv; charset=utf-8";
      response.body = ReportCsv(reply);
    } else {
      absl::StatusOr<std::string> workbook = ReportXlsx(
          reply, ReportTitle{report_request.from_day(), report_request.to_day(),
                             GroupByName(report_request.group_by()),
                             report_request.agency()});
      if (!workbook.ok()) {
        done(Refusal(workbook.status()));
        return;
      }
      response.content_type =
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
      response.body = *std::move(workbook);
    }
    response.headers.emplace_back(
        "Content-Disposition",
        absl::StrCat("attachment; filename=\"", name, "\""));
    done(std::move(response));
    return;
  }
  if (absl::ConsumePrefix(&route, "dossiers/")) {
    // dossiers/{code}[/events | /as-of]
    std::string code(route);
    std::string what;
    if (const size_t slash = route.find('/');
        slash != absl::string_view::npos) {
      code = std::string(route.substr(0, slash));
      what = std::string(route.substr(slash + 1));
    }
    std::vector<std::pair<std::string, std::string>> code_part;
    if (absl::Status parsed =
            ParseQuery(absl::StrCat("dossier_code=", code), &code_part);
        !parsed.ok()) {
      done(Refusal(parsed));
      return;
    }
    Query query = request.query;
    query.insert(query.begin(), code_part.begin(), code_part.end());
    if (what.empty()) {
      done(Answer(context_, *principal, query, &server::GetDossier));
      return;
    }
    if (what == "events") {
      done(Answer(context_, *principal, query, &server::ReadEvents));
      return;
    }
    if (what == "as-of") {
      v1::AsOfRequest as_of;
      if (absl::Status parsed = FromQuery(query, &as_of); !parsed.ok()) {
        done(Refusal(parsed));
        return;
      }
      auto reply = std::make_shared<v1::Dossier>();
      AnswerSlowly(
          context_, reply,
          server::PrepareDossierAsOf(context_, *principal, as_of, reply.get()),
          std::move(done));
      return;
    }
  }
  done(Refusal(absl::NotFoundError(absl::StrCat(
      "no route ", request.path,
      "; the routes are session, overdue, due-soon, overdue-counts, report "
      "(.csv, .xlsx), dossiers/{code} (/events, /as-of), audit/verify, "
      "events"))));
}

}  // namespace motcua::console
