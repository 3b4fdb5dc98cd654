// Tests of the translation between the API's messages and the engine's and
// the store's types (services/api), against the shipped rules under rules/.
//
// Expected working times were worked out by hand on the shipped calendar
// vn-public-sector: Mon-Fri 07:30-11:30, 13:30-17:00 (7h30 a day), UTC+07:00,
// no holiday in July 2025.

#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/dossier.h"
#include "engine/lifecycle.h"
#include "engine/rules.h"
#include "engine/time_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/api/from_proto.h"
#include "services/api/grpc_status.h"
#include "services/api/to_proto.h"
#include "services/text/dossier_text.h"
#include "services/text/event_text_vi.h"
#include "store/event_store.h"
#include "tests/testing/shipped_rules.h"

namespace motcua::api {
namespace {

using ::testing::ElementsAre;

constexpr char kLand[] = "local.dang-ky-bien-dong-dat-dai";  // 10wd, 5 steps
constexpr char kHousehold[] = "local.ho-kinh-doanh";         // 3wd, no steps

absl::TimeZone Vietnam() { return FixedZone(7 * 3600); }

// "2025-07-07T09:00" in local time (UTC+07:00).
absl::Time At(absl::string_view text) {
  absl::StatusOr<absl::Time> instant = ParseInstant(text, Vietnam());
  EXPECT_TRUE(instant.ok()) << instant.status();
  return instant.value_or(absl::InfinitePast());
}

google::protobuf::Timestamp Stamp(absl::string_view text) {
  return TimeToProto(At(text));
}

// Timestamps and durations shown so that a failure reads as a time.
std::string Show(const google::protobuf::Timestamp& timestamp) {
  absl::StatusOr<absl::Time> instant = TimeFromProto(timestamp, "shown");
  if (!instant.ok()) return std::string(instant.status().message());
  return absl::FormatTime("%a %Y-%m-%d %H:%M:%S", *instant, Vietnam());
}
std::string Show(const google::protobuf::Duration& duration) {
  absl::StatusOr<absl::Duration> value = DurationFromProto(duration, "shown");
  if (!value.ok()) return std::string(value.status().message());
  return FormatWorkingDuration(*value);
}
std::string Show(absl::Time instant) {
  return absl::FormatTime("%a %Y-%m-%d %H:%M:%S", instant, Vietnam());
}

using ::motcua::test_support::ShippedRules;

// Every field of an action, so that two actions compare as text and a
// difference names the field.
std::string Dump(const Action& action) {
  auto time = [](absl::Time t) { return absl::FormatTime(t); };
  std::string fields = std::visit(
      [&](const auto& a) -> std::string {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, SubmitAction>) {
          return absl::StrCat(
              "procedure_code=", a.procedure_code, " agency=", a.agency,
              " channel=", ChannelName(a.channel),
              " received_at=", time(a.received_at), " summary=", a.summary);
        } else if constexpr (std::is_same_v<T, HandOverAction>) {
          return absl::StrCat("to_step=", a.to_step, " to_unit=", a.to_unit,
                              " note=", a.note);
        } else if constexpr (std::is_same_v<T, RequestSupplementAction>) {
          return absl::StrCat("missing=[", absl::StrJoin(a.missing, "|"), "]");
        } else if constexpr (std::is_same_v<T,
                                            RequestFinancialObligationAction>) {
          return absl::StrCat("description=", a.description);
        } else if constexpr (std::is_same_v<T, ApologiseAction>) {
          return absl::StrCat("reason=", a.reason,
                              " new_appointment=", time(a.new_appointment));
        } else if constexpr (std::is_same_v<T, ResolveAction>) {
          return absl::StrCat("result=", a.result);
        } else if constexpr (std::is_same_v<T, StopAction> ||
                             std::is_same_v<T, RejectAction> ||
                             std::is_same_v<T, WithdrawAction>) {
          return absl::StrCat("reason=", a.reason);
        } else {
          return "";
        }
      },
      action);
  return absl::StrCat(ActionName(action), "{", fields, "}");
}

v1::SubmitRequest ValidSubmit() {
  v1::SubmitRequest request;
  request.set_dossier_code("HS-2025-0001");
  request.set_procedure_code(kLand);
  request.set_agency("so-nong-nghiep-moi-truong");
  request.set_channel(v1::CHANNEL_ONLINE);
  *request.mutable_received_at() = Stamp("2025-07-07T09:00");
  request.set_summary("Đăng ký biến động: tách thửa");
  return request;
}

v1::ActRequest ValidAct() {
  v1::ActRequest request;
  request.set_dossier_code("HS-2025-0001");
  request.mutable_hand_over();
  return request;
}

void ExpectInvalid(const absl::Status& status, const std::string& message) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message(), message);
}

// ---------------------------------------------------------------------------
// Requests: validation

template <typename Request>
struct InvalidCase {
  const char* name;
  std::function<void(Request&)> mutate;
  std::string message;
};

TEST(SubmitFromProtoTest, RefusesEachMalformedFieldNamingIt) {
  const std::string long_code(129, 'a');
  const std::string long_text(1001, 'x');
  const std::vector<InvalidCase<v1::SubmitRequest>> cases = {
      {"empty code", [](auto& r) { r.clear_dossier_code(); },
       "dossier_code: must be 1 to 128 characters"},
      {"long code", [&](auto& r) { r.set_dossier_code(long_code); },
       "dossier_code: must be 1 to 128 characters"},
      {"code with a line feed", [](auto& r) { r.set_dossier_code("HS\n1"); },
       "dossier_code: must not contain control characters"},
      {"code not UTF-8", [](auto& r) { r.set_dossier_code("HS\xff"); },
       "dossier_code: must be valid UTF-8"},
      {"empty procedure", [](auto& r) { r.clear_procedure_code(); },
       "procedure_code: must not be empty"},
      {"long procedure", [&](auto& r) { r.set_procedure_code(long_code); },
       "procedure_code: at most 128 characters"},
      {"procedure with a tab", [](auto& r) { r.set_procedure_code("2.\t1"); },
       "procedure_code: must not contain control characters"},
      {"empty agency", [](auto& r) { r.clear_agency(); },
       "agency: must not be empty"},
      {"long agency", [&](auto& r) { r.set_agency(long_code); },
       "agency: at most 128 characters"},
      {"agency with DEL", [](auto& r) { r.set_agency("ubnd\x7f"); },
       "agency: must not contain control characters"},
      {"unspecified channel",
       [](auto& r) { r.set_channel(v1::CHANNEL_UNSPECIFIED); },
       "channel: CHANNEL_UNSPECIFIED is not a channel"},
      {"unknown channel",
       [](auto& r) { r.set_channel(static_cast<v1::Channel>(9)); },
       "channel: 9 is not a channel"},
      {"no receipt time", [](auto& r) { r.clear_received_at(); },
       "received_at: required"},
      {"receipt after year 9999",
       [](auto& r) { r.mutable_received_at()->set_seconds(253402300800); },
       "received_at: must be within 1970-01-01T00:00:00Z to "
       "9999-12-31T23:59:59Z"},
      {"receipt in year 1",
       [](auto& r) { r.mutable_received_at()->set_seconds(-62135596800); },
       "received_at: must be within 1970-01-01T00:00:00Z to "
       "9999-12-31T23:59:59Z"},
      {"receipt in 1900",
       [](auto& r) { r.mutable_received_at()->set_seconds(-2208988800); },
       "received_at: must be within 1970-01-01T00:00:00Z to "
       "9999-12-31T23:59:59Z"},
      {"negative nanos",
       [](auto& r) { r.mutable_received_at()->set_nanos(-1); },
       "received_at: nanos must be 0 to 999999999"},
      {"a whole second of nanos",
       [](auto& r) { r.mutable_received_at()->set_nanos(1000000000); },
       "received_at: nanos must be 0 to 999999999"},
      {"long summary", [&](auto& r) { r.set_summary(long_text); },
       "summary: at most 1000 characters"},
      {"summary with a control character",
       [](auto& r) { r.set_summary("a\x01z"); },
       "summary: must not contain control characters"},
      {"summary with an overlong encoding",
       [](auto& r) { r.set_summary("a\xc0\xafz"); },
       "summary: must be valid UTF-8"},
      {"summary with a surrogate",
       [](auto& r) { r.set_summary("a\xed\xa0\x80z"); },
       "summary: must be valid UTF-8"},
      {"summary cut inside a character",
       [](auto& r) { r.set_summary("Đăng k\xe1\xbb"); },
       "summary: must be valid UTF-8"},
      {"long request id",
       [&](auto& r) { r.mutable_options()->set_request_id(long_code); },
       "options.request_id: at most 128 characters"},
      {"request id with a C1 control",
       [](auto& r) { r.mutable_options()->set_request_id("id\xc2\x85"); },
       "options.request_id: must not contain control characters"},
      {"negative expected version",
       [](auto& r) { r.mutable_options()->set_expected_version(-1); },
       "options.expected_version: must not be negative"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    v1::SubmitRequest request = ValidSubmit();
    c.mutate(request);
    ExpectInvalid(SubmitFromProto(request, "desk-1").status(), c.message);
  }
}

// Codes are printed on receipts and typed again by people: nothing
// invisible, nothing that looks like something else.
TEST(CheckCodeTest, RefusesLookAlikes) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"HS\u202E1",
       "dossier_code: must not contain U+202E (an invisible or "
       "look-alike character)"},
      {"HS\u200B1",
       "dossier_code: must not contain U+200B (an invisible or "
       "look-alike character)"},
      {"\uFEFFHS-1",
       "dossier_code: must not contain U+FEFF (an invisible or "
       "look-alike character)"},
      {"HS\u00A01",
       "dossier_code: must not contain U+00A0 (an invisible or "
       "look-alike character)"},
      {"HS\u20281",
       "dossier_code: must not contain U+2028 (an invisible or "
       "look-alike character)"},
      {"HS\u00AD1",
       "dossier_code: must not contain U+00AD (an invisible or "
       "look-alike character)"},
      {"   ", "dossier_code: must not begin or end with a space"},
      {" HS-1", "dossier_code: must not begin or end with a space"},
      {"HS-1 ", "dossier_code: must not begin or end with a space"},
      {"HS\u00851", "dossier_code: must not contain control characters"},
  };
  for (const auto& [code, message] : cases) {
    v1::SubmitRequest request = ValidSubmit();
    request.set_dossier_code(code);
    ExpectInvalid(SubmitFromProto(request, "desk-1").status(), message);
  }
  // The same rules hold for every code: agency, unit, step, request id.
  ExpectInvalid(CheckCode("ubnd\u200D", "agency", Presence::kOptional),
                "agency: must not contain U+200D (an invisible or look-alike "
                "character)");
  // Inner spaces, Vietnamese letters and punctuation are printable.
  EXPECT_TRUE(
      CheckCode("HS 2025/01-Đ.ă", "dossier_code", Presence::kRequired).ok());
  // Free text keeps what people write, line breaks included.
  EXPECT_TRUE(
      CheckText(" Bổ sung\n bản sao ", "note", Presence::kRequired).ok());
}

TEST(DayFromProtoTest, OnlyRealDaysOfTheAcceptedYears) {
  EXPECT_EQ(DayFromProto("2025-09-08", "from_day").value_or(absl::CivilDay()),
            absl::CivilDay(2025, 9, 8));
  EXPECT_TRUE(DayFromProto("1970-01-01", "from_day").ok());
  EXPECT_TRUE(DayFromProto("9999-12-31", "from_day").ok());
  ExpectInvalid(DayFromProto("0000-01-01", "from_day").status(),
                "from_day: \"0000-01-01\" is outside 1970 to 9999");
  ExpectInvalid(DayFromProto("1969-12-31", "from_day").status(),
                "from_day: \"1969-12-31\" is outside 1970 to 9999");
  ExpectInvalid(DayFromProto("2025-02-30", "from_day").status(),
                "from_day: \"2025-02-30\" is not a day YYYY-MM-DD");
  ExpectInvalid(DayFromProto("+2025-9-01", "from_day").status(),
                "from_day: \"+2025-9-01\" is not a day YYYY-MM-DD");
  ExpectInvalid(DayFromProto("2025-09-0\xff", "from_day").status(),
                "from_day: the value is not a day YYYY-MM-DD");
  ExpectInvalid(DayFromProto("", "from_day").status(),
                "from_day: required, as YYYY-MM-DD");
}

TEST(RuleSourcesFromProtoTest, PathsAreRelativeRuleFileNames) {
  auto path_of = [](const std::string& path) {
    v1::ValidateRulesRequest request;
    v1::RuleFile* file = request.add_files();
    file->set_path(path);
    file->set_content("kind: calendar\n");
    return RuleSourcesFromProto(request).status();
  };
  EXPECT_TRUE(path_of("procedures/2.000635.yaml").ok());
  ExpectInvalid(path_of(std::string("a\0b.yaml", 8)),
                "files[0].path: must not contain control characters");
  ExpectInvalid(path_of("/etc/a.yaml"),
                "files[0].path: must be relative to the rules directory, "
                "without \"..\"");
  ExpectInvalid(path_of("a.txt"),
                "files[0].path: must end in .yaml or .yml, as rule files do");
  v1::ValidateRulesRequest big;
  v1::RuleFile* file = big.add_files();
  file->set_path("a.yaml");
  file->set_content(std::string(kMaxRuleFileBytes + 1, '#'));
  ExpectInvalid(RuleSourcesFromProto(big).status(),
                "files[0].content: at most 1048576 bytes");
}

TEST(SubmitFromProtoTest, AcceptsValuesAtTheLimits) {
  const std::vector<
      std::pair<const char*, std::function<void(v1::SubmitRequest&)>>>
      cases = {
          {"128-byte code",
           [](auto& r) { r.set_dossier_code(std::string(128, 'a')); }},
          {"1000 Vietnamese characters (more than 1000 bytes)",
           [](auto& r) {
             std::string text;
             for (int i = 0; i < 1000; ++i) text += "ệ";
             r.set_summary(text);
           }},
          {"summary over lines",
           [](auto& r) { r.set_summary("dòng một\r\n\tdòng hai"); }},
          {"summary beyond the BMP", [](auto& r) { r.set_summary("🏠"); }},
          {"no summary", [](auto& r) { r.clear_summary(); }},
          {"last nanosecond",
           [](auto& r) { r.mutable_received_at()->set_nanos(999999999); }},
          {"128-character request id",
           [](auto& r) {
             r.mutable_options()->set_request_id(std::string(128, 'r'));
           }},
      };
  for (const auto& [name, mutate] : cases) {
    SCOPED_TRACE(name);
    v1::SubmitRequest request = ValidSubmit();
    mutate(request);
    EXPECT_TRUE(SubmitFromProto(request, "desk-1").ok());
  }
}

TEST(ActFromProtoTest, RefusesEachMalformedFieldNamingIt) {
  const std::string long_code(129, 'a');
  const std::string long_text(1001, 'x');
  const std::vector<InvalidCase<v1::ActRequest>> cases = {
      {"empty code", [](auto& r) { r.clear_dossier_code(); },
       "dossier_code: must be 1 to 128 characters"},
      {"long code", [&](auto& r) { r.set_dossier_code(long_code); },
       "dossier_code: must be 1 to 128 characters"},
      {"long request id",
       [&](auto& r) { r.mutable_options()->set_request_id(long_code); },
       "options.request_id: at most 128 characters"},
      {"negative expected version",
       [](auto& r) { r.mutable_options()->set_expected_version(-3); },
       "options.expected_version: must not be negative"},
      {"no action", [](auto& r) { r.clear_action(); }, "action: no action set"},
      {"long step",
       [&](auto& r) { r.mutable_hand_over()->set_to_step(long_code); },
       "hand_over.to_step: at most 128 characters"},
      {"step with a line feed",
       [](auto& r) { r.mutable_hand_over()->set_to_step("tham\ndinh"); },
       "hand_over.to_step: must not contain control characters"},
      {"long unit",
       [&](auto& r) { r.mutable_hand_over()->set_to_unit(long_code); },
       "hand_over.to_unit: at most 128 characters"},
      {"unit not UTF-8",
       [](auto& r) { r.mutable_hand_over()->set_to_unit("\x80phong"); },
       "hand_over.to_unit: must be valid UTF-8"},
      {"long note",
       [&](auto& r) { r.mutable_hand_over()->set_note(long_text); },
       "hand_over.note: at most 1000 characters"},
      {"nothing missing", [](auto& r) { r.mutable_request_supplement(); },
       "request_supplement.missing: at least one entry"},
      {"51 missing entries",
       [](auto& r) {
         for (int i = 0; i < 51; ++i) {
           r.mutable_request_supplement()->add_missing("giay-to");
         }
       },
       "request_supplement.missing: at most 50 entries"},
      {"an empty missing entry",
       [](auto& r) {
         r.mutable_request_supplement()->add_missing("to-khai");
         r.mutable_request_supplement()->add_missing("");
       },
       "request_supplement.missing[1]: must not be empty"},
      {"a long missing entry",
       [&](auto& r) { r.mutable_request_supplement()->add_missing(long_text); },
       "request_supplement.missing[0]: at most 1000 characters"},
      {"no description",
       [](auto& r) { r.mutable_request_financial_obligation(); },
       "request_financial_obligation.description: must not be empty"},
      {"long description",
       [&](auto& r) {
         r.mutable_request_financial_obligation()->set_description(long_text);
       },
       "request_financial_obligation.description: at most 1000 characters"},
      {"stop without a reason", [](auto& r) { r.mutable_stop(); },
       "stop.reason: must not be empty"},
      {"long stop reason",
       [&](auto& r) { r.mutable_stop()->set_reason(long_text); },
       "stop.reason: at most 1000 characters"},
      {"apology without a reason",
       [](auto& r) {
         *r.mutable_apologise()->mutable_new_appointment() =
             Stamp("2025-07-25T09:00");
       },
       "apologise.reason: must not be empty"},
      {"apology without an appointment",
       [](auto& r) { r.mutable_apologise()->set_reason("qua tai"); },
       "apologise.new_appointment: required"},
      {"apology with bad nanos",
       [](auto& r) {
         r.mutable_apologise()->set_reason("qua tai");
         r.mutable_apologise()->mutable_new_appointment()->set_nanos(-5);
       },
       "apologise.new_appointment: nanos must be 0 to 999999999"},
      {"long result",
       [&](auto& r) { r.mutable_resolve()->set_result(long_text); },
       "resolve.result: at most 1000 characters"},
      {"reject without a reason", [](auto& r) { r.mutable_reject(); },
       "reject.reason: must not be empty"},
      {"reject reason with an escape",
       [](auto& r) { r.mutable_reject()->set_reason("\x1b[31mred"); },
       "reject.reason: must not contain control characters"},
      {"withdraw without a reason", [](auto& r) { r.mutable_withdraw(); },
       "withdraw.reason: must not be empty"},
      {"long withdraw reason",
       [&](auto& r) { r.mutable_withdraw()->set_reason(long_text); },
       "withdraw.reason: at most 1000 characters"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    v1::ActRequest request = ValidAct();
    c.mutate(request);
    ExpectInvalid(ActFromProto(request, "officer").status(), c.message);
  }
}

TEST(ActFromProtoTest, AcceptsFiftyMissingEntries) {
  v1::ActRequest request = ValidAct();
  for (int i = 0; i < 50; ++i) {
    request.mutable_request_supplement()->add_missing(
        absl::StrCat("giay-to-", i));
  }
  absl::StatusOr<store::CommandRequest> converted =
      ActFromProto(request, "officer");
  ASSERT_TRUE(converted.ok()) << converted.status();
  EXPECT_EQ(std::get<RequestSupplementAction>(converted->command.action)
                .missing.size(),
            50u);
}

// ---------------------------------------------------------------------------
// Requests: what they become

TEST(SubmitFromProtoTest, BecomesASubmitCommandOfTheCaller) {
  v1::SubmitRequest request = ValidSubmit();
  request.mutable_options()->set_request_id("req-1");
  request.mutable_options()->set_expected_version(0);
  absl::StatusOr<store::CommandRequest> converted =
      SubmitFromProto(request, "desk-1");
  ASSERT_TRUE(converted.ok()) << converted.status();
  EXPECT_EQ(converted->command.dossier_code, "HS-2025-0001");
  EXPECT_EQ(converted->command.actor, "desk-1");
  EXPECT_EQ(converted->request_id, "req-1");
  EXPECT_EQ(converted->expected_version, std::nullopt);
  SubmitAction want;
  want.procedure_code = kLand;
  want.agency = "so-nong-nghiep-moi-truong";
  want.channel = Channel::kOnline;
  want.received_at = At("2025-07-07T09:00");
  want.summary = "Đăng ký biến động: tách thửa";
  EXPECT_EQ(Dump(converted->command.action), Dump(want));
}

TEST(SubmitFromProtoTest, EveryChannel) {
  const std::pair<v1::Channel, Channel> cases[] = {
      {v1::CHANNEL_IN_PERSON, Channel::kInPerson},
      {v1::CHANNEL_ONLINE, Channel::kOnline},
      {v1::CHANNEL_POSTAL, Channel::kPostal},
  };
  for (const auto& [proto, want] : cases) {
    v1::SubmitRequest request = ValidSubmit();
    request.set_channel(proto);
    absl::StatusOr<store::CommandRequest> converted =
        SubmitFromProto(request, "desk-1");
    ASSERT_TRUE(converted.ok()) << converted.status();
    EXPECT_EQ(
        ChannelName(std::get<SubmitAction>(converted->command.action).channel),
        ChannelName(want));
    EXPECT_EQ(ChannelToProto(want), proto);
  }
}

TEST(ActFromProtoTest, EveryActionKindBecomesItsCommand) {
  struct Case {
    std::function<void(v1::ActRequest&)> set;
    Action want;
  };
  const std::vector<Case> cases = {
      {[](auto& r) {
         r.mutable_hand_over()->set_to_step("approval");
         r.mutable_hand_over()->set_to_unit("lanh-dao-so");
         r.mutable_hand_over()->set_note("đủ hồ sơ");
       },
       HandOverAction{"approval", "lanh-dao-so", "đủ hồ sơ"}},
      {[](auto& r) { r.mutable_hand_over(); }, HandOverAction{}},
      {[](auto& r) {
         r.mutable_request_supplement()->add_missing("to-khai");
         r.mutable_request_supplement()->add_missing("ban-do dia chinh");
       },
       RequestSupplementAction{{"to-khai", "ban-do dia chinh"}}},
      {[](auto& r) { r.mutable_receive_supplement(); },
       ReceiveSupplementAction{}},
      {[](auto& r) {
         r.mutable_request_financial_obligation()->set_description(
             "lệ phí trước bạ");
       },
       RequestFinancialObligationAction{"lệ phí trước bạ"}},
      {[](auto& r) { r.mutable_confirm_financial_obligation(); },
       ConfirmFinancialObligationAction{}},
      {[](auto& r) { r.mutable_stop()->set_reason("giám định"); },
       StopAction{"giám định"}},
      {[](auto& r) { r.mutable_resume(); }, ResumeAction{}},
      {[](auto& r) {
         r.mutable_apologise()->set_reason("quá tải");
         *r.mutable_apologise()->mutable_new_appointment() =
             Stamp("2025-07-25T09:30");
         r.mutable_apologise()->mutable_new_appointment()->set_nanos(250);
       },
       ApologiseAction{"quá tải",
                       At("2025-07-25T09:30") + absl::Nanoseconds(250)}},
      {[](auto& r) { r.mutable_resolve()->set_result("giấy chứng nhận"); },
       ResolveAction{"giấy chứng nhận"}},
      {[](auto& r) { r.mutable_resolve(); }, ResolveAction{}},
      {[](auto& r) { r.mutable_return_result(); }, ReturnResultAction{}},
      {[](auto& r) { r.mutable_reject()->set_reason("không đủ điều kiện"); },
       RejectAction{"không đủ điều kiện"}},
      {[](auto& r) { r.mutable_withdraw()->set_reason("người dân rút"); },
       WithdrawAction{"người dân rút"}},
  };
  // Every action of the lifecycle but submit is reachable through Act.
  std::vector<std::string> seen;
  for (const Case& c : cases) {
    SCOPED_TRACE(Dump(c.want));
    v1::ActRequest request;
    request.set_dossier_code("HS-2025-0042");
    request.mutable_options()->set_request_id("req-42");
    request.mutable_options()->set_expected_version(7);
    c.set(request);
    absl::StatusOr<store::CommandRequest> converted =
        ActFromProto(request, "officer-9");
    ASSERT_TRUE(converted.ok()) << converted.status();
    EXPECT_EQ(converted->command.dossier_code, "HS-2025-0042");
    EXPECT_EQ(converted->command.actor, "officer-9");
    EXPECT_EQ(converted->request_id, "req-42");
    EXPECT_EQ(converted->expected_version, 7);
    EXPECT_EQ(Dump(converted->command.action), Dump(c.want));
    seen.emplace_back(ActionName(converted->command.action));
  }
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  // Every action but submit and the engine's two internal ones.
  EXPECT_EQ(seen.size(), std::variant_size_v<Action> - 3);
}

// ---------------------------------------------------------------------------
// Filters, page sizes, times

TEST(StateFilterFromProtoTest, EveryStateAndAny) {
  absl::StatusOr<std::optional<LifecycleState>> any =
      StateFilterFromProto(v1::DOSSIER_STATE_UNSPECIFIED, "state");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(*any, std::nullopt);
  for (LifecycleState state : kAllLifecycleStates) {
    SCOPED_TRACE(LifecycleStateName(state));
    const v1::DossierState proto = StateToProto(state);
    // The API's names are the engine's, prefixed.
    EXPECT_EQ(v1::DossierState_Name(proto),
              absl::StrCat("DOSSIER_STATE_", LifecycleStateName(state)));
    absl::StatusOr<std::optional<LifecycleState>> back =
        StateFilterFromProto(proto, "state");
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, state);
  }
  ExpectInvalid(
      StateFilterFromProto(static_cast<v1::DossierState>(42), "state").status(),
      "state: 42 is not a dossier state");
}

TEST(PageSizeFromProtoTest, DefaultRangeAndRefusals) {
  EXPECT_EQ(PageSizeFromProto(0, "page_size").value_or(-1), 100);
  EXPECT_EQ(PageSizeFromProto(1, "page_size").value_or(-1), 1);
  EXPECT_EQ(PageSizeFromProto(1000, "page_size").value_or(-1), 1000);
  ExpectInvalid(PageSizeFromProto(1001, "page_size").status(),
                "page_size: must be 1 to 1000 (0 for 100)");
  ExpectInvalid(PageSizeFromProto(-1, "page_size").status(),
                "page_size: must be 1 to 1000 (0 for 100)");
  EXPECT_EQ(LimitFromProto(0, "limit", 1000, 10000).value_or(-1), 1000);
  EXPECT_EQ(LimitFromProto(10000, "limit", 1000, 10000).value_or(-1), 10000);
  ExpectInvalid(LimitFromProto(10001, "limit", 1000, 10000).status(),
                "limit: must be 1 to 10000 (0 for 1000)");
}

TEST(TimeFromProtoTest, RangeAndPrecision) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(0);
  EXPECT_EQ(TimeFromProto(timestamp, "as_of").value_or(absl::InfiniteFuture()),
            absl::UnixEpoch());
  timestamp.set_seconds(-1);
  ExpectInvalid(TimeFromProto(timestamp, "as_of").status(),
                "as_of: must be within 1970-01-01T00:00:00Z to "
                "9999-12-31T23:59:59Z");
  timestamp.set_seconds(253402300799);
  timestamp.set_nanos(999999999);
  EXPECT_EQ(TimeFromProto(timestamp, "as_of").value_or(absl::InfinitePast()),
            absl::FromCivil(absl::CivilSecond(9999, 12, 31, 23, 59, 59),
                            absl::UTCTimeZone()) +
                absl::Nanoseconds(999999999));
  timestamp.set_seconds(253402300800);
  ExpectInvalid(TimeFromProto(timestamp, "as_of").status(),
                "as_of: must be within 1970-01-01T00:00:00Z to "
                "9999-12-31T23:59:59Z");

  // Before the epoch, nanos still count forwards (replies may carry such
  // instants; requests may not).
  const absl::Time before_epoch = absl::UnixEpoch() - absl::Milliseconds(1500);
  const google::protobuf::Timestamp proto = TimeToProto(before_epoch);
  EXPECT_EQ(proto.seconds(), -2);
  EXPECT_EQ(proto.nanos(), 500000000);
  const absl::Time precise = At("2025-07-07T09:00") + absl::Nanoseconds(7);
  EXPECT_EQ(
      TimeFromProto(TimeToProto(precise), "t").value_or(absl::InfinitePast()),
      precise);
}

TEST(DurationFromProtoTest, RangeSignsAndPrecision) {
  struct Case {
    int64_t seconds;
    int32_t nanos;
    std::optional<absl::Duration> want;  // nullopt: refused
    std::string message;
  };
  const Case cases[] = {
      {0, 0, absl::ZeroDuration(), ""},
      {5400, 0, absl::Minutes(90), ""},
      {-1, -500000000, absl::Milliseconds(-1500), ""},
      {0, -1, absl::Nanoseconds(-1), ""},
      {315576000000, 999999999,
       absl::Seconds(315576000000) + absl::Nanoseconds(999999999), ""},
      {315576000001, 0, std::nullopt,
       "within: seconds must be within -315576000000 to 315576000000"},
      {-315576000001, 0, std::nullopt,
       "within: seconds must be within -315576000000 to 315576000000"},
      {0, 1000000000, std::nullopt,
       "within: nanos must be -999999999 to 999999999"},
      {1, -1, std::nullopt,
       "within: seconds and nanos must have the same sign"},
      {-1, 1, std::nullopt,
       "within: seconds and nanos must have the same sign"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.seconds, "s ", c.nanos, "ns"));
    google::protobuf::Duration proto;
    proto.set_seconds(c.seconds);
    proto.set_nanos(c.nanos);
    absl::StatusOr<absl::Duration> got = DurationFromProto(proto, "within");
    if (c.want.has_value()) {
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(*got, *c.want);
      const google::protobuf::Duration back = DurationToProto(*got);
      EXPECT_EQ(back.seconds(), c.seconds);
      EXPECT_EQ(back.nanos(), c.nanos);
    } else {
      ExpectInvalid(got.status(), c.message);
    }
  }
}

// ---------------------------------------------------------------------------
// Status mapping

TEST(GrpcStatusTest, SameCodeSameMessage) {
  const std::pair<absl::StatusCode, grpc::StatusCode> cases[] = {
      {absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED},
      {absl::StatusCode::kUnknown, grpc::StatusCode::UNKNOWN},
      {absl::StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT},
      {absl::StatusCode::kDeadlineExceeded,
       grpc::StatusCode::DEADLINE_EXCEEDED},
      {absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND},
      {absl::StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS},
      {absl::StatusCode::kPermissionDenied,
       grpc::StatusCode::PERMISSION_DENIED},
      {absl::StatusCode::kResourceExhausted,
       grpc::StatusCode::RESOURCE_EXHAUSTED},
      {absl::StatusCode::kFailedPrecondition,
       grpc::StatusCode::FAILED_PRECONDITION},
      {absl::StatusCode::kAborted, grpc::StatusCode::ABORTED},
      {absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE},
      {absl::StatusCode::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED},
      {absl::StatusCode::kInternal, grpc::StatusCode::INTERNAL},
      {absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE},
      {absl::StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS},
      {absl::StatusCode::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED},
  };
  for (const auto& [absl_code, grpc_code] : cases) {
    SCOPED_TRACE(absl::StatusCodeToString(absl_code));
    const absl::Status status(absl_code, "dossier HS-1 is RESOLVED; đã xong");
    const grpc::Status mapped = ToGrpcStatus(status);
    EXPECT_EQ(mapped.error_code(), grpc_code);
    EXPECT_EQ(mapped.error_message(), "dossier HS-1 is RESOLVED; đã xong");
    EXPECT_EQ(FromGrpcStatus(mapped), status);
  }
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
  // A code gRPC does not define is UNKNOWN, message kept.
  const grpc::Status odd =
      ToGrpcStatus(absl::Status(static_cast<absl::StatusCode>(42), "odd"));
  EXPECT_EQ(odd.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(odd.error_message(), "odd");
}

// ---------------------------------------------------------------------------
// Dossiers and events, driven through the engine

// Holds one dossier; converts each request from the API, decides it at an
// explicit `now` and applies the events.
class ApiConvertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rules_ = ShippedRules();
    ASSERT_NE(rules_, nullptr);
  }

  void Submit(absl::string_view procedure, absl::string_view received,
              absl::string_view actor = "desk-1") {
    v1::SubmitRequest request = ValidSubmit();
    request.set_procedure_code(std::string(procedure));
    *request.mutable_received_at() = Stamp(received);
    now_ = At(received);
    Run(SubmitFromProto(request, actor));
  }

  void Act(absl::string_view at, std::function<void(v1::ActRequest&)> set,
           absl::string_view actor = "officer") {
    v1::ActRequest request;
    request.set_dossier_code("HS-2025-0001");
    set(request);
    now_ = At(at);
    Run(ActFromProto(request, actor));
  }

  void Run(const absl::StatusOr<store::CommandRequest>& request) {
    ASSERT_TRUE(request.ok()) << request.status();
    absl::StatusOr<std::vector<Event>> events =
        Decide(dossier_.version == 0 ? nullptr : &dossier_, request->command,
               *rules_, now_);
    ASSERT_TRUE(events.ok())
        << Dump(request->command.action) << ": " << events.status();
    for (const Event& event : *events) {
      ASSERT_TRUE(Apply(dossier_, event).ok());
      store::StoredEvent stored;
      stored.sequence = static_cast<int64_t>(log_.size()) * 2 + 1;
      stored.recorded_at = now_ + absl::Milliseconds(3);
      stored.event = event;
      stored.previous_hash = std::string(32, '\0');
      stored.hash = std::string(32, static_cast<char>(log_.size() + 1));
      log_.push_back(stored);
    }
  }

  v1::Dossier Render(absl::string_view at) const {
    return DossierToProto(dossier_, At(at), rules_);
  }

  const RuleSet* rules_ = nullptr;
  absl::Time now_;
  Dossier dossier_;
  std::vector<store::StoredEvent> log_;
};

TEST_F(ApiConvertTest, ReceivedDossierFillsEveryField) {
  Submit(kLand, "2025-07-07T09:00");
  const v1::Dossier proto = Render("2025-07-07T09:00");
  EXPECT_EQ(proto.code(), "HS-2025-0001");
  EXPECT_EQ(proto.version(), 1);
  EXPECT_EQ(proto.state(), v1::DOSSIER_STATE_RECEIVED);
  EXPECT_EQ(proto.portal_status(), 2);
  EXPECT_EQ(proto.procedure_code(), kLand);
  EXPECT_EQ(proto.procedure_version(), "2025-07-01");
  EXPECT_EQ(proto.rule_version(), rules_->version());
  EXPECT_EQ(proto.agency(), "so-nong-nghiep-moi-truong");
  EXPECT_EQ(proto.field(), "dat-dai");
  EXPECT_EQ(proto.channel(), v1::CHANNEL_ONLINE);
  EXPECT_EQ(Show(proto.received_at()), "Mon 2025-07-07 09:00:00");
  EXPECT_EQ(Show(proto.clock_started_at()), "Mon 2025-07-07 09:00:00");
  EXPECT_EQ(Show(proto.due_at()), "Mon 2025-07-21 09:00:00");
  // Ten working days of 7h30.
  ASSERT_TRUE(proto.has_working_time_left());
  EXPECT_EQ(Show(proto.working_time_left()), "75h00m");
  EXPECT_FALSE(proto.has_apology_appointment());
  EXPECT_EQ(proto.current_step(), "receipt");
  EXPECT_EQ(proto.current_unit(), "bo-phan-mot-cua");
  // 4 working hours: 09:00-11:30 and 13:30-15:00.
  EXPECT_EQ(Show(proto.current_step_due_at()), "Mon 2025-07-07 15:00:00");
  ASSERT_EQ(proto.control_sheet_size(), 1);
  const v1::ControlSheetEntry& receipt = proto.control_sheet(0);
  EXPECT_EQ(receipt.step_id(), "receipt");
  EXPECT_EQ(receipt.unit(), "bo-phan-mot-cua");
  EXPECT_EQ(Show(receipt.started_at()), "Mon 2025-07-07 09:00:00");
  EXPECT_EQ(Show(receipt.due_at()), "Mon 2025-07-07 15:00:00");
  EXPECT_FALSE(receipt.has_ended_at());
  EXPECT_EQ(Show(receipt.used()), "0m");
  EXPECT_FALSE(receipt.late());
  EXPECT_EQ(receipt.handed_over_by(), "desk-1");
  EXPECT_EQ(proto.paused_size(), 3);
  for (const char* reason : {"supplement", "financial_obligation", "stopped"}) {
    ASSERT_TRUE(proto.paused().contains(reason)) << reason;
    EXPECT_EQ(Show(proto.paused().at(reason)), "0m") << reason;
  }
  EXPECT_FALSE(proto.has_paused_since());
  EXPECT_EQ(proto.classification(), v1::CLASSIFICATION_UNSPECIFIED);
  EXPECT_FALSE(proto.has_resolved_at());
  EXPECT_FALSE(proto.has_returned_at());
  EXPECT_FALSE(proto.has_closed_at());
  EXPECT_EQ(proto.closing_reason(), "");
  EXPECT_TRUE(proto.supplement_missing().empty());
  EXPECT_EQ(proto.calendar(), "vn-public-sector");

  // Later the same day the open step runs late and the time left shrinks.
  const v1::Dossier later = Render("2025-07-07T16:00");
  EXPECT_EQ(Show(later.working_time_left()), "70h00m");
  EXPECT_EQ(Show(later.control_sheet(0).used()), "5h00m");
  EXPECT_TRUE(later.control_sheet(0).late());
}

TEST_F(ApiConvertTest, PausesAreCountedByReasonAndFreezeTheTimeLeft) {
  Submit(kLand, "2025-07-07T09:00");
  Act(
      "2025-07-07T10:00",
      [](auto& r) { r.mutable_hand_over()->set_note("đủ hồ sơ"); },
      "officer-2");
  Act("2025-07-07T10:30", [](auto& r) {
    r.mutable_request_supplement()->add_missing("to-khai");
    r.mutable_request_supplement()->add_missing("ban-do");
  });

  // Paused since Mon 10:30: 1h30 of the 75h were used, 73h30 are left
  // however long the pause lasts.
  v1::Dossier paused = Render("2025-07-08T10:00");
  EXPECT_EQ(paused.state(), v1::DOSSIER_STATE_SUPPLEMENT_REQUESTED);
  EXPECT_EQ(paused.portal_status(), 5);
  EXPECT_EQ(paused.version(), 3);
  EXPECT_EQ(Show(paused.working_time_left()), "73h30m");
  EXPECT_EQ(Show(paused.paused_since()), "Mon 2025-07-07 10:30:00");
  // The pause under way so far: Mon 10:30-11:30, 13:30-17:00, Tue 07:30-10:00.
  EXPECT_EQ(Show(paused.paused().at("supplement")), "7h00m");
  EXPECT_EQ(Show(paused.paused().at("financial_obligation")), "0m");
  EXPECT_THAT(paused.supplement_missing(), ElementsAre("to-khai", "ban-do"));
  EXPECT_EQ(paused.current_step(), "cadastral-check");
  EXPECT_EQ(paused.current_unit(), "van-phong-dang-ky-dat-dai");
  EXPECT_EQ(Show(paused.current_step_due_at()), Show(dossier_.steps[1].due_at));
  ASSERT_EQ(paused.control_sheet_size(), 2);
  EXPECT_EQ(Show(paused.control_sheet(0).ended_at()),
            "Mon 2025-07-07 10:00:00");
  EXPECT_EQ(Show(paused.control_sheet(0).used()), "1h00m");
  EXPECT_FALSE(paused.control_sheet(0).late());
  EXPECT_EQ(paused.control_sheet(0).handed_over_by(), "desk-1");
  EXPECT_EQ(paused.control_sheet(1).step_id(), "cadastral-check");
  EXPECT_EQ(Show(paused.control_sheet(1).started_at()),
            "Mon 2025-07-07 10:00:00");
  EXPECT_FALSE(paused.control_sheet(1).has_ended_at());
  EXPECT_EQ(Show(paused.control_sheet(1).used()), "30m");
  EXPECT_EQ(paused.control_sheet(1).handed_over_by(), "officer-2");

  // Without rules nothing is computed: no time left, only ended pauses.
  v1::Dossier bare = DossierToProto(dossier_, At("2025-07-08T10:00"), nullptr);
  EXPECT_FALSE(bare.has_working_time_left());
  EXPECT_EQ(Show(bare.paused().at("supplement")), "0m");
  EXPECT_EQ(Show(bare.control_sheet(1).used()), "0m");
  EXPECT_EQ(Show(bare.due_at()), Show(paused.due_at()));

  // The supplement arrives: the clock resumes with the same time left.
  Act("2025-07-08T10:00", [](auto& r) { r.mutable_receive_supplement(); });
  v1::Dossier resumed = Render("2025-07-08T10:00");
  EXPECT_EQ(resumed.state(), v1::DOSSIER_STATE_PROCESSING);
  EXPECT_EQ(resumed.portal_status(), 4);
  EXPECT_EQ(Show(resumed.working_time_left()), "73h30m");
  EXPECT_EQ(Show(resumed.paused().at("supplement")), "7h00m");
  EXPECT_FALSE(resumed.has_paused_since());
  EXPECT_TRUE(resumed.supplement_missing().empty());
  EXPECT_EQ(Show(resumed.due_at()), Show(dossier_.due_at));
  EXPECT_EQ(Show(resumed.control_sheet(1).used()), "30m");

  // Financial obligation Tue 11:00 to Wed 08:30 (5h), a stop Wed 09:00 to
  // 10:00 (1h): each counted under its own reason.
  Act("2025-07-08T11:00", [](auto& r) {
    r.mutable_request_financial_obligation()->set_description("lệ phí");
  });
  v1::Dossier awaiting = Render("2025-07-09T08:30");
  EXPECT_EQ(awaiting.state(), v1::DOSSIER_STATE_AWAITING_FINANCIAL_OBLIGATION);
  EXPECT_EQ(awaiting.portal_status(), 6);
  EXPECT_EQ(Show(awaiting.working_time_left()), "72h30m");
  EXPECT_EQ(Show(awaiting.paused().at("financial_obligation")), "5h00m");
  Act("2025-07-09T08:30",
      [](auto& r) { r.mutable_confirm_financial_obligation(); });
  Act("2025-07-09T09:00",
      [](auto& r) { r.mutable_stop()->set_reason("giám định"); });
  v1::Dossier stopped = Render("2025-07-09T10:00");
  EXPECT_EQ(stopped.state(), v1::DOSSIER_STATE_STOPPED);
  EXPECT_EQ(stopped.portal_status(), 8);
  EXPECT_EQ(Show(stopped.paused().at("stopped")), "1h00m");
  Act("2025-07-09T10:00", [](auto& r) { r.mutable_resume(); });
  Act("2025-07-09T10:10", [](auto& r) {
    r.mutable_apologise()->set_reason("chờ ý kiến");
    *r.mutable_apologise()->mutable_new_appointment() =
        Stamp("2025-07-30T09:00");
  });

  v1::Dossier open = Render("2025-07-09T10:30");
  EXPECT_EQ(Show(open.apology_appointment()), "Wed 2025-07-30 09:00:00");
  EXPECT_EQ(Show(open.paused().at("supplement")), "7h00m");
  EXPECT_EQ(Show(open.paused().at("financial_obligation")), "5h00m");
  EXPECT_EQ(Show(open.paused().at("stopped")), "1h00m");
  // Used since Mon 09:00: 1h30 + Tue 10:00-11:00 + Wed 08:30-09:00 and
  // 10:00-10:30.
  EXPECT_EQ(Show(open.working_time_left()), "71h30m");

  // Resolved: classified, the open step ended, no time left shown.
  Act("2025-07-09T10:30",
      [](auto& r) { r.mutable_resolve()->set_result("giấy chứng nhận"); });
  v1::Dossier resolved = Render("2025-07-09T11:00");
  EXPECT_EQ(resolved.state(), v1::DOSSIER_STATE_RESOLVED);
  EXPECT_EQ(resolved.portal_status(), 9);
  EXPECT_EQ(resolved.classification(), v1::CLASSIFICATION_EARLY);
  EXPECT_EQ(Show(resolved.resolved_at()), "Wed 2025-07-09 10:30:00");
  EXPECT_FALSE(resolved.has_working_time_left());
  EXPECT_EQ(resolved.current_step(), "");
  EXPECT_FALSE(resolved.has_current_step_due_at());
  ASSERT_EQ(resolved.control_sheet_size(), 2);
  EXPECT_EQ(Show(resolved.control_sheet(1).ended_at()),
            "Wed 2025-07-09 10:30:00");
  EXPECT_EQ(Show(resolved.control_sheet(1).used()),
            FormatWorkingDuration(dossier_.steps[1].used));

  Act("2025-07-09T14:00", [](auto& r) { r.mutable_return_result(); });
  v1::Dossier returned = Render("2025-07-10T09:00");
  EXPECT_EQ(returned.state(), v1::DOSSIER_STATE_RETURNED);
  EXPECT_EQ(returned.portal_status(), 10);
  EXPECT_EQ(Show(returned.returned_at()), "Wed 2025-07-09 14:00:00");
  EXPECT_FALSE(returned.has_working_time_left());
  EXPECT_EQ(returned.version(), 11);
}

TEST_F(ApiConvertTest, LateDossierHasNegativeTimeLeftUntilClosed) {
  Submit(kHousehold, "2025-07-07T09:00");
  // Due Thu 09:00; at Fri 10:00 it is 2h30 + 3h30 + 2h30 late.
  v1::Dossier late = Render("2025-07-11T10:00");
  EXPECT_EQ(Show(late.due_at()), "Thu 2025-07-10 09:00:00");
  EXPECT_EQ(Show(late.working_time_left()), "-8h30m");
  EXPECT_EQ(late.control_sheet_size(), 0);
  EXPECT_EQ(late.current_step(), "");
  EXPECT_FALSE(late.has_current_step_due_at());

  Act("2025-07-11T10:00",
      [](auto& r) { r.mutable_withdraw()->set_reason("người dân rút"); });
  v1::Dossier closed = Render("2025-07-11T11:00");
  EXPECT_EQ(closed.state(), v1::DOSSIER_STATE_WITHDRAWN);
  EXPECT_EQ(closed.portal_status(), 7);
  EXPECT_EQ(Show(closed.closed_at()), "Fri 2025-07-11 10:00:00");
  EXPECT_EQ(closed.closing_reason(), "người dân rút");
  EXPECT_FALSE(closed.has_working_time_left());
  EXPECT_EQ(closed.classification(), v1::CLASSIFICATION_UNSPECIFIED);
}

TEST_F(ApiConvertTest, RejectedDossierIsClosed) {
  Submit(kLand, "2025-07-07T09:00");
  Act("2025-07-07T10:00",
      [](auto& r) { r.mutable_reject()->set_reason("không đủ điều kiện"); });
  v1::Dossier closed = Render("2025-07-07T11:00");
  EXPECT_EQ(closed.state(), v1::DOSSIER_STATE_REJECTED);
  EXPECT_EQ(closed.portal_status(), 3);
  EXPECT_EQ(closed.closing_reason(), "không đủ điều kiện");
  EXPECT_FALSE(closed.has_working_time_left());
  ASSERT_EQ(closed.control_sheet_size(), 1);
  EXPECT_EQ(Show(closed.control_sheet(0).used()), "1h00m");
}

TEST_F(ApiConvertTest, EventsCarryTheirPlaceInTheLogAndADescription) {
  Submit(kLand, "2025-07-07T09:00");
  Act("2025-07-07T10:00", [](auto& r) { r.mutable_hand_over(); });
  ASSERT_EQ(log_.size(), 2u);

  const v1::Event received = EventToProto(log_[0], "");
  EXPECT_EQ(received.sequence(), 1);
  EXPECT_EQ(received.dossier_code(), "HS-2025-0001");
  EXPECT_EQ(received.dossier_version(), 1);
  EXPECT_EQ(received.type(), "received");
  EXPECT_EQ(Show(received.occurred_at()), "Mon 2025-07-07 09:00:00");
  EXPECT_EQ(received.recorded_at().nanos(), 3000000);
  EXPECT_EQ(received.actor(), "desk-1");
  EXPECT_EQ(received.rule_version(), rules_->version());
  EXPECT_EQ(received.description(),
            text::DescribeEvent(log_[0].event, text::DisplayZone()));
  EXPECT_THAT(received.description(),
              ::testing::HasSubstr("due 2025-07-21T09:00:00+07:00"));
  // And in Vietnamese, as people write times here.
  EXPECT_EQ(received.description_vi(),
            text::DescribeEventVi(log_[0].event, text::DisplayZone()));
  EXPECT_THAT(received.description_vi(),
              ::testing::HasSubstr("hẹn trả 21/07/2025 09:00"));
  // A receipt names its agency itself.
  EXPECT_EQ(received.agency(), "so-nong-nghiep-moi-truong");
  EXPECT_EQ(received.previous_hash(), std::string(32, '\0'));
  EXPECT_EQ(received.hash(), std::string(32, '\x01'));

  const v1::Event handed = EventToProto(log_[1], "so-nong-nghiep-moi-truong");
  EXPECT_EQ(handed.sequence(), 3);
  EXPECT_EQ(handed.type(), "handed_over");
  EXPECT_EQ(handed.dossier_version(), 2);
  EXPECT_EQ(handed.agency(), "so-nong-nghiep-moi-truong");
  EXPECT_EQ(handed.description(),
            text::DescribeEvent(log_[1].event, text::DisplayZone()));
  EXPECT_THAT(handed.description_vi(), ::testing::StartsWith("chuyển cho "));
}

TEST_F(ApiConvertTest, ReplyCarriesTheDossierTheEventsAndRepeat) {
  Submit(kLand, "2025-07-07T09:00");
  Act("2025-07-07T10:00", [](auto& r) { r.mutable_hand_over(); });

  store::CommandOutcome outcome;
  outcome.dossier = dossier_;
  outcome.events = {log_[1]};
  const v1::CommandReply reply =
      ReplyToProto(outcome, At("2025-07-07T10:00"), rules_);
  EXPECT_EQ(reply.dossier().code(), "HS-2025-0001");
  EXPECT_EQ(reply.dossier().version(), 2);
  EXPECT_EQ(reply.dossier().current_step(), "cadastral-check");
  EXPECT_TRUE(reply.dossier().has_working_time_left());
  ASSERT_EQ(reply.events_size(), 1);
  EXPECT_EQ(reply.events(0).type(), "handed_over");
  // Events after the receipt take the dossier's agency.
  EXPECT_EQ(reply.events(0).agency(), "so-nong-nghiep-moi-truong");
  EXPECT_FALSE(reply.repeated());

  store::CommandOutcome repeat;
  repeat.dossier = dossier_;
  repeat.repeated = true;
  const v1::CommandReply again =
      ReplyToProto(repeat, At("2025-07-07T10:05"), nullptr);
  EXPECT_TRUE(again.repeated());
  EXPECT_EQ(again.events_size(), 0);
  EXPECT_FALSE(again.dossier().has_working_time_left());
}

// What the converter accepts, the engine decides: a request at the limits
// reaches a decision instead of an engine refusal for its shape.
TEST_F(ApiConvertTest, RequestsAtTheLimitsAreDecided) {
  v1::SubmitRequest request = ValidSubmit();
  request.set_dossier_code(std::string(128, 'H'));
  std::string summary;
  for (int i = 0; i < 1000; ++i) summary += "ữ";
  request.set_summary(summary);
  now_ = At("2025-07-07T09:00");
  Run(SubmitFromProto(request, "desk-1"));
  EXPECT_EQ(dossier_.code, std::string(128, 'H'));
  EXPECT_EQ(dossier_.summary, summary);
  EXPECT_EQ(Show(dossier_.due_at), "Mon 2025-07-21 09:00:00");
}

}  // namespace
}  // namespace motcua::api
