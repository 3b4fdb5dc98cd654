#ifndef MOTCUA_TESTS_STORE_STORE_TEST_SUPPORT_H_
#define MOTCUA_TESTS_STORE_STORE_TEST_SUPPORT_H_

// Shared by the store's tests: a fresh temporary directory per test, the
// shipped rules, and commands with the fields tests do not care about filled.

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/lifecycle.h"
#include "engine/rules.h"
#include "gtest/gtest.h"
#include "store/event_store.h"
#include "tests/shipped_rules.h"

namespace motcua::store::testing {

// A directory that exists for the test's lifetime.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "motcua-store-XXXXXX")
            .string();
    const char* made = mkdtemp(pattern.data());
    if (made == nullptr) {
      ADD_FAILURE() << "cannot make a temporary directory";
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string File(const std::string& name) const {
    return (std::filesystem::path(path_) / name).string();
  }

 private:
  std::string path_;
};

// The rules that ship in rules/, loaded once per process.
inline std::shared_ptr<const RuleSet> ShippedRules() {
  static const std::shared_ptr<const RuleSet> rules(
      test_support::LoadShippedRules());
  return rules;
}

// Monday 2025-09-08, 09:00 in Vietnam: a working morning.
inline absl::Time MondayMorning() {
  return absl::FromCivil(absl::CivilMinute(2025, 9, 8, 9, 0),
                         absl::FixedTimeZone(7 * 3600));
}

// A procedure with an internal process of five steps; pause on supplement.
inline constexpr char kLandProcedure[] = "local.dang-ky-bien-dong-dat-dai";
// A procedure without steps; restart on supplement.
inline constexpr char kBusinessProcedure[] = "local.doanh-nghiep";

inline CommandRequest Request(const std::string& code, Action action,
                              std::string request_id = "",
                              std::optional<int64_t> expected_version = {}) {
  CommandRequest request;
  request.command.dossier_code = code;
  request.command.action = std::move(action);
  request.command.actor = "officer.test";
  request.request_id = std::move(request_id);
  request.expected_version = expected_version;
  return request;
}

inline SubmitAction Submission(absl::Time received_at,
                               const std::string& procedure = kLandProcedure,
                               const std::string& summary = "test dossier") {
  SubmitAction submit;
  submit.procedure_code = procedure;
  submit.agency = "so-nong-nghiep-moi-truong";
  submit.channel = Channel::kOnline;
  submit.received_at = received_at;
  submit.summary = summary;
  // The store's tests receive dossiers at any time before their clock; the
  // backdating bound is the engine's and the server's to test
  // (late_entry_test, backdate_test): a bound past the calendar's range
  // takes every receipt as in time.
  submit.policy.max_backdate =
      TimeLimit{LimitUnit::kCalendarDays, 100000, std::nullopt};
  return submit;
}

inline StoreOptions OptionsFor(const std::string& path) {
  StoreOptions options;
  options.path = path;
  return options;
}

}  // namespace motcua::store::testing

#endif  // MOTCUA_TESTS_STORE_STORE_TEST_SUPPORT_H_
