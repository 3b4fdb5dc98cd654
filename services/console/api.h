#ifndef MOTCUA_SERVICES_CONSOLE_API_H_
#define MOTCUA_SERVICES_CONSOLE_API_H_

// The console's JSON API under /api/v1/: each route builds the request
// message of a gRPC read, calls the same function the gRPC handler calls
// (services/server/reads.h) with the caller it authenticated, and prints
// the reply with protobuf's JSON utilities (json.h). So the routes check
// access, refuse bad input and answer exactly as the gRPC reads do; only
// the status is an HTTP one (HttpStatusOf).
//
//   POST   /api/v1/session            {"token": "..."}: signs in, sets the
//                                     session cookie (HttpOnly,
//                                     SameSite=Strict; Secure under TLS)
//   GET    /api/v1/session            who is signed in, the server's now
//   DELETE /api/v1/session            signs out
//   GET    /api/v1/overdue            Supervision/ListOverdue
//   GET    /api/v1/due-soon           Supervision/ListDueSoon
//   GET    /api/v1/overdue-counts     Supervision/CountOverdue
//   GET    /api/v1/report             Supervision/Report (.csv, .xlsx)
//   GET    /api/v1/dossiers/{code}    Dossiers/Get
//   GET    /api/v1/dossiers/{code}/events   Audit/ReadEvents of the dossier
//   GET    /api/v1/dossiers/{code}/as-of    Audit/GetDossierAsOf (as_of=)
//   POST   /api/v1/audit/verify       Audit/VerifyLog
//   GET    /api/v1/events             Supervision/WatchEvents as
//                                     Server-Sent Events (console.cc)
//
// A request's query parameters are the request message's fields (json.h).
// The caller is the Authorization header ("Bearer <token>") when sent,
// else the session cookie.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/access/access.h"
#include "services/server/reads.h"
#include "services/server/service_context.h"

namespace motcua::console {

// The HTTP status of a refusal with `code`: 400 for a malformed request or
// one the state does not allow, 401, 403, 404, 409, 429, 503, 500 for a
// server's fault.
unsigned HttpStatusOf(absl::StatusCode code);

// Signed-in browsers: a random session id (the cookie) to the credential
// it was opened with, forgotten after `idle` without use.
class Sessions {
 public:
  explicit Sessions(absl::Duration idle) : idle_(idle) {}
  // A new session id for `authorization` ("Bearer <token>").
  absl::StatusOr<std::string> Open(std::string authorization);
  // The credential of a live session; empty when unknown or expired.
  std::string Find(const std::string& id);
  void Close(const std::string& id);

 private:
  struct Entry {
    std::string authorization;
    absl::Time last_used;
  };
  const absl::Duration idle_;
  absl::Mutex mu_;
  std::map<std::string, Entry> sessions_ ABSL_GUARDED_BY(mu_);
};

struct ApiRequest {
  std::string method;  // "GET", "POST", "DELETE"
  std::string path;    // without the query
  std::vector<std::pair<std::string, std::string>> query;
  std::string body;
  std::string authorization;  // the header's value, or empty
  std::string cookie;         // the Cookie header's value, or empty
  bool tls = false;           // served over TLS (the cookie is Secure)
};

struct ApiResponse {
  unsigned status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// The name of the session cookie.
inline constexpr char kSessionCookie[] = "motcua_session";

class Api {
 public:
  Api(const server::ServiceContext& context, Sessions* sessions)
      : context_(context), sessions_(sessions) {}

  // Answers `request` through `done`: at once for most routes, from the
  // server's slow-read threads for verify and as-of.
  void Handle(const ApiRequest& request,
              std::function<void(ApiResponse)> done) const;

  // GET /api/v1/events: the caller and what it may follow, or why not.
  // `last_event_id` (the header a reconnecting EventSource sends) takes the
  // place of after_sequence.
  absl::StatusOr<server::WatchScope> ScopeEvents(
      const ApiRequest& request, const std::string& last_event_id) const;

  // The JSON answer to a refusal: {"code": "NOT_FOUND", "message": ...}.
  static ApiResponse Refusal(const absl::Status& status);

 private:
  absl::StatusOr<access::Principal> Caller(const ApiRequest& request) const;
  ApiResponse SignIn(const ApiRequest& request) const;
  ApiResponse SessionInfo(const access::Principal& principal) const;

  const server::ServiceContext& context_;
  Sessions* const sessions_;
};

}  // namespace motcua::console

#endif  // MOTCUA_SERVICES_CONSOLE_API_H_
