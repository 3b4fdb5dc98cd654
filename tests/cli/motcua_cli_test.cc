// Runs the real `motcua` binary as a subprocess against the shipped rules and
// against rule directories made for the test, and checks its output and exit
// codes.
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "tests/cli/subprocess.h"

namespace {

namespace fs = std::filesystem;
using motcua_test::Binary;
using motcua_test::Contains;
using motcua_test::Result;
using motcua_test::RunMotcua;
using motcua_test::SourceDir;
using motcua_test::TempDir;

class MotcuaCliTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(SourceDir().empty()) << "MOTCUA_SOURCE_DIR is not set";
    ASSERT_FALSE(Binary().empty()) << "MOTCUA_BINARY_DIR is not set";
    ASSERT_TRUE(fs::exists(Binary())) << Binary();
  }
};

// The first line of `motcua due --rules rules ARGS...`, checking success.
std::string FirstLineOfDue(const std::vector<std::string>& args) {
  std::vector<std::string> full = {"due", "--rules", "rules"};
  full.insert(full.end(), args.begin(), args.end());
  const Result result = RunMotcua(full);
  EXPECT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(result.err, "") << result;
  const std::vector<std::string> lines = result.OutLines();
  return lines.empty() ? std::string() : lines[0];
}

TEST_F(MotcuaCliTest, RulesCheckShippedRules) {
  const Result result = RunMotcua({"rules", "check", "rules"});
  EXPECT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(result.err, "") << result;
  EXPECT_TRUE(Contains(result.out, "rules valid:")) << result;
  EXPECT_TRUE(Contains(result.out, "vn-public-sector:")) << result;
  EXPECT_TRUE(Contains(result.out, "vn-public-sector-0700:")) << result;
  EXPECT_TRUE(Contains(result.out, "2.000635")) << result;
}

TEST_F(MotcuaCliTest, RulesCheckListsEveryError) {
  TempDir rules;
  rules.Write("calendars/bad.yaml",
              "kind: calendar\n"
              "name: bad\n"
              "colour: blue\n"
              "utc_offset: \"+07:00\"\n"
              "covers: {from: 2025-01-01, to: 2025-12-31}\n"
              "working_week:\n"
              "  monday: [\"07:30-11:30\"]\n");
  rules.Write("ladders/standard.yaml",
              "kind: escalation_ladder\n"
              "name: standard\n"
              "thresholds:\n"
              "  - at: \"soon\"\n"
              "    event: overdue\n"
              "    level: 1\n"
              "    notify: {roles: [officer]}\n");
  rules.Write("procedures/p.yaml",
              "kind: procedure\n"
              "code: \"1.000001\"\n"
              "name: Test\n"
              "agency: ubnd-phuong\n"
              "field: ho-tich\n"
              "effective_from: 2025-02-30\n"
              "calendar: bad\n"
              "time_limit: 3xx\n"
              "supplement: pause\n"
              "escalation: standard\n");
  rules.Write("README.txt", "not a rule file: ignored\n");

  const Result result = RunMotcua({"rules", "check", rules.path().string()});
  EXPECT_EQ(result.exit_code, 1) << result;
  EXPECT_EQ(result.out, "") << result;
  const std::vector<std::string> lines = result.ErrLines();
  ASSERT_EQ(lines.size(), 5u) << result;
  const std::vector<std::string> expected = {
      "calendars/bad.yaml:3:1: unknown key \"colour\" in calendar",
      "ladders/standard.yaml:4:9: \"at\": \"soon\" is neither a share",
      "procedures/p.yaml:6:17: \"effective_from\": \"2025-02-30\" is not a "
      "date",
      "procedures/p.yaml:8:13: \"time_limit\": invalid time limit \"3xx\"",
  };
  for (const std::string& prefix : expected) {
    bool found = false;
    for (size_t i = 0; i + 1 < lines.size(); ++i) {
      found = found || absl::StartsWith(lines[i], prefix);
    }
    EXPECT_TRUE(found) << "no line starting with: " << prefix << "\n" << result;
  }
  EXPECT_EQ(lines.back(), "4 errors; the rule set is refused");
}

TEST_F(MotcuaCliTest, RulesCheckMissingDirectory) {
  TempDir parent;
  const Result result =
      RunMotcua({"rules", "check", (parent.path() / "missing").string()});
  EXPECT_EQ(result.exit_code, 1) << result;
  EXPECT_EQ(result.out, "") << result;
  EXPECT_EQ(result.ErrLines().size(), 2u) << result;
}

TEST_F(MotcuaCliTest, DueAcrossLunarNewYear) {
  EXPECT_EQ(FirstLineOfDue({"--calendar", "vn-public-sector", "--limit", "3wd",
                            "--received", "2025-01-24T10:00:00+07:00"}),
            "2025-02-05T10:00:00+07:00");
}

TEST_F(MotcuaCliTest, DueReceivedInTheLunchBreak) {
  // Monday 12:00 is in the break: the clock starts at 13:30.
  EXPECT_EQ(FirstLineOfDue({"--calendar", "vn-public-sector", "--limit", "1wd",
                            "--received", "2025-03-10T12:00:00+07:00"}),
            "2025-03-11T13:30:00+07:00");
}

TEST_F(MotcuaCliTest, DueSameDayAfterTheCutoff) {
  EXPECT_EQ(FirstLineOfDue({"--calendar", "vn-public-sector", "--limit",
                            "same-day", "--cutoff", "15:00", "--received",
                            "2025-03-11T15:30:00+07:00"}),
            "2025-03-12T17:00:00+07:00");
}

TEST_F(MotcuaCliTest, DueOfAProcedureWithItsSteps) {
  const Result result =
      RunMotcua({"due", "--rules", "rules", "--procedure", "2.000635",
                 "--received", "2025-03-10T07:00:00+07:00"});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(result.err, "") << result;
  const std::vector<std::string> lines = result.OutLines();
  ASSERT_FALSE(lines.empty()) << result;
  EXPECT_EQ(lines[0], "2025-03-10T17:00:00+07:00");
  // Each step's due time, in the order of the steps: 30wm, 45wm, 30wm,
  // 15wm on 07:00-11:30, 13:30-17:00.
  const std::vector<std::string> steps = {
      "receipt (bo-phan-mot-cua, 30wm): due 2025-03-10T07:30:00+07:00",
      "appraisal (phong-tu-phap, 45wm): due 2025-03-10T08:15:00+07:00",
      "signing (lanh-dao-ubnd, 30wm): due 2025-03-10T08:45:00+07:00",
      "issuing (bo-phan-mot-cua, 15wm): due 2025-03-10T09:00:00+07:00",
  };
  size_t next = 1;
  for (const std::string& step : steps) {
    while (next < lines.size() && !Contains(lines[next], step)) ++next;
    EXPECT_LT(next, lines.size()) << "missing or out of order: " << step << "\n"
                                  << result;
  }
  EXPECT_TRUE(Contains(result.out, "version in force from 2018-06-21"))
      << result;
}

TEST_F(MotcuaCliTest, DueOfAProcedureUsesTheVersionInForce) {
  const Result old_version =
      RunMotcua({"due", "--rules", "rules", "--procedure", "2.000635",
                 "--received", "2025-06-30T10:00:00+07:00", "--json"});
  ASSERT_EQ(old_version.exit_code, 0) << old_version;
  const nlohmann::json old_json = nlohmann::json::parse(old_version.out);
  EXPECT_EQ(old_json["procedure"]["effective_from"], "2018-06-21");

  const Result new_version =
      RunMotcua({"due", "--rules", "rules", "--procedure", "2.000635",
                 "--received", "2025-07-01T10:00:00+07:00", "--json"});
  ASSERT_EQ(new_version.exit_code, 0) << new_version;
  const nlohmann::json new_json = nlohmann::json::parse(new_version.out);
  EXPECT_EQ(new_json["procedure"]["effective_from"], "2025-07-01");
  EXPECT_EQ(new_json["due"], "2025-07-01T17:00:00+07:00");
}

TEST_F(MotcuaCliTest, DueAtPrintsWorkingTimeLeft) {
  const std::vector<std::string> base = {
      "due",        "--rules",          "rules",
      "--calendar", "vn-public-sector", "--limit",
      "3wd",        "--received",       "2025-01-24T10:00:00+07:00"};

  std::vector<std::string> early = base;
  early.insert(early.end(), {"--at", "2025-02-05T09:00:00+07:00"});
  const Result in_time = RunMotcua(early);
  ASSERT_EQ(in_time.exit_code, 0) << in_time;
  EXPECT_EQ(in_time.OutLines().at(0), "2025-02-05T10:00:00+07:00");
  EXPECT_TRUE(Contains(in_time.out,
                       "at 2025-02-05T09:00:00+07:00: 1h00m of working time "
                       "left\n"))
      << in_time;

  // 10:00-11:30 and 13:30-14:00 after the due time: two hours late.
  std::vector<std::string> late_args = base;
  late_args.insert(late_args.end(), {"--at", "2025-02-05T14:00:00+07:00"});
  const Result late = RunMotcua(late_args);
  ASSERT_EQ(late.exit_code, 0) << late;
  EXPECT_TRUE(Contains(late.out,
                       "at 2025-02-05T14:00:00+07:00: late by 2h00m of "
                       "working time (4h00m since the due time)\n"))
      << late;

  // After closing on the due day no working time has passed, and the
  // dossier is late all the same.
  std::vector<std::string> evening = base;
  evening.insert(evening.end(), {"--at", "2025-02-05T19:15:00+07:00"});
  // Due 10:00; 10:00-11:30, 13:30-17:00 have passed: 5h of working time.
  const Result after_closing = RunMotcua(evening);
  ASSERT_EQ(after_closing.exit_code, 0) << after_closing;
  EXPECT_TRUE(Contains(after_closing.out,
                       "late by 5h00m of working time (9h15m since the due "
                       "time)"))
      << after_closing;

  // A same-day procedure due at 17:00, asked at 19:15: 0m of working time.
  const Result same_day = RunMotcua(
      {"due", "--rules", "rules", "--procedure", "2.000635", "--received",
       "2025-03-10T10:00:00+07:00", "--at", "2025-03-10T19:15:00+07:00"});
  ASSERT_EQ(same_day.exit_code, 0) << same_day;
  EXPECT_TRUE(Contains(same_day.out,
                       "at 2025-03-10T19:15:00+07:00: late by 0m of working "
                       "time (2h15m since the due time)\n"))
      << same_day;
}

// 2026-09-01 is a provisional holiday in the shipped calendar.
TEST_F(MotcuaCliTest, DueOnAProvisionalDayIsFlagged) {
  const std::vector<std::string> args = {
      "due",        "--rules",          "rules",
      "--calendar", "vn-public-sector", "--limit",
      "3wd",        "--received",       "2026-08-31T09:00:00+07:00"};
  const Result text = RunMotcua(args);
  ASSERT_EQ(text.exit_code, 0) << text;
  EXPECT_EQ(text.OutLines().at(0), "2026-09-07T09:00:00+07:00");
  EXPECT_TRUE(Contains(text.out,
                       "provisional: the due time counts on 2026-09-01, not "
                       "yet confirmed in calendar vn-public-sector"))
      << text;
  std::vector<std::string> json_args = args;
  json_args.push_back("--json");
  const Result json = RunMotcua(json_args);
  ASSERT_EQ(json.exit_code, 0) << json;
  const nlohmann::json reply = nlohmann::json::parse(json.out);
  EXPECT_EQ(reply["due_time_provisional"], true);
  EXPECT_EQ(reply["provisional_days"], nlohmann::json::array({"2026-09-01"}));

  const Result july = RunMotcua(
      {"due", "--rules", "rules", "--calendar", "vn-public-sector", "--limit",
       "3wd", "--received", "2026-07-06T09:00:00+07:00", "--json"});
  ASSERT_EQ(july.exit_code, 0) << july;
  EXPECT_EQ(nlohmann::json::parse(july.out)["due_time_provisional"], false);
  EXPECT_FALSE(Contains(
      RunMotcua({"due", "--rules", "rules", "--calendar", "vn-public-sector",
                 "--limit", "3wd", "--received", "2026-07-06T09:00:00+07:00"})
          .out,
      "provisional"));
}

// The city's whole-day budgets on a same-day limit: valid, with a warning
// naming the procedure and the receipt times.
TEST_F(MotcuaCliTest, RulesCheckWarnsOfStepsThatCannotFitTheLimit) {
  TempDir rules;
  for (const char* file :
       {"calendars/vn-public-sector.yaml",
        "calendars/vn-public-sector-0700.yaml", "ladders/standard.yaml"}) {
    std::ifstream in(SourceDir() + "/rules/" + file);
    rules.Write(file, std::string(std::istreambuf_iterator<char>(in), {}));
  }
  rules.Write("procedures/copy.yaml",
              "kind: procedure\n"
              "code: \"2.000635\"\n"
              "name: Copy\n"
              "agency: ubnd-phuong\n"
              "field: ho-tich\n"
              "effective_from: 2025-07-01\n"
              "calendar: vn-public-sector-0700\n"
              "time_limit: same-day\n"
              "cutoff: \"15:00\"\n"
              "supplement: pause\n"
              "escalation: standard\n"
              "steps:\n"
              "  - {id: receipt, unit: mot-cua, budget: 2wh}\n"
              "  - {id: appraisal, unit: tu-phap, budget: 3wh}\n"
              "  - {id: signing, unit: lanh-dao, budget: 2wh}\n"
              "  - {id: issuing, unit: mot-cua, budget: 1wh}\n");
  const Result result = RunMotcua({"rules", "check", rules.path().string()});
  EXPECT_EQ(result.exit_code, 0) << result;
  EXPECT_TRUE(Contains(result.out, "rules valid:")) << result;
  ASSERT_EQ(result.ErrLines().size(), 1u) << result;
  EXPECT_TRUE(absl::StartsWith(result.err,
                               "warning: procedures/copy.yaml:1:1: "
                               "procedure 2.000635"))
      << result;
  EXPECT_TRUE(
      Contains(result.err, "for a receipt at 07:01 and later; worst at 14:59"))
      << result;
}

TEST_F(MotcuaCliTest, DueJson) {
  const Result result =
      RunMotcua({"due", "--rules", "rules", "--calendar", "vn-public-sector",
                 "--limit", "3wd", "--received", "2025-01-24T10:00:00+07:00",
                 "--at", "2025-02-05T14:00:00+07:00", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(result.err, "") << result;
  nlohmann::json json;
  ASSERT_NO_THROW(json = nlohmann::json::parse(result.out)) << result;
  ASSERT_TRUE(json.is_object()) << result;
  EXPECT_EQ(json["due"], "2025-02-05T10:00:00+07:00");
  EXPECT_EQ(json["calendar"], "vn-public-sector");
  EXPECT_EQ(json["limit"], "3wd");
  EXPECT_EQ(json["working_seconds_left"], -2 * 3600);
  EXPECT_EQ(json["late"], true);

  const Result procedure =
      RunMotcua({"due", "--rules", "rules", "--procedure", "2.000635",
                 "--received", "2025-03-10T07:00:00+07:00", "--json"});
  ASSERT_EQ(procedure.exit_code, 0) << procedure;
  const nlohmann::json steps_json = nlohmann::json::parse(procedure.out);
  EXPECT_EQ(steps_json["due"], "2025-03-10T17:00:00+07:00");
  ASSERT_EQ(steps_json["steps"].size(), 4u) << procedure;
  EXPECT_EQ(steps_json["steps"][0]["due"], "2025-03-10T07:30:00+07:00");
  EXPECT_EQ(steps_json["steps"][3]["id"], "issuing");
}

// Bad input: one line on stderr, nothing on stdout, exit code 2.
void ExpectBadInput(const std::vector<std::string>& args) {
  SCOPED_TRACE(absl::StrJoin(args, " "));
  const Result result = RunMotcua(args);
  EXPECT_EQ(result.exit_code, 2) << result;
  EXPECT_EQ(result.out, "") << result;
  EXPECT_EQ(result.ErrLines().size(), 1u) << result;
  EXPECT_TRUE(absl::EndsWith(result.err, "\n")) << result;
}

TEST_F(MotcuaCliTest, BadInputUnknownProcedure) {
  ExpectBadInput({"due", "--rules", "rules", "--procedure", "9.999999",
                  "--received", "2025-03-10T09:00:00+07:00"});
}

TEST_F(MotcuaCliTest, BadInputUnparseableTime) {
  ExpectBadInput({"due", "--rules", "rules", "--calendar", "vn-public-sector",
                  "--limit", "3wd", "--received", "yesterday"});
  ExpectBadInput({"due", "--rules", "rules", "--calendar", "vn-public-sector",
                  "--limit", "3wd", "--received", "2025-01-24T10:00:00+07:00",
                  "--at", "2025-02-30T10:00:00+07:00"});
}

TEST_F(MotcuaCliTest, BadInputLimit) {
  ExpectBadInput({"due", "--rules", "rules", "--calendar", "vn-public-sector",
                  "--limit", "3xx", "--received", "2025-01-24T10:00:00+07:00"});
}

TEST_F(MotcuaCliTest, BadInputUnknownCalendar) {
  ExpectBadInput({"due", "--rules", "rules", "--calendar", "vn-private",
                  "--limit", "3wd", "--received", "2025-01-24T10:00:00+07:00"});
}

TEST_F(MotcuaCliTest, BadInputMissingReceived) {
  ExpectBadInput({"due", "--rules", "rules", "--calendar", "vn-public-sector",
                  "--limit", "3wd"});
}

TEST_F(MotcuaCliTest, BadInputProcedureWithLimit) {
  ExpectBadInput({"due", "--rules", "rules", "--procedure", "2.000635",
                  "--limit", "3wd", "--received", "2025-03-10T09:00:00+07:00"});
}

TEST_F(MotcuaCliTest, BadInputInvalidRules) {
  TempDir rules;
  rules.Write("calendars/bad.yaml", "kind: calender\n");
  ExpectBadInput({"due", "--rules", rules.path().string(), "--calendar",
                  "vn-public-sector", "--limit", "3wd", "--received",
                  "2025-01-24T10:00:00+07:00"});
}

// ---------------------------------------------------------------------------
// Audit of a database file, on a sample database written by `demo seed`.

// Runs one SQL statement on a database file behind motcua's back.
void Tamper(const fs::path& database, const std::string& sql) {
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(database.c_str(), &handle), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error == nullptr ? "" : error;
  sqlite3_free(error);
  sqlite3_close(handle);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

class MotcuaAuditTest : public MotcuaCliTest {
 protected:
  void SetUp() override {
    MotcuaCliTest::SetUp();
    database_ = directory_.path() / "sample.db";
    const Result seeded = RunMotcua(
        {"demo", "seed", "--db", database_.string(), "--dossiers", "120"});
    ASSERT_EQ(seeded.exit_code, 0) << seeded;
    ASSERT_TRUE(Contains(seeded.out, "120 dossiers")) << seeded;
  }

  TempDir directory_;
  fs::path database_;
};

TEST_F(MotcuaAuditTest, DemoSeedWritesEveryState) {
  const Result result = RunMotcua(
      {"audit", "replay", "--db", database_.string(), "--dossier",
       "DEMO-0000001", "--as-of", "2026-01-01T00:00:00+07:00", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(nlohmann::json::parse(result.out)["code"], "DEMO-0000001");
  // Every lifecycle state is represented in the seed's summary.
  const Result again =
      RunMotcua({"demo", "seed", "--db", (directory_.path() / "b.db").string(),
                 "--dossiers", "50"});
  ASSERT_EQ(again.exit_code, 0) << again;
  for (const char* state : {"RECEIVED", "PROCESSING", "SUPPLEMENT_REQUESTED",
                            "AWAITING_FINANCIAL_OBLIGATION", "STOPPED",
                            "RESOLVED", "RETURNED", "REJECTED", "WITHDRAWN"}) {
    EXPECT_TRUE(Contains(again.out, absl::StrCat(state, ":"))) << state;
  }
}

TEST_F(MotcuaAuditTest, AnIntactLogVerifiesAndReplays) {
  const Result verify =
      RunMotcua({"audit", "verify", "--db", database_.string()});
  EXPECT_EQ(verify.exit_code, 0) << verify;
  EXPECT_TRUE(Contains(verify.out, "log intact")) << verify;
  const Result replay =
      RunMotcua({"audit", "replay", "--db", database_.string()});
  EXPECT_EQ(replay.exit_code, 0) << replay;
  EXPECT_TRUE(Contains(replay.out, "replay identical")) << replay;
}

TEST_F(MotcuaAuditTest, OneChangedByteIsNamedBySequence) {
  // Flip the low bit of the fourth byte of event 37's payload.
  Tamper(database_,
         "UPDATE events SET payload = substr(payload, 1, 3) || "
         "CASE WHEN substr(payload, 4, 1) = x'00' THEN x'01' ELSE x'00' END "
         "|| substr(payload, 5) WHERE sequence = 37");
  const Result verify =
      RunMotcua({"audit", "verify", "--db", database_.string()});
  EXPECT_EQ(verify.exit_code, 3) << verify;
  EXPECT_TRUE(Contains(verify.out, "BROKEN at event 37")) << verify;
}

TEST_F(MotcuaAuditTest, ADeletedEventIsNamed) {
  Tamper(database_, "DELETE FROM events WHERE sequence = 50");
  const Result verify =
      RunMotcua({"audit", "verify", "--db", database_.string()});
  EXPECT_EQ(verify.exit_code, 3) << verify;
  EXPECT_TRUE(Contains(verify.out, "BROKEN at event 51")) << verify;
}

TEST_F(MotcuaAuditTest, ATamperedProjectionMakesReplayDiffer) {
  Tamper(database_,
         "UPDATE dossiers SET current_unit = 'somewhere-else' WHERE code = "
         "'DEMO-0000002'");
  const Result replay =
      RunMotcua({"audit", "replay", "--db", database_.string()});
  EXPECT_EQ(replay.exit_code, 4) << replay;
  EXPECT_TRUE(Contains(replay.out, "DEMO-0000002")) << replay;
}

TEST_F(MotcuaAuditTest, EventsListTheControlSheet) {
  const Result events =
      RunMotcua({"audit", "events", "--db", database_.string(), "--dossier",
                 "DEMO-0000002", "--json"});
  ASSERT_EQ(events.exit_code, 0) << events;
  const nlohmann::json answer = nlohmann::json::parse(events.out);
  ASSERT_FALSE(answer["events"].empty());
  EXPECT_EQ(answer["events"][0]["type"], "received");
  EXPECT_EQ(answer["events"][0]["version"], 1);
}

// The offline audit prints a dossier as `motcua get` does: one printer,
// with who holds it and the control sheet (open steps uncounted without the
// rules).
TEST_F(MotcuaAuditTest, EventsPrintTheDossierAsTheClientDoes) {
  // The seed is fixed: DEMO-0000001 stays at its receipt step.
  const Result events =
      RunMotcua({"audit", "events", "--db", database_.string(), "--dossier",
                 "DEMO-0000001"});
  ASSERT_EQ(events.exit_code, 0) << events;
  EXPECT_TRUE(absl::StartsWith(events.out,
                               "dossier:     DEMO-0000001 (version 1)\n"
                               "state:       RECEIVED (portal status 2)\n"))
      << events;
  for (const char* line :
       {"\nheld by:     bo-phan-mot-cua, step receipt due ",
        "\ncontrol sheet:\n  1. receipt held by bo-phan-mot-cua from ",
        ", open (handed over by intake.demo)\nevents:\n  #"}) {
    EXPECT_TRUE(Contains(events.out, line)) << line << "\n" << events;
  }
  const Result as_of =
      RunMotcua({"audit", "replay", "--db", database_.string(), "--dossier",
                 "DEMO-0000001", "--as-of", "2099-01-01T00:00:00+07:00"});
  ASSERT_EQ(as_of.exit_code, 0) << as_of;
  EXPECT_TRUE(absl::StartsWith(as_of.out,
                               "as of 2099-01-01T00:00:00+07:00:\n"
                               "dossier:     DEMO-0000001 (version 1)\n"))
      << as_of;
  EXPECT_TRUE(Contains(as_of.out, "\nheld by:     bo-phan-mot-cua")) << as_of;
}

TEST_F(MotcuaAuditTest, BadInputIsExitTwo) {
  ExpectBadInput(
      {"audit", "verify", "--db", (directory_.path() / "missing.db").string()});
  ExpectBadInput({"audit", "events", "--db", database_.string(), "--dossier",
                  "NO-SUCH-DOSSIER"});
  ExpectBadInput({"audit", "replay", "--db", database_.string(), "--dossier",
                  "DEMO-0000001", "--as-of", "yesterday"});
  ExpectBadInput({"audit", "replay", "--db", database_.string(), "--dossier",
                  "DEMO-0000001"});
}

// A misspelt or missing action names what was given and lists the actions,
// instead of CLI11's bare "A subcommand is required".
TEST_F(MotcuaCliTest, AnUnknownActionListsTheActions) {
  const Result unknown = RunMotcua({"act", "HS-1", "hand-ovr"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown;
  EXPECT_TRUE(
      Contains(unknown.err, "motcua act: unknown subcommand \"hand-ovr\""))
      << unknown;
  EXPECT_TRUE(Contains(unknown.err, "hand-over, request-supplement"))
      << unknown;
  EXPECT_TRUE(Contains(unknown.err, "withdraw")) << unknown;

  const Result missing = RunMotcua({"act", "HS-1"});
  EXPECT_EQ(missing.exit_code, 2) << missing;
  EXPECT_TRUE(
      Contains(missing.err, "motcua act: a subcommand is required; one of: "))
      << missing;

  const Result top = RunMotcua({"frobnicate"});
  EXPECT_EQ(top.exit_code, 2) << top;
  EXPECT_TRUE(Contains(top.err, "motcua: unknown subcommand \"frobnicate\""))
      << top;
}

// watch runs until interrupted: it offers no --timeout that it would ignore.
TEST_F(MotcuaCliTest, WatchTakesNoTimeout) {
  const Result help = RunMotcua({"watch", "--help"});
  EXPECT_EQ(help.exit_code, 0) << help;
  EXPECT_FALSE(Contains(help.out, "--timeout")) << help;
  const Result given = RunMotcua({"watch", "--timeout", "5"});
  EXPECT_EQ(given.exit_code, 2) << given;
  const Result get_help = RunMotcua({"get", "--help"});
  EXPECT_TRUE(Contains(get_help.out, "--timeout")) << get_help;
}

}  // namespace
