#ifndef MOTCUA_SERVICES_CLI_CLIENT_SESSION_H_
#define MOTCUA_SERVICES_CLI_CLIENT_SESSION_H_

// What the client commands share (dossier_commands.cc,
// supervision_commands.cc, log_rules_commands.cc): one run of a command
// against motcuad, the flags they read alike, and the pages of the list
// commands. Internal to the client library.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/cli/client_commands.h"
#include "services/cli/connection.h"

namespace motcua::cli {

// Times typed without an offset are read at Vietnam's, as `motcua due` and
// the audit commands read them.
absl::TimeZone InputZone();

// One run of a client command: its name in messages, its streams and its
// connection.
class Session {
 public:
  Session(const ClientOptions& client, std::string command, std::ostream& out,
          std::ostream& err)
      : client_(client), command_(std::move(command)), out_(out), err_(err) {}

  bool json() const { return client_.json; }
  const Connection& connection() const { return *connection_; }

  // The one line of bad input; returns kExitBadInput.
  int BadInput(absl::string_view message) const;

  // Opens the connection. False after printing why (a TLS flag).
  bool Connect();

  // One line for a call that ended with an error; returns its exit code.
  int CallFailed(const grpc::Status& status) const;
  // Has CallFailed name the server whatever the error (a command that asks
  // several servers), not only when it was unreachable.
  void NameServerInErrors() { name_server_ = true; }

  // Makes one unary call, `call(stubs, context)`, with the token and the
  // per-call deadline.
  template <class Call>
  grpc::Status Unary(Call call) const {
    grpc::ClientContext context;
    connection_->Prepare(&context, CallDeadline::kPerCall);
    return call(*connection_, &context);
  }

  // The message as one line of JSON on `out`.
  void PrintJson(const google::protobuf::Message& message) const;

 private:
  const ClientOptions& client_;
  const std::string command_;
  std::ostream& out_;
  std::ostream& err_;
  std::unique_ptr<Connection> connection_;
  bool name_server_ = false;
};

// An instant typed on the command line. INVALID_ARGUMENT naming the flag.
absl::StatusOr<google::protobuf::Timestamp> ParseTimeFlag(
    absl::string_view text, absl::string_view flag);

// A working duration typed on the command line: "2h30m", "90m", "0".
// INVALID_ARGUMENT naming the flag, also for a negative one.
absl::StatusOr<google::protobuf::Duration> ParseDurationFlag(
    absl::string_view text, absl::string_view flag);

// Calls `fetch(page_token, &reply)` for the page at `flags.page_token` and,
// with `flags.all`, for every page after it, handing each reply to `each`.
template <class Reply, class Fetch, class Each>
grpc::Status ForEachPage(const PageFlags& flags, Fetch fetch, Each each) {
  std::string token = flags.page_token;
  while (true) {
    Reply reply;
    grpc::Status status = fetch(token, &reply);
    if (!status.ok()) return status;
    each(reply);
    // A token that does not move would page forever: stop there.
    if (!flags.all || reply.next_page_token().empty() ||
        reply.next_page_token() == token) {
      return grpc::Status::OK;
    }
    token = reply.next_page_token();
  }
}

// The table of a list command, or `empty` when it has no rows, then the
// way to the next page.
void PrintPage(const std::vector<std::vector<std::string>>& rows,
               absl::string_view empty, const std::string& next_page_token,
               std::ostream& out);

// The text, or "-" when it is empty.
std::string OrDash(const std::string& text);

}  // namespace motcua::cli

#endif  // MOTCUA_SERVICES_CLI_CLIENT_SESSION_H_
