// Fuzzes the rule loader (engine/rules.h, LoadRules) with the text of a rules
// directory, then uses what it accepted the way the server does: a due time,
// the step budgets and every escalation threshold of each procedure version.
//
// An input is one or more files: a line "#file: <path>" starts each (a YAML
// comment, so a single rule file is also an input as it stands); text before
// the first such line is a file named "input.yaml".

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/rules.h"
#include "engine/time_limit.h"

namespace {

constexpr absl::string_view kFileMarker = "#file: ";
constexpr size_t kMaxFiles = 16;

std::vector<motcua::RuleSource> SplitFiles(absl::string_view text) {
  std::vector<motcua::RuleSource> files;
  motcua::RuleSource current{"input.yaml", ""};
  bool started = false;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const absl::string_view line =
        end == absl::string_view::npos ? text : text.substr(0, end + 1);
    text.remove_prefix(line.size());
    if (absl::StartsWith(line, kFileMarker) && files.size() < kMaxFiles) {
      if (started || !current.content.empty()) {
        files.push_back(std::move(current));
      }
      absl::string_view path = line.substr(kFileMarker.size());
      if (absl::EndsWith(path, "\n")) path.remove_suffix(1);
      current = motcua::RuleSource{std::string(path), ""};
      started = true;
      continue;
    }
    current.content.append(line.data(), line.size());
  }
  if (started || !current.content.empty()) files.push_back(std::move(current));
  return files;
}

// What a Submit would compute with a loaded procedure version.
void Exercise(const motcua::ProcedureVersion& version) {
  const motcua::Calendar& calendar = *version.calendar;
  const absl::Time received =
      calendar.FromLocal(absl::CivilSecond(version.effective_from) + 9 * 3600);
  absl::StatusOr<absl::Time> start =
      motcua::StartOfClock(calendar, received, version.limit.cutoff_second);
  if (!start.ok()) return;
  absl::StatusOr<absl::Time> due =
      motcua::DueFromStart(calendar, version.limit, *start);
  if (!due.ok()) return;
  for (const motcua::ProcedureStep& step : version.steps) {
    (void)motcua::DueFromStart(calendar, step.budget, *start);
  }
  for (const motcua::EscalationThreshold& threshold :
       version.ladder->thresholds) {
    (void)motcua::ThresholdTime(calendar, threshold.at, *start, *due);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  motcua::RuleLoadResult result = motcua::LoadRules(SplitFiles(text));
  if (result.rules == nullptr) return 0;
  for (const auto& [code, versions] : result.rules->procedures()) {
    for (const motcua::ProcedureVersion& version : versions) Exercise(version);
  }
  return 0;
}
