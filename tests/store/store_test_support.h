#ifndef MOTCUA_TESTS_STORE_STORE_TEST_SUPPORT_H_
#define MOTCUA_TESTS_STORE_STORE_TEST_SUPPORT_H_

// Shared by the store's tests: commands with the fields tests do not care
// about filled. The temporary directory and the shipped rules are those of
// every test (tests/testing/).

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/lifecycle.h"
#include "engine/rules.h"
#include "gtest/gtest.h"
#include "store/command_sink.h"
#include "store/event_store.h"
#include "tests/testing/shipped_rules.h"
#include "tests/testing/temp_dir.h"

namespace motcua::store::testing {

using ::motcua::test_support::TempDir;

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

using ::motcua::test_support::kBusinessProcedure;
using ::motcua::test_support::kLandProcedure;

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

// Queues every request, in order, runs `queued` (e.g. to let a held writer
// go), and waits for all their outcomes (each at its request's place).
// Execute refusing one fails the test.
inline std::vector<CommandOutcome> ExecuteAll(
    CommandSink& sink, const std::vector<CommandRequest>& requests,
    const std::function<void()>& queued = [] {}) {
  std::vector<CommandOutcome> outcomes(requests.size());
  absl::Notification all_done;
  std::atomic<size_t> remaining = requests.size();
  for (size_t i = 0; i < requests.size(); ++i) {
    const absl::Status accepted =
        sink.Execute(requests[i], [&, i](CommandOutcome outcome) {
          outcomes[i] = std::move(outcome);
          if (--remaining == 0) all_done.Notify();
        });
    EXPECT_TRUE(accepted.ok()) << accepted;
    if (!accepted.ok() && --remaining == 0) all_done.Notify();
  }
  queued();
  if (!requests.empty()) all_done.WaitForNotification();
  return outcomes;
}

inline StoreOptions OptionsFor(const std::string& path) {
  StoreOptions options;
  options.path = path;
  return options;
}

}  // namespace motcua::store::testing

#endif  // MOTCUA_TESTS_STORE_STORE_TEST_SUPPORT_H_
