#include "store/projection_changes.h"

#include "engine/report.h"
#include "store/event_codec.h"

namespace motcua::store {
namespace {

std::optional<DeadlineRow> DossierDeadline(const Dossier* dossier) {
  // Watched only while the clock runs: a paused dossier's due times move on
  // resume, and a resolved or closed one has none left.
  if (dossier == nullptr || !ClockRuns(dossier->state)) return std::nullopt;
  const StepRecord* step = dossier->current_step();
  const absl::string_view none("");
  return DeadlineRow{ToStoredMicros(dossier->due_at),
                     step != nullptr ? step->step_id : none,
                     step != nullptr ? step->unit : none, dossier->agency,
                     dossier->procedure_code};
}

std::optional<DeadlineRow> StepDeadline(const Dossier* dossier) {
  if (dossier == nullptr || !ClockRuns(dossier->state)) return std::nullopt;
  // A unit outside the procedure's steps has no budget of its own, so no
  // step deadline: only the dossier's watches its time.
  const StepRecord* step = dossier->current_step();
  if (step == nullptr || !step->has_budget()) return std::nullopt;
  return DeadlineRow{ToStoredMicros(step->due_at), step->step_id, step->unit,
                     dossier->agency, dossier->procedure_code};
}

// What the control sheet shows of a step.
bool SameEntry(const StepRecord& a, const StepRecord& b) {
  return a.step_id == b.step_id && a.unit == b.unit &&
         a.started_at == b.started_at && a.due_at == b.due_at &&
         a.ended_at == b.ended_at && a.used == b.used && a.late == b.late &&
         a.handed_over_by == b.handed_over_by;
}

}  // namespace

int64_t DeadlineDay(const DeadlineRow& row) {
  return ReportDay(FromStoredMicros(row.due_at));
}

DueDayPart DueDayPartOf(absl::Time due_before) {
  DueDayPart part;
  part.day = ReportDay(due_before);
  const absl::CivilDay epoch(1970, 1, 1);
  const absl::Time start = absl::FromCivil(epoch + part.day, ReportZone());
  const absl::Time end = absl::FromCivil(epoch + part.day + 1, ReportZone());
  part.less_than_day = due_before - start >= end - due_before;
  part.from = part.less_than_day ? due_before : start;
  part.to = part.less_than_day ? end : due_before;
  return part;
}

bool DeadlineChange::moves_day_count() const {
  if (!changed()) return false;
  return !(old_row.has_value() && new_row.has_value() &&
           old_row->agency == new_row->agency &&
           DeadlineDay(*old_row) == DeadlineDay(*new_row));
}

std::array<DeadlineChange, 2> DeadlineChanges(const Dossier* before,
                                              const Dossier& after) {
  return {DeadlineChange{kDossierDeadlineKind, DossierDeadline(before),
                         DossierDeadline(&after)},
          DeadlineChange{kStepDeadlineKind, StepDeadline(before),
                         StepDeadline(&after)}};
}

std::array<ThresholdChange, 2> ThresholdChanges(const Dossier* before,
                                                const Dossier& after) {
  // A watch only has a next threshold while the clock runs (the engine
  // schedules nothing else), so its `next` alone decides the row.
  return {ThresholdChange{
              ThresholdTarget::kDossier,
              before != nullptr ? before->dossier_watch.next : std::nullopt,
              after.dossier_watch.next},
          ThresholdChange{
              ThresholdTarget::kStep,
              before != nullptr ? before->step_watch.next : std::nullopt,
              after.step_watch.next}};
}

std::vector<size_t> ChangedControlSheetEntries(const Dossier* before,
                                               const Dossier& after) {
  // Entries are only ever added at the end or changed in place (the open
  // step ends, or its due time moves), so comparing position by position
  // finds every row to write.
  std::vector<size_t> changed;
  for (size_t index = 0; index < after.steps.size(); ++index) {
    if (before != nullptr && index < before->steps.size() &&
        SameEntry(before->steps[index], after.steps[index])) {
      continue;
    }
    changed.push_back(index);
  }
  return changed;
}

CounterKey CounterKeyOf(const Dossier& dossier) {
  return CounterKey{dossier.agency, dossier.procedure_code,
                    CurrentUnit(dossier), static_cast<int64_t>(dossier.state)};
}

absl::string_view CurrentUnit(const Dossier& dossier) {
  const StepRecord* step = dossier.current_step();
  return step != nullptr ? absl::string_view(step->unit)
                         : absl::string_view("");
}

}  // namespace motcua::store
