// Escalation ladders driven by the engine alone, with time passed in: the
// standard ladder (50%, 75%, due, due + 1wd, due + 3wd) walked across the
// Tết 2026 holidays (Monday 16 to Friday 20 February, so the first working
// morning after them is Monday 23 February) for a dossier and its steps,
// with a pause, a downtime, a hand-over, an apology and a restart.

#include "engine/escalation.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "engine/lifecycle.h"
#include "engine/time_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/local_time.h"
#include "tests/testing/shipped_rules.h"

namespace motcua {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// 10wd, supplement pause, steps receipt 4wh, cadastral-check 3wd, ...
constexpr char kLand[] = "local.dang-ky-bien-dong-dat-dai";
// 3wd, supplement restart, no steps.
constexpr char kHousehold[] = "local.ho-kinh-doanh";

using ::motcua::test_support::At;
using ::motcua::test_support::Vietnam;

std::string Show(absl::Time instant) {
  return absl::FormatTime("%a %m-%d %H:%M:%S", instant, Vietnam());
}

// One dossier, decided and applied as the store would.
class Walk {
 public:
  explicit Walk(const RuleSet& rules) : rules_(rules) {}

  // Decides and applies; returns the event types with their details.
  std::vector<std::string> Do(Action action, absl::Time now,
                              std::string actor = "officer") {
    Command command{"HS-1", std::move(action), std::move(actor)};
    absl::StatusOr<std::vector<Event>> events = Decide(
        dossier_.version == 0 ? nullptr : &dossier_, command, rules_, now);
    EXPECT_TRUE(events.ok()) << events.status();
    std::vector<std::string> described;
    if (!events.ok()) return described;
    for (const Event& event : *events) {
      EXPECT_TRUE(event.schedule.has_value());
      EXPECT_TRUE(Apply(dossier_, event).ok());
      log_.push_back(event);
      described.push_back(Describe(event));
    }
    return described;
  }

  // The scheduler's command at `now`.
  std::vector<std::string> Reach(absl::Time now) {
    return Do(ReachThresholdsAction{}, now, std::string(kSchedulerActor));
  }

  static std::string Describe(const Event& event) {
    const auto* reached = std::get_if<ThresholdReachedEvent>(&event.body);
    if (reached == nullptr) return EventTypeName(event.body);
    return absl::StrCat(
        EventTypeName(event.body), " ",
        reached->target == ThresholdTarget::kStep
            ? absl::StrCat("step ", reached->step_id)
            : std::string("dossier"),
        " L", reached->level, " due ", Show(reached->due_at),
        reached->due_at == event.occurred_at
            ? std::string()
            : absl::StrCat(" fired ", Show(event.occurred_at)),
        reached->unit.empty() ? "" : absl::StrCat(" @", reached->unit));
  }

  std::string Next(ThresholdTarget target) const {
    const ThresholdWatch& watch = target == ThresholdTarget::kDossier
                                      ? dossier_.dossier_watch
                                      : dossier_.step_watch;
    if (!watch.next.has_value()) return "none";
    return absl::StrCat("#", watch.next->index, " ", Show(watch.next->at));
  }

  const Dossier& dossier() const { return dossier_; }
  const std::vector<Event>& log() const { return log_; }

 private:
  const RuleSet& rules_;
  Dossier dossier_;
  std::vector<Event> log_;
};

SubmitAction Submit(const char* procedure, absl::string_view at) {
  SubmitAction submit;
  submit.procedure_code = procedure;
  submit.agency = "so-nong-nghiep-moi-truong";
  submit.received_at = At(at);
  return submit;
}

class EscalationTest : public ::testing::Test {
 protected:
  const RuleSet& rules() { return *test_support::ShippedRules(); }
};

TEST_F(EscalationTest, LandDossierWalksThroughTet2026) {
  Walk walk(rules());
  // Wednesday 11 February, 09:00: ten working days run to Wednesday
  // 4 March (12, 13, then 23 February to 4 March: Tết and two weekends
  // count for nothing). The receipt step has 4 working hours: 15:00.
  walk.Do(Submit(kLand, "2026-02-11T09:00"), At("2026-02-11T09:00"));
  EXPECT_EQ(Show(walk.dossier().due_at), "Wed 03-04 09:00:00");
  // Half of 75 working hours is 37h30 later: Wednesday 25, 09:00.
  EXPECT_EQ(walk.Next(ThresholdTarget::kDossier), "#0 Wed 02-25 09:00:00");
  // Half of 4 working hours: 11:00.
  EXPECT_EQ(walk.Next(ThresholdTarget::kStep), "#0 Wed 02-11 11:00:00");

  // Nothing is due before its time.
  EXPECT_THAT(walk.Reach(At("2026-02-11T10:59:59")), IsEmpty());
  EXPECT_THAT(walk.Reach(At("2026-02-11T11:00")),
              ElementsAre("deadline_approaching step receipt L0 due Wed "
                          "02-11 11:00:00 @bo-phan-mot-cua"));
  // Reached once: asking again at the same instant appends nothing.
  EXPECT_THAT(walk.Reach(At("2026-02-11T11:00")), IsEmpty());
  // 75% is 3 working hours: 11:30, the lunch break, then 14:00.
  EXPECT_EQ(walk.Next(ThresholdTarget::kStep), "#1 Wed 02-11 14:00:00");

  // The scheduler comes late (at 15:10): 75% and due both fell due; each is
  // recorded with the time it was due.
  EXPECT_THAT(
      walk.Reach(At("2026-02-11T15:10")),
      ElementsAre("deadline_approaching step receipt L1 due Wed 02-11 "
                  "14:00:00 fired Wed 02-11 15:10:00 @bo-phan-mot-cua",
                  "step_overdue step receipt L1 due Wed 02-11 15:00:00 fired "
                  "Wed 02-11 15:10:00 @bo-phan-mot-cua"));
  // due + 1wd: Thursday 15:00.
  EXPECT_EQ(walk.Next(ThresholdTarget::kStep), "#3 Thu 02-12 15:00:00");

  // Handed over on Thursday at 10:00, before due + 1wd: the receipt step's
  // ladder is cancelled and the cadastral check's starts. Its 3 working
  // days end on Tuesday 24 February at 10:00.
  walk.Do(HandOverAction{}, At("2026-02-12T10:00"));
  EXPECT_EQ(Show(walk.dossier().steps.back().due_at), "Tue 02-24 10:00:00");
  // 50% of 22h30 is 11h15: 5h on Thursday, 6h15 on Friday: 15:45.
  EXPECT_EQ(walk.Next(ThresholdTarget::kStep), "#0 Fri 02-13 15:45:00");
  EXPECT_THAT(walk.Reach(At("2026-02-12T15:00")), IsEmpty());

  // The server is down from Friday noon through Tết. On the first working
  // morning after it the 50% threshold of Friday fires, with both times.
  EXPECT_THAT(walk.Reach(At("2026-02-23T07:30")),
              ElementsAre("deadline_approaching step cadastral-check L0 due "
                          "Fri 02-13 15:45:00 fired Mon 02-23 07:30:00 "
                          "@van-phong-dang-ky-dat-dai"));
  // 75% is 16h52m30s: 12h30 before Tết, 4h22m30s on Monday: 13:52:30.
  EXPECT_EQ(walk.Next(ThresholdTarget::kStep), "#1 Mon 02-23 13:52:30");

  // A supplement is requested on Monday at 09:00: the clock pauses and
  // nothing is watched.
  walk.Do(RequestSupplementAction{{"so do"}}, At("2026-02-23T09:00"));
  EXPECT_EQ(walk.Next(ThresholdTarget::kDossier), "none");
  EXPECT_EQ(walk.Next(ThresholdTarget::kStep), "none");
  EXPECT_THAT(walk.Reach(At("2026-02-24T10:30")), IsEmpty());

  // Received on Wednesday at 09:00: 15 working hours were paused (6 on
  // Monday, 7h30 on Tuesday, 1h30 on Wednesday), and every pending
  // threshold moves by them.
  walk.Do(ReceiveSupplementAction{}, At("2026-02-25T09:00"));
  EXPECT_EQ(walk.dossier().clock_paused, absl::Hours(15));
  EXPECT_EQ(Show(walk.dossier().due_at), "Fri 03-06 09:00:00");
  EXPECT_EQ(walk.Next(ThresholdTarget::kDossier), "#0 Fri 02-27 09:00:00");
  EXPECT_EQ(Show(walk.dossier().steps.back().due_at), "Thu 02-26 10:00:00");
  EXPECT_EQ(walk.Next(ThresholdTarget::kStep), "#1 Wed 02-25 13:52:30");

  EXPECT_THAT(walk.Reach(At("2026-02-25T13:52:30")),
              ElementsAre("deadline_approaching step cadastral-check L1 due "
                          "Wed 02-25 13:52:30 @van-phong-dang-ky-dat-dai"));
  EXPECT_THAT(walk.Reach(At("2026-02-26T10:00")),
              ElementsAre("step_overdue step cadastral-check L1 due Thu "
                          "02-26 10:00:00 @van-phong-dang-ky-dat-dai"));
  EXPECT_THAT(walk.Reach(At("2026-02-27T09:00")),
              ElementsAre("deadline_approaching dossier L0 due Fri 02-27 "
                          "09:00:00 @van-phong-dang-ky-dat-dai"));
  // due + 1wd of the step: Friday 10:00.
  EXPECT_THAT(walk.Reach(At("2026-02-27T10:00")),
              ElementsAre("escalated step cadastral-check L2 due Fri 02-27 "
                          "10:00:00 @van-phong-dang-ky-dat-dai"));
  // 75% of the dossier: 56h15 of the limit plus the 15 paused hours after
  // the clock start, Tuesday 3 March 14:45; due + 3wd of the step: Tuesday
  // 10:00. Both fire late, in the order they fell due.
  EXPECT_EQ(walk.Next(ThresholdTarget::kDossier), "#1 Tue 03-03 14:45:00");
  EXPECT_EQ(walk.Next(ThresholdTarget::kStep), "#4 Tue 03-03 10:00:00");
  EXPECT_THAT(
      walk.Reach(At("2026-03-04T10:00")),
      ElementsAre("escalated step cadastral-check L3 due Tue 03-03 10:00:00 "
                  "fired Wed 03-04 10:00:00 @van-phong-dang-ky-dat-dai",
                  "deadline_approaching dossier L1 due Tue 03-03 14:45:00 "
                  "fired Wed 03-04 10:00:00 @van-phong-dang-ky-dat-dai"));
  EXPECT_EQ(walk.Next(ThresholdTarget::kStep), "none");
  EXPECT_THAT(walk.Reach(At("2026-03-06T09:00")),
              ElementsAre("overdue dossier L1 due Fri 03-06 09:00:00 "
                          "@van-phong-dang-ky-dat-dai"));
  EXPECT_EQ(walk.Next(ThresholdTarget::kDossier), "#3 Mon 03-09 09:00:00");

  // An apology with a new appointment (Friday 13, 17:00) moves what counts
  // from the due time: due + 1wd is now Monday 16 at 17:00.
  walk.Do(ApologiseAction{"qua tai", At("2026-03-13T17:00")},
          At("2026-03-06T10:00"));
  EXPECT_EQ(walk.Next(ThresholdTarget::kDossier), "#3 Mon 03-16 17:00:00");
  EXPECT_THAT(walk.Reach(At("2026-03-09T09:00")), IsEmpty());
  EXPECT_THAT(walk.Reach(At("2026-03-16T17:00")),
              ElementsAre("escalated dossier L2 due Mon 03-16 17:00:00 "
                          "@van-phong-dang-ky-dat-dai"));
  const ThresholdReachedEvent& escalated =
      std::get<ThresholdReachedEvent>(walk.log().back().body);
  EXPECT_THAT(escalated.notify_roles,
              ElementsAre("unit_head", "agency_leader"));
  EXPECT_EQ(escalated.ladder, "standard");
  // The legal due time is unchanged by the apology.
  EXPECT_EQ(Show(escalated.deadline), "Fri 03-06 09:00:00");

  // Resolved: nothing is left to watch, and nothing fires.
  walk.Do(ResolveAction{"giay chung nhan"}, At("2026-03-17T09:00"));
  EXPECT_EQ(walk.dossier().classification, Classification::kLate);
  EXPECT_EQ(walk.Next(ThresholdTarget::kDossier), "none");
  EXPECT_THAT(walk.Reach(At("2026-03-20T09:00")), IsEmpty());

  // Each threshold was reached once: three of the receipt step's, all five
  // of the cadastral check's, four of the dossier's (due + 3wd never came).
  int reached = 0;
  for (const Event& event : walk.log()) {
    reached += std::holds_alternative<ThresholdReachedEvent>(event.body);
  }
  EXPECT_EQ(reached, 12);
}

TEST_F(EscalationTest, RestartAfterSupplementRearmsTheLadder) {
  Walk walk(rules());
  // 3 working days from Thursday 12 February 14:00: Friday 13, Monday 23,
  // Tuesday 24 at 14:00.
  walk.Do(Submit(kHousehold, "2026-02-12T14:00"), At("2026-02-12T14:00"));
  EXPECT_EQ(Show(walk.dossier().due_at), "Tue 02-24 14:00:00");
  EXPECT_EQ(walk.Next(ThresholdTarget::kStep), "none");
  // 50% of 22h30: 11h15, 3h on Thursday, 7h30 on Friday, 45 minutes on
  // Monday.
  EXPECT_THAT(walk.Reach(At("2026-02-23T08:15")),
              ElementsAre("deadline_approaching dossier L0 due Mon 02-23 "
                          "08:15:00"));
  walk.Do(RequestSupplementAction{{"giay phep"}}, At("2026-02-23T09:00"));
  // Restart: the clock counts again from the complete dossier, and so does
  // its ladder, 50% included.
  walk.Do(ReceiveSupplementAction{}, At("2026-02-25T13:30"));
  EXPECT_EQ(walk.dossier().dossier_watch.reached, 0u);
  EXPECT_EQ(walk.dossier().clock_paused, absl::ZeroDuration());
  EXPECT_EQ(Show(walk.dossier().due_at), "Mon 03-02 13:30:00");
  // 11h15 again: 3h30 on Wednesday, 7h30 on Thursday, 15 minutes on Friday.
  EXPECT_EQ(walk.Next(ThresholdTarget::kDossier), "#0 Fri 02-27 07:45:00");
  EXPECT_THAT(walk.Reach(At("2026-02-27T07:45")),
              ElementsAre("deadline_approaching dossier L0 due Fri 02-27 "
                          "07:45:00"));
}

TEST_F(EscalationTest, StoppedDossierWaitsAndMovesByThePause) {
  Walk walk(rules());
  walk.Do(Submit(kHousehold, "2026-02-12T14:00"), At("2026-02-12T14:00"));
  walk.Do(StopAction{"giam dinh"}, At("2026-02-13T07:30"));
  // Nothing fires while stopped, however late.
  EXPECT_THAT(walk.Reach(At("2026-03-02T07:30")), IsEmpty());
  // Resumed on Monday 2 March at 07:30: six working days were stopped
  // (Friday 13, then 23 to 27 February), 45 working hours. 50% is 11h15 of
  // running clock: 3h on Thursday 12, then 8h15 from Monday 2 March.
  walk.Do(ResumeAction{}, At("2026-03-02T07:30"));
  EXPECT_EQ(walk.dossier().clock_paused, absl::Hours(45));
  EXPECT_EQ(walk.Next(ThresholdTarget::kDossier), "#0 Tue 03-03 08:15:00");
}

TEST_F(EscalationTest, RecomputeChangesNothingUnderTheSameRules) {
  Walk walk(rules());
  walk.Do(Submit(kLand, "2026-02-11T09:00"), At("2026-02-11T09:00"));
  walk.Do(HandOverAction{}, At("2026-02-11T16:00"));
  walk.Do(RequestSupplementAction{{"so do"}}, At("2026-02-12T09:00"));
  walk.Do(ReceiveSupplementAction{}, At("2026-02-23T09:00"));
  EXPECT_THAT(walk.Do(RecomputeDueAction{"test"}, At("2026-02-24T09:00"),
                      std::string(kSchedulerActor)),
              IsEmpty());
}

TEST_F(EscalationTest, InternalActionsOnClosedDossiersDoNothing) {
  Walk walk(rules());
  walk.Do(Submit(kHousehold, "2026-02-12T14:00"), At("2026-02-12T14:00"));
  walk.Do(WithdrawAction{"rut"}, At("2026-02-12T15:00"));
  EXPECT_THAT(walk.Reach(At("2026-03-20T09:00")), IsEmpty());
  EXPECT_THAT(walk.Do(RecomputeDueAction{"test"}, At("2026-03-20T09:00"),
                      std::string(kSchedulerActor)),
              IsEmpty());
}

}  // namespace
}  // namespace motcua
