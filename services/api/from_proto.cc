#include "services/api/from_proto.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/time_format.h"
#include "engine/utf8.h"

namespace motcua::api {
namespace {

// The instants the API accepts: 1970-01-01T00:00:00Z to
// 9999-12-31T23:59:59Z. google.protobuf.Timestamp reaches back to year 1,
// but no dossier was received before 1970, and every date of the range
// prints as four digits.
constexpr int64_t kMinTimestampSeconds = 0;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
// google.protobuf.Duration's documented range: about 10000 years.
constexpr int64_t kMaxDurationSeconds = 315576000000;
constexpr int32_t kMaxNanos = 999999999;

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

// Which characters a value may hold.
enum class Characters {
  kCode,  // codes and ids: printable, no format characters, see CheckCode
  kText,  // free text: tab, line feed and carriage return besides printable
};

struct Scan {
  bool valid_utf8 = true;
  bool forbidden_control = false;
  // Codes only: an invisible or look-alike character (format, separator or
  // a space other than U+0020).
  std::optional<char32_t> forbidden_character;
  size_t code_points = 0;
};

// Decodes UTF-8 strictly, counting code points and spotting characters the
// kind of value may not hold. The protobuf runtime checks UTF-8 when it
// parses a request from the wire, but a message built in the process is not
// checked, and the store writes these strings into the log for good.
Scan ScanUtf8(absl::string_view value, Characters allowed) {
  Scan scan;
  size_t position = 0;
  char32_t c = 0;
  while (position < value.size()) {
    if (!NextCodePoint(value, &position, &c)) {
      scan.valid_utf8 = false;
      return scan;
    }
    if (IsControlCharacter(c)) {
      const bool line_break = c == '\t' || c == '\n' || c == '\r';
      if (allowed == Characters::kCode || !line_break) {
        scan.forbidden_control = true;
      }
    } else if (allowed == Characters::kCode &&
               !scan.forbidden_character.has_value() &&
               (IsFormatCharacter(c) || IsOtherSeparator(c))) {
      scan.forbidden_character = c;
    }
    ++scan.code_points;
  }
  return scan;
}

absl::Status CheckCharacters(const Scan& scan, absl::string_view field) {
  if (!scan.valid_utf8) return Invalid(field, "must be valid UTF-8");
  if (scan.forbidden_control) {
    return Invalid(field, "must not contain control characters");
  }
  if (scan.forbidden_character.has_value()) {
    return Invalid(
        field,
        absl::StrFormat("must not contain U+%04X (an invisible or "
                        "look-alike character)",
                        static_cast<uint32_t>(*scan.forbidden_character)));
  }
  return absl::OkStatus();
}

// The dossier code, with the engine's own message for a bad length.
absl::Status CheckDossierCode(absl::string_view value) {
  constexpr absl::string_view kField = "dossier_code";
  if (value.empty() || value.size() > kMaxCodeLength) {
    return Invalid(
        kField, absl::StrCat("must be 1 to ", kMaxCodeLength, " characters"));
  }
  return CheckCode(value, kField, Presence::kRequired);
}

absl::Status CheckOptions(const v1::CommandOptions& options,
                          store::CommandRequest& request) {
  if (absl::Status status = CheckCode(
          options.request_id(), "options.request_id", Presence::kOptional);
      !status.ok()) {
    return status;
  }
  if (options.expected_version() < 0) {
    return Invalid("options.expected_version", "must not be negative");
  }
  request.request_id = options.request_id();
  if (options.expected_version() != 0) {
    request.expected_version = options.expected_version();
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::Time> RequiredTime(
    bool present, const google::protobuf::Timestamp& timestamp,
    absl::string_view field) {
  if (!present) return Invalid(field, "required");
  return TimeFromProto(timestamp, field);
}

absl::StatusOr<Action> HandOverFromProto(const v1::HandOver& proto) {
  if (absl::Status status =
          CheckCode(proto.to_step(), "hand_over.to_step", Presence::kOptional);
      !status.ok()) {
    return status;
  }
  if (absl::Status status =
          CheckCode(proto.to_unit(), "hand_over.to_unit", Presence::kOptional);
      !status.ok()) {
    return status;
  }
  if (absl::Status status =
          CheckText(proto.note(), "hand_over.note", Presence::kOptional);
      !status.ok()) {
    return status;
  }
  return HandOverAction{proto.to_step(), proto.to_unit(), proto.note()};
}

absl::StatusOr<Action> RequestSupplementFromProto(
    const v1::RequestSupplement& proto) {
  constexpr absl::string_view kField = "request_supplement.missing";
  if (proto.missing().empty()) return Invalid(kField, "at least one entry");
  if (static_cast<size_t>(proto.missing_size()) > kMaxMissingEntries) {
    return Invalid(kField,
                   absl::StrCat("at most ", kMaxMissingEntries, " entries"));
  }
  RequestSupplementAction action;
  for (int i = 0; i < proto.missing_size(); ++i) {
    // The engine refuses an empty entry too; here the message says which.
    if (absl::Status status =
            CheckText(proto.missing(i), absl::StrCat(kField, "[", i, "]"),
                      Presence::kRequired);
        !status.ok()) {
      return status;
    }
    action.missing.push_back(proto.missing(i));
  }
  return action;
}

// Actions whose only field is a reason the engine requires.
template <typename ActionType, typename Proto>
absl::StatusOr<Action> ReasonFromProto(const Proto& proto,
                                       absl::string_view field) {
  if (absl::Status status =
          CheckText(proto.reason(), field, Presence::kRequired);
      !status.ok()) {
    return status;
  }
  ActionType action;
  action.reason = proto.reason();
  return Action(std::move(action));
}

absl::StatusOr<Action> ApologiseFromProto(const v1::Apologise& proto) {
  if (absl::Status status =
          CheckText(proto.reason(), "apologise.reason", Presence::kRequired);
      !status.ok()) {
    return status;
  }
  // Later than now and than the due time is the engine's to decide: it
  // knows both.
  absl::StatusOr<absl::Time> appointment =
      RequiredTime(proto.has_new_appointment(), proto.new_appointment(),
                   "apologise.new_appointment");
  if (!appointment.ok()) return appointment.status();
  return ApologiseAction{proto.reason(), *appointment};
}

absl::StatusOr<Action> ActionFromProto(const v1::ActRequest& request) {
  switch (request.action_case()) {
    case v1::ActRequest::kHandOver:
      return HandOverFromProto(request.hand_over());
    case v1::ActRequest::kRequestSupplement:
      return RequestSupplementFromProto(request.request_supplement());
    case v1::ActRequest::kReceiveSupplement:
      return ReceiveSupplementAction{};
    case v1::ActRequest::kRequestFinancialObligation: {
      const std::string& description =
          request.request_financial_obligation().description();
      if (absl::Status status =
              CheckText(description, "request_financial_obligation.description",
                        Presence::kRequired);
          !status.ok()) {
        return status;
      }
      return RequestFinancialObligationAction{description};
    }
    case v1::ActRequest::kConfirmFinancialObligation:
      return ConfirmFinancialObligationAction{};
    case v1::ActRequest::kStop:
      return ReasonFromProto<StopAction>(request.stop(), "stop.reason");
    case v1::ActRequest::kResume:
      return ResumeAction{};
    case v1::ActRequest::kApologise:
      return ApologiseFromProto(request.apologise());
    case v1::ActRequest::kResolve: {
      const std::string& result = request.resolve().result();
      if (absl::Status status =
              CheckText(result, "resolve.result", Presence::kOptional);
          !status.ok()) {
        return status;
      }
      return ResolveAction{result};
    }
    case v1::ActRequest::kReturnResult:
      return ReturnResultAction{};
    case v1::ActRequest::kReject:
      return ReasonFromProto<RejectAction>(request.reject(), "reject.reason");
    case v1::ActRequest::kWithdraw:
      return ReasonFromProto<WithdrawAction>(request.withdraw(),
                                             "withdraw.reason");
    case v1::ActRequest::ACTION_NOT_SET:
      break;
  }
  return Invalid("action", "no action set");
}

}  // namespace

absl::Status CheckCode(absl::string_view value, absl::string_view field,
                       Presence presence) {
  if (value.empty()) {
    return presence == Presence::kRequired ? Invalid(field, "must not be empty")
                                           : absl::OkStatus();
  }
  if (value.size() > kMaxCodeLength) {
    return Invalid(field,
                   absl::StrCat("at most ", kMaxCodeLength, " characters"));
  }
  // The engine's rule, which the units of rule files keep too.
  if (std::optional<std::string> problem = SafeTextProblem(value)) {
    return Invalid(field, *problem);
  }
  return absl::OkStatus();
}

absl::Status CheckText(absl::string_view value, absl::string_view field,
                       Presence presence) {
  if (value.empty()) {
    return presence == Presence::kRequired ? Invalid(field, "must not be empty")
                                           : absl::OkStatus();
  }
  const Scan scan = ScanUtf8(value, Characters::kText);
  if (absl::Status status = CheckCharacters(scan, field); !status.ok()) {
    return status;
  }
  if (scan.code_points > kMaxTextLength) {
    return Invalid(field,
                   absl::StrCat("at most ", kMaxTextLength, " characters"));
  }
  return absl::OkStatus();
}

absl::StatusOr<store::CommandRequest> SubmitFromProto(
    const v1::SubmitRequest& request, absl::string_view actor) {
  if (absl::Status status = CheckDossierCode(request.dossier_code());
      !status.ok()) {
    return status;
  }
  // Empty codes get the engine's own words ("procedure_code: must not be
  // empty"); an unknown procedure is the engine's to find.
  if (absl::Status status = CheckCode(request.procedure_code(),
                                      "procedure_code", Presence::kRequired);
      !status.ok()) {
    return status;
  }
  if (absl::Status status =
          CheckCode(request.agency(), "agency", Presence::kRequired);
      !status.ok()) {
    return status;
  }
  absl::StatusOr<Channel> channel =
      ChannelFromProto(request.channel(), "channel");
  if (!channel.ok()) return channel.status();
  // A receipt in the future is the engine's to refuse: it alone knows now.
  absl::StatusOr<absl::Time> received_at = RequiredTime(
      request.has_received_at(), request.received_at(), "received_at");
  if (!received_at.ok()) return received_at.status();
  if (absl::Status status =
          CheckText(request.summary(), "summary", Presence::kOptional);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = CheckText(request.late_entry_reason(),
                                      "late_entry_reason", Presence::kOptional);
      !status.ok()) {
    return status;
  }

  store::CommandRequest command_request;
  if (absl::Status status = CheckOptions(request.options(), command_request);
      !status.ok()) {
    return status;
  }
  SubmitAction submit;
  submit.procedure_code = request.procedure_code();
  submit.agency = request.agency();
  submit.channel = *channel;
  submit.received_at = *received_at;
  submit.summary = request.summary();
  submit.late_entry_reason = request.late_entry_reason();
  command_request.command.dossier_code = request.dossier_code();
  command_request.command.action = std::move(submit);
  command_request.command.actor = std::string(actor);
  return command_request;
}

absl::StatusOr<store::CommandRequest> ActFromProto(
    const v1::ActRequest& request, absl::string_view actor) {
  if (absl::Status status = CheckDossierCode(request.dossier_code());
      !status.ok()) {
    return status;
  }
  store::CommandRequest command_request;
  if (absl::Status status = CheckOptions(request.options(), command_request);
      !status.ok()) {
    return status;
  }
  absl::StatusOr<Action> action = ActionFromProto(request);
  if (!action.ok()) return action.status();
  command_request.command.dossier_code = request.dossier_code();
  command_request.command.action = *std::move(action);
  command_request.command.actor = std::string(actor);
  return command_request;
}

absl::StatusOr<Channel> ChannelFromProto(v1::Channel channel,
                                         absl::string_view field) {
  switch (channel) {
    case v1::CHANNEL_IN_PERSON:
      return Channel::kInPerson;
    case v1::CHANNEL_ONLINE:
      return Channel::kOnline;
    case v1::CHANNEL_POSTAL:
      return Channel::kPostal;
    case v1::CHANNEL_UNSPECIFIED:
      return Invalid(field, "CHANNEL_UNSPECIFIED is not a channel");
    default:
      break;
  }
  return Invalid(field,
                 absl::StrCat(static_cast<int>(channel), " is not a channel"));
}

absl::StatusOr<std::optional<LifecycleState>> StateFilterFromProto(
    v1::DossierState state, absl::string_view field) {
  switch (state) {
    case v1::DOSSIER_STATE_UNSPECIFIED:
      return std::optional<LifecycleState>();
    case v1::DOSSIER_STATE_RECEIVED:
      return LifecycleState::kReceived;
    case v1::DOSSIER_STATE_PROCESSING:
      return LifecycleState::kProcessing;
    case v1::DOSSIER_STATE_SUPPLEMENT_REQUESTED:
      return LifecycleState::kSupplementRequested;
    case v1::DOSSIER_STATE_AWAITING_FINANCIAL_OBLIGATION:
      return LifecycleState::kAwaitingFinancialObligation;
    case v1::DOSSIER_STATE_STOPPED:
      return LifecycleState::kStopped;
    case v1::DOSSIER_STATE_RESOLVED:
      return LifecycleState::kResolved;
    case v1::DOSSIER_STATE_RETURNED:
      return LifecycleState::kReturned;
    case v1::DOSSIER_STATE_REJECTED:
      return LifecycleState::kRejected;
    case v1::DOSSIER_STATE_WITHDRAWN:
      return LifecycleState::kWithdrawn;
    default:
      break;
  }
  return Invalid(
      field, absl::StrCat(static_cast<int>(state), " is not a dossier state"));
}

absl::StatusOr<int32_t> PageSizeFromProto(int32_t page_size,
                                          absl::string_view field) {
  return LimitFromProto(page_size, field, kDefaultPageSize, kMaxPageSize);
}

absl::StatusOr<int32_t> LimitFromProto(int32_t value, absl::string_view field,
                                       int32_t default_value,
                                       int32_t max_value) {
  if (value == 0) return default_value;
  if (value < 1 || value > max_value) {
    return Invalid(field, absl::StrCat("must be 1 to ", max_value, " (0 for ",
                                       default_value, ")"));
  }
  return value;
}

absl::StatusOr<absl::Time> TimeFromProto(
    const google::protobuf::Timestamp& timestamp, absl::string_view field) {
  if (timestamp.seconds() < kMinTimestampSeconds ||
      timestamp.seconds() > kMaxTimestampSeconds) {
    return Invalid(field,
                   "must be within 1970-01-01T00:00:00Z to "
                   "9999-12-31T23:59:59Z");
  }
  if (timestamp.nanos() < 0 || timestamp.nanos() > kMaxNanos) {
    return Invalid(field, absl::StrCat("nanos must be 0 to ", kMaxNanos));
  }
  return TimeFromProto(timestamp);
}

absl::StatusOr<absl::Duration> DurationFromProto(
    const google::protobuf::Duration& duration, absl::string_view field) {
  if (duration.seconds() < -kMaxDurationSeconds ||
      duration.seconds() > kMaxDurationSeconds) {
    return Invalid(field,
                   absl::StrCat("seconds must be within -", kMaxDurationSeconds,
                                " to ", kMaxDurationSeconds));
  }
  if (duration.nanos() < -kMaxNanos || duration.nanos() > kMaxNanos) {
    return Invalid(
        field, absl::StrCat("nanos must be -", kMaxNanos, " to ", kMaxNanos));
  }
  if ((duration.seconds() > 0 && duration.nanos() < 0) ||
      (duration.seconds() < 0 && duration.nanos() > 0)) {
    return Invalid(field, "seconds and nanos must have the same sign");
  }
  return DurationFromProto(duration);
}

absl::StatusOr<absl::CivilDay> DayFromProto(absl::string_view text,
                                            absl::string_view field) {
  if (text.empty()) return Invalid(field, "required, as YYYY-MM-DD");
  // Quoted back only when it is short, printable ASCII: the message must
  // stay readable whatever was sent.
  const bool quotable =
      text.size() <= 32 && std::all_of(text.begin(), text.end(), [](char c) {
        return c >= 0x20 && c < 0x7F;
      });
  const std::string shown =
      quotable ? absl::StrCat("\"", text, "\"") : "the value";
  absl::CivilDay day;
  // Abseil reads a year of any width and sign ("0000-01-01", "+2025-..."):
  // only the ten characters of YYYY-MM-DD are a day here.
  const bool shaped = text.size() == 10 && text[4] == '-' && text[7] == '-' &&
                      std::all_of(text.begin(), text.end(), [](char c) {
                        return (c >= '0' && c <= '9') || c == '-';
                      });
  if (!shaped || !absl::ParseCivilTime(text, &day) || FormatDay(day) != text) {
    return Invalid(field, absl::StrCat(shown, " is not a day YYYY-MM-DD"));
  }
  if (day.year() < 1970 || day.year() > 9999) {
    return Invalid(field, absl::StrCat(shown, " is outside 1970 to 9999"));
  }
  return day;
}

absl::StatusOr<store::ReportQuery> ReportQueryFromProto(
    const v1::ReportRequest& request) {
  store::ReportQuery query;
  absl::StatusOr<absl::CivilDay> from =
      DayFromProto(request.from_day(), "from_day");
  if (!from.ok()) return from.status();
  absl::StatusOr<absl::CivilDay> to = DayFromProto(request.to_day(), "to_day");
  if (!to.ok()) return to.status();
  if (*to < *from) return Invalid("to_day", "before from_day");
  if (*to - *from >= kMaxReportDays) {
    return Invalid("to_day", absl::StrCat("a period of at most ",
                                          kMaxReportDays, " days"));
  }
  query.from = *from;
  query.to = *to;
  switch (request.group_by()) {
    case v1::ReportRequest::GROUP_BY_AGENCY:
      query.group_by = store::ReportGrouping::kAgency;
      break;
    case v1::ReportRequest::GROUP_BY_PROCEDURE:
      query.group_by = store::ReportGrouping::kProcedure;
      break;
    case v1::ReportRequest::GROUP_BY_FIELD:
      query.group_by = store::ReportGrouping::kField;
      break;
    case v1::ReportRequest::GROUP_BY_UNIT:
      query.group_by = store::ReportGrouping::kUnit;
      break;
    default:
      return Invalid("group_by",
                     "GROUP_BY_AGENCY, GROUP_BY_PROCEDURE, GROUP_BY_FIELD or "
                     "GROUP_BY_UNIT");
  }
  if (absl::Status status =
          CheckCode(request.agency(), "agency", Presence::kOptional);
      !status.ok()) {
    return status;
  }
  query.agency = request.agency();
  switch (request.count_at()) {
    case v1::ReportRequest::COUNT_AT_RESOLUTION:
      query.count_at = CountResolutionAt::kResolution;
      break;
    case v1::ReportRequest::COUNT_AT_RETURN:
      query.count_at = CountResolutionAt::kReturn;
      break;
    default:
      return Invalid("count_at", "COUNT_AT_RESOLUTION or COUNT_AT_RETURN");
  }
  return query;
}

absl::StatusOr<std::vector<RuleSource>> RuleSourcesFromProto(
    const v1::ValidateRulesRequest& request) {
  if (request.files_size() > kMaxRuleFiles) {
    return Invalid("files", absl::StrCat("at most ", kMaxRuleFiles, " files"));
  }
  std::vector<RuleSource> sources;
  for (int i = 0; i < request.files_size(); ++i) {
    const v1::RuleFile& file = request.files(i);
    const std::string field = absl::StrCat("files[", i, "].path");
    const std::string& path = file.path();
    if (path.empty()) return Invalid(field, "must not be empty");
    if (path.size() > kMaxRulePathLength) {
      return Invalid(
          field, absl::StrCat("at most ", kMaxRulePathLength, " characters"));
    }
    // A path is a name a person reads in the problems: the same characters
    // as a code (a NUL byte would end the name on any file system).
    if (absl::Status status =
            CheckCharacters(ScanUtf8(path, Characters::kCode), field);
        !status.ok()) {
      return status;
    }
    if (path.front() == '/' || absl::StrContains(path, "..") ||
        absl::StrContains(path, '\\')) {
      return Invalid(field,
                     "must be relative to the rules directory, without \"..\"");
    }
    if (!absl::EndsWith(path, ".yaml") && !absl::EndsWith(path, ".yml")) {
      return Invalid(field, "must end in .yaml or .yml, as rule files do");
    }
    if (file.content().size() > kMaxRuleFileBytes) {
      return Invalid(absl::StrCat("files[", i, "].content"),
                     absl::StrCat("at most ", kMaxRuleFileBytes, " bytes"));
    }
    sources.push_back(RuleSource{path, file.content()});
  }
  return sources;
}

}  // namespace motcua::api
