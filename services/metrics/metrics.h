#ifndef MOTCUA_SERVICES_METRICS_METRICS_H_
#define MOTCUA_SERVICES_METRICS_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/time/time.h"

namespace motcua::metrics {

// A latency histogram with fixed buckets, updated without locks.
class LatencyHistogram {
 public:
  // Upper bounds of the buckets, in seconds (Prometheus `le`).
  static constexpr std::array<double, 12> kBounds = {
      0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
      0.05,   0.1,   0.2,   0.5,   1.0,  5.0};

  void Observe(absl::Duration latency);
  // Appends the Prometheus text of the histogram named `name`.
  void Render(const std::string& name, const std::string& help,
              std::string& out) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

// What the daemon counts as it runs. Every member may be updated from any
// thread.
struct ServerMetrics {
  std::atomic<uint64_t> commands_accepted{0};
  std::atomic<uint64_t> commands_refused{0};
  std::atomic<uint64_t> commands_rejected_queue_full{0};
  LatencyHistogram command_latency;  // from arrival to the answer
  std::atomic<int64_t> watch_subscribers{0};
};

// Appends a sample line `name{labels} value` in Prometheus text format;
// `labels` is already formatted (`agency="x",state="y"`) or empty.
void AppendSample(const std::string& name, const std::string& labels,
                  double value, std::string& out);
// `# HELP` and `# TYPE` lines.
void AppendHeader(const std::string& name, const std::string& help,
                  const std::string& type, std::string& out);
// A label value with \, " and newlines escaped.
std::string EscapeLabel(const std::string& value);

}  // namespace motcua::metrics

#endif  // MOTCUA_SERVICES_METRICS_METRICS_H_
