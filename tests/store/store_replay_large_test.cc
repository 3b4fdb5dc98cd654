// A replay of a 100,000-event log (24,000 under the sanitizers) equals the live
// verifies. Also prints how fast the store wrote, verified and replayed (for
// information: speed is measured in bench/, never asserted in tests).
#include <atomic>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/audit.h"
#include "store/event_store.h"
#include "tests/store/store_test_support.h"

namespace motcua::store {
namespace {

using ::motcua::store::testing::kBusinessProcedure;
using ::motcua::store::testing::kLandProcedure;
using ::motcua::store::testing::MondayMorning;
using ::motcua::store::testing::OptionsFor;
using ::motcua::store::testing::Request;
using ::motcua::store::testing::ShippedRules;
using ::motcua::store::testing::Submission;
using ::motcua::store::testing::TempDir;

#if defined(MOTCUA_SANITIZE_BUILD)
// The sanitizers slow every command some tenfold: the same paths with fewer
// dossiers keep the suite within its time (the release build runs them all).
constexpr int kDossiers = 6000;  // four events each
#else
constexpr int kDossiers = 25000;  // four events each
#endif
constexpr int kInFlight = 8192;

// Counts outcomes and lets the producer wait for room.
class Tracker {
 public:
  void Started() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* in_flight) { return *in_flight < kInFlight; }, &in_flight_));
    ++in_flight_;
  }
  void Finished(const CommandOutcome& outcome) {
    absl::MutexLock lock(&mu_);
    --in_flight_;
    if (!outcome.status.ok()) {
      ++failed_;
      if (first_failure_.empty()) first_failure_ = outcome.status.ToString();
    }
  }
  void WaitAll() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* in_flight) { return *in_flight == 0; }, &in_flight_));
  }
  int failed() {
    absl::MutexLock lock(&mu_);
    return failed_;
  }
  std::string first_failure() {
    absl::MutexLock lock(&mu_);
    return first_failure_;
  }

 private:
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int failed_ ABSL_GUARDED_BY(mu_) = 0;
  std::string first_failure_ ABSL_GUARDED_BY(mu_);
};

TEST(StoreReplayLargeTest, AHundredThousandEventsReplayToTheLiveProjections) {
  TempDir directory;
  const std::string path = directory.File("motcua.db");
  FakeClock clock(MondayMorning());
  absl::StatusOr<std::unique_ptr<EventStore>> store =
      EventStore::Open(OptionsFor(path), &clock, ShippedRules());
  ASSERT_TRUE(store.ok()) << store.status();

  Tracker tracker;
  auto execute = [&](CommandRequest request) {
    tracker.Started();
    absl::Status queued = (*store)->Execute(
        std::move(request),
        [&tracker](CommandOutcome outcome) { tracker.Finished(outcome); });
    if (!queued.ok()) {
      CommandOutcome refused;
      refused.status = queued;
      tracker.Finished(refused);
    }
  };
  const absl::Time started = absl::Now();
  // In rounds of 1,000 dossiers, each step for every dossier of the round,
  // so that a batch holds many dossiers and the clock moves on between steps.
  constexpr int kRound = 1000;
  for (int first = 0; first < kDossiers; first += kRound) {
    for (int step = 0; step < 4; ++step) {
      for (int i = first; i < first + kRound; ++i) {
        const std::string code = absl::StrCat("L-", i);
        const bool business = i % 2 == 0;
        switch (step) {
          case 0:
            execute(Request(
                code, Submission(clock.Now(), business ? kBusinessProcedure
                                                       : kLandProcedure)));
            break;
          case 1: {
            HandOverAction hand_over;
            if (business) hand_over.to_unit = "phong-kinh-te";
            execute(Request(code, hand_over));
            break;
          }
          case 2:
            switch (i % 8 / 2) {
              case 0:
                execute(Request(code, RequestSupplementAction{{"copy"}}));
                break;
              case 1:
                execute(Request(code, StopAction{"waiting"}));
                break;
              case 2:
                execute(Request(code, RequestFinancialObligationAction{"fee"}));
                break;
              default:
                execute(Request(code, ResolveAction{"issued"}));
            }
            break;
          default:
            switch (i % 8 / 2) {
              case 0:
                execute(Request(code, ReceiveSupplementAction{}));
                break;
              case 1:
                execute(Request(code, ResumeAction{}));
                break;
              case 2:
                execute(Request(code, ConfirmFinancialObligationAction{}));
                break;
              default:
                execute(Request(code, ReturnResultAction{}));
            }
        }
      }
      clock.Advance(absl::Minutes(7));
    }
  }
  tracker.WaitAll();
  const absl::Duration writing = absl::Now() - started;
  (*store)->Close();
  ASSERT_EQ(tracker.failed(), 0) << tracker.first_failure();
  std::cout << "wrote " << kDossiers * 4 << " commands in " << writing << " ("
            << static_cast<int64_t>(kDossiers * 4 /
                                    absl::ToDoubleSeconds(writing))
            << " commands/s, synchronous=FULL)\n";

  absl::Time phase = absl::Now();
  absl::StatusOr<VerifyReport> verified = VerifyLog(path);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->ok()) << verified->problem;
  EXPECT_EQ(verified->events_checked, kDossiers * 4);
  std::cout << "verified in " << absl::Now() - phase << "\n";

  phase = absl::Now();
  absl::StatusOr<ReplayReport> replayed =
      ReplayAndCompare(path, directory.File("replay.db"));
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(replayed->events, kDossiers * 4);
  EXPECT_EQ(replayed->dossiers, kDossiers);
  EXPECT_THAT(replayed->differences, ::testing::IsEmpty());
  std::cout << "replayed and compared in " << absl::Now() - phase << "\n";
}

}  // namespace
}  // namespace motcua::store
