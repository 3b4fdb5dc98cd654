#include "engine/report.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

namespace motcua {
namespace {

constexpr int64_t kSecondsPerDay = 24 * 3600;
constexpr int64_t kReportOffsetSeconds = 7 * 3600;

using Standing = ReportStanding;

std::optional<Standing> StandingOf(const Dossier& dossier) {
  switch (dossier.state) {
    case LifecycleState::kReceived:
    case LifecycleState::kProcessing:
      return Standing{ReportMeasure::kPendingWithin,
                      ReportMeasure::kPendingOverdue, false,
                      ReportDay(dossier.due_at)};
    case LifecycleState::kSupplementRequested:
    case LifecycleState::kAwaitingFinancialObligation:
    case LifecycleState::kStopped:
      // The clock stands still: late when the pause began after the due
      // time, and it stays so until the pause ends.
      return Standing{ReportMeasure::kPausedWithin,
                      ReportMeasure::kPausedOverdue,
                      dossier.paused_since.has_value() &&
                          *dossier.paused_since > dossier.due_at,
                      std::nullopt};
    case LifecycleState::kResolved:
      return Standing{ReportMeasure::kAwaitingReturnWithin,
                      ReportMeasure::kAwaitingReturnOverdue,
                      dossier.classification == Classification::kLate,
                      std::nullopt};
    case LifecycleState::kReturned:
    case LifecycleState::kRejected:
    case LifecycleState::kWithdrawn:
      return std::nullopt;
  }
  return std::nullopt;
}

// Adds (sign +1) or removes (-1) a standing's contribution from `day` on.
void Contribute(const Standing& standing, int64_t day, int64_t sign,
                std::vector<ReportDelta>& deltas) {
  if (!standing.overdue_from.has_value()) {
    deltas.push_back(
        {day, standing.is_overdue_now ? standing.overdue : standing.within,
         sign});
    return;
  }
  const int64_t due_day = *standing.overdue_from;
  if (due_day <= day) {
    deltas.push_back({day, standing.overdue, sign});
    return;
  }
  deltas.push_back({day, standing.within, sign});
  deltas.push_back({due_day, standing.within, -sign});
  deltas.push_back({due_day, standing.overdue, sign});
}

bool SameStanding(const Standing& a, const Standing& b) {
  return a.within == b.within && a.is_overdue_now == b.is_overdue_now &&
         a.overdue_from == b.overdue_from;
}

// Sums the deltas of the same key (`key_of` a delta) and drops zeros, in
// key order. A handful per event: sorting a vector beats a map.
template <typename Delta, typename KeyOf>
std::vector<Delta> Merged(std::vector<Delta> raw, KeyOf key_of) {
  std::sort(raw.begin(), raw.end(), [&](const Delta& a, const Delta& b) {
    return key_of(a) < key_of(b);
  });
  std::vector<Delta> merged;
  merged.reserve(raw.size());
  for (const Delta& delta : raw) {
    if (!merged.empty() && key_of(merged.back()) == key_of(delta)) {
      merged.back().delta += delta.delta;
    } else {
      merged.push_back(delta);
    }
  }
  std::erase_if(merged, [](const Delta& delta) { return delta.delta == 0; });
  return merged;
}

// Early, on time or late, as a resolution is classified, for a closure.
int Timeliness(absl::Time at, absl::Time due) {
  if (ReportDay(at) < ReportDay(due)) return 0;
  return at <= due ? 1 : 2;
}

// Where the step at `index` of the control sheet stands for the levels of
// its unit: open and running, or open and paused; nothing once it ended.
std::optional<Standing> StepStandingOf(const Dossier& dossier, size_t index) {
  if (index >= dossier.steps.size()) return std::nullopt;
  const StepRecord& step = dossier.steps[index];
  if (step.ended_at.has_value()) return std::nullopt;
  if (ClockRuns(dossier.state)) {
    // Without a budget the step is never overdue: a bucket that does not
    // move.
    return Standing{
        ReportMeasure::kPendingWithin, ReportMeasure::kPendingOverdue, false,
        step.has_budget() ? std::optional<int64_t>(ReportDay(step.due_at))
                          : std::nullopt};
  }
  if (IsPaused(dossier.state)) {
    return Standing{ReportMeasure::kPausedWithin, ReportMeasure::kPausedOverdue,
                    step.has_budget() && dossier.paused_since.has_value() &&
                        *dossier.paused_since > step.due_at,
                    std::nullopt};
  }
  return std::nullopt;
}

}  // namespace

absl::TimeZone ReportZone() {
  return absl::FixedTimeZone(kReportOffsetSeconds);
}

int64_t ReportDay(absl::Time time) {
  // The open ends of a range saturate; finite times are counted in
  // absl::Duration, which saturates too, where int64 seconds plus the
  // offset would overflow.
  if (time == absl::InfiniteFuture()) {
    return std::numeric_limits<int64_t>::max();
  }
  if (time == absl::InfinitePast()) return std::numeric_limits<int64_t>::min();
  absl::Duration remainder;
  int64_t days = absl::IDivDuration(
      time - absl::UnixEpoch() + absl::Seconds(kReportOffsetSeconds),
      absl::Seconds(kSecondsPerDay), &remainder);
  if (remainder < absl::ZeroDuration()) --days;  // days round down
  return days;
}

int64_t ReportDay(absl::CivilDay day) {
  return day - absl::CivilDay(1970, 1, 1);
}

bool IsLevel(ReportMeasure measure) {
  return static_cast<int32_t>(measure) >= 20;
}

ReportBasis ReportBasisOf(const Dossier& dossier) {
  ReportBasis basis;
  basis.state = dossier.state;
  basis.standing = StandingOf(dossier);
  basis.steps = dossier.steps.size();
  if (!dossier.steps.empty()) {
    basis.last_step_ended = dossier.steps.back().ended_at.has_value();
    basis.last_step_standing = StepStandingOf(dossier, basis.steps - 1);
  }
  return basis;
}

std::vector<ReportDelta> ReportDeltasOf(const ReportBasis* before,
                                        const Dossier& after, absl::Time at) {
  std::vector<ReportDelta> raw;
  // A receipt counts on the day of receipt, which an intake desk may record
  // after the fact.
  const int64_t day = ReportDay(before == nullptr ? after.received_at : at);
  if (before == nullptr) {
    raw.push_back({day,
                   after.channel == Channel::kOnline
                       ? ReportMeasure::kReceivedOnline
                       : ReportMeasure::kReceivedOther,
                   1});
    if (after.entered_late.has_value()) {
      raw.push_back({day, ReportMeasure::kReceivedEnteredLate, 1});
    }
  } else if (before->state != LifecycleState::kResolved &&
             after.state == LifecycleState::kResolved) {
    static constexpr ReportMeasure kResolved[] = {
        ReportMeasure::kResolvedEarly, ReportMeasure::kResolvedOnTime,
        ReportMeasure::kResolvedLate};
    raw.push_back(
        {day, kResolved[static_cast<int>(after.classification) - 1], 1});
  } else if (before->state == LifecycleState::kResolved &&
             after.state == LifecycleState::kReturned) {
    static constexpr ReportMeasure kReturned[] = {
        ReportMeasure::kReturnedEarly, ReportMeasure::kReturnedOnTime,
        ReportMeasure::kReturnedLate};
    raw.push_back(
        {day, kReturned[static_cast<int>(after.classification) - 1], 1});
  } else if (!IsTerminal(before->state) &&
             (after.state == LifecycleState::kRejected ||
              after.state == LifecycleState::kWithdrawn)) {
    static constexpr ReportMeasure kClosed[] = {ReportMeasure::kClosedEarly,
                                                ReportMeasure::kClosedOnTime,
                                                ReportMeasure::kClosedLate};
    raw.push_back({day, kClosed[Timeliness(at, after.due_at)], 1});
    raw.push_back({day,
                   after.state == LifecycleState::kRejected
                       ? ReportMeasure::kRejected
                       : ReportMeasure::kWithdrawn,
                   1});
  }

  const std::optional<Standing> old_standing =
      before != nullptr ? before->standing : std::nullopt;
  const std::optional<Standing> new_standing = StandingOf(after);
  const bool unchanged =
      old_standing.has_value() == new_standing.has_value() &&
      (!old_standing.has_value() || SameStanding(*old_standing, *new_standing));
  if (!unchanged) {
    if (old_standing.has_value()) Contribute(*old_standing, day, -1, raw);
    if (new_standing.has_value()) Contribute(*new_standing, day, +1, raw);
  }
  return Merged(std::move(raw), [](const ReportDelta& delta) {
    return std::tie(delta.day, delta.measure);
  });
}

std::vector<UnitReportDelta> UnitReportDeltasOf(const ReportBasis* before,
                                                const Dossier& after,
                                                absl::Time at) {
  const int64_t day = ReportDay(before == nullptr ? after.received_at : at);
  // Entries are only added at the end, and only the last can be open: the
  // ones to look at are the last of `before` and those added after it.
  const size_t before_size = before != nullptr ? before->steps : 0;
  const size_t first = before_size > 0 ? before_size - 1 : 0;
  std::vector<UnitReportDelta> deltas;
  std::vector<ReportDelta> raw;
  for (size_t index = first; index < after.steps.size(); ++index) {
    const StepRecord& step = after.steps[index];
    // Only the last entry of `before` is looked at: what it was is the
    // basis's.
    const bool existed = index < before_size;
    raw.clear();
    if (!existed) {
      raw.push_back({day,
                     after.channel == Channel::kOnline
                         ? ReportMeasure::kReceivedOnline
                         : ReportMeasure::kReceivedOther,
                     1});
    }
    if (step.ended_at.has_value() && !(existed && before->last_step_ended)) {
      ReportMeasure measure = ReportMeasure::kResolvedOnTime;
      if (step.late) {
        measure = ReportMeasure::kResolvedLate;
      } else if (step.has_budget() &&
                 ReportDay(*step.ended_at) < ReportDay(step.due_at)) {
        measure = ReportMeasure::kResolvedEarly;
      }
      raw.push_back({day, measure, 1});
      if (after.state == LifecycleState::kRejected) {
        raw.push_back({day, ReportMeasure::kRejected, 1});
      } else if (after.state == LifecycleState::kWithdrawn) {
        raw.push_back({day, ReportMeasure::kWithdrawn, 1});
      }
    }
    const std::optional<Standing> old_standing =
        existed ? before->last_step_standing : std::nullopt;
    const std::optional<Standing> new_standing = StepStandingOf(after, index);
    const bool unchanged =
        old_standing.has_value() == new_standing.has_value() &&
        (!old_standing.has_value() ||
         SameStanding(*old_standing, *new_standing));
    if (!unchanged) {
      if (old_standing.has_value()) Contribute(*old_standing, day, -1, raw);
      if (new_standing.has_value()) Contribute(*new_standing, day, +1, raw);
    }
    for (const ReportDelta& delta : raw) {
      deltas.push_back({step.unit, delta.day, delta.measure, delta.delta});
    }
  }
  return Merged(std::move(deltas), [](const UnitReportDelta& delta) {
    return std::tie(delta.unit, delta.day, delta.measure);
  });
}

bool ReportRow::Balanced() const {
  return received == carried_over + new_online + new_in_person_or_postal &&
         received == resolved + pending + paused &&
         resolved == resolved_early + resolved_on_time + resolved_late &&
         pending == pending_within + pending_overdue &&
         paused == paused_within + paused_overdue;
}

ReportRow BuildReportRow(const std::string& group, const ReportSums& sums,
                         CountResolutionAt count_at) {
  auto get = [](const std::map<ReportMeasure, int64_t>& sum,
                ReportMeasure measure) {
    auto found = sum.find(measure);
    return found == sum.end() ? int64_t{0} : found->second;
  };
  const bool at_return = count_at == CountResolutionAt::kReturn;
  // Open at the end of a day: pending and paused, and under "count at
  // return" also resolved dossiers whose result is not handed over yet.
  auto open = [&](const std::map<ReportMeasure, int64_t>& levels) {
    int64_t total = 0;
    for (ReportMeasure measure :
         {ReportMeasure::kPendingWithin, ReportMeasure::kPendingOverdue,
          ReportMeasure::kPausedWithin, ReportMeasure::kPausedOverdue}) {
      total += get(levels, measure);
    }
    if (at_return) {
      total += get(levels, ReportMeasure::kAwaitingReturnWithin) +
               get(levels, ReportMeasure::kAwaitingReturnOverdue);
    }
    return total;
  };

  ReportRow row;
  row.group = group;
  row.carried_over = open(sums.levels_before);
  row.new_online = get(sums.flows, ReportMeasure::kReceivedOnline);
  row.new_in_person_or_postal = get(sums.flows, ReportMeasure::kReceivedOther);
  row.entered_late = get(sums.flows, ReportMeasure::kReceivedEnteredLate);
  row.received =
      row.carried_over + row.new_online + row.new_in_person_or_postal;

  const ReportMeasure early =
      at_return ? ReportMeasure::kReturnedEarly : ReportMeasure::kResolvedEarly;
  const ReportMeasure on_time = at_return ? ReportMeasure::kReturnedOnTime
                                          : ReportMeasure::kResolvedOnTime;
  const ReportMeasure late =
      at_return ? ReportMeasure::kReturnedLate : ReportMeasure::kResolvedLate;
  row.resolved_early =
      get(sums.flows, early) + get(sums.flows, ReportMeasure::kClosedEarly);
  row.resolved_on_time =
      get(sums.flows, on_time) + get(sums.flows, ReportMeasure::kClosedOnTime);
  row.resolved_late =
      get(sums.flows, late) + get(sums.flows, ReportMeasure::kClosedLate);
  row.resolved = row.resolved_early + row.resolved_on_time + row.resolved_late;
  row.rejected = get(sums.flows, ReportMeasure::kRejected);
  row.withdrawn = get(sums.flows, ReportMeasure::kWithdrawn);

  row.pending_within = get(sums.levels_at_end, ReportMeasure::kPendingWithin);
  row.pending_overdue = get(sums.levels_at_end, ReportMeasure::kPendingOverdue);
  if (at_return) {
    row.pending_within +=
        get(sums.levels_at_end, ReportMeasure::kAwaitingReturnWithin);
    row.pending_overdue +=
        get(sums.levels_at_end, ReportMeasure::kAwaitingReturnOverdue);
  }
  row.pending = row.pending_within + row.pending_overdue;
  row.paused_within = get(sums.levels_at_end, ReportMeasure::kPausedWithin);
  row.paused_overdue = get(sums.levels_at_end, ReportMeasure::kPausedOverdue);
  row.paused = row.paused_within + row.paused_overdue;
  const int64_t new_total = row.new_online + row.new_in_person_or_postal;
  row.online_rate =
      new_total == 0 ? 0 : static_cast<double>(row.new_online) / new_total;
  return row;
}

std::vector<ReportRow> BuildReportRows(
    const std::vector<std::pair<std::string, ReportSums>>& groups, bool by_unit,
    CountResolutionAt count_at) {
  std::vector<ReportRow> rows;
  for (const auto& [name, sums] : groups) {
    ReportRow row = BuildReportRow(
        name, sums, by_unit ? CountResolutionAt::kResolution : count_at);
    if (row.received == 0 && row.resolved == 0) continue;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace motcua
