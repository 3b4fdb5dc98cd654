// motcua_load: drives motcuad (and, with --ceiling, a do-nothing server of
// the same service in this process) with a realistic mix of durable
// commands from an asynchronous gRPC client, and reports throughput and
// latency percentiles, overall and per kind, for a person and as one JSON
// line starting with "RESULT ".
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/load_client.h"
#include "bench/null_dossiers.h"
#include "bench/workload.h"
#include "engine/rules.h"
#include "services/rules_files/rules_files.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;

struct Flags {
  std::string address;
  std::string token;
  std::string token_file;
  std::string rules = MOTCUA_RULES_DIR;
  int in_flight = 64;
  int channels = 4;
  int64_t open = 10000;
  double warmup_seconds = 2;
  double duration_seconds = 10;
  std::string mix;
  int agencies = 50;
  uint64_t seed = 1;
  bool ceiling = false;
  bool ceiling_only = false;
  bool no_request_ids = false;
  std::string json_file;
};

// "L20261123T110503-1a2b-": unique per run and per target.
std::string CodePrefix(char target) {
  return absl::StrFormat(
      "%c%s-%x-", target,
      absl::FormatTime("%Y%m%dT%H%M%S", absl::Now(), absl::UTCTimeZone()),
      getpid());
}

struct TargetResult {
  motcua::bench::LoadFigures figures;
  motcua::bench::PresubmitFigures presubmit;
  motcua::bench::ReplyByKind samples;
};

std::optional<TargetResult> Drive(const std::string& name,
                                  const std::string& address,
                                  const std::string& token, char prefix,
                                  const Flags& flags,
                                  const motcua::RuleSet& rules,
                                  const motcua::bench::CommandMix& mix) {
  absl::StatusOr<std::vector<std::unique_ptr<motcua::v1::Dossiers::Stub>>>
      stubs = motcua::bench::ConnectStubs(address, flags.channels,
                                          absl::Seconds(10));
  if (!stubs.ok()) {
    std::cerr << "motcua_load: " << name << ": " << stubs.status().message()
              << "\n";
    return std::nullopt;
  }
  motcua::bench::WorkingSet working_set(
      CodePrefix(prefix), motcua::bench::ProceduresInForce(rules, absl::Now()),
      motcua::bench::AgencyNames(flags.agencies), mix, flags.seed);
  motcua::bench::LoadOptions options;
  options.in_flight = flags.in_flight;
  options.request_ids = !flags.no_request_ids;
  motcua::bench::LoadClient client(*std::move(stubs), token, options,
                                   std::move(working_set));

  TargetResult result;
  result.presubmit = client.Presubmit(flags.open);
  std::cout << absl::StreamFormat(
                   "%s: presubmitted %d dossiers in %.1f s (%.0f/s)%s\n", name,
                   result.presubmit.accepted,
                   absl::ToDoubleSeconds(result.presubmit.took),
                   result.presubmit.accepted /
                       std::max(1e-9,
                                absl::ToDoubleSeconds(result.presubmit.took)),
                   result.presubmit.failed == 0
                       ? std::string()
                       : absl::StrCat("; ", result.presubmit.failed,
                                      " failed, the first: ",
                                      result.presubmit.first_failure))
            << std::flush;  // bench/run.sh waits for this line
  result.figures = client.Run(absl::Seconds(flags.warmup_seconds),
                              absl::Seconds(flags.duration_seconds));
  result.samples = client.SampleReplies();
  std::cout << absl::StreamFormat(
                   "%s: %d in flight over %d channels, %.1f s measured, %d "
                   "dossiers open at the end\n",
                   name, flags.in_flight, flags.channels,
                   result.figures.seconds, client.open_dossiers())
            << motcua::bench::FormatFigures(result.figures) << std::flush;
  return result;
}

nlohmann::json PresubmitJson(const motcua::bench::PresubmitFigures& figures) {
  const double seconds = absl::ToDoubleSeconds(figures.took);
  return {{"accepted", figures.accepted},
          {"failed", figures.failed},
          {"seconds", seconds},
          {"per_second", seconds > 0 ? figures.accepted / seconds : 0}};
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil checks every Mutex acquisition for lock-order cycles
  // (GraphCycles in the profile): a debugging aid this tool cannot afford
  // on two cores shared with the server it measures.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{
      "motcua_load: asynchronous gRPC load of durable commands against "
      "motcuad, with a transport ceiling"};
  Flags flags;
  app.add_option("--address", flags.address, "motcuad's host:port");
  app.add_option("--token", flags.token, "bearer token");
  app.add_option("--token-file", flags.token_file,
                 "file holding the token (motcuad's <data-dir>/dev-token)");
  app.add_option("--rules", flags.rules,
                 "rules directory: the procedures in force and their steps")
      ->capture_default_str();
  app.add_option("--in-flight", flags.in_flight, "commands outstanding")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--channels", flags.channels,
                 "gRPC channels (TCP connections)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--open", flags.open,
                 "dossiers submitted before the mix starts (not measured)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{100000000}));
  app.add_option("--warmup", flags.warmup_seconds, "seconds of unmeasured mix")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--duration", flags.duration_seconds,
                 "seconds of measured mix")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--mix", flags.mix,
                 "weights, e.g. submit=19,hand_over=37,request_supplement=3,"
                 "receive_supplement=3,resolve=19,return_result=19 (the "
                 "default)");
  app.add_option("--agencies", flags.agencies, "agencies submitted to")
      ->capture_default_str()
      ->check(CLI::Range(1, 60000));
  app.add_option("--seed", flags.seed, "random seed")->capture_default_str();
  app.add_flag("--ceiling", flags.ceiling,
               "after the target, drive a do-nothing server of the same "
               "service in this process with the same settings and the "
               "target's replies, and report the ratio");
  app.add_flag("--ceiling-only", flags.ceiling_only,
               "drive only the do-nothing server (synthetic replies)");
  app.add_flag("--no-request-ids", flags.no_request_ids,
               "send commands without a request_id");
  app.add_option("--json", flags.json_file, "also write the JSON here");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  if (flags.address.empty() && !flags.ceiling_only) {
    std::cerr << "motcua_load: give --address (or --ceiling-only)\n";
    return kExitBadInput;
  }
  if (!flags.token_file.empty()) {
    std::ifstream file(flags.token_file);
    std::stringstream content;
    content << file.rdbuf();
    if (!file) {
      std::cerr << "motcua_load: cannot read " << flags.token_file << "\n";
      return kExitBadInput;
    }
    flags.token = std::string(absl::StripAsciiWhitespace(content.str()));
  }
  absl::StatusOr<motcua::bench::CommandMix> mix =
      motcua::bench::ParseMix(flags.mix);
  if (!mix.ok()) {
    std::cerr << "motcua_load: " << mix.status().message() << "\n";
    return kExitBadInput;
  }
  motcua::RuleLoadResult loaded = motcua::LoadRulesFromDirectory(flags.rules);
  if (!loaded.errors.empty()) {
    std::cerr << "motcua_load: rules in " << flags.rules << ": "
              << loaded.errors.front().ToString() << "\n";
    return kExitBadInput;
  }
  if (motcua::bench::ProceduresInForce(*loaded.rules, absl::Now()).empty()) {
    std::cerr << "motcua_load: no procedure of " << flags.rules
              << " is in force now\n";
    return kExitBadInput;
  }

  nlohmann::json json;
  json["tool"] = "motcua_load";
  json["in_flight"] = flags.in_flight;
  json["channels"] = flags.channels;
  json["open"] = flags.open;
  json["warmup_s"] = flags.warmup_seconds;
  json["duration_s"] = flags.duration_seconds;
  json["request_ids"] = !flags.no_request_ids;

  motcua::bench::ReplyByKind replies = motcua::bench::SyntheticReplies();
  std::optional<TargetResult> target;
  if (!flags.ceiling_only) {
    target = Drive("motcuad", flags.address, flags.token, 'L', flags,
                   *loaded.rules, *mix);
    if (!target.has_value()) return kExitFailed;
    json["target"] = motcua::bench::ToJson(target->figures);
    json["target"]["presubmit"] = PresubmitJson(target->presubmit);
    json["address"] = flags.address;
    // The ceiling answers with the target's own replies, where seen.
    for (int kind = 0; kind < motcua::bench::kCommandKindCount; ++kind) {
      if (target->samples[kind].has_dossier()) {
        replies[kind] = target->samples[kind];
      }
    }
  }
  if (flags.ceiling || flags.ceiling_only) {
    absl::StatusOr<std::unique_ptr<motcua::bench::NullDossiersServer>> null =
        motcua::bench::NullDossiersServer::Start(replies);
    if (!null.ok()) {
      std::cerr << "motcua_load: " << null.status().message() << "\n";
      return kExitFailed;
    }
    std::optional<TargetResult> ceiling =
        Drive("ceiling", absl::StrCat("127.0.0.1:", (*null)->port()), "ceiling",
              'C', flags, *loaded.rules, *mix);
    if (!ceiling.has_value()) return kExitFailed;
    json["ceiling"] = motcua::bench::ToJson(ceiling->figures);
    json["ceiling"]["presubmit"] = PresubmitJson(ceiling->presubmit);
    if (target.has_value() && ceiling->figures.overall.per_second > 0) {
      const double ratio = target->figures.overall.per_second /
                           ceiling->figures.overall.per_second;
      json["ratio_to_ceiling"] = ratio;
      std::cout << absl::StreamFormat(
          "motcuad / transport ceiling: %.0f/s / %.0f/s = %.3f\n",
          target->figures.overall.per_second,
          ceiling->figures.overall.per_second, ratio);
    }
  }
  const std::string line = json.dump();
  std::cout << "RESULT " << line << std::endl;
  if (!flags.json_file.empty()) {
    std::ofstream out(flags.json_file);
    out << line << "\n";
    if (!out) {
      std::cerr << "motcua_load: cannot write " << flags.json_file << "\n";
      return kExitFailed;
    }
  }
  const bool failed =
      target.has_value() && target->figures.overall.accepted == 0;
  return failed ? kExitFailed : kExitOk;
}
