#include "bench/fill_plan.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/time_limit.h"

namespace motcua::bench {
namespace {

// Shares of the outcomes, per dossier.
constexpr double kStuck = 0.03;  // handed over once, then forgotten
constexpr double kRejected = 0.02;
constexpr double kWithdrawn = 0.01;
constexpr double kLate = 0.08;           // of the rest: resolved after the due
constexpr double kSupplement = 0.10;     // of the rest: one supplement round
constexpr double kNeverSupplied = 0.15;  // of those: still waiting
constexpr double kNotCollected = 0.05;   // resolved, result not returned

constexpr const char* kUnitOutsideSteps = "phong-chuyen-mon";

int64_t Micros(absl::Time time) { return absl::ToUnixMicros(time); }

class Planner {
 public:
  Planner(const RuleSet& rules, const FillShape& shape)
      : rules_(rules), shape_(shape), random_(shape.seed) {}

  absl::StatusOr<FillPlan> Plan() {
    plan_.agencies = shape_.agencies;
    for (const auto& [code, versions] : rules_.procedures()) {
      absl::StatusOr<const ProcedureVersion*> at_first =
          rules_.FindProcedure(code, shape_.first);
      absl::StatusOr<const ProcedureVersion*> at_end =
          rules_.FindProcedure(code, shape_.end);
      if (at_first.ok() && at_end.ok()) plan_.procedure_codes.push_back(code);
    }
    if (plan_.procedure_codes.empty()) {
      return absl::FailedPreconditionError(
          "no procedure of the rules is in force over the whole period");
    }
    if (plan_.agencies.empty()) {
      return absl::InvalidArgumentError("at least one agency is needed");
    }
    const Calendar* office = rules_.FindCalendar("vn-public-sector");
    if (office == nullptr) office = &rules_.calendars().begin()->second;
    absl::StatusOr<absl::Time> opening =
        office->NextWorkingInstant(shape_.first);
    if (!opening.ok()) return opening.status();
    absl::StatusOr<absl::Duration> working =
        office->WorkingTimeBetween(*opening, shape_.end);
    if (!working.ok()) return working.status();
    office_ = office;
    opening_ = *opening;
    working_ = *working;

    plan_.dossiers.reserve(shape_.dossiers);
    plan_.steps.reserve(shape_.dossiers * 5);
    for (int64_t i = 0; i < shape_.dossiers; ++i) {
      if (absl::Status status = AddDossier(static_cast<uint32_t>(i));
          !status.ok()) {
        return status;
      }
    }
    std::stable_sort(plan_.steps.begin(), plan_.steps.end(),
                     [](const PlannedStep& a, const PlannedStep& b) {
                       return a.at_micros < b.at_micros;
                     });
    return std::move(plan_);
  }

 private:
  double Uniform(double from, double to) {
    return std::uniform_real_distribution<double>(from, to)(random_);
  }

  absl::Status AddDossier(uint32_t index) {
    PlannedDossier dossier;
    dossier.procedure =
        static_cast<uint16_t>(random_() % plan_.procedure_codes.size());
    // Larger wards receive more: a skew towards the first agencies.
    dossier.agency = static_cast<uint16_t>(std::min<double>(
        plan_.agencies.size() - 1,
        std::floor(plan_.agencies.size() * std::pow(Uniform(0, 1), 1.6))));
    const double channel = Uniform(0, 1);
    dossier.channel = channel < 0.40 ? 2 : channel < 0.95 ? 1 : 3;
    // At the desk during office hours, spread evenly over the working time
    // of the period; online at any hour.
    absl::StatusOr<absl::Time> received =
        dossier.channel == 2
            ? absl::StatusOr<absl::Time>(opening_ + Uniform(0, 1) *
                                                        (shape_.end - opening_))
            : office_->AddWorkingTime(opening_, Uniform(0, 1) * working_);
    if (!received.ok()) return received.status();
    *received = absl::FromUnixMicros(Micros(*received));
    dossier.received_micros = Micros(*received);
    plan_.dossiers.push_back(dossier);
    Add(*received, index, FillAction::kSubmit);

    absl::StatusOr<const ProcedureVersion*> found = rules_.FindProcedure(
        plan_.procedure_codes[dossier.procedure], *received);
    if (!found.ok()) return found.status();
    const ProcedureVersion& procedure = **found;
    const Calendar& calendar = *procedure.calendar;
    absl::StatusOr<absl::Time> start =
        StartOfClock(calendar, *received, procedure.limit.cutoff_second);
    if (!start.ok()) return start.status();
    absl::StatusOr<absl::Time> due =
        DueFromStart(calendar, procedure.limit, *start);
    if (!due.ok()) return due.status();
    absl::StatusOr<absl::Duration> limit =
        calendar.WorkingTimeBetween(*start, *due);
    if (!limit.ok()) return limit.status();
    // At least a little working time between two actions, even for a
    // same-day procedure received near its cut-off.
    const absl::Duration span = std::max(*limit, absl::Minutes(30));

    // Actions at working-time offsets from the start of the clock, each
    // after the one before; a supplement pauses the clock, so what follows
    // it moves by the pause.
    absl::Status status;
    absl::Duration pause = absl::ZeroDuration();
    absl::Duration supplement_at = absl::InfiniteDuration();
    auto at = [&](absl::Duration offset) {
      const absl::Duration shifted =
          offset > supplement_at ? offset + pause : offset;
      absl::StatusOr<absl::Time> time =
          calendar.AddWorkingTime(*start, shifted);
      if (!time.ok()) {
        status.Update(time.status());
        return *start;
      }
      return std::max(*time, *received + absl::Seconds(1));
    };
    const int hand_overs = procedure.steps.empty()
                               ? 1
                               : static_cast<int>(procedure.steps.size()) - 1;
    const FillAction hand_over = procedure.steps.empty()
                                     ? FillAction::kHandOverToUnit
                                     : FillAction::kHandOverToNextStep;

    const double outcome = Uniform(0, 1);
    if (outcome < kStuck) {
      if (hand_overs > 0) Add(at(span * 0.1), index, hand_over);
      return status;
    }
    if (outcome < kStuck + kRejected) {
      Add(at(span * 0.3), index, FillAction::kReject);
      return status;
    }
    if (outcome < kStuck + kRejected + kWithdrawn) {
      Add(at(span * 0.2), index, FillAction::kWithdraw);
      return status;
    }
    const absl::Duration resolve =
        span *
        (Uniform(0, 1) < kLate ? Uniform(1.02, 1.6) : Uniform(0.15, 0.95));
    if (Uniform(0, 1) < kSupplement) {
      supplement_at = resolve * 0.12;
      Add(at(supplement_at), index, FillAction::kRequestSupplement);
      if (Uniform(0, 1) < kNeverSupplied) return status;
      pause = office_->NominalWorkingDay() * Uniform(1, 8);
      // Received at the end of the pause: the offset just past the request.
      Add(at(supplement_at + absl::Nanoseconds(1)), index,
          FillAction::kReceiveSupplement);
    }
    for (int i = 1; i <= hand_overs; ++i) {
      const absl::Duration offset = resolve * (0.95 * i / (hand_overs + 1));
      if (offset == supplement_at) continue;
      Add(at(offset), index, hand_over);
    }
    Add(at(resolve), index, FillAction::kResolve);
    if (Uniform(0, 1) >= kNotCollected) {
      Add(at(resolve + absl::Hours(Uniform(0.5, 16))), index,
          FillAction::kReturnResult);
    }
    return status;
  }

  void Add(absl::Time time, uint32_t dossier, FillAction action) {
    // Nothing after the end: a dossier's story stops there, as if today
    // were the end, and so does everything after it (times only grow).
    if (time > shape_.end || cut_ == dossier) {
      cut_ = dossier;
      return;
    }
    plan_.steps.push_back(
        PlannedStep{Micros(time), dossier, static_cast<uint8_t>(action), 0});
  }

  const RuleSet& rules_;
  const FillShape& shape_;
  std::mt19937_64 random_;
  FillPlan plan_;
  const Calendar* office_ = nullptr;
  absl::Time opening_;
  absl::Duration working_;
  int64_t cut_ = -1;
};

}  // namespace

absl::StatusOr<FillPlan> PlanFill(const RuleSet& rules,
                                  const FillShape& shape) {
  if (shape.end <= shape.first) {
    return absl::InvalidArgumentError("the period must not be empty");
  }
  return Planner(rules, shape).Plan();
}

std::string FillDossierCode(uint32_t index) {
  return absl::StrFormat("FILL-%08d", index);
}

Command FillCommand(const FillPlan& plan, const PlannedStep& step) {
  Command command;
  command.dossier_code = FillDossierCode(step.dossier);
  const PlannedDossier& dossier = plan.dossiers[step.dossier];
  switch (static_cast<FillAction>(step.action)) {
    case FillAction::kSubmit: {
      SubmitAction submit;
      submit.procedure_code = plan.procedure_codes[dossier.procedure];
      submit.agency = plan.agencies[dossier.agency];
      submit.channel = static_cast<Channel>(dossier.channel);
      submit.received_at = absl::FromUnixMicros(dossier.received_micros);
      submit.summary = "hồ sơ tiếp nhận tại bộ phận một cửa";
      command.action = std::move(submit);
      command.actor = "intake.fill";
      return command;
    }
    case FillAction::kHandOverToNextStep:
      command.action = HandOverAction{"", "", "chuyển bước tiếp theo"};
      break;
    case FillAction::kHandOverToUnit:
      command.action =
          HandOverAction{"", kUnitOutsideSteps, "chuyển phòng chuyên môn"};
      break;
    case FillAction::kRequestSupplement:
      command.action =
          RequestSupplementAction{{"bản sao chứng thực giấy tờ tùy thân"}};
      break;
    case FillAction::kReceiveSupplement:
      command.action = ReceiveSupplementAction{};
      command.actor = "intake.fill";
      return command;
    case FillAction::kResolve:
      command.action = ResolveAction{"đã cấp kết quả"};
      break;
    case FillAction::kReturnResult:
      command.action = ReturnResultAction{};
      command.actor = "intake.fill";
      return command;
    case FillAction::kReject:
      command.action = RejectAction{"không đủ điều kiện"};
      break;
    case FillAction::kWithdraw:
      command.action = WithdrawAction{"công dân rút hồ sơ"};
      break;
  }
  command.actor = "officer.fill";
  return command;
}

}  // namespace motcua::bench
