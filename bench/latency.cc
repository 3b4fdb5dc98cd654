#include "bench/latency.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_format.h"

namespace motcua::bench {

void LatencySamples::Add(absl::Duration latency) {
  const int64_t micros = absl::ToInt64Microseconds(latency);
  micros_.push_back(static_cast<uint32_t>(
      std::clamp<int64_t>(micros, 0, std::numeric_limits<uint32_t>::max())));
}

void LatencySamples::Merge(const LatencySamples& other) {
  micros_.insert(micros_.end(), other.micros_.begin(), other.micros_.end());
}

LatencySummary LatencySamples::Summarize() const {
  LatencySummary summary;
  summary.count = count();
  if (micros_.empty()) return summary;
  std::vector<uint32_t> sorted = micros_;
  std::sort(sorted.begin(), sorted.end());
  // Nearest rank: the smallest sample with at least p of the samples at or
  // below it.
  auto at = [&](double p) {
    size_t rank = static_cast<size_t>(p * static_cast<double>(sorted.size()));
    if (static_cast<double>(rank) < p * static_cast<double>(sorted.size())) {
      ++rank;
    }
    rank = std::clamp<size_t>(rank, 1, sorted.size());
    return sorted[rank - 1] / 1000.0;
  };
  summary.p50_ms = at(0.50);
  summary.p90_ms = at(0.90);
  summary.p99_ms = at(0.99);
  summary.max_ms = sorted.back() / 1000.0;
  return summary;
}

nlohmann::json ToJson(const LatencySummary& summary) {
  return nlohmann::json{{"count", summary.count},
                        {"p50_ms", summary.p50_ms},
                        {"p90_ms", summary.p90_ms},
                        {"p99_ms", summary.p99_ms},
                        {"max_ms", summary.max_ms}};
}

std::string FormatSummary(const LatencySummary& summary) {
  return absl::StrFormat(
      "p50 %7.3f ms  p90 %7.3f ms  p99 %7.3f ms  max %8.3f ms", summary.p50_ms,
      summary.p90_ms, summary.p99_ms, summary.max_ms);
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  if (values.size() % 2 == 1) return values[middle];
  return (values[middle - 1] + values[middle]) / 2;
}

}  // namespace motcua::bench
