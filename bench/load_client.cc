#include "bench/load_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace motcua::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Free text of realistic length, without personal data.
constexpr const char* kSummary =
    "Hồ sơ tiếp nhận tại bộ phận một cửa; đủ thành phần theo danh mục, "
    "kèm bản sao có chứng thực";
constexpr const char* kNote = "chuyển xử lý theo quy trình nội bộ";
constexpr const char* kMissing = "bản sao chứng thực giấy tờ tùy thân";
constexpr const char* kResult = "đã ký và đóng dấu kết quả";
constexpr const char* kUnitOutsideSteps = "phong-chuyen-mon";

void SetNow(google::protobuf::Timestamp* timestamp) {
  const absl::Time now = absl::Now();
  const int64_t micros = absl::ToUnixMicros(now);
  timestamp->set_seconds(micros / 1000000);
  timestamp->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
}

std::string StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    default:
      return absl::StrCat("CODE_", static_cast<int>(code));
  }
}

// Whether the dossier may be tried again: the command did not reach a
// decision.
bool Retryable(grpc::StatusCode code) {
  return code == grpc::StatusCode::RESOURCE_EXHAUSTED ||
         code == grpc::StatusCode::UNAVAILABLE ||
         code == grpc::StatusCode::DEADLINE_EXCEEDED ||
         code == grpc::StatusCode::CANCELLED;
}

KindFigures Figures(const LatencySamples& latency, int64_t accepted,
                    int64_t failed, int64_t request_bytes, int64_t reply_bytes,
                    double seconds) {
  KindFigures figures;
  figures.accepted = accepted;
  figures.failed = failed;
  figures.per_second =
      seconds > 0 ? static_cast<double>(accepted) / seconds : 0;
  figures.latency = latency.Summarize();
  const int64_t all = accepted + failed;
  if (all > 0) {
    figures.request_bytes = static_cast<double>(request_bytes) / all;
  }
  if (accepted > 0) {
    figures.reply_bytes = static_cast<double>(reply_bytes) / accepted;
  }
  return figures;
}

nlohmann::json KindJson(const KindFigures& figures) {
  nlohmann::json json = ToJson(figures.latency);
  json["accepted"] = figures.accepted;
  json["failed"] = figures.failed;
  json["per_second"] = figures.per_second;
  json["request_bytes"] = figures.request_bytes;
  json["reply_bytes"] = figures.reply_bytes;
  return json;
}

}  // namespace

nlohmann::json ToJson(const LoadFigures& figures) {
  nlohmann::json json;
  json["seconds"] = figures.seconds;
  json["overall"] = KindJson(figures.overall);
  for (int kind = 0; kind < kCommandKindCount; ++kind) {
    json["kinds"]
        [std::string(CommandKindName(static_cast<CommandKind>(kind)))] =
            KindJson(figures.kinds[kind]);
  }
  json["failures"] = figures.failures;
  return json;
}

std::string FormatFigures(const LoadFigures& figures) {
  std::string text = absl::StrFormat(
      "  %-19s %9.0f/s  %s  (%d accepted, %d failed)\n", "all",
      figures.overall.per_second, FormatSummary(figures.overall.latency),
      figures.overall.accepted, figures.overall.failed);
  for (int kind = 0; kind < kCommandKindCount; ++kind) {
    const KindFigures& each = figures.kinds[kind];
    absl::StrAppendFormat(
        &text, "  %-19s %9.0f/s  %s  request %4.0f B, reply %5.0f B\n",
        CommandKindName(static_cast<CommandKind>(kind)), each.per_second,
        FormatSummary(each.latency), each.request_bytes, each.reply_bytes);
  }
  for (const auto& [code, count] : figures.failures) {
    absl::StrAppendFormat(&text, "  failed %s: %d, e.g. %s\n", code, count,
                          figures.failure_examples.at(code));
  }
  return text;
}

absl::StatusOr<std::vector<std::unique_ptr<v1::Dossiers::Stub>>> ConnectStubs(
    const std::string& address, int channels, absl::Duration timeout) {
  std::vector<std::unique_ptr<v1::Dossiers::Stub>> stubs;
  // gRPC takes deadlines on the system clock only.
  const auto deadline =
      std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout);
  for (int i = 0; i < channels; ++i) {
    // Distinct arguments and a local subchannel pool: one TCP connection
    // per channel, as separate clients would have.
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    arguments.SetInt("motcua.bench.channel", i);
    std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(
        address, grpc::InsecureChannelCredentials(), arguments);
    if (!channel->WaitForConnected(deadline)) {
      return absl::UnavailableError(
          absl::StrCat("could not connect to ", address, " within ",
                       absl::FormatDuration(timeout)));
    }
    stubs.push_back(v1::Dossiers::NewStub(channel));
  }
  return stubs;
}

// One command in flight.
struct LoadClient::Call {
  grpc::ClientContext context;
  v1::SubmitRequest submit;
  v1::ActRequest act;
  v1::CommandReply reply;
  PlannedCommand planned;
  int lane = 0;
  size_t request_bytes = 0;
  SteadyClock::time_point sent;
};

LoadClient::LoadClient(std::vector<std::unique_ptr<v1::Dossiers::Stub>> stubs,
                       std::string token, LoadOptions options,
                       WorkingSet working_set)
    : stubs_(std::move(stubs)),
      authorization_(absl::StrCat("Bearer ", token)),
      options_(options),
      working_set_(std::move(working_set)) {}

LoadClient::~LoadClient() {
  phase_.store(Phase::kStop);
  WaitForLanes();
}

PresubmitFigures LoadClient::Presubmit(int64_t count) {
  if (count <= 0) return PresubmitFigures();
  {
    absl::MutexLock lock(&mu_);
    presubmit_left_ = count;
    presubmit_ = PresubmitFigures();
  }
  const absl::Time started = absl::Now();
  phase_.store(Phase::kPresubmit);
  StartLanes();
  WaitForLanes();
  phase_.store(Phase::kIdle);
  absl::MutexLock lock(&mu_);
  presubmit_.took = absl::Now() - started;
  return presubmit_;
}

LoadFigures LoadClient::Run(absl::Duration warmup, absl::Duration duration) {
  phase_.store(Phase::kWarmup);
  StartLanes();
  absl::SleepFor(warmup);
  {
    absl::MutexLock lock(&mu_);
    tallies_ = {};
    failures_.clear();
    failure_examples_.clear();
  }
  const auto measure_started = SteadyClock::now();
  phase_.store(Phase::kMeasure);
  absl::SleepFor(duration);
  // Stop counting first, then let the lanes run dry.
  phase_.store(Phase::kStop);
  const auto measure_ended = SteadyClock::now();
  WaitForLanes();
  phase_.store(Phase::kIdle);

  const double seconds =
      std::chrono::duration<double>(measure_ended - measure_started).count();
  LoadFigures figures;
  figures.seconds = seconds;
  absl::MutexLock lock(&mu_);
  LatencySamples all;
  int64_t accepted = 0, failed = 0, request_bytes = 0, reply_bytes = 0;
  for (int kind = 0; kind < kCommandKindCount; ++kind) {
    const KindTally& tally = tallies_[kind];
    figures.kinds[kind] =
        Figures(tally.latency, tally.accepted, tally.failed,
                tally.request_bytes, tally.reply_bytes, seconds);
    all.Merge(tally.latency);
    accepted += tally.accepted;
    failed += tally.failed;
    request_bytes += tally.request_bytes;
    reply_bytes += tally.reply_bytes;
  }
  figures.overall =
      Figures(all, accepted, failed, request_bytes, reply_bytes, seconds);
  figures.failures = failures_;
  figures.failure_examples = failure_examples_;
  return figures;
}

ReplyByKind LoadClient::SampleReplies() const {
  absl::MutexLock lock(&mu_);
  return samples_;
}

int64_t LoadClient::open_dossiers() const {
  absl::MutexLock lock(&mu_);
  return working_set_.open();
}

void LoadClient::StartLanes() {
  {
    absl::MutexLock lock(&mu_);
    active_lanes_ = options_.in_flight;
  }
  for (int lane = 0; lane < options_.in_flight; ++lane) SendNext(lane);
}

void LoadClient::WaitForLanes() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* active) { return *active == 0; }, &active_lanes_));
}

void LoadClient::RetireLane() {
  absl::MutexLock lock(&mu_);
  --active_lanes_;
}

void LoadClient::SendNext(int lane) {
  const Phase phase = phase_.load();
  PlannedCommand planned;
  {
    absl::MutexLock lock(&mu_);
    if (phase == Phase::kPresubmit) {
      if (presubmit_left_ == 0) {
        --active_lanes_;
        return;
      }
      --presubmit_left_;
      planned = working_set_.NextSubmission();
    } else if (phase == Phase::kWarmup || phase == Phase::kMeasure) {
      planned = working_set_.Next();
    } else {
      --active_lanes_;
      return;
    }
  }
  Send(lane, planned);
}

void LoadClient::Send(int lane, PlannedCommand planned) {
  auto* call = new Call();
  call->planned = planned;
  call->lane = lane;
  call->context.AddMetadata("authorization", authorization_);
  call->context.set_deadline(
      std::chrono::system_clock::now() +
      absl::ToChronoMilliseconds(options_.call_deadline));
  std::string code;
  std::string request_id;
  {
    absl::MutexLock lock(&mu_);
    code = working_set_.Code(planned.dossier);
    if (options_.request_ids) {
      request_id = absl::StrCat(
          code, "-", working_set_.dossier(planned.dossier).commands + 1);
    }
    if (planned.kind == CommandKind::kSubmit) {
      call->submit.set_procedure_code(
          working_set_.procedure(planned.dossier).code);
      call->submit.set_agency(working_set_.agency(planned.dossier));
      call->submit.set_channel(
          static_cast<v1::Channel>(1 + planned.dossier % 3));
    } else if (planned.kind == CommandKind::kHandOver) {
      v1::HandOver* hand_over = call->act.mutable_hand_over();
      if (!working_set_.HasNextStep(planned.dossier)) {
        hand_over->set_to_unit(kUnitOutsideSteps);
      }
      hand_over->set_note(kNote);
    }
  }
  v1::Dossiers::Stub* stub = stubs_[lane % stubs_.size()].get();
  if (planned.kind == CommandKind::kSubmit) {
    v1::SubmitRequest& submit = call->submit;
    submit.set_dossier_code(code);
    SetNow(submit.mutable_received_at());
    submit.set_summary(kSummary);
    if (!request_id.empty()) {
      submit.mutable_options()->set_request_id(request_id);
    }
    call->request_bytes = submit.ByteSizeLong();
    call->sent = SteadyClock::now();
    stub->async()->Submit(
        &call->context, &call->submit, &call->reply,
        [this, call](grpc::Status status) { Finished(call, status); });
    return;
  }
  v1::ActRequest& act = call->act;
  act.set_dossier_code(code);
  if (!request_id.empty()) act.mutable_options()->set_request_id(request_id);
  switch (planned.kind) {
    case CommandKind::kRequestSupplement:
      act.mutable_request_supplement()->add_missing(kMissing);
      break;
    case CommandKind::kReceiveSupplement:
      act.mutable_receive_supplement();
      break;
    case CommandKind::kResolve:
      act.mutable_resolve()->set_result(kResult);
      break;
    case CommandKind::kReturnResult:
      act.mutable_return_result();
      break;
    case CommandKind::kSubmit:
    case CommandKind::kHandOver:
      break;  // built above
  }
  call->request_bytes = act.ByteSizeLong();
  call->sent = SteadyClock::now();
  stub->async()->Act(
      &call->context, &call->act, &call->reply,
      [this, call](grpc::Status status) { Finished(call, status); });
}

void LoadClient::Finished(Call* call, const grpc::Status& status) {
  const auto finished = SteadyClock::now();
  const Phase phase = phase_.load();
  const bool measured = phase == Phase::kMeasure;
  const int kind = static_cast<int>(call->planned.kind);
  const CommandResult result = status.ok() ? CommandResult::kAccepted
                               : Retryable(status.error_code())
                                   ? CommandResult::kRetryable
                                   : CommandResult::kRefused;
  {
    absl::MutexLock lock(&mu_);
    working_set_.Finished(call->planned, result);
    if (phase == Phase::kPresubmit) {
      if (status.ok()) {
        ++presubmit_.accepted;
      } else if (++presubmit_.failed == 1) {
        presubmit_.first_failure = absl::StrCat(
            StatusCodeName(status.error_code()), ": ", status.error_message());
      }
    }
    if (status.ok() && !sampled_[kind]) {
      sampled_[kind] = true;
      samples_[kind] = call->reply;
    }
    if (measured) {
      KindTally& tally = tallies_[kind];
      tally.request_bytes += static_cast<int64_t>(call->request_bytes);
      if (status.ok()) {
        // Now and then a reply from the measured mix, whose dossiers have
        // moved on (longer control sheets), replaces the first one seen.
        if (tally.accepted % 256 == 0) samples_[kind] = call->reply;
        ++tally.accepted;
        tally.reply_bytes += static_cast<int64_t>(call->reply.ByteSizeLong());
        tally.latency.Add(absl::FromChrono(finished - call->sent));
      } else {
        ++tally.failed;
        const std::string name = StatusCodeName(status.error_code());
        if (++failures_[name] == 1) {
          failure_examples_[name] = status.error_message();
        }
      }
    }
  }
  const int lane = call->lane;
  delete call;
  SendNext(lane);
}

}  // namespace motcua::bench
