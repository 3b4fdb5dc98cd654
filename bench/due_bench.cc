// The cost of one due-time computation with the shipped calendar (target:
// under 2 microseconds), and of the calendar operations beneath it.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <vector>

#include "engine/rules.h"
#include "engine/time_format.h"
#include "engine/time_limit.h"
#include "services/rules_files/rules_files.h"

namespace {

const motcua::RuleSet& Rules() {
  static const motcua::RuleSet* rules = [] {
    motcua::RuleLoadResult loaded =
        motcua::LoadRulesFromDirectory(MOTCUA_RULES_DIR);
    if (!loaded.errors.empty()) {
      std::cerr << loaded.errors.front().ToString() << "\n";
      std::abort();
    }
    return loaded.rules.release();
  }();
  return *rules;
}

// Receipt instants spread over 2025 at odd minutes, weekends and nights
// included, so that every branch of the start rule is taken.
std::vector<absl::Time> Receipts() {
  std::vector<absl::Time> receipts;
  const absl::Time first = absl::FromUnixSeconds(1735689600);  // 2025-01-01Z
  for (int i = 0; i < 4096; ++i) {
    receipts.push_back(first + absl::Minutes(i * 127));
  }
  return receipts;
}

void DueTime(benchmark::State& state, const char* limit_text,
             const char* cutoff) {
  const motcua::Calendar& calendar = *Rules().FindCalendar("vn-public-sector");
  motcua::TimeLimit limit = *motcua::ParseTimeLimit(limit_text);
  if (cutoff != nullptr) limit.cutoff_second = *motcua::ParseClockTime(cutoff);
  const std::vector<absl::Time> receipts = Receipts();
  size_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<absl::Time> due =
        motcua::ComputeDue(calendar, limit, receipts[i++ & 4095]);
    benchmark::DoNotOptimize(due);
  }
}
BENCHMARK_CAPTURE(DueTime, 3wd, "3wd", nullptr);
BENCHMARK_CAPTURE(DueTime, 16wh, "16wh", nullptr);
BENCHMARK_CAPTURE(DueTime, 15cd, "15cd", nullptr);
BENCHMARK_CAPTURE(DueTime, same_day_cutoff, "same-day", "15:00");

void ProcedureDueTime(benchmark::State& state) {
  const std::vector<absl::Time> receipts = Receipts();
  size_t i = 0;
  for (auto _ : state) {
    const absl::Time received = receipts[i++ & 4095];
    absl::StatusOr<const motcua::ProcedureVersion*> procedure =
        Rules().FindProcedure("2.000635", received + absl::Hours(24 * 200));
    absl::StatusOr<absl::Time> due =
        motcua::ComputeDue(*(*procedure)->calendar, (*procedure)->limit,
                           received + absl::Hours(24 * 200));
    benchmark::DoNotOptimize(due);
  }
}
BENCHMARK(ProcedureDueTime);

void WorkingTimeBetween(benchmark::State& state) {
  const motcua::Calendar& calendar = *Rules().FindCalendar("vn-public-sector");
  const std::vector<absl::Time> receipts = Receipts();
  size_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<absl::Duration> elapsed = calendar.WorkingTimeBetween(
        receipts[i & 4095], receipts[(i + 1000) & 4095]);
    ++i;
    benchmark::DoNotOptimize(elapsed);
  }
}
BENCHMARK(WorkingTimeBetween);

}  // namespace

BENCHMARK_MAIN();
