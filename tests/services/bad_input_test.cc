// Bad input over the whole API: every RPC of proto/motcua/v1/service.proto,
// every string, time and number field of its request, sent malformed,
// oversized, out of range and wrongly encoded to the real server on
// 127.0.0.1:0. Each is answered with the right code, a message that starts
// with the field's path, and writes nothing: the log's last sequence stays.
//
// The cases are generated from the request descriptors, so a field or an
// RPC added to the API is covered (or fails here) without editing a list;
// the hand-written cases are the ranges no generic value can find.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/sync_stream.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/notification.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/utf8.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "motcua/v1/service.grpc.pb.h"
#include "tests/testing/test_server.h"

namespace motcua::server {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;
using ::google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const absl::TimeZone kVietnam = absl::FixedTimeZone(7 * 3600);
constexpr char kAgency[] = "ubnd-phuong-ben-nghe";
constexpr char kProcedure[] = "local.dang-ky-bien-dong-dat-dai";
using test_support::kAdmin;

absl::Time MondayMorning() {
  return absl::FromCivil(absl::CivilMinute(2025, 9, 8, 9, 0), kVietnam);
}

google::protobuf::Timestamp Proto(absl::Time time) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

// One valid request per RPC (per action for Act), the base each bad case
// changes one field of. Every optional message and string is set, so that
// the generated cases reach every field.
struct Base {
  std::string method;  // "/motcua.v1.Dossiers/Submit"
  std::shared_ptr<Message> request;
  bool streaming = false;
};

std::string MethodPath(const google::protobuf::MethodDescriptor& method) {
  return absl::StrCat("/", method.service()->full_name(), "/", method.name());
}

std::vector<Base> Bases() {
  std::vector<Base> bases;
  auto add = [&](const std::string& method, auto request,
                 bool streaming = false) {
    bases.push_back(
        Base{method, std::make_shared<decltype(request)>(std::move(request)),
             streaming});
  };
  v1::CommandOptions options;
  options.set_request_id("request-1");
  options.set_expected_version(1);

  v1::SubmitRequest submit;
  submit.set_dossier_code("HS-NEW");
  submit.set_procedure_code(kProcedure);
  submit.set_agency(kAgency);
  submit.set_channel(v1::CHANNEL_ONLINE);
  *submit.mutable_received_at() = Proto(MondayMorning());
  submit.set_summary("a summary");
  *submit.mutable_options() = options;
  add("/motcua.v1.Dossiers/Submit", submit);

  auto act = [&](std::function<void(v1::ActRequest&)> set) {
    v1::ActRequest request;
    request.set_dossier_code("HS-1");
    *request.mutable_options() = options;
    set(request);
    add("/motcua.v1.Dossiers/Act", request);
  };
  act([](v1::ActRequest& r) {
    r.mutable_hand_over()->set_to_step("buoc-2");
    r.mutable_hand_over()->set_to_unit("phong-tai-nguyen");
    r.mutable_hand_over()->set_note("a note");
  });
  act([](v1::ActRequest& r) {
    r.mutable_request_supplement()->add_missing("a copy");
  });
  act([](v1::ActRequest& r) { r.mutable_receive_supplement(); });
  act([](v1::ActRequest& r) {
    r.mutable_request_financial_obligation()->set_description("a fee");
  });
  act([](v1::ActRequest& r) { r.mutable_confirm_financial_obligation(); });
  act([](v1::ActRequest& r) { r.mutable_stop()->set_reason("a reason"); });
  act([](v1::ActRequest& r) { r.mutable_resume(); });
  act([](v1::ActRequest& r) {
    r.mutable_apologise()->set_reason("a reason");
    *r.mutable_apologise()->mutable_new_appointment() =
        Proto(MondayMorning() + absl::Hours(24 * 30));
  });
  act([](v1::ActRequest& r) { r.mutable_resolve()->set_result("a result"); });
  act([](v1::ActRequest& r) { r.mutable_return_result(); });
  act([](v1::ActRequest& r) { r.mutable_reject()->set_reason("a reason"); });
  act([](v1::ActRequest& r) { r.mutable_withdraw()->set_reason("a reason"); });

  v1::GetRequest get;
  get.set_dossier_code("HS-1");
  add("/motcua.v1.Dossiers/Get", get);

  v1::ListRequest list;
  list.set_agency(kAgency);
  list.set_procedure_code(kProcedure);
  list.set_unit("bo-phan-mot-cua");
  list.set_state(v1::DOSSIER_STATE_RECEIVED);
  list.set_page_size(10);
  add("/motcua.v1.Dossiers/List", list);

  v1::OverdueRequest overdue;
  overdue.set_agency(kAgency);
  overdue.set_unit("bo-phan-mot-cua");
  overdue.set_procedure_code(kProcedure);
  overdue.mutable_min_lateness()->set_seconds(3600);
  overdue.set_page_size(10);
  add("/motcua.v1.Supervision/ListOverdue", overdue);

  v1::CountOverdueRequest count;
  count.set_agency(kAgency);
  add("/motcua.v1.Supervision/CountOverdue", count);

  v1::ReportRequest report;
  report.set_from_day("2025-09-01");
  report.set_to_day("2025-09-30");
  report.set_group_by(v1::ReportRequest::GROUP_BY_AGENCY);
  report.set_agency(kAgency);
  report.set_count_at(v1::ReportRequest::COUNT_AT_RESOLUTION);
  add("/motcua.v1.Supervision/Report", report);

  v1::DueSoonRequest due_soon;
  due_soon.set_agency(kAgency);
  due_soon.set_unit("bo-phan-mot-cua");
  due_soon.set_procedure_code(kProcedure);
  due_soon.mutable_within()->set_seconds(4 * 3600);
  due_soon.set_page_size(10);
  add("/motcua.v1.Supervision/ListDueSoon", due_soon);

  v1::WatchRequest watch;
  watch.set_after_sequence(0);
  watch.add_types("received");
  watch.set_agency(kAgency);
  add("/motcua.v1.Supervision/WatchEvents", watch, /*streaming=*/true);

  v1::ReadEventsRequest read_range;
  read_range.set_after_sequence(0);
  read_range.set_limit(10);
  add("/motcua.v1.Audit/ReadEvents", read_range);
  v1::ReadEventsRequest read_dossier;
  read_dossier.set_dossier_code("HS-1");
  add("/motcua.v1.Audit/ReadEvents", read_dossier);

  v1::AsOfRequest as_of;
  as_of.set_dossier_code("HS-1");
  *as_of.mutable_as_of() = Proto(MondayMorning());
  add("/motcua.v1.Audit/GetDossierAsOf", as_of);

  add("/motcua.v1.Audit/VerifyLog", v1::VerifyRequest());
  add("/motcua.v1.Audit/SignCheckpoint", v1::SignCheckpointRequest());
  add("/motcua.v1.Audit/GetCheckpoint", v1::GetCheckpointRequest());

  v1::ValidateRulesRequest validate;
  v1::RuleFile* file = validate.add_files();
  file->set_path("procedures/extra.yaml");
  file->set_content("kind: calendar\n");
  add("/motcua.v1.Admin/ValidateRules", validate);
  add("/motcua.v1.Admin/ReloadRules", v1::ReloadRulesRequest());
  add("/motcua.v1.Admin/GetRules", v1::GetRulesRequest());
  add("/motcua.v1.Admin/Backup", v1::BackupRequest(), /*streaming=*/true);
  return bases;
}

// A path to one field inside a request: the fields and, for repeated ones,
// the element.
struct Step {
  const FieldDescriptor* field;
  int index;  // -1 for a singular field
};
using FieldPath = std::vector<Step>;

// "request_supplement.missing[0]", as the server spells it.
std::string Spell(const FieldPath& path) {
  std::string spelled;
  for (const Step& step : path) {
    if (!spelled.empty()) spelled += ".";
    spelled += step.field->name();
    if (step.index >= 0) absl::StrAppend(&spelled, "[", step.index, "]");
  }
  return spelled;
}

// The path a refusal names for a field: a seconds or nanos of a Timestamp
// or Duration is named by the field that holds it.
std::string Named(const FieldPath& path) {
  FieldPath named = path;
  const std::string& container =
      named.back().field->containing_type()->full_name();
  if (container == "google.protobuf.Timestamp" ||
      container == "google.protobuf.Duration") {
    named.pop_back();
  }
  return Spell(named);
}

// Every string and number field the base reaches: set messages are entered,
// repeated ones at their first element; unset oneof members are another
// base's.
void Collect(const Message& message, FieldPath prefix,
             std::vector<FieldPath>& strings, std::vector<FieldPath>& numbers) {
  const Descriptor& type = *message.GetDescriptor();
  const Reflection& reflection = *message.GetReflection();
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* field = type.field(i);
    FieldPath path = prefix;
    if (field->is_repeated()) {
      if (reflection.FieldSize(message, field) == 0) continue;
      path.push_back(Step{field, 0});
    } else {
      if (field->containing_oneof() != nullptr &&
          !reflection.HasField(message, field)) {
        continue;
      }
      path.push_back(Step{field, -1});
    }
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        strings.push_back(path);
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (field->is_repeated()) {
          Collect(reflection.GetRepeatedMessage(message, field, 0), path,
                  strings, numbers);
        } else if (reflection.HasField(message, field)) {
          Collect(reflection.GetMessage(message, field), path, strings,
                  numbers);
        } else {
          ADD_FAILURE() << "the base of " << type.full_name() << " leaves "
                        << Spell(path) << " unset";
        }
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        break;  // both values are valid: nothing to refuse
      default:
        numbers.push_back(path);
        break;
    }
  }
}

// The message holding the path's last field, inside `root`.
Message* Holder(Message* root, const FieldPath& path) {
  Message* message = root;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const Reflection& reflection = *message->GetReflection();
    message = path[i].index >= 0
                  ? reflection.MutableRepeatedMessage(message, path[i].field,
                                                      path[i].index)
                  : reflection.MutableMessage(message, path[i].field);
  }
  return message;
}

void SetString(Message* root, const FieldPath& path, const std::string& value) {
  Message* holder = Holder(root, path);
  const Step& last = path.back();
  if (last.index >= 0) {
    holder->GetReflection()->SetRepeatedString(holder, last.field, last.index,
                                               value);
  } else {
    holder->GetReflection()->SetString(holder, last.field, value);
  }
}

void SetMinusOne(Message* root, const FieldPath& path) {
  Message* holder = Holder(root, path);
  const Reflection& reflection = *holder->GetReflection();
  const FieldDescriptor* field = path.back().field;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      reflection.SetInt32(holder, field, -1);
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      reflection.SetInt64(holder, field, -1);
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      reflection.SetEnumValue(holder, field, -1);
      break;
    default:
      ADD_FAILURE() << "no bad value for " << Spell(path);
  }
}

// Codes and ids: typed by people, held to the look-alike rules.
bool IsCode(const FieldDescriptor& field) {
  static const auto* const kCodes = new std::vector<std::string>{
      "dossier_code", "procedure_code", "agency",     "unit",
      "to_step",      "to_unit",        "request_id", "types"};
  return std::find(kCodes->begin(), kCodes->end(), field.name()) !=
         kCodes->end();
}

class BadInputTest : public test_support::ServerFixture {
 protected:
  BadInputTest() : ServerFixture(MondayMorning(), {kAdmin}) {}

  void SetUp() override {
    // A copy of the shipped rules, which a test may add a file to.
    rules_ = std::filesystem::path(directory_.File("rules"));
    std::filesystem::copy(config_.rules_dir, rules_,
                          std::filesystem::copy_options::recursive);
    config_.rules_dir = rules_.string();
    ASSERT_NO_FATAL_FAILURE(StartServer());

    // One dossier, so that what refers to HS-1 refers to something.
    v1::SubmitRequest submit;
    submit.set_dossier_code("HS-1");
    submit.set_procedure_code(kProcedure);
    submit.set_agency(kAgency);
    submit.set_channel(v1::CHANNEL_IN_PERSON);
    *submit.mutable_received_at() = Proto(MondayMorning());
    v1::CommandReply reply;
    ASSERT_TRUE(dossiers_->Submit(Context().get(), submit, &reply).ok());
  }

  static std::unique_ptr<grpc::ClientContext> Context(bool with_token = true) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (with_token) {
      context->AddMetadata("authorization",
                           absl::StrCat("Bearer ", kAdmin.token));
    }
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(20));
    return context;
  }

  // Sends `bytes` as the request of `method`, as any client could.
  grpc::Status CallRaw(const std::string& method, const std::string& bytes,
                       bool streaming, bool with_token = true) {
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    std::unique_ptr<grpc::ClientContext> context = Context(with_token);
    if (streaming) {
      // GenericStub has no blocking server-streaming call: the stub
      // generated code uses, with bytes for the request.
      std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader(
          grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(
              channel_.get(),
              grpc::internal::RpcMethod(
                  method.c_str(), grpc::internal::RpcMethod::SERVER_STREAMING),
              context.get(), request));
      grpc::ByteBuffer event;
      while (reader->Read(&event)) {
        ADD_FAILURE() << method << " streamed an event for a bad request";
      }
      return reader->Finish();
    }
    grpc::GenericStub generic(channel_);
    grpc::ByteBuffer response;
    absl::Notification done;
    grpc::Status status;
    generic.UnaryCall(context.get(), method, grpc::StubOptions(), &request,
                      &response, [&](grpc::Status result) {
                        status = std::move(result);
                        done.Notify();
                      });
    done.WaitForNotification();
    return status;
  }

  int64_t LastSequence() {
    v1::ReadEventsRequest request;
    request.set_limit(10000);
    v1::ReadEventsReply reply;
    const grpc::Status status =
        audit_->ReadEvents(Context().get(), request, &reply);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return reply.last_sequence_read();
  }

  // Sends `request` as bytes, with `replace` swapped for `with` in them (the
  // same length: lengths stay right); expects `code` and a message starting
  // with `field`, and nothing written.
  void ExpectRefused(const Base& base, const Message& request,
                     const std::string& field, const std::string& what,
                     grpc::StatusCode code = grpc::StatusCode::INVALID_ARGUMENT,
                     const std::string& replace = "",
                     const std::string& with = "") {
    std::string bytes = request.SerializeAsString();
    if (!replace.empty()) {
      ASSERT_TRUE(absl::StrContains(bytes, replace));
      bytes = absl::StrReplaceAll(bytes, {{replace, with}});
    }
    const int64_t before = LastSequence();
    const grpc::Status status = CallRaw(base.method, bytes, base.streaming);
    ++cases_;
    EXPECT_EQ(status.error_code(), code)
        << base.method << " " << what << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), StartsWith(field + ":"))
        << base.method << " " << what;
    EXPECT_TRUE(IsValidUtf8(status.error_message()));
    EXPECT_EQ(LastSequence(), before) << base.method << " " << what;
  }

  std::filesystem::path rules_;
  int cases_ = 0;
};

TEST_F(BadInputTest, TheBasesCoverEveryRpcOfTheApi) {
  std::set<std::string> covered;
  for (const Base& base : Bases()) covered.insert(base.method);
  const google::protobuf::FileDescriptor* file =
      v1::SubmitRequest::descriptor()->file();
  for (int s = 0; s < file->service_count(); ++s) {
    for (int m = 0; m < file->service(s)->method_count(); ++m) {
      EXPECT_TRUE(covered.count(MethodPath(*file->service(s)->method(m))))
          << MethodPath(*file->service(s)->method(m))
          << " has no base in this test";
    }
  }
  // And every action of Act.
  EXPECT_EQ(v1::ActRequest::descriptor()->oneof_decl(0)->field_count(), 12);
}

// Bytes that are not a message, and a request without a token, on every
// method: INVALID_ARGUMENT (not UNIMPLEMENTED, which means "no such
// method"), and UNAUTHENTICATED before anything else.
TEST_F(BadInputTest, MalformedBytesAreInvalidArgumentOnEveryRpc) {
  const google::protobuf::FileDescriptor* file =
      v1::SubmitRequest::descriptor()->file();
  const int64_t before = LastSequence();
  const std::vector<std::pair<std::string, std::string>> garbage = {
      {"a field number 0", std::string("\x00\x01", 2)},
      {"a truncated length",
       "\x0a\x05"
       "ab"},
      {"a truncated varint", "\x08\xff"},
      {"an end-group tag", "\x0c"},
      {"bytes ff fe", "\xff\xfe"},
  };
  for (int s = 0; s < file->service_count(); ++s) {
    for (int m = 0; m < file->service(s)->method_count(); ++m) {
      const google::protobuf::MethodDescriptor& method =
          *file->service(s)->method(m);
      const bool streaming = method.server_streaming();
      for (const auto& [what, bytes] : garbage) {
        const grpc::Status status =
            CallRaw(MethodPath(method), bytes, streaming);
        EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
            << MethodPath(method) << " " << what << ": "
            << status.error_message();
        EXPECT_THAT(status.error_message(),
                    HasSubstr(absl::StrCat("not a valid ")))
            << MethodPath(method) << " " << what;
        const grpc::Status anonymous =
            CallRaw(MethodPath(method), bytes, streaming, /*with_token=*/false);
        EXPECT_EQ(anonymous.error_code(), grpc::StatusCode::UNAUTHENTICATED)
            << MethodPath(method) << " " << what;
      }
    }
  }
  // A method that does not exist is still UNIMPLEMENTED.
  EXPECT_EQ(CallRaw("/motcua.v1.Dossiers/Nothing", "", false).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(LastSequence(), before);
}

TEST_F(BadInputTest, EveryStringFieldRefusesBadValuesNamingTheField) {
  const std::string kMarker = "@@MARKER@@";
  // As many bytes as the marker, none of them a valid UTF-8 sequence.
  const std::string kNotUtf8(kMarker.size(), '\xff');
  const std::string oversized(1100000, 'a');
  for (const Base& base : Bases()) {
    std::vector<FieldPath> strings;
    std::vector<FieldPath> numbers;
    Collect(*base.request, {}, strings, numbers);
    for (const FieldPath& path : strings) {
      const std::string field = Spell(path);
      const bool content = path.back().field->name() == "content";
      std::unique_ptr<Message> request(base.request->New());
      auto with = [&](const std::string& value) -> const Message& {
        request->CopyFrom(*base.request);
        SetString(request.get(), path, value);
        return *request;
      };
      // Wrongly encoded: protobuf's own parser refuses the whole message.
      ExpectRefused(base, with(absl::StrCat("x", kMarker, "x")), field,
                    "not UTF-8", grpc::StatusCode::INVALID_ARGUMENT, kMarker,
                    kNotUtf8);
      // Oversized: larger than any limit of a field, below the message
      // limit.
      ExpectRefused(base, with(oversized), field, "oversized");
      // A rule file's text is checked by the rule loader, which answers
      // control characters as problems of the file (line and column).
      if (content) continue;
      ExpectRefused(base, with("a\x01z"), field, "control character");
      ExpectRefused(base, with(std::string("a\0z", 3)), field, "NUL");
      if (!IsCode(*path.back().field)) continue;
      // Look-alikes of codes people type.
      for (const std::string& look_alike :
           {std::string("HS\u202E1"), std::string("HS\u200B1"),
            std::string("\uFEFFHS-1"), std::string("   "), std::string(" HS-1"),
            std::string("HS-1 "), std::string("HS\u00A01")}) {
        ExpectRefused(base, with(look_alike), field,
                      absl::StrCat("look-alike \"", look_alike, "\""));
      }
    }
    for (const FieldPath& path : numbers) {
      std::unique_ptr<Message> request(base.request->New());
      request->CopyFrom(*base.request);
      SetMinusOne(request.get(), path);
      ExpectRefused(base, *request, Named(path),
                    absl::StrCat(Spell(path), " = -1"));
    }
  }
  EXPECT_GT(cases_, 300);
}

// Ranges no generic value finds.
TEST_F(BadInputTest, OutOfRangeValuesAreRefusedNamingTheField) {
  struct Case {
    std::string what;
    std::string method;
    std::function<std::shared_ptr<Message>()> request;
    std::string field;
  };
  auto submit_at = [](absl::CivilSecond local) {
    return [local] {
      auto request = std::make_shared<v1::SubmitRequest>();
      request->set_dossier_code("HS-OLD");
      request->set_procedure_code(kProcedure);
      request->set_agency(kAgency);
      request->set_channel(v1::CHANNEL_ONLINE);
      *request->mutable_received_at() = Proto(absl::FromCivil(local, kVietnam));
      return std::shared_ptr<Message>(request);
    };
  };
  auto report = [](std::string from, std::string to) {
    return [from, to] {
      auto request = std::make_shared<v1::ReportRequest>();
      request->set_from_day(from);
      request->set_to_day(to);
      request->set_group_by(v1::ReportRequest::GROUP_BY_AGENCY);
      request->set_count_at(v1::ReportRequest::COUNT_AT_RESOLUTION);
      request->set_agency(kAgency);
      return std::shared_ptr<Message>(request);
    };
  };
  const std::vector<Case> cases = {
      // Before the procedure's first version: the procedure does not apply.
      {"receipt in 2017", "/motcua.v1.Dossiers/Submit",
       submit_at(absl::CivilSecond(2017, 3, 1, 9, 0, 0)), "procedure_code"},
      {"receipt in 1900", "/motcua.v1.Dossiers/Submit",
       submit_at(absl::CivilSecond(1900, 3, 1, 9, 0, 0)), "received_at"},
      {"receipt in year 1", "/motcua.v1.Dossiers/Submit",
       submit_at(absl::CivilSecond(1, 3, 1, 9, 0, 0)), "received_at"},
      {"receipt in year 10000", "/motcua.v1.Dossiers/Submit",
       [] {
         auto request = std::make_shared<v1::SubmitRequest>();
         request->set_dossier_code("HS-FAR");
         request->set_procedure_code(kProcedure);
         request->set_agency(kAgency);
         request->set_channel(v1::CHANNEL_ONLINE);
         request->mutable_received_at()->set_seconds(253402300800);
         return std::shared_ptr<Message>(request);
       },
       "received_at"},
      {"channel 99", "/motcua.v1.Dossiers/Submit",
       [] {
         auto request = std::make_shared<v1::SubmitRequest>();
         request->set_dossier_code("HS-C");
         request->set_procedure_code(kProcedure);
         request->set_agency(kAgency);
         request->set_channel(static_cast<v1::Channel>(99));
         *request->mutable_received_at() = Proto(MondayMorning());
         return std::shared_ptr<Message>(request);
       },
       "channel"},
      {"a code of 129 bytes", "/motcua.v1.Dossiers/Get",
       [] {
         auto request = std::make_shared<v1::GetRequest>();
         request->set_dossier_code(std::string(129, 'H'));
         return std::shared_ptr<Message>(request);
       },
       "dossier_code"},
      {"page size 1001", "/motcua.v1.Dossiers/List",
       [] {
         auto request = std::make_shared<v1::ListRequest>();
         request->set_page_size(1001);
         return std::shared_ptr<Message>(request);
       },
       "page_size"},
      {"state 99", "/motcua.v1.Dossiers/List",
       [] {
         auto request = std::make_shared<v1::ListRequest>();
         request->set_state(static_cast<v1::DossierState>(99));
         return std::shared_ptr<Message>(request);
       },
       "state"},
      {"a report agency of 129 bytes", "/motcua.v1.Supervision/Report",
       [] {
         auto request = std::make_shared<v1::ReportRequest>();
         request->set_from_day("2025-09-01");
         request->set_to_day("2025-09-30");
         request->set_group_by(v1::ReportRequest::GROUP_BY_AGENCY);
         request->set_count_at(v1::ReportRequest::COUNT_AT_RESOLUTION);
         request->set_agency(std::string(129, 'u'));
         return std::shared_ptr<Message>(request);
       },
       "agency"},
      {"from_day 0000-01-01", "/motcua.v1.Supervision/Report",
       report("0000-01-01", "0000-01-31"), "from_day"},
      {"from_day 1969-12-31", "/motcua.v1.Supervision/Report",
       report("1969-12-31", "1970-01-31"), "from_day"},
      {"from_day +2025-09-01", "/motcua.v1.Supervision/Report",
       report("+2025-9-01", "2025-09-30"), "from_day"},
      {"from_day 2025-02-30", "/motcua.v1.Supervision/Report",
       report("2025-02-30", "2025-03-30"), "from_day"},
      {"to_day before from_day", "/motcua.v1.Supervision/Report",
       report("2025-09-30", "2025-09-01"), "to_day"},
      {"a period of 3661 days", "/motcua.v1.Supervision/Report",
       report("2015-01-01", "2025-01-08"), "to_day"},
      {"group_by 7", "/motcua.v1.Supervision/Report",
       [] {
         auto request = std::make_shared<v1::ReportRequest>();
         request->set_from_day("2025-09-01");
         request->set_to_day("2025-09-30");
         request->set_group_by(static_cast<v1::ReportRequest::GroupBy>(7));
         request->set_count_at(v1::ReportRequest::COUNT_AT_RESOLUTION);
         return std::shared_ptr<Message>(request);
       },
       "group_by"},
      {"within 0", "/motcua.v1.Supervision/ListDueSoon",
       [] {
         auto request = std::make_shared<v1::DueSoonRequest>();
         request->mutable_within();
         return std::shared_ptr<Message>(request);
       },
       "within"},
      {"within over 10000 years", "/motcua.v1.Supervision/ListDueSoon",
       [] {
         auto request = std::make_shared<v1::DueSoonRequest>();
         request->mutable_within()->set_seconds(315576000001);
         return std::shared_ptr<Message>(request);
       },
       "within"},
      {"within_limit 1xd", "/motcua.v1.Supervision/ListDueSoon",
       [] {
         auto request = std::make_shared<v1::DueSoonRequest>();
         request->set_within_limit("1xd");
         return std::shared_ptr<Message>(request);
       },
       "within_limit"},
      {"within_limit 0wd", "/motcua.v1.Supervision/ListDueSoon",
       [] {
         auto request = std::make_shared<v1::DueSoonRequest>();
         request->set_within_limit("0wd");
         return std::shared_ptr<Message>(request);
       },
       "within_limit"},
      {"within_limit of 17 characters", "/motcua.v1.Supervision/ListDueSoon",
       [] {
         auto request = std::make_shared<v1::DueSoonRequest>();
         request->set_within_limit("00000000000001wd");
         request->mutable_within_limit()->append("x");
         return std::shared_ptr<Message>(request);
       },
       "within_limit"},
      {"within and within_limit", "/motcua.v1.Supervision/ListDueSoon",
       [] {
         auto request = std::make_shared<v1::DueSoonRequest>();
         request->set_within_limit("1wd");
         request->mutable_within()->set_seconds(3600);
         return std::shared_ptr<Message>(request);
       },
       "within_limit"},
      {"a read limit of 10001", "/motcua.v1.Audit/ReadEvents",
       [] {
         auto request = std::make_shared<v1::ReadEventsRequest>();
         request->set_limit(10001);
         return std::shared_ptr<Message>(request);
       },
       "limit"},
      {"as_of before 1970", "/motcua.v1.Audit/GetDossierAsOf",
       [] {
         auto request = std::make_shared<v1::AsOfRequest>();
         request->set_dossier_code("HS-1");
         request->mutable_as_of()->set_seconds(-1);
         return std::shared_ptr<Message>(request);
       },
       "as_of"},
      {"an apology appointment in year 10000", "/motcua.v1.Dossiers/Act",
       [] {
         auto request = std::make_shared<v1::ActRequest>();
         request->set_dossier_code("HS-1");
         request->mutable_apologise()->set_reason("late");
         request->mutable_apologise()->mutable_new_appointment()->set_seconds(
             253402300800);
         return std::shared_ptr<Message>(request);
       },
       "apologise.new_appointment"},
      {"51 missing documents", "/motcua.v1.Dossiers/Act",
       [] {
         auto request = std::make_shared<v1::ActRequest>();
         request->set_dossier_code("HS-1");
         for (int i = 0; i < 51; ++i) {
           request->mutable_request_supplement()->add_missing("a copy");
         }
         return std::shared_ptr<Message>(request);
       },
       "request_supplement.missing"},
      {"a rule path with ..", "/motcua.v1.Admin/ValidateRules",
       [] {
         auto request = std::make_shared<v1::ValidateRulesRequest>();
         v1::RuleFile* file = request->add_files();
         file->set_path("procedures/../../etc/passwd.yaml");
         file->set_content("kind: calendar\n");
         return std::shared_ptr<Message>(request);
       },
       "files[0].path"},
      {"a rule path that is not a rule file", "/motcua.v1.Admin/ValidateRules",
       [] {
         auto request = std::make_shared<v1::ValidateRulesRequest>();
         v1::RuleFile* file = request->add_files();
         file->set_path("procedures/a.txt");
         file->set_content("kind: calendar\n");
         return std::shared_ptr<Message>(request);
       },
       "files[0].path"},
  };
  for (const Case& c : cases) {
    const Base base{c.method, nullptr, false};
    ExpectRefused(base, *c.request(), c.field, c.what);
  }
}

TEST_F(BadInputTest, PageTokensAreBoundToTheirQueryAndTamperEvident) {
  for (const char* code : {"HS-2", "HS-3"}) {
    v1::SubmitRequest submit;
    submit.set_dossier_code(code);
    submit.set_procedure_code(kProcedure);
    submit.set_agency(kAgency);
    submit.set_channel(v1::CHANNEL_ONLINE);
    *submit.mutable_received_at() = Proto(MondayMorning());
    v1::CommandReply reply;
    ASSERT_TRUE(dossiers_->Submit(Context().get(), submit, &reply).ok());
  }
  v1::ListRequest request;
  request.set_agency(kAgency);
  request.set_page_size(1);
  v1::ListReply page;
  ASSERT_TRUE(dossiers_->List(Context().get(), request, &page).ok());
  const std::string token = page.next_page_token();
  ASSERT_FALSE(token.empty());
  // The token is not the code in base64 any more.
  EXPECT_THAT(token, ::testing::Not(HasSubstr("SFMtMQ")));

  // The same query goes on.
  request.set_page_token(token);
  ASSERT_TRUE(dossiers_->List(Context().get(), request, &page).ok());
  ASSERT_EQ(page.dossiers_size(), 1);
  EXPECT_EQ(page.dossiers(0).code(), "HS-2");

  auto refused = [&](const v1::ListRequest& changed) {
    v1::ListReply ignored;
    const grpc::Status status =
        dossiers_->List(Context().get(), changed, &ignored);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), StartsWith("page_token:"));
  };
  // Any one character changed.
  for (size_t i = 0; i < token.size(); ++i) {
    v1::ListRequest altered = request;
    std::string text = token;
    text[i] = text[i] == 'A' ? 'B' : 'A';
    altered.set_page_token(text);
    refused(altered);
  }
  // Another query.
  v1::ListRequest other_filter = request;
  other_filter.set_procedure_code(kProcedure);
  refused(other_filter);
  v1::ListRequest other_state = request;
  other_state.set_state(v1::DOSSIER_STATE_RECEIVED);
  refused(other_state);
  // Another list.
  v1::OverdueRequest overdue;
  overdue.set_agency(kAgency);
  overdue.set_page_token(token);
  v1::OverdueReply overdue_reply;
  const grpc::Status status =
      supervision_->ListOverdue(Context().get(), overdue, &overdue_reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("page_token:"));
}

// A rule file on disk that is not UTF-8: ValidateRules of the directory
// answers a readable reply naming file:line:col, and ReloadRules refuses it.
TEST_F(BadInputTest, RuleFilesThatAreNotUtf8AreRefusedReadably) {
  {
    std::ofstream out(rules_ / "units-bad.yaml", std::ios::binary);
    // A unit name with bytes ff fe, and an escape followed by a stray byte.
    out << "# units\nkind: calendar\nname: \"x\\\xc3\"\nunit: \xff\xfe\n";
  }
  v1::ValidateRulesReply reply;
  const grpc::Status status = admin_->ValidateRules(
      Context().get(), v1::ValidateRulesRequest(), &reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(reply.valid());
  ASSERT_EQ(reply.problems_size(), 1);
  EXPECT_EQ(reply.problems(0).file(), "units-bad.yaml");
  EXPECT_EQ(reply.problems(0).line(), 3);
  EXPECT_EQ(reply.problems(0).column(), 10);
  EXPECT_THAT(reply.problems(0).message(), HasSubstr("not UTF-8"));

  v1::ReloadRulesReply reloaded;
  const grpc::Status reload =
      admin_->ReloadRules(Context().get(), v1::ReloadRulesRequest(), &reloaded);
  EXPECT_EQ(reload.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(reload.error_message(), HasSubstr("units-bad.yaml:3:10"));
  EXPECT_TRUE(IsValidUtf8(reload.error_message()));
}

}  // namespace
}  // namespace motcua::server
