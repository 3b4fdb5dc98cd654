// motcua_query: latency of supervision reads through gRPC on a filled store:
// the first page of ListOverdue with filters, the overdue counts per agency
// (CountOverdue, and the Report RPC grouped by agency). One request at a
// time, as a supervisor's screen asks; percentiles over many requests.
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/latency.h"
#include "bench/workload.h"
#include "motcua/v1/service.grpc.pb.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;

using SteadyClock = std::chrono::steady_clock;

struct QueryFigures {
  motcua::bench::LatencySummary latency;
  int64_t failed = 0;
  double mean_rows = 0;  // entries (or report rows) per answer
  std::string first_failure;
};

// Runs `query` `warmup` times unmeasured, then `count` times, one at a
// time. `query` returns the rows of its answer, or a failed status.
QueryFigures Measure(int warmup, int count,
                     const std::function<grpc::Status(int, int64_t*)>& query) {
  QueryFigures figures;
  motcua::bench::LatencySamples samples;
  int64_t rows_total = 0;
  for (int i = 0; i < warmup + count; ++i) {
    int64_t rows = 0;
    const auto begun = SteadyClock::now();
    const grpc::Status status = query(i, &rows);
    const auto took = SteadyClock::now() - begun;
    if (i < warmup) continue;
    if (!status.ok()) {
      if (++figures.failed == 1) {
        figures.first_failure =
            absl::StrCat(status.error_code(), ": ", status.error_message());
      }
      continue;
    }
    samples.Add(absl::FromChrono(took));
    rows_total += rows;
  }
  figures.latency = samples.Summarize();
  if (samples.count() > 0) {
    figures.mean_rows = static_cast<double>(rows_total) / samples.count();
  }
  return figures;
}

void Authorize(grpc::ClientContext& context, const std::string& token) {
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"motcua_query: supervision read latency through gRPC"};
  std::string address;
  std::string token_file;
  int agencies = 10;
  int requests = 300;
  int report_requests = 20;
  int warmup = 20;
  int page_size = 50;
  std::string procedure = "local.khai-sinh";
  std::string json_file;
  bool skip_report = false;
  app.add_option("--address", address, "motcuad's host:port")->required();
  app.add_option("--token-file", token_file, "file holding the token")
      ->required();
  app.add_option("--agencies", agencies,
                 "filter by each of the first N agencies in turn "
                 "(ubnd-phuong-001 ..., as motcua_fill names them)")
      ->capture_default_str()
      ->check(CLI::Range(1, 60000));
  app.add_option("--requests", requests, "measured requests per query")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  app.add_option("--report-requests", report_requests,
                 "measured requests of the report (it sums every day of "
                 "history: slower)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  app.add_option("--warmup", warmup, "unmeasured requests per query first")
      ->capture_default_str();
  app.add_option("--page-size", page_size, "ListOverdue page size")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--procedure", procedure,
                 "procedure filter of the agency+procedure query")
      ->capture_default_str();
  app.add_flag("--skip-report", skip_report,
               "ListOverdue only (to profile it alone)");
  app.add_option("--json", json_file, "also write the JSON here");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  std::ifstream file(token_file);
  std::stringstream content;
  content << file.rdbuf();
  if (!file) {
    std::cerr << "motcua_query: cannot read " << token_file << "\n";
    return kExitBadInput;
  }
  const std::string token(absl::StripAsciiWhitespace(content.str()));
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 std::chrono::seconds(10))) {
    std::cerr << "motcua_query: could not connect to " << address << "\n";
    return kExitFailed;
  }
  auto supervision = motcua::v1::Supervision::NewStub(channel);
  const std::vector<std::string> names = motcua::bench::AgencyNames(agencies);

  nlohmann::json json;
  json["tool"] = "motcua_query";
  json["requests"] = requests;
  json["report_requests"] = report_requests;
  json["page_size"] = page_size;
  json["agencies"] = agencies;
  bool any_failed = false;
  auto report = [&](const std::string& name, const QueryFigures& figures) {
    nlohmann::json entry = motcua::bench::ToJson(figures.latency);
    entry["failed"] = figures.failed;
    entry["mean_rows"] = figures.mean_rows;
    json["queries"][name] = entry;
    std::cout << absl::StreamFormat(
        "%-34s %s  rows %6.1f%s\n", name,
        motcua::bench::FormatSummary(figures.latency), figures.mean_rows,
        figures.failed == 0 ? std::string()
                            : absl::StrCat("  FAILED ", figures.failed, ": ",
                                           figures.first_failure));
    any_failed = any_failed || figures.failed > 0;
  };

  auto list_overdue = [&](const std::string& agency_filter,
                          const std::string& procedure_filter) {
    return [&, agency_filter, procedure_filter](int i, int64_t* rows) {
      grpc::ClientContext context;
      Authorize(context, token);
      motcua::v1::OverdueRequest request;
      request.set_agency(agency_filter.empty() ? std::string()
                                               : names[i % names.size()]);
      request.set_procedure_code(procedure_filter);
      request.set_page_size(page_size);
      motcua::v1::OverdueReply reply;
      grpc::Status status = supervision->ListOverdue(&context, request, &reply);
      *rows = reply.entries_size();
      return status;
    };
  };
  report("list_overdue_first_page_agency",
         Measure(warmup, requests, list_overdue("agency", "")));
  report("list_overdue_first_page_agency_procedure",
         Measure(warmup, requests, list_overdue("agency", procedure)));
  report("list_overdue_first_page_no_filter",
         Measure(warmup, requests, list_overdue("", "")));

  // Overdue counts per agency now (CountOverdue): one agency in turn (rows:
  // 1), then every agency at once (rows: the agencies with any).
  int64_t overdue_counted = 0;
  auto count_overdue = [&](bool one_agency) {
    return [&, one_agency](int i, int64_t* rows) {
      grpc::ClientContext context;
      Authorize(context, token);
      motcua::v1::CountOverdueRequest request;
      if (one_agency) request.set_agency(names[i % names.size()]);
      motcua::v1::CountOverdueReply reply;
      grpc::Status status =
          supervision->CountOverdue(&context, request, &reply);
      *rows = reply.agencies_size();
      if (!one_agency) overdue_counted = reply.dossiers();
      return status;
    };
  };
  report("count_overdue_one_agency",
         Measure(warmup, requests, count_overdue(true)));
  report("count_overdue_all_agencies",
         Measure(warmup, requests, count_overdue(false)));
  json["overdue_dossiers_counted"] = overdue_counted;
  std::cout << "overdue dossiers now per CountOverdue: " << overdue_counted
            << "\n";

  // The same per agency from the report of the last month grouped by
  // agency (pending_overdue and paused_overdue per row): it sums every day
  // of history.
  if (skip_report) report_requests = 0;
  const absl::TimeZone vietnam = absl::FixedTimeZone(7 * 3600);
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), vietnam);
  const std::string to_day = absl::FormatCivilTime(today);
  const std::string from_day = absl::FormatCivilTime(today - 30);
  int64_t overdue_total = 0;
  if (report_requests > 0) {
    report(
        "overdue_counts_per_agency_report",
        Measure(std::min(warmup, 2), report_requests, [&](int, int64_t* rows) {
          grpc::ClientContext context;
          Authorize(context, token);
          motcua::v1::ReportRequest request;
          request.set_from_day(from_day);
          request.set_to_day(to_day);
          request.set_group_by(motcua::v1::ReportRequest::GROUP_BY_AGENCY);
          request.set_count_at(motcua::v1::ReportRequest::COUNT_AT_RESOLUTION);
          motcua::v1::ReportReply reply;
          grpc::Status status = supervision->Report(&context, request, &reply);
          *rows = reply.rows_size();
          overdue_total =
              reply.total().pending_overdue() + reply.total().paused_overdue();
          return status;
        }));
    json["overdue_total_in_report"] = overdue_total;
    std::cout << "overdue now per the report (pending + paused): "
              << overdue_total << "\n";
  }

  const std::string line = json.dump();
  std::cout << "RESULT " << line << std::endl;
  if (!json_file.empty()) {
    std::ofstream out(json_file);
    out << line << "\n";
    if (!out) return kExitFailed;
  }
  return any_failed ? kExitFailed : kExitOk;
}
