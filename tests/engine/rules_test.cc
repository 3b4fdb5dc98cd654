// Tests of the rule-file loader (engine/rules.cc): every error names its file,
// line and column; a rule set with any error is refused whole.
#include "engine/rules.h"

#include <sys/resource.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/calendar.h"
#include "engine/time_limit.h"
#include "engine/utf8.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/rules_files/rules_files.h"
#include "tests/testing/temp_dir.h"

namespace motcua {
namespace {

// The base rule set: one calendar, one ladder, one procedure. Tests change a
// line with With() (which keeps the line numbers noted here) or add lines.

// calendars/test.yaml: 7h30 a day, Monday to Friday.
//   line 8: monday, 15: holidays, 16: first holiday, 21: make_up_days.
constexpr absl::string_view kCalendar = R"yaml(kind: calendar
name: test
utc_offset: "+07:00"
covers:
  from: 2025-01-01
  to: 2025-12-31
working_week:
  monday: ["07:30-11:30", "13:30-17:00"]
  tuesday: ["07:30-11:30", "13:30-17:00"]
  wednesday: ["07:30-11:30", "13:30-17:00"]
  thursday: ["07:30-11:30", "13:30-17:00"]
  friday: ["07:30-11:30", "13:30-17:00"]
  saturday: []
  sunday: []
holidays:
  - date: 2025-01-01
    name: New Year's Day
  - from: 2025-01-27
    to: 2025-01-31
    name: Lunar New Year
make_up_days:
  - date: 2025-04-26
    name: Make-up Saturday
)yaml";

// calendars/test-0700.yaml: 8h a day, holidays inherited, one more holiday.
constexpr absl::string_view kCalendar0700 = R"yaml(kind: calendar
name: test-0700
extends: test
working_week:
  monday: ["07:00-11:30", "13:30-17:00"]
  tuesday: ["07:00-11:30", "13:30-17:00"]
  wednesday: ["07:00-11:30", "13:30-17:00"]
  thursday: ["07:00-11:30", "13:30-17:00"]
  friday: ["07:00-11:30", "13:30-17:00"]
holidays:
  - date: 2025-03-14
    name: Local festival
)yaml";

// ladders/standard.yaml: line 4 first "at", 7 notify, 8 roles.
constexpr absl::string_view kLadder = R"yaml(kind: escalation_ladder
name: standard
thresholds:
  - at: "50%"
    event: deadline_approaching
    level: 0
    notify:
      roles: [officer]
  - at: "due"
    event: overdue
    level: 1
    notify:
      roles: [officer, unit_head]
      units: [van-phong]
)yaml";

// procedures/p.yaml: line 6 effective_from, 7 calendar, 8 time_limit,
// 9 supplement, 10 escalation, 11 steps, 12 and 15 the steps.
constexpr absl::string_view kProcedure = R"yaml(kind: procedure
code: "1.000001"
name: Test procedure
agency: ubnd-phuong
field: ho-tich
effective_from: 2025-01-01
calendar: test
time_limit: 3wd
supplement: pause
escalation: standard
steps:
  - id: receipt
    unit: mot-cua
    budget: 1wd
  - id: appraisal
    unit: tu-phap
    budget: 2wd
)yaml";

constexpr char kCalendarFile[] = "calendars/test.yaml";
constexpr char kLadderFile[] = "ladders/standard.yaml";
constexpr char kProcedureFile[] = "procedures/p.yaml";

// `text` with its only occurrence of `from` replaced by `to`.
std::string With(absl::string_view text, const std::string& from,
                 const std::string& to) {
  std::string result(text);
  const size_t at = result.find(from);
  EXPECT_NE(at, std::string::npos) << "\"" << from << "\" not in the text";
  if (at == std::string::npos) return result;
  EXPECT_EQ(result.find(from, at + 1), std::string::npos)
      << "\"" << from << "\" occurs more than once";
  result.replace(at, from.size(), to);
  return result;
}

std::vector<RuleSource> Sources(absl::string_view calendar,
                                absl::string_view ladder,
                                absl::string_view procedure) {
  return {RuleSource{kCalendarFile, std::string(calendar)},
          RuleSource{kLadderFile, std::string(ladder)},
          RuleSource{kProcedureFile, std::string(procedure)}};
}

std::vector<RuleSource> BaseSources() {
  return Sources(kCalendar, kLadder, kProcedure);
}

RuleLoadResult LoadWithCalendar(absl::string_view calendar) {
  return LoadRules(Sources(calendar, kLadder, kProcedure));
}
RuleLoadResult LoadWithLadder(absl::string_view ladder) {
  return LoadRules(Sources(kCalendar, ladder, kProcedure));
}
RuleLoadResult LoadWithProcedure(absl::string_view procedure) {
  return LoadRules(Sources(kCalendar, kLadder, procedure));
}
// The base rule set and one more file.
RuleLoadResult LoadWithExtra(absl::string_view path,
                             absl::string_view content) {
  std::vector<RuleSource> sources = BaseSources();
  sources.push_back(RuleSource{std::string(path), std::string(content)});
  return LoadRules(sources);
}

std::string ErrorList(const RuleLoadResult& result) {
  std::vector<std::string> lines;
  for (const RuleError& error : result.errors) {
    lines.push_back(error.ToString());
  }
  return lines.empty() ? "(no errors)" : absl::StrJoin(lines, "\n");
}

bool Matches(const RuleError& error, absl::string_view file, int line,
             int column, absl::string_view phrase) {
  return error.where.file == file && error.where.line == line &&
         error.where.column == column &&
         absl::StrContains(error.message, phrase);
}

// The rule set was refused with an error at file:line:column whose message
// contains `phrase`.
testing::AssertionResult HasError(const RuleLoadResult& result,
                                  absl::string_view file, int line, int column,
                                  absl::string_view phrase) {
  if (result.rules != nullptr) {
    return testing::AssertionFailure() << "the rule set loaded; errors:\n"
                                       << ErrorList(result);
  }
  for (const RuleError& error : result.errors) {
    if (Matches(error, file, line, column, phrase)) {
      return testing::AssertionSuccess();
    }
  }
  return testing::AssertionFailure()
         << "no error \"" << file << ":" << line << ":" << column << ": ..."
         << phrase << "...\"; errors:\n"
         << ErrorList(result);
}

// As HasError, and that error is the only one.
testing::AssertionResult HasOnlyError(const RuleLoadResult& result,
                                      absl::string_view file, int line,
                                      int column, absl::string_view phrase) {
  testing::AssertionResult has = HasError(result, file, line, column, phrase);
  if (!has) return has;
  if (result.errors.size() != 1) {
    return testing::AssertionFailure()
           << result.errors.size() << " errors, expected 1:\n"
           << ErrorList(result);
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult Loads(const RuleLoadResult& result) {
  if (result.rules == nullptr || !result.errors.empty()) {
    return testing::AssertionFailure() << "the rule set was refused:\n"
                                       << ErrorList(result);
  }
  return testing::AssertionSuccess();
}

absl::Time Local(int year, int month, int day, int hour, int minute,
                 int second = 0) {
  return absl::FromCivil(
      absl::CivilSecond(year, month, day, hour, minute, second),
      absl::FixedTimeZone(7 * 3600));
}

TEST(LoadRulesTest, BaseRuleSetLoads) {
  const RuleLoadResult result = LoadRules(BaseSources());
  ASSERT_TRUE(Loads(result));
  const RuleSet& rules = *result.rules;
  EXPECT_EQ(rules.file_count(), 3u);
  ASSERT_NE(rules.FindCalendar("test"), nullptr);
  EXPECT_EQ(rules.FindCalendar("nope"), nullptr);
  const EscalationLadder* ladder = rules.FindLadder("standard");
  ASSERT_NE(ladder, nullptr);
  ASSERT_EQ(ladder->thresholds.size(), 2u);
  EXPECT_EQ(ladder->thresholds[1].notify_units,
            std::vector<std::string>{"van-phong"});
  const auto versions = rules.procedures().find("1.000001");
  ASSERT_NE(versions, rules.procedures().end());
  ASSERT_EQ(versions->second.size(), 1u);
  const ProcedureVersion& version = versions->second[0];
  EXPECT_EQ(version.calendar, rules.FindCalendar("test"));
  EXPECT_EQ(version.ladder, ladder);
  EXPECT_EQ(version.limit.ToString(), "3wd");
  ASSERT_EQ(version.steps.size(), 2u);
  EXPECT_EQ(version.steps[1].id, "appraisal");
  EXPECT_EQ(version.where.file, kProcedureFile);
  EXPECT_EQ(version.where.line, 1);
}

TEST(LoadRulesTest, NotValidYaml) {
  const RuleLoadResult result =
      LoadWithExtra("calendars/extra.yaml",
                    "kind: calendar\n"
                    "name: extra\n"
                    "working_week:\n"
                    "  monday: [\"07:30-11:30\", \"13:30-17:00\"\n"
                    "covers: {from: 2025-01-01}\n");
  // The unclosed list of line 4 is noticed where the next key begins.
  EXPECT_TRUE(
      HasOnlyError(result, "calendars/extra.yaml", 5, 1, "not valid YAML"));
}

TEST(LoadRulesTest, TextThatIsNotUtf8IsRefusedWhereItStands) {
  // A unit name with bytes ff fe: yaml-cpp would take it, and every
  // hand-over into the unit would fail later.
  EXPECT_TRUE(HasOnlyError(LoadWithExtra("calendars/extra.yaml",
                                         "kind: calendar\n"
                                         "name: \"\xff\xfe\"\n"),
                           "calendars/extra.yaml", 2, 8, "not UTF-8 text"));
  // An escape followed by a stray byte (the first of a character cut
  // short).
  EXPECT_TRUE(HasOnlyError(LoadWithExtra("calendars/extra.yaml",
                                         "kind: calendar\n"
                                         "name: \"a\\\xc3\"\n"),
                           "calendars/extra.yaml", 2, 10, "not UTF-8 text"));
  // An overlong encoding of "/", and a surrogate.
  EXPECT_TRUE(HasOnlyError(
      LoadWithExtra("calendars/extra.yaml", "kind: calendar\n# \xc0\xaf\n"),
      "calendars/extra.yaml", 2, 3, "not UTF-8 text"));
  EXPECT_TRUE(HasOnlyError(
      LoadWithExtra("calendars/extra.yaml", "kind: calendar\n# \xed\xa0\x80\n"),
      "calendars/extra.yaml", 2, 3, "not UTF-8 text"));
  // A NUL byte.
  EXPECT_TRUE(HasOnlyError(
      LoadWithExtra("calendars/extra.yaml",
                    std::string("kind: calendar\nname: a\0b\n", 25)),
      "calendars/extra.yaml", 2, 8, "control character U+0000"));
  // Vietnamese text is UTF-8 and loads (the shipped rules hold names such
  // as "Đăng ký"): only the bytes are checked, not the language.
  const RuleLoadResult vietnamese = LoadWithExtra(
      "calendars/extra.yaml", "kind: calendar\nname: \"Đăng ký\"\n");
  for (const RuleError& error : vietnamese.errors) {
    EXPECT_FALSE(absl::StrContains(error.message, "UTF-8")) << error.message;
  }
}

// A seed of the rules_fuzz corpus, by its name.
std::string RulesFuzzSeed(absl::string_view name) {
  const char* source = std::getenv("MOTCUA_SOURCE_DIR");
  if (source == nullptr) {
    ADD_FAILURE() << "MOTCUA_SOURCE_DIR is not set (run the test with ctest)";
    return "";
  }
  const std::string path =
      absl::StrCat(source, "/tests/fuzz/corpus/rules_fuzz/", name);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Loads `text` as calendars/vn-public-sector-0700.yaml beside the base rule
// set with at most ten seconds of CPU, and exits 0 when the one error is
// `message` at line:column (the errors are printed for the test's output).
[[noreturn]] void LoadBoundedAndExit(const std::string& text, int line,
                                     int column, const std::string& message) {
  const rlimit cpu{10, 10};
  setrlimit(RLIMIT_CPU, &cpu);
  const RuleLoadResult result =
      LoadWithExtra("calendars/vn-public-sector-0700.yaml", text);
  std::cerr << ErrorList(result);
  std::exit(HasOnlyError(result, "calendars/vn-public-sector-0700.yaml", line,
                         column, message)
                ? 0
                : 1);
}

// rules_fuzz found calendar files that yaml-cpp 0.7's LoadAll reads for
// ever: a flow list opened on line 1 ("[# ...") and closed on line 8, then a
// ",". The parser never takes the ",", so it hands back one more empty
// document each turn, and memory grows without bound (1.6 GiB in the
// fuzzer's ten seconds). The reader refuses the file at the ",". The load
// runs in a child process allowed ten seconds of CPU, the fuzzer's bound,
// so that without the refusal this test fails instead of filling memory.
TEST(LoadRulesTest, CommaOutsideAFlowListIsRefusedAtIt) {
  const std::string text =
      RulesFuzzSeed("comma-after-a-flow-list-closed-on-line-8.yaml");
  ASSERT_FALSE(text.empty());
  EXPECT_EXIT(LoadBoundedAndExit(text, 8, 16,
                                 "not valid YAML: a \",\" outside [ ] or { }"),
              ::testing::ExitedWithCode(0), "");
  // Anywhere in a file, and as the whole file.
  EXPECT_EXIT(LoadBoundedAndExit("[a]\n,\n", 2, 1,
                                 "not valid YAML: a \",\" outside [ ] or { }"),
              ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(LoadBoundedAndExit(",", 1, 1,
                                 "not valid YAML: a \",\" outside [ ] or { }"),
              ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(LoadBoundedAndExit("kind: calendar\n---\n{}\n ,", 4, 2,
                                 "not valid YAML: a \",\" outside [ ] or { }"),
              ::testing::ExitedWithCode(0), "");
}

TEST(LoadRulesTest, YamlMessagesQuotingHalfACharacterStayUtf8) {
  // yaml-cpp's "unknown escape character" quotes the one byte after the
  // backslash: here the first byte of "é".
  const RuleLoadResult result =
      LoadWithExtra("calendars/extra.yaml", "kind: calendar\nname: \"a\\é\"\n");
  ASSERT_FALSE(result.errors.empty());
  for (const RuleError& error : result.errors) {
    EXPECT_TRUE(IsValidUtf8(error.message)) << error.message;
  }
}

TEST(LoadRulesTest, MissingKind) {
  const RuleLoadResult result =
      LoadWithExtra("calendars/extra.yaml",
                    "# A calendar that forgot its kind.\n"
                    "name: extra\n"
                    "utc_offset: \"+07:00\"\n");
  EXPECT_TRUE(HasOnlyError(result, "calendars/extra.yaml", 2, 1,
                           "must be a mapping with \"kind\""));
}

TEST(LoadRulesTest, UnknownKind) {
  const RuleLoadResult result =
      LoadWithExtra("calendars/extra.yaml",
                    With(With(kCalendar, "kind: calendar", "kind: calender"),
                         "name: test", "name: extra"));
  EXPECT_TRUE(HasOnlyError(result, "calendars/extra.yaml", 1, 7,
                           "unknown kind \"calender\""));
}

TEST(LoadRulesTest, UnknownKeyInCalendar) {
  const RuleLoadResult result =
      LoadWithCalendar(absl::StrCat(kCalendar, "colour: blue\n"));
  EXPECT_TRUE(HasOnlyError(result, kCalendarFile, 24, 1,
                           "unknown key \"colour\" in calendar"));
}

TEST(LoadRulesTest, UnknownKeyInHoliday) {
  const RuleLoadResult result =
      LoadWithCalendar(With(kCalendar, "    name: New Year's Day\n",
                            "    name: New Year's Day\n    colour: red\n"));
  EXPECT_TRUE(HasOnlyError(result, kCalendarFile, 18, 5,
                           "unknown key \"colour\" in holiday"));
}

TEST(LoadRulesTest, UnknownKeyInProcedure) {
  const RuleLoadResult result =
      LoadWithProcedure(absl::StrCat(kProcedure, "colour: blue\n"));
  EXPECT_TRUE(HasOnlyError(result, kProcedureFile, 18, 1,
                           "unknown key \"colour\" in procedure"));
}

TEST(LoadRulesTest, UnknownKeyInStep) {
  const RuleLoadResult result = LoadWithProcedure(With(
      kProcedure, "    budget: 2wd\n", "    budget: 2wd\n    colour: blue\n"));
  EXPECT_TRUE(HasOnlyError(result, kProcedureFile, 18, 5,
                           "unknown key \"colour\" in step"));
}

TEST(LoadRulesTest, UnknownKeyInThreshold) {
  const RuleLoadResult result = LoadWithLadder(
      With(kLadder, "    level: 0\n", "    level: 0\n    colour: blue\n"));
  EXPECT_TRUE(HasOnlyError(result, kLadderFile, 7, 5,
                           "unknown key \"colour\" in threshold"));
}

TEST(LoadRulesTest, UnknownKeyInNotify) {
  const RuleLoadResult result = LoadWithLadder(
      With(kLadder, "      roles: [officer]\n",
           "      roles: [officer]\n      people: [nguyen-van-a]\n"));
  EXPECT_TRUE(HasOnlyError(result, kLadderFile, 9, 7,
                           "unknown key \"people\" in notify"));
}

TEST(LoadRulesTest, MissingRequiredKeyInProcedure) {
  // Reported at the mapping that lacks the key.
  const RuleLoadResult result =
      LoadWithProcedure(With(kProcedure, "supplement: pause\n", ""));
  EXPECT_TRUE(HasOnlyError(result, kProcedureFile, 1, 1,
                           "procedure is missing \"supplement\""));
}

TEST(LoadRulesTest, MissingRequiredKeyInStep) {
  const RuleLoadResult result =
      LoadWithProcedure(With(kProcedure, "    budget: 1wd\n", ""));
  EXPECT_TRUE(HasOnlyError(result, kProcedureFile, 12, 5,
                           "step is missing \"budget\""));
}

TEST(LoadRulesTest, MissingRequiredKeyInThreshold) {
  const RuleLoadResult result =
      LoadWithLadder(With(kLadder, "    event: deadline_approaching\n", ""));
  EXPECT_TRUE(HasOnlyError(result, kLadderFile, 4, 5,
                           "threshold is missing \"event\""));
}

TEST(LoadRulesTest, MissingRequiredKeyInCalendar) {
  const RuleLoadResult result =
      LoadWithCalendar(With(kCalendar, "utc_offset: \"+07:00\"\n", ""));
  EXPECT_TRUE(HasOnlyError(result, kCalendarFile, 1, 1,
                           "calendar is missing \"utc_offset\""));
}

TEST(LoadRulesTest, UnknownCalendar) {
  const RuleLoadResult result =
      LoadWithProcedure(With(kProcedure, "calendar: test", "calendar: tset"));
  EXPECT_TRUE(HasOnlyError(result, kProcedureFile, 7, 11,
                           "uses unknown calendar \"tset\""));
}

TEST(LoadRulesTest, UnknownEscalationLadder) {
  const RuleLoadResult result = LoadWithProcedure(
      With(kProcedure, "escalation: standard", "escalation: urgent"));
  EXPECT_TRUE(HasOnlyError(result, kProcedureFile, 10, 13,
                           "uses unknown escalation ladder \"urgent\""));
}

TEST(LoadRulesTest, CalendarExtendsUnknownCalendar) {
  std::vector<RuleSource> sources = BaseSources();
  sources.push_back(RuleSource{"calendars/child.yaml",
                               "kind: calendar\n"
                               "name: child\n"
                               "extends: ghost\n"});
  const RuleLoadResult result = LoadRules(sources);
  EXPECT_TRUE(HasOnlyError(result, "calendars/child.yaml", 3, 10,
                           "extends unknown calendar \"ghost\""));
}

TEST(LoadRulesTest, CalendarExtendsItself) {
  std::vector<RuleSource> sources = BaseSources();
  sources.push_back(RuleSource{"calendars/loop.yaml",
                               "kind: calendar\n"
                               "name: loop\n"
                               "extends: loop\n"});
  const RuleLoadResult result = LoadRules(sources);
  EXPECT_TRUE(
      HasOnlyError(result, "calendars/loop.yaml", 3, 10, "extends itself"));
}

TEST(LoadRulesTest, CalendarExtendsCycle) {
  // a extends b extends a: neither can be built, and the rule set must say
  // so rather than load without them.
  std::vector<RuleSource> sources = BaseSources();
  sources.push_back(RuleSource{"calendars/cycle.yaml",
                               "kind: calendar\n"
                               "name: a\n"
                               "extends: b\n"
                               "---\n"
                               "kind: calendar\n"
                               "name: b\n"
                               "extends: a\n"});
  // A procedure on calendar a must not silently disappear either.
  sources.push_back(RuleSource{
      "procedures/q.yaml",
      With(With(kProcedure, "code: \"1.000001\"", "code: \"1.000002\""),
           "calendar: test", "calendar: a")});
  const RuleLoadResult result = LoadRules(sources);
  ASSERT_EQ(result.rules, nullptr)
      << "a cycle of extends was accepted without an error: calendars "
      << result.rules->calendars().size() << ", procedure 1.000002 "
      << (result.rules->procedures().contains("1.000002") ? "loaded"
                                                          : "dropped");
  bool found = false;
  for (const RuleError& error : result.errors) {
    found = found ||
            Matches(error, "calendars/cycle.yaml", 3, 10, "extends itself") ||
            Matches(error, "calendars/cycle.yaml", 7, 10, "extends itself");
  }
  EXPECT_TRUE(found) << ErrorList(result);
}

TEST(LoadRulesTest, StepBudgetsExceedTheLimit) {
  // 2wd + 2wd in a 3wd limit: 30h of working time in 22h30.
  const RuleLoadResult result =
      LoadWithProcedure(With(kProcedure, "budget: 1wd", "budget: 2wd"));
  EXPECT_TRUE(HasOnlyError(result, kProcedureFile, 12, 3,
                           "the step budgets add up to 30h00m of working "
                           "time, more than the time limit 3wd (22h30m)"));
}

// A same-day procedure whose four steps take 8 working hours.
constexpr absl::string_view kSameDayProcedure = R"yaml(kind: procedure
code: "2.000635"
name: Copy of a civil-status extract
agency: ubnd-phuong
field: ho-tich
effective_from: 2025-01-01
calendar: test
time_limit: same-day
cutoff: "15:00"
supplement: pause
escalation: standard
steps:
  - {id: receipt, unit: mot-cua, budget: 2wh}
  - {id: appraisal, unit: tu-phap, budget: 3wh}
  - {id: signing, unit: lanh-dao, budget: 2wh}
  - {id: issuing, unit: mot-cua, budget: 1wh}
)yaml";

TEST(LoadRulesTest, SameDayStepsRefusedOnA7h30Calendar) {
  const RuleLoadResult result = LoadWithProcedure(kSameDayProcedure);
  EXPECT_TRUE(HasOnlyError(result, kProcedureFile, 13, 3,
                           "the step budgets add up to 8h00m of working time, "
                           "more than the time limit same-day (7h30m)"));
}

TEST(LoadRulesTest, SameDayStepsAcceptedOnAn8hCalendar) {
  std::vector<RuleSource> sources =
      Sources(kCalendar, kLadder,
              With(kSameDayProcedure, "calendar: test", "calendar: test-0700"));
  sources.push_back(
      RuleSource{"calendars/test-0700.yaml", std::string(kCalendar0700)});
  const RuleLoadResult result = LoadRules(sources);
  ASSERT_TRUE(Loads(result));
  absl::StatusOr<const ProcedureVersion*> version =
      result.rules->FindProcedure("2.000635", Local(2025, 3, 10, 9, 0));
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ((*version)->steps.size(), 4u);
  EXPECT_EQ((*version)->limit.cutoff_second, 15 * 3600);
  EXPECT_EQ((*version)->calendar->name(), "test-0700");
}

// Two versions of the base procedure in one file: the first until
// `until` (if any), the second from `from`.
std::string TwoVersions(absl::string_view until, absl::string_view from) {
  std::string first(kProcedure);
  if (!until.empty()) {
    first =
        With(first, "effective_from: 2025-01-01\n",
             absl::StrCat(
                 "effective_from: 2025-01-01\neffective_until: ", until, "\n"));
  }
  std::string second = With(With(kProcedure, "effective_from: 2025-01-01",
                                 absl::StrCat("effective_from: ", from)),
                            "time_limit: 3wd", "time_limit: 5wd");
  return absl::StrCat(first, "---\n", second);
}

TEST(LoadRulesTest, OverlappingEffectiveDates) {
  // The first version ends on the day the second begins. The first document
  // has 18 lines, "---" is line 19, the second's effective_from line 25.
  const RuleLoadResult result =
      LoadWithProcedure(TwoVersions("2025-06-30", "2025-06-30"));
  EXPECT_TRUE(HasOnlyError(result, kProcedureFile, 25, 17,
                           "procedure 1.000001 effective from 2025-06-30 "
                           "overlaps the version in force from 2025-01-01 "
                           "(procedures/p.yaml:1:1)"));
}

TEST(LoadRulesTest, OpenEndedVersionOverlapsALaterOne) {
  const RuleLoadResult result =
      LoadWithProcedure(TwoVersions("", "2025-07-01"));
  EXPECT_TRUE(HasOnlyError(result, kProcedureFile, 24, 17,
                           "effective from 2025-07-01 overlaps the version in "
                           "force from 2025-01-01"));
}

TEST(LoadRulesTest, DuplicateVersions) {
  std::vector<RuleSource> sources = BaseSources();
  sources.push_back(RuleSource{"procedures/p2.yaml", std::string(kProcedure)});
  const RuleLoadResult result = LoadRules(sources);
  EXPECT_TRUE(
      HasOnlyError(result, "procedures/p2.yaml", 6, 17,
                   "procedure 1.000001 effective from 2025-01-01 is a "
                   "duplicate of the version at procedures/p.yaml:1:1"));
}

TEST(LoadRulesTest, ImpossibleDates) {
  for (absl::string_view day :
       {"2025-02-30", "2025-13-01", "tomorrow", "2025-2-3", "2025-00-10"}) {
    SCOPED_TRACE(day);
    const RuleLoadResult result =
        LoadWithProcedure(With(kProcedure, "effective_from: 2025-01-01",
                               absl::StrCat("effective_from: ", day)));
    EXPECT_TRUE(HasOnlyError(
        result, kProcedureFile, 6, 17,
        absl::StrCat("\"effective_from\": \"", day, "\" is not a date")));
  }
  // Also in a calendar.
  const RuleLoadResult result = LoadWithCalendar(
      With(kCalendar, "  - date: 2025-01-01", "  - date: 2025-02-29"));
  EXPECT_TRUE(HasOnlyError(result, kCalendarFile, 16, 11,
                           "\"date\": \"2025-02-29\" is not a date"));
}

TEST(LoadRulesTest, BadDurations) {
  struct Case {
    absl::string_view text;
    absl::string_view phrase;
  };
  for (const Case& c : {
           Case{"\"-1wd\"", "\"time_limit\": invalid time limit \"-1wd\""},
           Case{"\"0wd\"",
                "\"time_limit\": invalid time limit \"0wd\": the "
                "amount must be positive"},
           Case{"\"\"", "\"time_limit\" is empty"},
           Case{"\"3xx\"", "\"time_limit\": invalid time limit \"3xx\""},
           Case{"3 wd", "\"time_limit\": invalid time limit \"3 wd\""},
       }) {
    SCOPED_TRACE(c.text);
    const RuleLoadResult result = LoadWithProcedure(With(
        kProcedure, "time_limit: 3wd", absl::StrCat("time_limit: ", c.text)));
    EXPECT_TRUE(HasOnlyError(result, kProcedureFile, 8, 13, c.phrase));
  }
  // A step budget is a duration too.
  const RuleLoadResult result =
      LoadWithProcedure(With(kProcedure, "budget: 1wd", "budget: \"0wh\""));
  EXPECT_TRUE(HasOnlyError(result, kProcedureFile, 14, 13,
                           "\"budget\": invalid time limit \"0wh\""));
}

TEST(LoadRulesTest, DuplicateCalendarNames) {
  std::vector<RuleSource> sources = BaseSources();
  sources.push_back(RuleSource{"calendars/copy.yaml", std::string(kCalendar)});
  const RuleLoadResult result = LoadRules(sources);
  EXPECT_TRUE(HasOnlyError(result, "calendars/copy.yaml", 1, 1,
                           "duplicate calendar name \"test\" (first defined "
                           "at calendars/test.yaml:1:1)"));
}

TEST(LoadRulesTest, DuplicateLadderNames) {
  std::vector<RuleSource> sources = BaseSources();
  sources.push_back(RuleSource{"ladders/copy.yaml", std::string(kLadder)});
  const RuleLoadResult result = LoadRules(sources);
  EXPECT_TRUE(HasOnlyError(result, "ladders/copy.yaml", 1, 1,
                           "duplicate escalation ladder name \"standard\" "
                           "(first defined at ladders/standard.yaml:1:1)"));
}

TEST(LoadRulesTest, DuplicateStepIds) {
  const RuleLoadResult result =
      LoadWithProcedure(With(kProcedure, "id: appraisal", "id: receipt"));
  EXPECT_TRUE(HasOnlyError(result, kProcedureFile, 15, 9,
                           "duplicate step id \"receipt\""));
}

// Found by fuzzing (tests/fuzz/rules_fuzz): every covered day is
// precomputed, so a calendar over millennia took seconds and hundreds of MiB
// at each load, and several such calendars a minute and gigabytes. A
// calendar covers at most thirty years, refused where `covers` is written.
TEST(LoadRulesTest, CoversAtMostThirtyYears) {
  const RuleLoadResult result =
      LoadWithCalendar(With(kCalendar, "  to: 2025-12-31", "  to: 9999-12-31"));
  EXPECT_TRUE(HasOnlyError(result, kCalendarFile, 5, 3,
                           "covers: 2912808 days, more than the 10980 "
                           "(thirty years) a calendar may cover"))
      << ErrorList(result);
  EXPECT_TRUE(HasOnlyError(
      LoadWithCalendar(With(kCalendar, "  to: 2025-12-31", "  to: 2124-12-31")),
      kCalendarFile, 5, 3,
      "covers: 36524 days, more than the 10980 (thirty years) a calendar may "
      "cover"));
  EXPECT_EQ(
      LoadWithCalendar(With(kCalendar, "  to: 2025-12-31", "  to: 2054-12-31"))
          .errors.size(),
      0u);
}

// Found by fuzzing: many calendars of up to a century each, a few lines
// apiece with "extends", took over 10 s and 1.5 GiB under AddressSanitizer.
// All the calendars of a rule set cover at most a century together.
TEST(LoadRulesTest, CalendarsCoverAtMostACenturyTogether) {
  std::vector<RuleSource> sources = BaseSources();
  for (int i = 0; i < 4; ++i) {
    sources.push_back(RuleSource{
        absl::StrCat("calendars/long-", i, ".yaml"),
        absl::StrCat("kind: calendar\nname: long-", i,
                     "\nextends: test\ncovers:\n  from: 2000-01-01\n  to: "
                     "2029-12-31\n")});
  }
  const RuleLoadResult result = LoadRules(sources);
  EXPECT_TRUE(HasError(result, "calendars/long-3.yaml", 1, 1,
                       "calendar long-3: the calendars cover 43832 days "
                       "together, more than the 36600 (a century) a rule set "
                       "may hold"))
      << ErrorList(result);
  sources.pop_back();
  EXPECT_EQ(LoadRules(sources).errors.size(), 0u) << ErrorList(result);
}

// Found by fuzzing: a year "-001" or a month "+1" passed as numbers.
TEST(LoadRulesTest, DayWithSignsIsNotADate) {
  for (absl::string_view day : {"-001-01-01", "2025-+1-01", "2025-01- 1"}) {
    SCOPED_TRACE(day);
    const RuleLoadResult result =
        LoadWithCalendar(With(kCalendar, "  from: 2025-01-01",
                              absl::StrCat("  from: \"", day, "\"")));
    EXPECT_TRUE(HasError(result, kCalendarFile, 5, 9, "is not a date"));
  }
}

TEST(LoadRulesTest, PeriodsOutOfOrder) {
  const RuleLoadResult result = LoadWithCalendar(
      With(kCalendar, R"(monday: ["07:30-11:30", "13:30-17:00"])",
           R"(monday: ["13:30-17:00", "07:30-11:30"])"));
  EXPECT_TRUE(HasOnlyError(result, kCalendarFile, 8, 27,
                           "monday: period 07:30-11:30 overlaps or precedes "
                           "the period before it"));
}

TEST(LoadRulesTest, PeriodsOverlapping) {
  const RuleLoadResult result = LoadWithCalendar(
      With(kCalendar, R"(monday: ["07:30-11:30", "13:30-17:00"])",
           R"(monday: ["07:30-12:00", "11:30-17:00"])"));
  EXPECT_TRUE(HasOnlyError(result, kCalendarFile, 8, 27,
                           "monday: period 11:30-17:00 overlaps or precedes "
                           "the period before it"));
}

TEST(LoadRulesTest, PeriodsEmpty) {
  for (absl::string_view period : {"07:30-07:30", "17:00-13:30"}) {
    SCOPED_TRACE(period);
    const RuleLoadResult result = LoadWithCalendar(
        With(kCalendar, R"(monday: ["07:30-11:30", "13:30-17:00"])",
             absl::StrCat("monday: [\"", period, "\"]")));
    EXPECT_TRUE(
        HasOnlyError(result, kCalendarFile, 8, 12,
                     absl::StrCat("monday: period ", period,
                                  " is empty or ends before it starts")));
  }
  // Not a period at all.
  const RuleLoadResult result = LoadWithCalendar(
      With(kCalendar, R"(monday: ["07:30-11:30", "13:30-17:00"])",
           R"(monday: ["07:30-11:30", "13:30-25:00"])"));
  EXPECT_TRUE(HasOnlyError(result, kCalendarFile, 8, 27,
                           "\"13:30-25:00\" is not a period"));
}

TEST(LoadRulesTest, HolidayOutsideCovers) {
  // Found when the calendar is built: reported at the calendar's document.
  const RuleLoadResult result = LoadWithCalendar(
      With(kCalendar, "  - date: 2025-01-01", "  - date: 2026-01-01"));
  EXPECT_TRUE(HasOnlyError(result, kCalendarFile, 1, 1,
                           "holiday New Year's Day (2026-01-01) is outside "
                           "the covered range 2025-01-01..2025-12-31"));
}

TEST(LoadRulesTest, MakeUpDayThatIsAlsoAHoliday) {
  const RuleLoadResult result = LoadWithCalendar(
      With(kCalendar, "  - date: 2025-04-26", "  - date: 2025-01-29"));
  EXPECT_TRUE(HasOnlyError(result, kCalendarFile, 1, 1,
                           "2025-01-29 is both a holiday and a make-up day"));
}

TEST(LoadRulesTest, EffectiveUntilBeforeEffectiveFrom) {
  const RuleLoadResult result = LoadWithProcedure(
      With(kProcedure, "effective_from: 2025-01-01\n",
           "effective_from: 2025-01-01\neffective_until: 2024-12-31\n"));
  EXPECT_TRUE(HasOnlyError(result, kProcedureFile, 7, 18,
                           "\"effective_until\" is before \"effective_from\""));
}

TEST(LoadRulesTest, BadCutoff) {
  const RuleLoadResult result =
      LoadWithProcedure(With(kProcedure, "supplement: pause\n",
                             "cutoff: \"25:00\"\nsupplement: pause\n"));
  EXPECT_TRUE(HasOnlyError(result, kProcedureFile, 9, 9,
                           "\"cutoff\": invalid clock time \"25:00\""));
}

TEST(LoadRulesTest, BadSupplementPolicy) {
  const RuleLoadResult result = LoadWithProcedure(
      With(kProcedure, "supplement: pause", "supplement: suspend"));
  EXPECT_TRUE(HasOnlyError(result, kProcedureFile, 9, 13,
                           "\"supplement\" must be pause or restart, not "
                           "\"suspend\""));
}

TEST(LoadRulesTest, ThresholdAtValidForms) {
  struct Case {
    absl::string_view at;
    ThresholdPoint::Basis basis;
    double share;
    WorkingOffset offset;
    absl::string_view text;
  };
  using Basis = ThresholdPoint::Basis;
  for (const Case& c : {
           Case{"50%", Basis::kShareOfLimit, 0.5, {}, "50%"},
           Case{"100%", Basis::kShareOfLimit, 1.0, {}, "100%"},
           Case{"due",
                Basis::kRelativeToDue,
                0,
                {LimitUnit::kWorkingDays, 0},
                "due"},
           Case{"due + 2wd",
                Basis::kRelativeToDue,
                0,
                {LimitUnit::kWorkingDays, 2},
                "due + 2wd"},
           Case{"due - 4wh",
                Basis::kRelativeToDue,
                0,
                {LimitUnit::kWorkingHours, -4},
                "due - 4wh"},
       }) {
    SCOPED_TRACE(c.at);
    const RuleLoadResult result = LoadWithLadder(
        With(kLadder, "at: \"50%\"", absl::StrCat("at: \"", c.at, "\"")));
    ASSERT_TRUE(Loads(result));
    const EscalationLadder* ladder = result.rules->FindLadder("standard");
    ASSERT_NE(ladder, nullptr);
    const ThresholdPoint& point = ladder->thresholds[0].at;
    EXPECT_EQ(point.basis, c.basis);
    if (c.basis == Basis::kShareOfLimit) {
      EXPECT_DOUBLE_EQ(point.share, c.share);
    } else {
      EXPECT_EQ(point.offset, c.offset);
    }
    EXPECT_EQ(point.ToString(), c.text);
  }
}

TEST(LoadRulesTest, ThresholdAtInvalidForms) {
  struct Case {
    absl::string_view at;
    absl::string_view phrase;
  };
  for (const Case& c : {
           Case{"150%", "\"at\": \"150%\" is not a share"},
           Case{"0%", "\"at\": \"0%\" is not a share"},
           Case{"due + 3cd",
                "\"at\": \"due + 3cd\": the offset must be Nwd "
                "or Nwh"},
           Case{"due + 0wd", "\"at\": \"due + 0wd\": the offset must be"},
           Case{"soon", "\"at\": \"soon\" is neither a share"},
           Case{"due 2wd", "\"at\": \"due 2wd\": expected \"due + N\""},
       }) {
    SCOPED_TRACE(c.at);
    const RuleLoadResult result = LoadWithLadder(
        With(kLadder, "at: \"50%\"", absl::StrCat("at: \"", c.at, "\"")));
    EXPECT_TRUE(HasOnlyError(result, kLadderFile, 4, 9, c.phrase));
  }
}

// Unit names keep the safe-text rule of dossier codes: no control or format
// character (a right-to-left override, a zero-width space, a byte-order
// mark), no other separator, no space at either end; each refused at the
// value's file:line:column.
TEST(LoadRulesTest, UnitNamesRefuseLookAlikes) {
  struct Case {
    const char* unit;
    const char* phrase;
  };
  const Case cases[] = {
      {"\"tu\u202Ephap\"", "must not contain U+202E"},
      {"\"tu\u200Bphap\"", "must not contain U+200B"},
      {"\"\uFEFFtu-phap\"", "must not contain U+FEFF"},
      {"\"tu\u00A0phap\"", "must not contain U+00A0"},
      {"\"tu-phap \"", "must not begin or end with a space"},
      {"\"tu\\tphap\"", "must not contain control characters"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.unit);
    // The second step's unit, line 16 column 11.
    const RuleLoadResult step = LoadWithProcedure(
        With(kProcedure, "unit: tu-phap", absl::StrCat("unit: ", c.unit)));
    EXPECT_TRUE(
        HasOnlyError(step, kProcedureFile, 16, 11,
                     absl::StrCat("\"unit\": a unit's name ", c.phrase)));
    // A ladder's notified unit, line 14 column 26.
    const RuleLoadResult notify =
        LoadWithLadder(With(kLadder, "units: [van-phong]",
                            absl::StrCat("units: [van-phong, ", c.unit, "]")));
    EXPECT_TRUE(
        HasOnlyError(notify, kLadderFile, 14, 26,
                     absl::StrCat("\"units\": a unit's name ", c.phrase)));
  }
  // Vietnamese letters are no look-alikes.
  EXPECT_TRUE(Loads(LoadWithProcedure(
      With(kProcedure, "unit: tu-phap", "unit: \"phòng tư pháp\""))));
}

TEST(LoadRulesTest, SeveralErrorsAreAllReported) {
  std::vector<RuleSource> sources =
      Sources(absl::StrCat(kCalendar, "colour: blue\n"),
              With(kLadder, "at: \"50%\"", "at: \"soon\""),
              With(kProcedure, "time_limit: 3wd", "time_limit: 3xx"));
  sources.push_back(RuleSource{
      "procedures/q.yaml",
      With(With(kProcedure, "code: \"1.000001\"", "code: \"1.000002\""),
           "calendar: test", "calendar: tset")});
  const RuleLoadResult result = LoadRules(sources);
  EXPECT_EQ(result.rules, nullptr);
  EXPECT_EQ(result.errors.size(), 4u) << ErrorList(result);
  EXPECT_TRUE(HasError(result, kCalendarFile, 24, 1, "unknown key \"colour\""));
  EXPECT_TRUE(HasError(result, kLadderFile, 4, 9, "\"soon\""));
  EXPECT_TRUE(
      HasError(result, kProcedureFile, 8, 13, "invalid time limit \"3xx\""));
  EXPECT_TRUE(HasError(result, "procedures/q.yaml", 7, 11,
                       "uses unknown calendar \"tset\""));
  for (const RuleError& error : result.errors) {
    EXPECT_EQ(error.ToString(),
              absl::StrCat(error.where.file, ":", error.where.line, ":",
                           error.where.column, ": ", error.message));
  }
}

TEST(FindProcedureTest, VersionInForceByEffectiveDate) {
  const RuleLoadResult result =
      LoadWithProcedure(TwoVersions("2025-06-30", "2025-07-01"));
  ASSERT_TRUE(Loads(result));
  const RuleSet& rules = *result.rules;
  ASSERT_EQ(rules.procedures().at("1.000001").size(), 2u);

  absl::StatusOr<const ProcedureVersion*> unknown =
      rules.FindProcedure("9.999999", Local(2025, 3, 10, 9, 0));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);

  absl::StatusOr<const ProcedureVersion*> before =
      rules.FindProcedure("1.000001", Local(2024, 12, 31, 23, 59, 59));
  EXPECT_EQ(before.status().code(), absl::StatusCode::kFailedPrecondition)
      << before.status();

  absl::StatusOr<const ProcedureVersion*> first_day =
      rules.FindProcedure("1.000001", Local(2025, 1, 1, 0, 0));
  ASSERT_TRUE(first_day.ok()) << first_day.status();
  EXPECT_EQ((*first_day)->limit.ToString(), "3wd");

  absl::StatusOr<const ProcedureVersion*> last_day =
      rules.FindProcedure("1.000001", Local(2025, 6, 30, 23, 59, 59));
  ASSERT_TRUE(last_day.ok()) << last_day.status();
  EXPECT_EQ((*last_day)->limit.ToString(), "3wd");
  EXPECT_EQ((*last_day)->effective_until, absl::CivilDay(2025, 6, 30));

  absl::StatusOr<const ProcedureVersion*> next_day =
      rules.FindProcedure("1.000001", Local(2025, 7, 1, 0, 0));
  ASSERT_TRUE(next_day.ok()) << next_day.status();
  EXPECT_EQ((*next_day)->limit.ToString(), "5wd");
  EXPECT_EQ((*next_day)->effective_from, absl::CivilDay(2025, 7, 1));

  // The day is the calendar's local day: 17:30 UTC on 30 June is 00:30 on
  // 1 July in UTC+07:00.
  absl::StatusOr<const ProcedureVersion*> utc = rules.FindProcedure(
      "1.000001", absl::FromCivil(absl::CivilSecond(2025, 6, 30, 17, 30, 0),
                                  absl::UTCTimeZone()));
  ASSERT_TRUE(utc.ok()) << utc.status();
  EXPECT_EQ((*utc)->limit.ToString(), "5wd");

  EXPECT_EQ(rules.FindProcedureVersion("1.000001", absl::CivilDay(2025, 7, 1)),
            *next_day);
  EXPECT_EQ(rules.FindProcedureVersion("1.000001", absl::CivilDay(2025, 1, 1)),
            *first_day);
  EXPECT_EQ(rules.FindProcedureVersion("1.000001", absl::CivilDay(2025, 7, 2)),
            nullptr);
  EXPECT_EQ(rules.FindProcedureVersion("9.999999", absl::CivilDay(2025, 7, 1)),
            nullptr);
}

TEST(FindProcedureTest, NoVersionInForceInAGap) {
  const RuleLoadResult result =
      LoadWithProcedure(TwoVersions("2025-03-31", "2025-05-01"));
  ASSERT_TRUE(Loads(result));
  absl::StatusOr<const ProcedureVersion*> gap =
      result.rules->FindProcedure("1.000001", Local(2025, 4, 15, 9, 0));
  EXPECT_EQ(gap.status().code(), absl::StatusCode::kFailedPrecondition)
      << gap.status();
}

TEST(CalendarExtendsTest, InheritsHolidaysAndOverridesHours) {
  std::vector<RuleSource> sources = BaseSources();
  sources.push_back(
      RuleSource{"calendars/test-0700.yaml", std::string(kCalendar0700)});
  const RuleLoadResult result = LoadRules(sources);
  ASSERT_TRUE(Loads(result));
  const Calendar* parent = result.rules->FindCalendar("test");
  const Calendar* child = result.rules->FindCalendar("test-0700");
  ASSERT_NE(parent, nullptr);
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(child->name(), "test-0700");

  // Offset and covered range inherited.
  EXPECT_EQ(child->spec().utc_offset_seconds, 7 * 3600);
  EXPECT_EQ(child->spec().first_day, absl::CivilDay(2025, 1, 1));
  EXPECT_EQ(child->spec().last_day, absl::CivilDay(2025, 12, 31));

  // Holidays inherited, plus the child's own.
  EXPECT_FALSE(child->IsWorkingDay(absl::CivilDay(2025, 1, 1)));
  EXPECT_FALSE(child->IsWorkingDay(absl::CivilDay(2025, 1, 29)));
  EXPECT_FALSE(child->IsWorkingDay(absl::CivilDay(2025, 3, 14)));
  EXPECT_TRUE(parent->IsWorkingDay(absl::CivilDay(2025, 3, 14)));
  EXPECT_EQ(child->spec().holidays.size(), 3u);

  // Hours overridden; weekend inherited; the make-up Saturday is worked like
  // the child's Monday.
  const absl::CivilDay monday(2025, 3, 10);
  ASSERT_EQ(child->PeriodsOf(monday).size(), 2u);
  EXPECT_EQ(child->PeriodsOf(monday)[0].start_second, 7 * 3600);
  EXPECT_EQ(parent->PeriodsOf(monday)[0].start_second, 7 * 3600 + 1800);
  EXPECT_EQ(child->NominalWorkingDay(), absl::Hours(8));
  EXPECT_EQ(parent->NominalWorkingDay(), absl::Hours(7) + absl::Minutes(30));
  EXPECT_FALSE(child->IsWorkingDay(absl::CivilDay(2025, 3, 15)));
  const absl::CivilDay make_up(2025, 4, 26);
  ASSERT_TRUE(child->IsWorkingDay(make_up));
  EXPECT_EQ(child->PeriodsOf(make_up)[0].start_second, 7 * 3600);
}

TEST(RuleSetVersionTest, StableInAnyOrderAndChangesWithOneByte) {
  const RuleLoadResult base = LoadRules(BaseSources());
  ASSERT_TRUE(Loads(base));
  const std::string version = base.rules->version();
  EXPECT_EQ(version.size(), 64u);
  EXPECT_EQ(version.find_first_not_of("0123456789abcdef"), std::string::npos)
      << version;

  std::vector<RuleSource> reversed = BaseSources();
  std::swap(reversed[0], reversed[2]);
  const RuleLoadResult reordered = LoadRules(reversed);
  ASSERT_TRUE(Loads(reordered));
  EXPECT_EQ(reordered.rules->version(), version);

  const RuleLoadResult again = LoadRules(BaseSources());
  ASSERT_TRUE(Loads(again));
  EXPECT_EQ(again.rules->version(), version);

  const RuleLoadResult changed = LoadWithProcedure(
      With(kProcedure, "name: Test procedure", "name: Test procedurE"));
  ASSERT_TRUE(Loads(changed));
  EXPECT_NE(changed.rules->version(), version);

  // The path counts too.
  std::vector<RuleSource> renamed = BaseSources();
  renamed[2].path = "procedures/q.yaml";
  const RuleLoadResult moved = LoadRules(renamed);
  ASSERT_TRUE(Loads(moved));
  EXPECT_NE(moved.rules->version(), version);
}

TEST(ThresholdTimeTest, ShareAndRelativeToDue) {
  const RuleLoadResult result = LoadRules(BaseSources());
  ASSERT_TRUE(Loads(result));
  const Calendar& calendar = *result.rules->FindCalendar("test");
  // Monday 10:00 to Wednesday 10:00: 5h + 7h30 + 2h30 = 15h of working time.
  const absl::Time start = Local(2025, 3, 10, 10, 0);
  const absl::Time due = Local(2025, 3, 12, 10, 0);

  ThresholdPoint half;
  half.basis = ThresholdPoint::Basis::kShareOfLimit;
  half.share = 0.5;
  absl::StatusOr<absl::Time> at_half =
      ThresholdTime(calendar, half, start, due);
  ASSERT_TRUE(at_half.ok()) << at_half.status();
  EXPECT_EQ(*at_half, Local(2025, 3, 11, 10, 0));  // 5h Monday + 2h30 Tuesday

  ThresholdPoint after;
  after.basis = ThresholdPoint::Basis::kRelativeToDue;
  after.offset = WorkingOffset{LimitUnit::kWorkingDays, 1};
  absl::StatusOr<absl::Time> at_after =
      ThresholdTime(calendar, after, start, due);
  ASSERT_TRUE(at_after.ok()) << at_after.status();
  EXPECT_EQ(*at_after, Local(2025, 3, 13, 10, 0));

  ThresholdPoint before;
  before.basis = ThresholdPoint::Basis::kRelativeToDue;
  before.offset = WorkingOffset{LimitUnit::kWorkingHours, -4};
  absl::StatusOr<absl::Time> at_before =
      ThresholdTime(calendar, before, start, due);
  ASSERT_TRUE(at_before.ok()) << at_before.status();
  // 2h30 back to Wednesday 07:30, 1h30 more back from Tuesday 17:00.
  EXPECT_EQ(*at_before, Local(2025, 3, 11, 15, 30));

  ThresholdPoint at_due;
  at_due.basis = ThresholdPoint::Basis::kRelativeToDue;
  absl::StatusOr<absl::Time> at_due_time =
      ThresholdTime(calendar, at_due, start, due);
  ASSERT_TRUE(at_due_time.ok()) << at_due_time.status();
  EXPECT_EQ(*at_due_time, due);
}

TEST(ShippedRulesTest, LoadWithoutErrors) {
  const char* source_dir = std::getenv("MOTCUA_SOURCE_DIR");
  ASSERT_NE(source_dir, nullptr) << "MOTCUA_SOURCE_DIR is not set";
  const RuleLoadResult result =
      LoadRulesFromDirectory(std::string(source_dir) + "/rules");
  ASSERT_TRUE(Loads(result));
  const RuleSet& rules = *result.rules;
  EXPECT_NE(rules.FindCalendar("vn-public-sector"), nullptr);
  EXPECT_NE(rules.FindCalendar("vn-public-sector-0700"), nullptr);
  EXPECT_NE(rules.FindLadder("standard"), nullptr);
  const auto versions = rules.procedures().find("2.000635");
  ASSERT_NE(versions, rules.procedures().end());
  EXPECT_EQ(versions->second.size(), 2u);
}

TEST(ShippedRulesTest, MissingDirectoryIsOneError) {
  const RuleLoadResult result =
      LoadRulesFromDirectory("no-such-directory-for-motcua-tests");
  EXPECT_EQ(result.rules, nullptr);
  EXPECT_EQ(result.errors.size(), 1u) << ErrorList(result);
}

// A rules directory is read in the order of its paths, whatever order the
// file system lists it in: the errors of several files come out in that
// order, every time.
TEST(ShippedRulesTest, ADirectorysFilesAndErrorsComeInPathOrder) {
  namespace fs = std::filesystem;
  const test_support::TempDir temp;
  const fs::path& directory = temp.path();
  fs::create_directories(directory / "b");
  for (const char* name : {"z.yaml", "b/m.yml", "a.yaml", "b/c.yaml"}) {
    std::ofstream(directory / name) << "kind: nothing-known\n";
  }
  std::ofstream(directory / "notes.txt") << "not a rule file\n";
  const RuleFiles files = ReadRuleFiles(directory.string());
  std::vector<std::string> paths;
  for (const RuleSource& source : files.sources) paths.push_back(source.path);
  EXPECT_THAT(paths,
              testing::ElementsAre("a.yaml", "b/c.yaml", "b/m.yml", "z.yaml"));
  const RuleLoadResult result = LoadRulesFromDirectory(directory.string());
  std::vector<std::string> errors;
  for (const RuleError& error : result.errors) {
    errors.push_back(error.where.file);
  }
  EXPECT_THAT(errors,
              testing::ElementsAre("a.yaml", "b/c.yaml", "b/m.yml", "z.yaml"));
}

// --- Step budgets against the time limit, over the receipt times of a day ---

// The city's 2+3+2+1 working hours fit an 8-hour day, so the rule set is
// valid; but received after 07:00 on a same-day limit the steps cannot end
// by 17:00, and at 14:59 (the last receipt before the cut-off) they overrun
// by most.
TEST(StepFitWarningsTest, SameDayStepsThatFitOnlyAnEarlyReceiptAreWarned) {
  std::vector<RuleSource> sources =
      Sources(kCalendar, kLadder,
              With(kSameDayProcedure, "calendar: test", "calendar: test-0700"));
  sources.push_back(
      RuleSource{"calendars/test-0700.yaml", std::string(kCalendar0700)});
  const RuleLoadResult result = LoadRules(sources);
  ASSERT_TRUE(Loads(result));
  const std::vector<RuleError> warnings = StepFitWarnings(*result.rules);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].where.file, kProcedureFile);
  EXPECT_TRUE(absl::StrContains(warnings[0].message, "procedure 2.000635"))
      << warnings[0].message;
  EXPECT_TRUE(absl::StrContains(warnings[0].message, "version from 2025-01-01"))
      << warnings[0].message;
  EXPECT_TRUE(
      absl::StrContains(warnings[0].message,
                        "the step budgets (8h00m of working time) do not fit "
                        "the time limit same-day (cut-off 15:00) for a "
                        "receipt at 07:01 and later; worst at 14:59"))
      << warnings[0].message;
  EXPECT_TRUE(
      absl::StrContains(warnings[0].message, "past the dossier's due time"))
      << warnings[0].message;
}

TEST(StepFitWarningsTest, BudgetsThatFitEveryReceiptTimeAreNotWarned) {
  std::vector<RuleSource> sources =
      Sources(kCalendar, kLadder,
              With(With(With(With(With(kSameDayProcedure, "calendar: test",
                                       "calendar: test-0700"),
                                  "budget: 2wh}\n  - {id: appraisal",
                                  "budget: 30wm}\n  - {id: appraisal"),
                             "budget: 3wh", "budget: 45wm"),
                        "budget: 2wh", "budget: 30wm"),
                   "budget: 1wh", "budget: 15wm"));
  sources.push_back(
      RuleSource{"calendars/test-0700.yaml", std::string(kCalendar0700)});
  const RuleLoadResult result = LoadRules(sources);
  ASSERT_TRUE(Loads(result));
  EXPECT_TRUE(StepFitWarnings(*result.rules).empty());
  // Working days: 1wd of steps in a 3wd limit fits any receipt.
  const RuleLoadResult working_days = LoadWithProcedure(kProcedure);
  ASSERT_TRUE(Loads(working_days));
  EXPECT_TRUE(StepFitWarnings(*working_days.rules).empty());
}

TEST(StepFitWarningsTest, TheShippedRulesFitEveryReceiptTime) {
  const char* source_dir = std::getenv("MOTCUA_SOURCE_DIR");
  ASSERT_NE(source_dir, nullptr) << "MOTCUA_SOURCE_DIR is not set";
  const RuleLoadResult result =
      LoadRulesFromDirectory(std::string(source_dir) + "/rules");
  ASSERT_TRUE(Loads(result));
  for (const RuleError& warning : StepFitWarnings(*result.rules)) {
    ADD_FAILURE() << warning.ToString();
  }
}

// The shipped 2.000635 as it was before its budgets were scaled: one city's
// 2+3+2+1 working hours. Both versions (2018 and 2025) are warned, each at
// its own document.
TEST(StepFitWarningsTest, TheCitysWholeDayBudgetsAreWarnedInBothVersions) {
  namespace fs = std::filesystem;
  const char* source_dir = std::getenv("MOTCUA_SOURCE_DIR");
  ASSERT_NE(source_dir, nullptr) << "MOTCUA_SOURCE_DIR is not set";
  const test_support::TempDir temp;
  const fs::path copy = temp.path() / "rules";
  fs::copy(fs::path(source_dir) / "rules", copy, fs::copy_options::recursive);
  const fs::path file =
      copy / "procedures" / "2.000635-ban-sao-trich-luc-ho-tich.yaml";
  std::string text;
  {
    std::ifstream in(file);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  for (const auto& [from, to] : {std::pair{"budget: 30wm\n  - id: appraisal",
                                           "budget: 2wh\n  - id: appraisal"},
                                 std::pair{"budget: 45wm", "budget: 3wh"},
                                 std::pair{"budget: 30wm", "budget: 2wh"},
                                 std::pair{"budget: 15wm", "budget: 1wh"}}) {
    for (size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at)) {
      text.replace(at, std::string(from).size(), to);
    }
  }
  std::ofstream(file, std::ios::trunc) << text;
  const RuleLoadResult result = LoadRulesFromDirectory(copy.string());
  ASSERT_TRUE(Loads(result));
  const std::vector<RuleError> warnings = StepFitWarnings(*result.rules);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_TRUE(
      absl::StrContains(warnings[0].message, "(version from 2018-06-21)"))
      << warnings[0].message;
  EXPECT_TRUE(
      absl::StrContains(warnings[1].message, "(version from 2025-07-01)"))
      << warnings[1].message;
  for (const RuleError& warning : warnings) {
    EXPECT_EQ(warning.where.file,
              "procedures/2.000635-ban-sao-trich-luc-ho-tich.yaml");
    EXPECT_TRUE(absl::StrContains(warning.message,
                                  "for a receipt at 07:01 and later; worst "
                                  "at 14:59"))
        << warning.message;
  }
}

TEST(PlanStepsTest, EachStepStartsWhenTheOneBeforeIsDue) {
  const RuleLoadResult result = LoadWithProcedure(kProcedure);
  ASSERT_TRUE(Loads(result));
  absl::StatusOr<const ProcedureVersion*> version =
      result.rules->FindProcedure("1.000001", Local(2025, 3, 10, 9, 0));
  ASSERT_TRUE(version.ok()) << version.status();
  absl::StatusOr<std::vector<PlannedStep>> steps =
      PlanSteps(**version, Local(2025, 3, 10, 9, 0));
  ASSERT_TRUE(steps.ok()) << steps.status();
  ASSERT_FALSE(steps->empty());
  EXPECT_EQ(steps->front().start, Local(2025, 3, 10, 9, 0));
  for (size_t i = 1; i < steps->size(); ++i) {
    EXPECT_GE((*steps)[i].start, (*steps)[i - 1].due);
  }
}

}  // namespace
}  // namespace motcua
