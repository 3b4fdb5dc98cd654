#ifndef MOTCUA_BENCH_LOAD_CLIENT_H_
#define MOTCUA_BENCH_LOAD_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/latency.h"
#include "bench/null_dossiers.h"
#include "bench/workload.h"
#include "motcua/v1/service.grpc.pb.h"

namespace motcua::bench {

struct LoadOptions {
  int in_flight = 64;       // commands outstanding at any moment
  bool request_ids = true;  // each command carries a request_id
  absl::Duration call_deadline = absl::Seconds(30);
};

// What one kind of command (or all of them) did in the measured window.
struct KindFigures {
  int64_t accepted = 0;
  int64_t failed = 0;
  double per_second = 0;     // accepted per second of the window
  LatencySummary latency;    // of accepted commands
  double request_bytes = 0;  // mean serialized size
  double reply_bytes = 0;
};

struct LoadFigures {
  double seconds = 0;  // the measured window
  KindFigures overall;
  std::array<KindFigures, kCommandKindCount> kinds;
  // Failures by gRPC status code name, with the first message of each.
  std::map<std::string, int64_t> failures;
  std::map<std::string, std::string> failure_examples;
};

nlohmann::json ToJson(const LoadFigures& figures);

struct PresubmitFigures {
  absl::Duration took;
  int64_t accepted = 0;
  int64_t failed = 0;
  std::string first_failure;  // "CODE: message", empty when none failed
};
// Several lines for a person: overall, then one per kind.
std::string FormatFigures(const LoadFigures& figures);

// `channels` channels to `address`, each with its own connection.
// UNAVAILABLE when one does not connect within `timeout`.
absl::StatusOr<std::vector<std::unique_ptr<v1::Dossiers::Stub>>> ConnectStubs(
    const std::string& address, int channels, absl::Duration timeout);

// An asynchronous load generator on gRPC's callback API: `in_flight` lanes,
// each sending its next command from the callback of the last, over the
// stubs in turn. Commands come from a WorkingSet, so each is allowed by the
// lifecycle at the moment it is sent.
class LoadClient {
 public:
  LoadClient(std::vector<std::unique_ptr<v1::Dossiers::Stub>> stubs,
             std::string token, LoadOptions options, WorkingSet working_set);
  ~LoadClient();

  LoadClient(const LoadClient&) = delete;
  LoadClient& operator=(const LoadClient&) = delete;

  // Submits `count` new dossiers (not measured): the working set the mix
  // then acts on.
  PresubmitFigures Presubmit(int64_t count);

  // Runs the mix for `warmup` (not measured), then for `duration`, and
  // drains what is in flight.
  LoadFigures Run(absl::Duration warmup, absl::Duration duration);

  // An accepted reply of each kind, taken from the measured mix when there
  // was one (empty for a kind never accepted): the messages the transport
  // ceiling answers with.
  ReplyByKind SampleReplies() const;

  int64_t open_dossiers() const;

 private:
  struct Call;
  enum class Phase { kIdle, kPresubmit, kWarmup, kMeasure, kStop };

  // Sends the lane's next command, or retires the lane when the phase says
  // so.
  void SendNext(int lane);
  void Send(int lane, PlannedCommand planned);
  void Finished(Call* call, const grpc::Status& status);
  void RetireLane();
  void StartLanes();
  void WaitForLanes();

  std::vector<std::unique_ptr<v1::Dossiers::Stub>> stubs_;
  const std::string authorization_;
  const LoadOptions options_;
  std::atomic<Phase> phase_{Phase::kIdle};

  mutable absl::Mutex mu_;
  WorkingSet working_set_ ABSL_GUARDED_BY(mu_);
  int64_t presubmit_left_ ABSL_GUARDED_BY(mu_) = 0;
  int active_lanes_ ABSL_GUARDED_BY(mu_) = 0;
  // Of the measured window, by kind.
  struct KindTally {
    LatencySamples latency;
    int64_t accepted = 0;
    int64_t failed = 0;
    int64_t request_bytes = 0;
    int64_t reply_bytes = 0;
  };
  std::array<KindTally, kCommandKindCount> tallies_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> failures_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> failure_examples_ ABSL_GUARDED_BY(mu_);
  ReplyByKind samples_ ABSL_GUARDED_BY(mu_);
  std::array<bool, kCommandKindCount> sampled_ ABSL_GUARDED_BY(mu_){};
  // Outside the measured window (the presubmission).
  PresubmitFigures presubmit_ ABSL_GUARDED_BY(mu_);
};

}  // namespace motcua::bench

#endif  // MOTCUA_BENCH_LOAD_CLIENT_H_
