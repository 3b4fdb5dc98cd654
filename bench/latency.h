#ifndef MOTCUA_BENCH_LATENCY_H_
#define MOTCUA_BENCH_LATENCY_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace motcua::bench {

// The percentiles every benchmark tool reports, in milliseconds.
struct LatencySummary {
  int64_t count = 0;
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

// Latency samples at microsecond resolution. Not thread-safe: the caller
// guards it.
class LatencySamples {
 public:
  void Add(absl::Duration latency);
  void Merge(const LatencySamples& other);
  int64_t count() const { return static_cast<int64_t>(micros_.size()); }

  // Nearest-rank percentiles; all zero when there is no sample.
  LatencySummary Summarize() const;

 private:
  std::vector<uint32_t> micros_;
};

nlohmann::json ToJson(const LatencySummary& summary);

// "p50 1.23 ms  p90 ...": the line a person reads.
std::string FormatSummary(const LatencySummary& summary);

// The median of `values` (the mean of the two middle ones for an even
// count); zero when empty.
double Median(std::vector<double> values);

}  // namespace motcua::bench

#endif  // MOTCUA_BENCH_LATENCY_H_
