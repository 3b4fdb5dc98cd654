// Runs the real `motcua` client against the real `motcuad`, each as a
// subprocess: a daemon per test on 127.0.0.1:0 with a temporary data
// directory and the shipped rules, its development token read from the
// file it writes.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "services/access/access.h"
#include "tests/cli/subprocess.h"

namespace {

namespace fs = std::filesystem;
using motcua_test::BackgroundProcess;
using motcua_test::Binary;
using motcua_test::BinaryDir;
using motcua_test::Contains;
using motcua_test::Environment;
using motcua_test::Lines;
using motcua_test::ReadFile;
using motcua_test::Result;
using motcua_test::RunMotcua;
using motcua_test::SourceDir;
using motcua_test::TempDir;

// A Tuesday without holidays, long enough ago that the dossier is overdue:
// 2.000635 is due the same day at 17:00 (07:00-11:30, 13:30-17:00).
constexpr char kReceived[] = "2026-03-10T07:00:00+07:00";
constexpr char kDue[] = "2026-03-10T17:00:00+07:00";
constexpr char kCode[] = "HS-2026-0001";
// Every threshold of the standard ladder, for the dossier and for its
// receipt step, fell due long ago: the first action after the receipt
// records all ten before its own event.
constexpr int kPastThresholds = 10;
// The sequence (and version) of that first action's event.
const std::string kFirstAction = std::to_string(kPastThresholds + 2);

std::string Daemon() { return BinaryDir() + "/services/server/motcuad"; }

// The port in motcuad's "listening on port N" line, or 0 before it.
int ListeningPort(const std::string& out) {
  for (const std::string& line : Lines(out)) {
    absl::string_view rest = line;
    int port = 0;
    if (absl::ConsumePrefix(&rest, "listening on port ") &&
        absl::SimpleAtoi(rest, &port)) {
      return port;
    }
  }
  return 0;
}

// One motcuad for each test; every call goes to it with the development
// token, through the flags.
class ClientTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(SourceDir().empty()) << "MOTCUA_SOURCE_DIR is not set";
    ASSERT_TRUE(fs::exists(Binary())) << Binary();
    ASSERT_TRUE(fs::exists(Daemon())) << Daemon();
    StartDaemon();
  }

  void TearDown() override {
    if (daemon_ != nullptr) {
      EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->err();
    }
  }

  void StartDaemon() {
    const fs::path data = directory_.path() / "data";
    // The receipts here lie months before the real clock: a backdating
    // bound beyond the calendar takes them as they were received (the bound
    // itself is tested in tests/services/backdate_test.cc and below).
    const fs::path config = directory_.path() / "motcuad.yaml";
    std::ofstream(config) << "max_receipt_backdate: " << backdate_bound_
                          << "\n";
    daemon_ = std::make_unique<BackgroundProcess>(
        Daemon(),
        // The dossiers here are long overdue on the real clock: without the
        // scheduler their thresholds are recorded by the first action,
        // never between two calls, so versions stay exact.
        std::vector<std::string>{"--config", config.string(), "--listen",
                                 "127.0.0.1:0", "--data-dir", data.string(),
                                 "--rules", SourceDir() + "/rules",
                                 "--no-deadline-scheduler"},
        directory_.path().string());
    ASSERT_TRUE(daemon_->started());
    ASSERT_TRUE(daemon_->WaitForOutput([](const std::string& out) {
      return ListeningPort(out) > 0;
    })) << daemon_->out()
        << daemon_->err();
    address_ = absl::StrCat("127.0.0.1:", ListeningPort(daemon_->out()));
    token_ =
        std::string(absl::StripAsciiWhitespace(ReadFile(data / "dev-token")));
    ASSERT_FALSE(token_.empty());
  }

  // `motcua args... --address A --token T`.
  Result Client(std::vector<std::string> args) const {
    args.insert(args.end(), {"--address", address_, "--token", token_});
    return RunMotcua(args);
  }

  // Submits kCode, received kReceived, and checks it succeeded.
  void Submit() {
    const Result submitted =
        Client({"submit", "--code", kCode, "--procedure", "2.000635",
                "--agency", "ubnd-phuong", "--channel", "in_person",
                "--received", kReceived, "--summary", "test"});
    ASSERT_EQ(submitted.exit_code, 0) << submitted;
  }

  // Expects an RPC error: one line "motcua <command>: <code_name>: ..." and
  // `exit_code`.
  static void ExpectCallError(const Result& result, int exit_code,
                              absl::string_view command,
                              absl::string_view code_name) {
    EXPECT_EQ(result.exit_code, exit_code) << result;
    EXPECT_EQ(result.out, "") << result;
    ASSERT_EQ(result.ErrLines().size(), 1u) << result;
    EXPECT_TRUE(absl::StartsWith(
        result.err, absl::StrCat("motcua ", command, ": ", code_name, ": ")))
        << result;
  }

  std::string backdate_bound_ = "100000cd";
  TempDir directory_;
  std::unique_ptr<BackgroundProcess> daemon_;
  std::string address_;
  std::string token_;
};

TEST_F(ClientTest, SubmitPrintsTheDueTimeFirst) {
  const Result result =
      Client({"submit", "--code", kCode, "--procedure", "2.000635", "--agency",
              "ubnd-phuong", "--channel", "in_person", "--received",
              "2026-03-10T07:00"});  // no offset: +07:00
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(result.err, "") << result;
  ASSERT_FALSE(result.OutLines().empty()) << result;
  EXPECT_EQ(result.OutLines()[0], kDue);
  EXPECT_TRUE(Contains(result.out, absl::StrCat("#1 ", kCode, " v1 ")))
      << result;
  EXPECT_TRUE(Contains(result.out, "state:       RECEIVED (portal status 2)"))
      << result;

  // The same submission again appends nothing.
  const Result again = Client(
      {"submit", "--code", kCode, "--procedure", "2.000635", "--agency",
       "ubnd-phuong", "--channel", "in_person", "--received", kReceived});
  ASSERT_EQ(again.exit_code, 0) << again;
  EXPECT_EQ(again.OutLines().at(0), kDue);
  EXPECT_TRUE(Contains(again.out, "nothing was appended")) << again;
}

TEST_F(ClientTest, GetShowsTheDossierBlock) {
  Submit();
  const Result result = Client({"get", kCode});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(result.err, "") << result;
  const std::vector<std::string> lines = result.OutLines();
  ASSERT_GE(lines.size(), 6u) << result;
  EXPECT_EQ(lines[0], absl::StrCat("dossier:     ", kCode, " (version 1)"));
  EXPECT_EQ(lines[1], "state:       RECEIVED (portal status 2)");
  EXPECT_TRUE(Contains(result.out, absl::StrCat("due:         ", kDue, "\n")))
      << result;
  // Long past the due time: late, in working and in calendar time.
  EXPECT_TRUE(Contains(result.out, "time left:   none: late by ")) << result;
  EXPECT_TRUE(Contains(result.out, " since the due time)\n")) << result;
  EXPECT_TRUE(
      Contains(result.out, "held by:     bo-phan-mot-cua, step receipt"))
      << result;
  EXPECT_TRUE(Contains(result.out, "control sheet:\n  1. receipt held by "))
      << result;
}

TEST_F(ClientTest, HandOverMovesTheDossierToTheNextStep) {
  Submit();
  const Result result =
      Client({"act", kCode, "hand-over", "--note", "complete",
              "--expected-version", "1", "--request-id", "r-1"});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_TRUE(Contains(result.out, absl::StrCat("#", kFirstAction, " ", kCode,
                                                " v", kFirstAction, " ")))
      << result;
  EXPECT_TRUE(
      Contains(result.out, "handed over to phong-tu-phap (step appraisal)"))
      << result;
  EXPECT_TRUE(Contains(result.out, "state:       PROCESSING")) << result;

  const Result json = Client({"get", kCode, "--json"});
  ASSERT_EQ(json.exit_code, 0) << json;
  ASSERT_EQ(json.OutLines().size(), 1u) << json;
  const nlohmann::json dossier = nlohmann::json::parse(json.out);
  EXPECT_EQ(dossier["current_step"], "appraisal");
  EXPECT_EQ(dossier["current_unit"], "phong-tu-phap");
  EXPECT_EQ(dossier["state"], "DOSSIER_STATE_PROCESSING");
  // int64 is a string in proto3 JSON.
  EXPECT_EQ(dossier["version"], kFirstAction);
  ASSERT_EQ(dossier["control_sheet"].size(), 2u) << json;
  EXPECT_EQ(dossier["control_sheet"][0]["late"], true);

  // A stale expected version is refused, and so is an action the lifecycle
  // does not allow now.
  ExpectCallError(
      Client({"act", kCode, "hand-over", "--expected-version", "1"}), 1,
      "act hand-over", "ABORTED");
  ExpectCallError(Client({"act", kCode, "resume"}), 1, "act resume",
                  "FAILED_PRECONDITION");
}

TEST_F(ClientTest, ListAndOverdue) {
  Submit();
  const Result list = Client({"list"});
  ASSERT_EQ(list.exit_code, 0) << list;
  ASSERT_EQ(list.OutLines().size(), 2u) << list;
  EXPECT_TRUE(absl::StartsWith(list.OutLines()[0], "CODE ")) << list;
  EXPECT_TRUE(Contains(list.OutLines()[0], " STATE ")) << list;
  EXPECT_TRUE(absl::StartsWith(list.OutLines()[1], kCode)) << list;
  EXPECT_TRUE(Contains(list.OutLines()[1], "RECEIVED")) << list;

  const Result filtered =
      Client({"list", "--state", "processing", "--all", "--json"});
  ASSERT_EQ(filtered.exit_code, 0) << filtered;
  ASSERT_EQ(filtered.OutLines().size(), 1u) << filtered;
  EXPECT_TRUE(nlohmann::json::parse(filtered.out)["dossiers"].empty())
      << filtered;

  // The receipt step (due 09:00) and the dossier (due 17:00) are both late:
  // a row of each kind, by due time.
  const Result overdue = Client({"overdue"});
  ASSERT_EQ(overdue.exit_code, 0) << overdue;
  ASSERT_EQ(overdue.OutLines().size(), 3u) << overdue;
  EXPECT_TRUE(absl::StartsWith(overdue.OutLines()[0], "CODE ")) << overdue;
  EXPECT_TRUE(Contains(overdue.OutLines()[0], " KIND ")) << overdue;
  EXPECT_TRUE(Contains(overdue.OutLines()[0], " LATE BY ")) << overdue;
  EXPECT_TRUE(absl::StartsWith(overdue.OutLines()[1], kCode)) << overdue;
  EXPECT_TRUE(Contains(overdue.OutLines()[1], " step ")) << overdue;
  EXPECT_TRUE(absl::StartsWith(overdue.OutLines()[2], kCode)) << overdue;
  EXPECT_TRUE(Contains(overdue.OutLines()[2], " dossier ")) << overdue;
  EXPECT_TRUE(Contains(overdue.OutLines()[2], kDue)) << overdue;

  const Result json = Client(
      {"overdue", "--kind", "dossier", "--min-lateness", "8h", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json;
  const nlohmann::json reply = nlohmann::json::parse(json.out);
  ASSERT_EQ(reply["entries"].size(), 1u) << json;
  EXPECT_EQ(reply["entries"][0]["dossier"]["code"], kCode);
  EXPECT_EQ(reply["entries"][0]["unit"], "bo-phan-mot-cua");

  const Result count = Client({"overdue", "--count"});
  ASSERT_EQ(count.exit_code, 0) << count;
  ASSERT_EQ(count.OutLines().size(), 3u) << count;  // header, agency, total
  EXPECT_TRUE(absl::StartsWith(count.OutLines()[0], "AGENCY ")) << count;
  EXPECT_TRUE(absl::StartsWith(count.OutLines()[2], "total ")) << count;
  const Result count_json = Client({"overdue", "--count", "--json"});
  ASSERT_EQ(count_json.exit_code, 0) << count_json;
  EXPECT_EQ(nlohmann::json::parse(count_json.out)["dossiers"], "1")
      << count_json;
  const Result count_paged = Client({"overdue", "--count", "--unit", "x"});
  EXPECT_NE(count_paged.exit_code, 0) << count_paged;
  EXPECT_TRUE(Contains(count_paged.err, "--count")) << count_paged;

  const Result due_soon = Client({"due-soon", "--within", "4h"});
  ASSERT_EQ(due_soon.exit_code, 0) << due_soon;
  EXPECT_EQ(due_soon.out, "no dossiers due within 4h\n") << due_soon;
  // A window written as limits are, counted in the dossier's calendar.
  const Result working_day = Client({"due-soon", "--within", "1wd"});
  ASSERT_EQ(working_day.exit_code, 0) << working_day;
  EXPECT_EQ(working_day.out, "no dossiers due within 1wd\n") << working_day;
  const Result working_day_json =
      Client({"due-soon", "--within", "2wd", "--json"});
  ASSERT_EQ(working_day_json.exit_code, 0) << working_day_json;
}

TEST_F(ClientTest, ReportAsTableAndCsv) {
  Submit();
  const Result table = Client({"report", "--from", "2026-02-15", "--to",
                               "2026-03-14", "--group-by", "procedure"});
  ASSERT_EQ(table.exit_code, 0) << table;
  ASSERT_EQ(table.OutLines().size(), 4u) << table;  // title, header, row, total
  EXPECT_TRUE(absl::StartsWith(table.OutLines()[2], "2.000635")) << table;
  EXPECT_TRUE(absl::StartsWith(table.OutLines()[3], "total")) << table;

  const Result csv =
      Client({"report", "--from", "2026-02-15", "--to", "2026-03-14", "--csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv;
  ASSERT_EQ(csv.OutLines().size(), 3u) << csv;
  EXPECT_TRUE(absl::StartsWith(csv.OutLines()[0], "agency,received,")) << csv;
  // One dossier received in person, left open and overdue by the period's
  // end.
  const std::vector<std::string> cells = absl::StrSplit(csv.OutLines()[2], ',');
  ASSERT_EQ(cells.size(), 19u) << csv;
  EXPECT_EQ(cells[0], "\"total\"");
  EXPECT_EQ(cells[1], "1");   // received
  EXPECT_EQ(cells[11], "1");  // pending
  EXPECT_EQ(cells[13], "1");  // pending overdue
  EXPECT_EQ(cells[18], "0");  // entered late

  const Result bad = Client({"report", "--from", "2026-02-15", "--to",
                             "2026-03-14", "--group-by", "desk"});
  EXPECT_EQ(bad.exit_code, 2) << bad;
  const Result backwards =
      Client({"report", "--from", "2026-03-15", "--to", "2026-03-14"});
  EXPECT_EQ(backwards.exit_code, 2) << backwards;
}

// A supervisor's view of one unit: its late steps, what it has due soon,
// and the report by unit.
TEST_F(ClientTest, LateStepsAndTheReportByUnit) {
  Submit();
  const Result steps =
      Client({"overdue", "--kind", "step", "--unit", "bo-phan-mot-cua"});
  ASSERT_EQ(steps.exit_code, 0) << steps;
  ASSERT_EQ(steps.OutLines().size(), 2u) << steps;
  EXPECT_TRUE(Contains(steps.OutLines()[0], " KIND ")) << steps;
  EXPECT_TRUE(absl::StartsWith(steps.OutLines()[1], kCode)) << steps;
  EXPECT_TRUE(Contains(steps.OutLines()[1], " step ")) << steps;
  EXPECT_TRUE(Contains(steps.OutLines()[1], "bo-phan-mot-cua")) << steps;
  EXPECT_TRUE(Contains(steps.OutLines()[1], "receipt (30wm)")) << steps;
  EXPECT_TRUE(Contains(steps.OutLines()[1], "2026-03-10T07:30:00+07:00"))
      << steps;

  const Result elsewhere =
      Client({"overdue", "--kind", "step", "--unit", "phong-tu-phap"});
  ASSERT_EQ(elsewhere.exit_code, 0) << elsewhere;
  EXPECT_EQ(elsewhere.out, "no dossiers overdue\n") << elsewhere;

  const Result bad_kind = Client({"overdue", "--kind", "steps"});
  EXPECT_EQ(bad_kind.exit_code, 2) << bad_kind;
  EXPECT_TRUE(Contains(bad_kind.err, "--kind")) << bad_kind;
  const Result count_kind = Client({"overdue", "--count", "--kind", "step"});
  EXPECT_EQ(count_kind.exit_code, 2) << count_kind;

  const Result due_soon =
      Client({"due-soon", "--within", "4h", "--unit", "bo-phan-mot-cua"});
  ASSERT_EQ(due_soon.exit_code, 0) << due_soon;
  EXPECT_EQ(due_soon.out, "no dossiers due within 4h\n") << due_soon;

  const Result report = Client({"report", "--from", "2026-03-01", "--to",
                                "2026-03-14", "--group-by", "unit"});
  ASSERT_EQ(report.exit_code, 0) << report;
  ASSERT_EQ(report.OutLines().size(), 4u)
      << report;  // title, header, row, total
  EXPECT_TRUE(Contains(report.OutLines()[0], "steps each unit held")) << report;
  EXPECT_TRUE(absl::StartsWith(report.OutLines()[2], "bo-phan-mot-cua"))
      << report;
  const Result csv = Client({"report", "--from", "2026-03-01", "--to",
                             "2026-03-14", "--group-by", "unit", "--csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv;
  ASSERT_EQ(csv.OutLines().size(), 3u) << csv;
  EXPECT_TRUE(absl::StartsWith(csv.OutLines()[0], "unit,received,")) << csv;
  // The receipt step, still open and past its budget at the period's end.
  const std::vector<std::string> cells = absl::StrSplit(csv.OutLines()[1], ',');
  ASSERT_EQ(cells.size(), 19u) << csv;
  EXPECT_EQ(cells[0], "\"bo-phan-mot-cua\"");
  EXPECT_EQ(cells[1], "1");   // received
  EXPECT_EQ(cells[11], "1");  // pending
  EXPECT_EQ(cells[13], "1");  // pending overdue
}

// With the default bound of one working day, a receipt of months ago needs
// a reason; entered with one it is marked in `get`, `as-of`, `overdue` and
// the report.
TEST_F(ClientTest, AReceiptEnteredLateIsMarkedEverywhere) {
  ASSERT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->err();
  backdate_bound_ = "1wd";
  StartDaemon();
  const std::vector<std::string> submit = {
      "submit",    "--code",     kCode,         "--procedure",
      "2.000635",  "--agency",   "ubnd-phuong", "--channel",
      "in_person", "--received", kReceived};
  const Result refused = Client(submit);
  ExpectCallError(refused, 2, "submit", "INVALID_ARGUMENT");
  EXPECT_TRUE(Contains(refused.err, "received_at: the receipt time "))
      << refused;
  EXPECT_TRUE(Contains(refused.err, "backdating bound of 1wd")) << refused;

  std::vector<std::string> with_reason = submit;
  with_reason.insert(with_reason.end(),
                     {"--late-entry-reason", "copied from the paper register"});
  const Result entered = Client(with_reason);
  ASSERT_EQ(entered.exit_code, 0) << entered;
  EXPECT_EQ(entered.OutLines().at(0), kDue);
  EXPECT_TRUE(Contains(entered.out, "entered late by dev")) << entered;

  const Result get = Client({"get", kCode});
  ASSERT_EQ(get.exit_code, 0) << get;
  EXPECT_TRUE(Contains(get.out, "recorded:    ")) << get;
  EXPECT_TRUE(Contains(get.out, ": copied from the paper register\n")) << get;

  const Result as_of =
      Client({"as-of", kCode, "--at", "2026-03-10T09:00:00+07:00"});
  ASSERT_EQ(as_of.exit_code, 0) << as_of;
  EXPECT_TRUE(Contains(as_of.out,
                       "received 2026-03-10T07:00:00+07:00 but recorded only "
                       "at "))
      << as_of;
  EXPECT_TRUE(Contains(as_of.out, "state:       RECEIVED")) << as_of;

  const Result overdue = Client({"overdue", "--kind", "dossier"});
  ASSERT_EQ(overdue.exit_code, 0) << overdue;
  ASSERT_EQ(overdue.OutLines().size(), 2u) << overdue;
  EXPECT_TRUE(Contains(overdue.OutLines()[1], " since due)")) << overdue;

  const Result csv =
      Client({"report", "--from", "2026-02-15", "--to", "2026-03-14", "--csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv;
  EXPECT_TRUE(absl::EndsWith(csv.OutLines()[0], ",entered_late")) << csv;
  EXPECT_TRUE(absl::EndsWith(csv.OutLines()[2], ",1")) << csv;
}

TEST_F(ClientTest, EventsAsOfAndVerify) {
  Submit();
  ASSERT_EQ(Client({"act", kCode, "hand-over"}).exit_code, 0);

  const Result events = Client({"events", "--dossier", kCode});
  ASSERT_EQ(events.exit_code, 0) << events;
  const std::vector<std::string> lines = events.OutLines();
  ASSERT_EQ(lines.size(), kPastThresholds + 2u) << events;
  EXPECT_TRUE(absl::StartsWith(lines[0], absl::StrCat("#1 ", kCode, " v1 ")))
      << events;
  EXPECT_TRUE(Contains(lines[0], "received (in_person)")) << events;
  // The receipt step's half-time reminder, recorded by the scheduler's
  // actor with the time it fell due.
  EXPECT_TRUE(absl::StartsWith(lines[1], absl::StrCat("#2 ", kCode, " v2 ")))
      << events;
  EXPECT_TRUE(Contains(lines[1],
                       "motcua-scheduler: deadline_approaching (step receipt, "
                       "level 0) at 2026-03-10T07:15:00+07:00"))
      << events;
  EXPECT_TRUE(Contains(lines.back(), "handed over to phong-tu-phap")) << events;

  const Result range = Client({"events", "--after", "1", "--json"});
  ASSERT_EQ(range.exit_code, 0) << range;
  const nlohmann::json reply = nlohmann::json::parse(range.out);
  ASSERT_EQ(reply["events"].size(), kPastThresholds + 1u) << range;
  EXPECT_EQ(reply["events"][0]["type"], "deadline_approaching");
  EXPECT_EQ(reply["events"][kPastThresholds]["type"], "handed_over");

  const Result as_of =
      Client({"as-of", kCode, "--at", "2099-01-01T00:00:00+07:00"});
  ASSERT_EQ(as_of.exit_code, 0) << as_of;
  EXPECT_EQ(as_of.OutLines().at(0), "as of 2099-01-01T00:00:00+07:00:");
  EXPECT_TRUE(Contains(as_of.out, absl::StrCat("(version ", kFirstAction, ")")))
      << as_of;

  const Result verify = Client({"verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify;
  ASSERT_EQ(verify.OutLines().size(), 2u) << verify;
  EXPECT_EQ(verify.OutLines()[0],
            absl::StrCat("log intact: ", kFirstAction,
                         " events, every hash and link verified"))
      << verify;
  // The head, for an auditor to write down: the last event and its hash.
  EXPECT_TRUE(
      absl::StartsWith(verify.OutLines()[1],
                       absl::StrCat("head: event ", kFirstAction, ", hash ")))
      << verify;
  EXPECT_EQ(verify.OutLines()[1].size(),
            absl::StrCat("head: event ", kFirstAction, ", hash ").size() + 64)
      << verify;
}

TEST_F(ClientTest, WatchReadsTheHistoryThenStops) {
  Submit();
  ASSERT_EQ(Client({"act", kCode, "hand-over"}).exit_code, 0);

  const Result result = Client({"watch", "--after", "0", "--limit", "2"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const std::vector<std::string> lines = result.OutLines();
  ASSERT_EQ(lines.size(), 2u) << result;
  EXPECT_TRUE(absl::StartsWith(lines[0], absl::StrCat("#1 ", kCode))) << result;
  EXPECT_TRUE(absl::StartsWith(lines[1], absl::StrCat("#2 ", kCode))) << result;

  const Result json = Client({"watch", "--after", "0", "--type", "handed_over",
                              "--limit", "1", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json;
  ASSERT_EQ(json.OutLines().size(), 1u) << json;
  const nlohmann::json event = nlohmann::json::parse(json.OutLines()[0]);
  EXPECT_EQ(event["type"], "handed_over");
  EXPECT_EQ(event["sequence"], kFirstAction);
}

TEST_F(ClientTest, WatchPrintsWhereToResumeWhenTheServerStops) {
  Submit();
  // A watch that follows the live log, then the server stops under it.
  BackgroundProcess watch(
      Binary(),
      {"watch", "--after", "0", "--address", address_, "--token", token_},
      SourceDir());
  ASSERT_TRUE(watch.WaitForOutput([](const std::string& out) {
    return Lines(out).size() >= 1;
  })) << watch.out()
      << watch.err();
  // Live events arrive too.
  ASSERT_EQ(Client({"act", kCode, "hand-over"}).exit_code, 0);
  ASSERT_TRUE(watch.WaitForOutput([](const std::string& out) {
    return Lines(out).size() >= kPastThresholds + 2u;
  })) << watch.out()
      << watch.err();

  EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->err();
  daemon_.reset();
  EXPECT_EQ(watch.Wait(), 5) << watch.out() << watch.err();
  const std::vector<std::string> errors = Lines(watch.err());
  ASSERT_EQ(errors.size(), 2u) << watch.err();
  EXPECT_TRUE(absl::StartsWith(errors[0], "motcua watch: UNAVAILABLE: "))
      << watch.err();
  EXPECT_EQ(errors[1],
            absl::StrCat("motcua watch: resume with --after ", kFirstAction));
}

TEST_F(ClientTest, RulesShowValidateReload) {
  const Result show = Client({"rules", "show"});
  ASSERT_EQ(show.exit_code, 0) << show;
  EXPECT_TRUE(absl::StartsWith(show.out, "rules version: ")) << show;
  EXPECT_TRUE(Contains(show.out, "vn-public-sector-0700")) << show;
  EXPECT_TRUE(Contains(show.out, "2.000635")) << show;

  const Result json = Client({"rules", "show", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json;
  const std::string version = nlohmann::json::parse(json.out)["version"];
  EXPECT_FALSE(version.empty());

  const Result server_rules = Client({"rules", "validate"});
  EXPECT_EQ(server_rules.exit_code, 0) << server_rules;
  EXPECT_TRUE(Contains(server_rules.out, version)) << server_rules;

  // The shipped rules, sent file by file, have the same version.
  const Result sent = Client({"rules", "validate", SourceDir() + "/rules"});
  EXPECT_EQ(sent.exit_code, 0) << sent;
  EXPECT_TRUE(Contains(sent.out, version)) << sent;

  TempDir bad;
  bad.Write("calendars/bad.yaml", "kind: calender\n");
  const Result refused = Client({"rules", "validate", bad.path().string()});
  EXPECT_EQ(refused.exit_code, 1) << refused;
  EXPECT_EQ(refused.out, "") << refused;
  ASSERT_EQ(refused.ErrLines().size(), 2u) << refused;
  EXPECT_TRUE(absl::StartsWith(refused.ErrLines()[0], "calendars/bad.yaml:1:"))
      << refused;
  EXPECT_EQ(refused.ErrLines()[1], "1 error; the rule set is refused");

  TempDir empty;
  const Result nothing = Client({"rules", "validate", empty.path().string()});
  EXPECT_EQ(nothing.exit_code, 2) << nothing;

  const Result reload = Client({"rules", "reload"});
  EXPECT_EQ(reload.exit_code, 0) << reload;
  EXPECT_EQ(reload.out,
            absl::StrCat("rules unchanged: version ", version, "\n"))
      << reload;
}

// Bad input: one line on stderr, nothing on stdout, exit code 2, whether
// the client or the server (INVALID_ARGUMENT) finds it.
TEST_F(ClientTest, BadInputIsExitTwo) {
  Submit();
  const std::vector<std::vector<std::string>> cases = {
      {"submit", "--code", "X-1", "--procedure", "2.000635", "--agency",
       "ubnd-phuong", "--channel", "fax"},
      {"submit", "--code", "X-1", "--procedure", "2.000635", "--agency",
       "ubnd-phuong", "--channel", "online", "--received", "yesterday"},
      {"submit", "--code", "X-1", "--agency", "ubnd-phuong", "--channel",
       "online"},  // no --procedure
      {"act", kCode, "apologise", "--reason", "late", "--new-appointment",
       "2026-02-30T09:00:00+07:00"},
      {"act", kCode, "stop"},  // no --reason
      {"act", kCode, "hand-over", "--to-step", "no-such-step"},
      {"overdue", "--min-lateness", "1d"},
      {"due-soon", "--within=-2h"},
      {"due-soon", "--within", "1xd"},
      {"due-soon", "--within", "0wd"},
      {"list", "--state", "sleeping"},
      {"list", "--page-size", "5000"},
      {"list", "--all", "--page-token", "x"},
      {"events", "--dossier", kCode, "--after", "3"},
      {"as-of", kCode, "--at", "noon"},
      {"get", kCode, "--tls-cert", "/no/such/file"},
  };
  for (const std::vector<std::string>& args : cases) {
    SCOPED_TRACE(absl::StrJoin(args, " "));
    const Result result = Client(args);
    EXPECT_EQ(result.exit_code, 2) << result;
    EXPECT_EQ(result.out, "") << result;
    EXPECT_EQ(result.ErrLines().size(), 1u) << result;
  }
  const Result server_found =
      Client({"act", kCode, "hand-over", "--to-step", "no-such-step"});
  EXPECT_TRUE(Contains(server_found.err,
                       "motcua act hand-over: INVALID_ARGUMENT: to_step"))
      << server_found;
}

TEST_F(ClientTest, ARequestIdReusedForAnotherActionIsRefused) {
  Submit();
  ASSERT_EQ(Client({"act", kCode, "hand-over"}).exit_code, 0);
  const Result resolved =
      Client({"act", kCode, "resolve", "--request-id", "a"});
  ASSERT_EQ(resolved.exit_code, 0) << resolved;

  // Not a repeat of the resolve: refused, naming it, and nothing returned.
  const Result returned =
      Client({"act", kCode, "return-result", "--request-id", "a"});
  ExpectCallError(returned, 1, "act return-result", "ALREADY_EXISTS");
  EXPECT_TRUE(
      Contains(returned.err, absl::StrCat("request_id: a was already used for "
                                          "resolve on dossier ",
                                          kCode)))
      << returned;
  const Result got = Client({"get", kCode});
  EXPECT_TRUE(Contains(got.out, "state:       RESOLVED")) << got;

  // The resolve again is its retry.
  const Result retried = Client({"act", kCode, "resolve", "--request-id", "a"});
  EXPECT_EQ(retried.exit_code, 0) << retried;
  EXPECT_TRUE(Contains(retried.out, "repeated: this answered a retry"))
      << retried;
}

TEST_F(ClientTest, AccessAndReachability) {
  Submit();
  ExpectCallError(RunMotcua({"get", kCode, "--address", address_, "--token",
                             "not-a-token"}),
                  6, "get", "UNAUTHENTICATED");
  // No token at all.
  ExpectCallError(RunMotcua({"get", kCode, "--address", address_}, SourceDir(),
                            Environment{{"MOTCUA_TOKEN", std::nullopt}}),
                  6, "get", "UNAUTHENTICATED");
  ExpectCallError(Client({"get", "NO-SUCH-DOSSIER"}), 1, "get", "NOT_FOUND");

  // The address and the token from the environment.
  const Result from_environment = RunMotcua(
      {"get", kCode}, SourceDir(),
      Environment{{"MOTCUA_ADDRESS", address_}, {"MOTCUA_TOKEN", token_}});
  EXPECT_EQ(from_environment.exit_code, 0) << from_environment;
  // Flags win over the environment.
  ExpectCallError(
      RunMotcua(
          {"get", kCode, "--token", "not-a-token"}, SourceDir(),
          Environment{{"MOTCUA_ADDRESS", address_}, {"MOTCUA_TOKEN", token_}}),
      6, "get", "UNAUTHENTICATED");

  // Nothing listens on this port once the daemon is stopped.
  const std::string address = address_;
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->err();
  daemon_.reset();
  ExpectCallError(RunMotcua({"get", kCode, "--address", address, "--token",
                             token_, "--timeout", "5"}),
                  5, "get", "UNAVAILABLE");
}

TEST_F(ClientTest, JsonIsOneDocumentPerReply) {
  const Result submitted =
      Client({"submit", "--code", kCode, "--procedure", "2.000635", "--agency",
              "ubnd-phuong", "--channel", "online", "--received", kReceived,
              "--json"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted;
  ASSERT_EQ(submitted.OutLines().size(), 1u) << submitted;
  const nlohmann::json reply = nlohmann::json::parse(submitted.out);
  EXPECT_EQ(reply["dossier"]["code"], kCode);
  EXPECT_EQ(reply["dossier"]["channel"], "CHANNEL_ONLINE");
  EXPECT_EQ(reply["dossier"]["due_at"], "2026-03-10T10:00:00Z");
  EXPECT_EQ(reply["events"].size(), 1u);
  EXPECT_EQ(reply["repeated"], false);

  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"list", "--json"},
                                             {"verify", "--json"},
                                             {"rules", "validate", "--json"},
                                             {"events", "--json"}}) {
    SCOPED_TRACE(absl::StrJoin(args, " "));
    const Result result = Client(args);
    ASSERT_EQ(result.exit_code, 0) << result;
    ASSERT_EQ(result.OutLines().size(), 1u) << result;
    EXPECT_TRUE(nlohmann::json::parse(result.out).is_object()) << result;
  }
}

// TLS: motcuad with a server certificate and client certificates required,
// all made here with the openssl command.
TEST(ClientTlsTest, MutualTls) {
  const std::string openssl = "/usr/bin/openssl";
  if (!fs::exists(openssl)) GTEST_SKIP() << "no " << openssl;
  ASSERT_TRUE(fs::exists(Daemon())) << Daemon();
  TempDir directory;
  const std::string dir = directory.path().string();
  auto run_openssl = [&](const std::vector<std::string>& args) {
    const Result result = motcua_test::Run(openssl, args, dir);
    ASSERT_EQ(result.exit_code, 0) << result;
  };
  run_openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
               "ca.key", "-out", "ca.pem", "-days", "2", "-subj",
               "/CN=motcua test CA"});
  directory.Write("server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  for (const std::string name : {"server", "client"}) {
    run_openssl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout",
                 name + ".key", "-out", name + ".csr", "-subj",
                 "/CN=motcua " + name});
    std::vector<std::string> sign = {
        "x509",        "-req",   "-in",    name + ".csr",     "-CA",
        "ca.pem",      "-CAkey", "ca.key", "-CAcreateserial", "-out",
        name + ".pem", "-days",  "2"};
    if (name == "server") sign.insert(sign.end(), {"-extfile", "server.ext"});
    run_openssl(sign);
  }
  directory.Write("motcuad.yaml",
                  absl::StrCat("listen: 127.0.0.1:0\n"
                               "data_dir: data\n"
                               "rules_dir: ",
                               SourceDir(),
                               "/rules\n"
                               "tls:\n"
                               "  cert_file: server.pem\n"
                               "  key_file: server.key\n"
                               "  client_ca_file: ca.pem\n"
                               "  require_client_cert: true\n"));

  BackgroundProcess daemon(Daemon(), {"--config", dir + "/motcuad.yaml"}, dir);
  ASSERT_TRUE(daemon.WaitForOutput([](const std::string& out) {
    return ListeningPort(out) > 0;
  })) << daemon.out()
      << daemon.err();
  const std::string address =
      absl::StrCat("127.0.0.1:", ListeningPort(daemon.out()));
  const std::string token = std::string(absl::StripAsciiWhitespace(
      ReadFile(directory.path() / "data/dev-token")));
  const std::vector<std::string> base = {"rules",     "show",    "--address",
                                         address,     "--token", token,
                                         "--timeout", "10"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return RunMotcua(args);
  };

  const Result mutual =
      with({"--tls-ca", dir + "/ca.pem", "--tls-cert", dir + "/client.pem",
            "--tls-key", dir + "/client.key"});
  EXPECT_EQ(mutual.exit_code, 0) << mutual;
  EXPECT_TRUE(absl::StartsWith(mutual.out, "rules version: ")) << mutual;

  // Without a client certificate, or in plaintext, there is no connection.
  EXPECT_EQ(with({"--tls-ca", dir + "/ca.pem"}).exit_code, 5);
  EXPECT_EQ(with({}).exit_code, 5);
  // A key where a certificate belongs is bad input.
  const Result wrong_file = with({"--tls-ca", dir + "/ca.key"});
  EXPECT_EQ(wrong_file.exit_code, 2) << wrong_file;
  EXPECT_EQ(wrong_file.ErrLines().size(), 1u) << wrong_file;

  EXPECT_EQ(daemon.Stop(SIGTERM), 0) << daemon.err();
}

// A province per cluster: two motcuad, each with its own dossiers, and a
// third holding both sets. `motcua report --address A --address B` equals
// the third's report in every form (table, CSV, JSON): rows of the same
// group added, the online rate recomputed from the summed counts, the total
// the sum. A server that fails fails the whole command, naming it.
TEST(ReportAcrossServersTest, SumsTheSameReportOfSeveralServers) {
  ASSERT_FALSE(SourceDir().empty()) << "MOTCUA_SOURCE_DIR is not set";
  TempDir directory;
  // One token, known to every server: the national reporting account.
  const std::string token = "national-report-token";
  const fs::path tokens = directory.path() / "tokens.yaml";
  std::ofstream(tokens) << "tokens:\n  - name: national\n    sha256: "
                        << motcua::access::HashToken(token)
                        << "\n    role: admin\n    agencies: [\"*\"]\n";
  const fs::path config = directory.path() / "motcuad.yaml";
  std::ofstream(config) << "max_receipt_backdate: 100000cd\n";
  struct Server {
    std::unique_ptr<BackgroundProcess> process;
    std::string address;
  };
  auto start = [&](const std::string& name) {
    Server daemon;
    daemon.process = std::make_unique<BackgroundProcess>(
        Daemon(),
        std::vector<std::string>{"--config", config.string(), "--listen",
                                 "127.0.0.1:0", "--data-dir",
                                 (directory.path() / name).string(), "--rules",
                                 SourceDir() + "/rules", "--tokens",
                                 tokens.string(), "--no-deadline-scheduler"},
        directory.path().string());
    EXPECT_TRUE(daemon.process->started());
    EXPECT_TRUE(daemon.process->WaitForOutput([](const std::string& out) {
      return ListeningPort(out) > 0;
    })) << daemon.process->out()
        << daemon.process->err();
    daemon.address =
        absl::StrCat("127.0.0.1:", ListeningPort(daemon.process->out()));
    return daemon;
  };
  Server north = start("north");
  Server south = start("south");
  Server both = start("both");
  ASSERT_FALSE(HasFailure());

  // Each province's dossiers; a shared agency on both sides, so that rows
  // of one group come from two servers.
  struct Dossier {
    std::string code, agency, channel, received;
    bool resolved;
  };
  const std::vector<Dossier> north_dossiers = {
      {"N-1", "so-tu-phap", "online", "2026-03-02T08:00:00+07:00", true},
      {"N-2", "so-tu-phap", "in_person", "2026-03-03T08:00:00+07:00", false},
      {"N-3", "ubnd-bac", "online", "2026-03-04T08:00:00+07:00", false},
      {"N-4", "ubnd-bac", "online", "2026-03-05T08:00:00+07:00", true}};
  const std::vector<Dossier> south_dossiers = {
      {"S-1", "so-tu-phap", "in_person", "2026-03-02T09:00:00+07:00", false},
      {"S-2", "so-tu-phap", "in_person", "2026-03-06T09:00:00+07:00", true},
      {"S-3", "ubnd-nam", "online", "2026-03-09T09:00:00+07:00", false}};
  auto submit = [&](const Server& daemon, const Dossier& dossier) {
    const Result submitted =
        RunMotcua({"submit", "--code", dossier.code, "--procedure", "2.000635",
                   "--agency", dossier.agency, "--channel", dossier.channel,
                   "--received", dossier.received, "--summary", "test",
                   "--address", daemon.address, "--token", token});
    ASSERT_EQ(submitted.exit_code, 0) << submitted;
    if (!dossier.resolved) return;
    const Result resolved =
        RunMotcua({"act", dossier.code, "reject", "--reason", "not eligible",
                   "--address", daemon.address, "--token", token});
    ASSERT_EQ(resolved.exit_code, 0) << resolved;
  };
  for (const Dossier& dossier : north_dossiers) {
    ASSERT_NO_FATAL_FAILURE(submit(north, dossier));
    ASSERT_NO_FATAL_FAILURE(submit(both, dossier));
  }
  for (const Dossier& dossier : south_dossiers) {
    ASSERT_NO_FATAL_FAILURE(submit(south, dossier));
    ASSERT_NO_FATAL_FAILURE(submit(both, dossier));
  }

  auto report = [&](std::vector<std::string> addresses,
                    std::vector<std::string> flags) {
    std::vector<std::string> args = {"report", "--from",     "2026-03-01",
                                     "--to",   "2026-03-31", "--token",
                                     token};
    args.insert(args.end(), flags.begin(), flags.end());
    for (const std::string& address : addresses) {
      args.insert(args.end(), {"--address", address});
    }
    return RunMotcua(args);
  };
  for (const std::vector<std::string>& flags :
       std::vector<std::vector<std::string>>{
           {},
           {"--csv"},
           {"--json"},
           {"--group-by", "procedure", "--csv"},
           {"--group-by", "unit", "--json"},
           {"--agency", "so-tu-phap", "--csv"}}) {
    SCOPED_TRACE(absl::StrJoin(flags, " "));
    const Result summed = report({north.address, south.address}, flags);
    const Result whole = report({both.address}, flags);
    ASSERT_EQ(summed.exit_code, 0) << summed;
    ASSERT_EQ(whole.exit_code, 0) << whole;
    EXPECT_EQ(summed.out, whole.out);
    // Not a server's report alone.
    EXPECT_NE(report({north.address}, flags).out, whole.out);
  }
  // The shared agency's row is the sum of both sides, its online rate of
  // the summed counts: 1 online of 4 new, not the mean of 1/2 and 0/2.
  const Result csv = report({north.address, south.address}, {"--csv"});
  bool found = false;
  for (const std::string& line : csv.OutLines()) {
    if (!absl::StartsWith(line, "\"so-tu-phap\",")) continue;
    found = true;
    const std::vector<std::string> cells = absl::StrSplit(line, ',');
    ASSERT_EQ(cells.size(), 19u) << line;
    EXPECT_EQ(cells[1], "4") << line;        // received
    EXPECT_EQ(cells[17], "0.2500") << line;  // online rate
  }
  EXPECT_TRUE(found) << csv;

  // A server that cannot answer fails the command, naming it; nothing is
  // printed, not even the other province's part.
  EXPECT_EQ(south.process->Stop(SIGTERM), 0) << south.process->err();
  const Result down = report({north.address, south.address}, {"--csv"});
  EXPECT_EQ(down.exit_code, 5) << down;
  EXPECT_EQ(down.out, "") << down;
  EXPECT_TRUE(Contains(down.err, south.address)) << down;
  // A server that refuses (a token it does not know) likewise.
  const Result refused = RunMotcua(
      {"report", "--from", "2026-03-01", "--to", "2026-03-31", "--token",
       "not-a-token", "--address", north.address, "--address", both.address});
  EXPECT_EQ(refused.exit_code, 6) << refused;
  EXPECT_EQ(refused.out, "") << refused;
  EXPECT_TRUE(Contains(refused.err, north.address)) << refused;
  EXPECT_EQ(north.process->Stop(SIGTERM), 0) << north.process->err();
  EXPECT_EQ(both.process->Stop(SIGTERM), 0) << both.process->err();
}

}  // namespace
