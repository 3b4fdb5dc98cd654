#include "store/report_sums.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace motcua::store {

void ReportDeltaSums::Add(absl::string_view agency,
                          absl::string_view procedure_code,
                          absl::string_view field, int64_t day, int64_t measure,
                          int64_t delta) {
  // A dossier's deltas come one after the other: most share the group of
  // the one before.
  if (groups_.empty() || groups_[last_group_].agency != agency ||
      groups_[last_group_].procedure_code != procedure_code ||
      groups_[last_group_].field != field) {
    group_key_.clear();
    // Length-prefixed, so that no two groups share a key.
    absl::StrAppend(&group_key_, agency.size(), ":", agency,
                    procedure_code.size(), ":", procedure_code, field);
    auto [found, inserted] = group_numbers_.try_emplace(
        group_key_, static_cast<uint32_t>(groups_.size()));
    if (inserted) {
      groups_.push_back(Group{std::string(agency), std::string(procedure_code),
                              std::string(field)});
    }
    last_group_ = found->second;
  }
  sums_[{last_group_, day, measure}] += delta;
}

std::vector<ReportDeltaSums::Row> ReportDeltaSums::Sorted() const {
  // The groups' rank in (agency, procedure, field) order.
  std::vector<uint32_t> by_name(groups_.size());
  for (uint32_t i = 0; i < by_name.size(); ++i) by_name[i] = i;
  std::sort(by_name.begin(), by_name.end(), [&](uint32_t a, uint32_t b) {
    return std::tie(groups_[a].agency, groups_[a].procedure_code,
                    groups_[a].field) < std::tie(groups_[b].agency,
                                                 groups_[b].procedure_code,
                                                 groups_[b].field);
  });
  std::vector<uint32_t> rank(groups_.size());
  for (uint32_t i = 0; i < by_name.size(); ++i) rank[by_name[i]] = i;

  std::vector<std::pair<std::tuple<uint32_t, int64_t, int64_t>, int64_t>>
      ranked;
  ranked.reserve(sums_.size());
  for (const auto& [key, delta] : sums_) {
    const auto& [group, day, measure] = key;
    ranked.push_back({{rank[group], day, measure}, delta});
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<Row> rows;
  rows.reserve(ranked.size());
  for (const auto& [key, delta] : ranked) {
    const auto& [group_rank, day, measure] = key;
    const Group& group = groups_[by_name[group_rank]];
    rows.push_back(Row{group.agency, group.procedure_code, group.field, day,
                       measure, delta});
  }
  return rows;
}

void ReportBatch::Add(const StoredEvent& stored, const ReportBasis* before,
                      const Dossier& after) {
  for (const ReportDelta& delta :
       ReportDeltasOf(before, after, stored.event.occurred_at)) {
    by_group.Add(after.agency, after.procedure_code, after.field, delta.day,
                 static_cast<int64_t>(delta.measure), delta.delta);
  }
  for (const UnitReportDelta& delta :
       UnitReportDeltasOf(before, after, stored.event.occurred_at)) {
    by_unit.by_unit.Add(after.agency, delta.unit, "", delta.day,
                        static_cast<int64_t>(delta.measure), delta.delta);
  }
}

void ReportBatch::Add(const StoredEvent& stored, const Dossier* before,
                      const Dossier& after) {
  if (before == nullptr) {
    Add(stored, static_cast<const ReportBasis*>(nullptr), after);
    return;
  }
  const ReportBasis basis = ReportBasisOf(*before);
  Add(stored, &basis, after);
}

}  // namespace motcua::store
