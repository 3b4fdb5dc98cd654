#ifndef MOTCUA_STORE_REPORT_SUMS_H_
#define MOTCUA_STORE_REPORT_SUMS_H_

// The report's deltas (engine/report.h) of many events summed in memory,
// to be added to the report tables in few statements: by a live writer for
// a batch of commands (whose commands share the day's and the month's
// rows, each then written once per batch instead of once per event), and
// by a rebuild for a whole history. Either backend writes the sums.

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "engine/dossier.h"
#include "engine/report.h"
#include "store/types.h"

namespace motcua::store {

// The report's deltas summed in memory, by (agency, procedure, field, day,
// measure). Its size grows with days and groups, not with dossiers.
class ReportDeltaSums {
 public:
  void Add(absl::string_view agency, absl::string_view procedure_code,
           absl::string_view field, int64_t day, int64_t measure,
           int64_t delta);
  // The sums held (one per key).
  size_t size() const { return sums_.size(); }
  void clear() { sums_.clear(); }

  struct Row {
    absl::string_view agency;
    absl::string_view procedure_code;
    absl::string_view field;
    int64_t day = 0;
    int64_t measure = 0;
    int64_t delta = 0;
  };
  // The sums in key order, viewing this object's memory.
  std::vector<Row> Sorted() const;

 private:
  // (agency, procedure, field) is shared by all of a dossier's deltas: each
  // is kept once, under a number, and a sum is keyed by numbers only.
  struct Group {
    std::string agency;
    std::string procedure_code;
    std::string field;
  };
  std::vector<Group> groups_;
  absl::flat_hash_map<std::string, uint32_t> group_numbers_;
  std::string group_key_;    // scratch
  uint32_t last_group_ = 0;  // the group of the last Add
  absl::flat_hash_map<std::tuple<uint32_t, int64_t, int64_t>, int64_t> sums_;
};

// The report-by-unit's deltas summed in memory (engine UnitReportDeltasOf):
// a ReportDeltaSums whose groups are (agency, unit, "").
struct UnitReportDeltaSums {
  ReportDeltaSums by_unit;
};

// Both reports' sums: what a batch of events adds.
struct ReportBatch {
  ReportDeltaSums by_group;
  UnitReportDeltaSums by_unit;

  // The deltas of `stored`, which turned the dossier `before` stood for
  // (engine ReportBasisOf; null for its first event) into `after`.
  void Add(const StoredEvent& stored, const ReportBasis* before,
           const Dossier& after);
  // The same, from the whole dossier before the event (null for its first):
  // a live writer has it at hand.
  void Add(const StoredEvent& stored, const Dossier* before,
           const Dossier& after);
  bool empty() const {
    return by_group.size() == 0 && by_unit.by_unit.size() == 0;
  }
  void clear() {
    by_group.clear();
    by_unit.by_unit.clear();
  }
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_REPORT_SUMS_H_
