#ifndef MOTCUA_SERVICES_METRICS_METRICS_H_
#define MOTCUA_SERVICES_METRICS_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace motcua::metrics {

// A histogram of durations with fixed buckets, updated without locks.
class LatencyHistogram {
 public:
  // Upper bounds of the buckets, in seconds (Prometheus `le`), ascending.
  using Bounds = std::array<double, 12>;
  // For command latencies: half a millisecond to five seconds.
  static constexpr Bounds kCommandBounds = {
      0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 5.0};
  // For the deadline scheduler's lag: a second to a day (after downtime).
  static constexpr Bounds kLagBounds = {0.01, 0.1, 0.5,  1,    5,     30,
                                        60,   300, 1800, 3600, 21600, 86400};

  explicit LatencyHistogram(const Bounds& bounds = kCommandBounds)
      : bounds_(bounds) {}

  void Observe(absl::Duration latency);
  // Appends the Prometheus text of the histogram named `name`.
  void Render(const std::string& name, const std::string& help,
              std::string& out) const;

 private:
  const Bounds bounds_;
  std::array<std::atomic<uint64_t>, std::tuple_size_v<Bounds> + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

// What the daemon counts as it runs. Every member may be updated from any
// thread.
struct ServerMetrics {
  std::atomic<uint64_t> commands_accepted{0};
  std::atomic<uint64_t> commands_refused{0};
  std::atomic<uint64_t> commands_rejected_queue_full{0};
  // Commands a follower sent on to the leader (services/server/forwarder.h).
  std::atomic<uint64_t> commands_forwarded{0};
  // With a leader lease: 1 while this server leads, and the lease's epoch
  // as last seen (-1: no lease, the server writes alone).
  std::atomic<int64_t> leader{1};
  std::atomic<int64_t> leader_epoch{-1};
  LatencyHistogram command_latency;  // from arrival to the answer
  std::atomic<int64_t> watch_subscribers{0};
  // Streams ended because the subscriber did not take its events.
  std::atomic<uint64_t> slow_subscribers_ended{0};
  // The deadline scheduler: thresholds recorded, from due to recorded.
  std::atomic<uint64_t> thresholds_reached{0};
  std::atomic<uint64_t> scheduler_failures{0};
  LatencyHistogram scheduler_lag{LatencyHistogram::kLagBounds};
  // Dossiers whose due times were recomputed after a rules change.
  std::atomic<uint64_t> due_times_changed{0};
};

// What the daemon's parts report at one scrape: gathered by the server's
// wiring (the store's counts, the writer, the checkpointer, the webhooks),
// rendered by RenderPrometheus.
struct Snapshot {
  struct StateCount {
    std::string agency;
    std::string state;  // the engine's name: "PROCESSING"
    int64_t count = 0;
  };
  struct AgencyCount {
    std::string agency;
    int64_t count = 0;
  };
  struct Webhook {
    std::string name;
    int64_t backlog = 0;  // sequences not yet acknowledged
    uint64_t failures = 0;
  };
  // Empty when the store could not count them.
  std::vector<StateCount> dossiers;
  std::vector<AgencyCount> overdue_dossiers;
  // The writer's.
  uint64_t commit_batches = 0;
  uint64_t committed_commands = 0;
  uint64_t appended_events = 0;
  uint64_t storage_full_commands = 0;
  bool store_writable = true;
  int64_t log_head_sequence = 0;
  // The newest signed checkpoint's; 0 when none.
  int64_t checkpoint_sequence = 0;
  int64_t checkpoint_time_seconds = 0;
  bool log_damaged = false;
  // With postgres_read_url: whether the standby and the primary answered
  // the lag's measure, and the lag.
  bool postgres_replica = false;
  bool replica_up = false;
  int64_t replica_lag_bytes = 0;
  double replica_lag_seconds = 0;
  std::vector<Webhook> webhooks;  // in configuration order
};

// The Prometheus text (version 0.0.4) of the daemon: `counters` and
// `snapshot`, every metric docs/operations.md lists.
std::string RenderPrometheus(const ServerMetrics& counters,
                             const Snapshot& snapshot);

// Appends a sample line `name{labels} value` in Prometheus text format;
// `labels` is already formatted (`agency="x",state="y"`) or empty.
void AppendSample(const std::string& name, const std::string& labels,
                  double value, std::string& out);
// A metric with one unlabelled sample: its `# HELP` and `# TYPE` lines and
// `name value`. `type` is "counter" or "gauge".
void AppendSingle(const std::string& name, const std::string& help,
                  const std::string& type, double value, std::string& out);

// `# HELP` and `# TYPE` lines.
void AppendHeader(const std::string& name, const std::string& help,
                  const std::string& type, std::string& out);
// A label value with \, " and newlines escaped.
std::string EscapeLabel(const std::string& value);

}  // namespace motcua::metrics

#endif  // MOTCUA_SERVICES_METRICS_METRICS_H_
