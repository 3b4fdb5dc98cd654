#include "services/metrics/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace motcua::metrics {

void LatencyHistogram::Observe(absl::Duration latency) {
  const double seconds = absl::ToDoubleSeconds(latency);
  size_t bucket = 0;
  while (bucket < bounds_.size() && seconds > bounds_[bucket]) ++bucket;
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(
      static_cast<uint64_t>(absl::ToInt64Microseconds(latency)),
      std::memory_order_relaxed);
}

void LatencyHistogram::Render(const std::string& name, const std::string& help,
                              std::string& out) const {
  AppendHeader(name, help, "histogram", out);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    AppendSample(name + "_bucket", absl::StrFormat("le=\"%g\"", bounds_[i]),
                 static_cast<double>(cumulative), out);
  }
  cumulative += buckets_[bounds_.size()].load(std::memory_order_relaxed);
  AppendSample(name + "_bucket", "le=\"+Inf\"", static_cast<double>(cumulative),
               out);
  AppendSample(name + "_sum", "",
               sum_micros_.load(std::memory_order_relaxed) / 1e6, out);
  AppendSample(name + "_count", "",
               static_cast<double>(count_.load(std::memory_order_relaxed)),
               out);
}

void AppendSample(const std::string& name, const std::string& labels,
                  double value, std::string& out) {
  absl::StrAppend(&out, name);
  if (!labels.empty()) absl::StrAppend(&out, "{", labels, "}");
  absl::StrAppend(&out, " ", absl::StrFormat("%.17g", value), "\n");
}

void AppendSingle(const std::string& name, const std::string& help,
                  const std::string& type, double value, std::string& out) {
  AppendHeader(name, help, type, out);
  AppendSample(name, "", value, out);
}

void AppendHeader(const std::string& name, const std::string& help,
                  const std::string& type, std::string& out) {
  absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ",
                  type, "\n");
}

std::string EscapeLabel(const std::string& value) {
  std::string escaped;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      escaped.push_back('\\');
      escaped.push_back(c);
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped.push_back(c);
    }
  }
  return escaped;
}

}  // namespace motcua::metrics
