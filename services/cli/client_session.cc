#include "services/cli/client_session.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/time_format.h"
#include "services/cli/reply_text.h"
#include "services/text/dossier_text.h"

namespace motcua::cli {
namespace {

// "NOT_FOUND", as gRPC and Abseil spell the codes (they number them alike).
std::string CodeName(grpc::StatusCode code) {
  const int number = static_cast<int>(code);
  if (number < 0 ||
      number > static_cast<int>(grpc::StatusCode::UNAUTHENTICATED)) {
    return "UNKNOWN";
  }
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(number));
}

}  // namespace

absl::TimeZone InputZone() { return text::DisplayZone(); }

int Session::BadInput(absl::string_view message) const {
  err_ << "motcua " << command_ << ": " << message << "\n";
  return kExitBadInput;
}

bool Session::Connect() {
  absl::StatusOr<std::unique_ptr<Connection>> connection =
      Connection::Open(client_.connection);
  if (!connection.ok()) {
    BadInput(connection.status().message());
    return false;
  }
  connection_ = *std::move(connection);
  return true;
}

int Session::CallFailed(const grpc::Status& status) const {
  err_ << "motcua " << command_ << ": " << CodeName(status.error_code()) << ": "
       << status.error_message();
  if (name_server_ ||
      ExitCodeForStatus(status.error_code()) == kExitUnreachable) {
    err_ << " (server " << connection_->address() << ")";
  }
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED &&
      client_.connection.token.empty()) {
    err_ << " (give --token or set MOTCUA_TOKEN)";
  }
  err_ << "\n";
  return ExitCodeForStatus(status.error_code());
}

void Session::PrintJson(const google::protobuf::Message& message) const {
  out_ << JsonLine(message) << "\n";
}

// An instant typed on the command line. INVALID_ARGUMENT naming the flag.
absl::StatusOr<google::protobuf::Timestamp> ParseTimeFlag(
    absl::string_view text, absl::string_view flag) {
  absl::StatusOr<absl::Time> instant = ParseInstant(text, InputZone());
  if (!instant.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", instant.status().message()));
  }
  return TimeToProto(*instant);
}

// A working duration typed on the command line: "2h30m", "90m", "0".
// INVALID_ARGUMENT naming the flag, also for a negative one.
absl::StatusOr<google::protobuf::Duration> ParseDurationFlag(
    absl::string_view text, absl::string_view flag) {
  absl::Duration duration;
  if (!absl::ParseDuration(text, &duration) ||
      duration == absl::InfiniteDuration() ||
      duration == -absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": \"", text,
        "\" is not a duration; write working time in hours and minutes, "
        "e.g. 2h30m (a working day depends on the calendar)"));
  }
  if (duration < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": must not be negative"));
  }
  return DurationToProto(duration);
}

// The table of a list command, or `empty` when it has no rows, then the
// way to the next page.
void PrintPage(const std::vector<std::vector<std::string>>& rows,
               absl::string_view empty, const std::string& next_page_token,
               std::ostream& out) {
  if (rows.size() <= 1) {
    out << empty << "\n";
  } else {
    PrintTable(rows, out);
  }
  if (!next_page_token.empty()) {
    out << "more: --page-token " << next_page_token << " (or --all)\n";
  }
}

std::string OrDash(const std::string& text) {
  return text.empty() ? "-" : text;
}

int ExitCodeForStatus(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return kExitOk;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return kExitBadInput;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return kExitUnreachable;
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return kExitAccessDenied;
    default:
      return kExitRefused;
  }
}

}  // namespace motcua::cli
