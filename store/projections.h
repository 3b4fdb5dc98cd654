#ifndef MOTCUA_STORE_PROJECTIONS_H_
#define MOTCUA_STORE_PROJECTIONS_H_

// The projections of the log: the current-state tables (dossiers, deadlines,
// deadline_days, deadline_totals, thresholds, control_sheet, counters,
// requests, report_deltas, unit_report_deltas and their monthly rows,
// store/report_months.h). One function updates them all
// for one event; the live writer and the replay both call it, so that a replay
// rebuilds them bit for bit.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/dossier.h"
#include "engine/report.h"
#include "store/event_codec.h"
#include "store/projection_changes.h"
#include "store/report_months.h"
#include "store/report_sums.h"
#include "store/sqlite.h"
#include "store/types.h"

namespace motcua::store {

class Projections {
 public:
  // Prepares the statements on `database`, whose main schema holds the
  // projection tables. `database` must outlive the result.
  static absl::StatusOr<std::unique_ptr<Projections>> Prepare(
      Database& database);

  Projections(const Projections&) = delete;
  Projections& operator=(const Projections&) = delete;

  // Updates every projection for `stored`, one event appended to the log.
  // `before` is the dossier before it (null for its first event) and `after`
  // the dossier with it applied; `request` is the request of the command
  // that appended it (its id may be empty). Only rows that change are
  // written: UpdateCurrent and the requests row at once; the report's
  // deltas are added to the batch's sums (batch_report), which the writer
  // writes once before the batch commits (WriteReport) and forgets when it
  // rolls back: a batch's commands share the day's and the month's rows.
  absl::Status Update(const StoredEvent& stored, const RequestTag& request,
                      const Dossier* before, const Dossier& after);

  // The projections of the dossier's current state (dossiers, deadlines,
  // deadline_days, deadline_totals, thresholds, control_sheet, counters):
  // what they hold depends on the dossier as it is, not on the way it got
  // there, so a replay may write them once per dossier, from null to its
  // last state. (deadline_totals also depends on the settled day, which a
  // rebuild takes from the live file: SettleDeadlineDays.)
  absl::Status UpdateCurrent(const Dossier* before, const Dossier& after);

  // Adds sums of report deltas (store/report_sums.h) to the report tables
  // and their monthly rows: a batch's, or a rebuild's, as often as it likes.
  absl::Status WriteReport(const ReportDeltaSums& sums);
  absl::Status WriteUnitReport(const UnitReportDeltaSums& sums);
  absl::Status WriteReport(const ReportBatch& batch);

  // The report deltas Update summed since they were last written or
  // dropped.
  ReportBatch& batch_report() { return batch_report_; }

  // The requests row of the event's command; nothing when its request id
  // is empty.
  absl::Status UpdateRequest(const StoredEvent& stored,
                             const RequestTag& request, const Dossier& after);
  absl::Status WriteRequest(absl::string_view request_id,
                            const RequestRecord& record);

  // Counts in deadline_totals every deadline of deadline_days due before
  // `day`, and records `day` as the settled day; nothing when the settled
  // day is already `day` or later. The live writer settles at each day's
  // first batch, a rebuild at the live file's settled day.
  absl::Status SettleDeadlineDays(int64_t day);

  // Writes the `dossiers` row of `dossier` alone (rebuilding snapshots).
  absl::Status RewriteDossier(const Dossier& dossier) {
    return UpdateDossier(nullptr, dossier);
  }

  // The dossier as the `dossiers` table holds it; nullopt when absent.
  // DATA_LOSS when its snapshot does not decode.
  absl::StatusOr<std::optional<Dossier>> LoadDossier(const std::string& code);

  // The retry record of `request_id` (its fingerprint empty when the
  // command was logged before fingerprints were kept); nullopt when
  // unknown.
  absl::StatusOr<std::optional<RequestRecord>> LoadRequest(
      const std::string& request_id);

 private:
  explicit Projections(Database& database) : database_(database) {}

  absl::Status UpdateDossier(const Dossier* before, const Dossier& after);
  // An UPDATE of one row that sets only the columns in `changed` (a bit per
  // entry of `columns`) besides `always`: SQLite rewrites an index only when
  // the statement sets one of its columns, so a command leaves the indexes
  // of the columns it did not change untouched. Prepared on first use.
  absl::StatusOr<Statement*> PartialUpdate(
      const char* table, const char* where, const char* always,
      absl::Span<const char* const> columns, uint32_t changed);
  absl::Status UpdateDeadlines(const Dossier* before, const Dossier& after);
  // Moves a deadline between the day counts of `deadline_days` (and
  // `deadline_totals` for days before the settled one): out of `old_row`'s,
  // into `new_row`'s (either may be null).
  absl::Status UpdateDeadlineDays(const char* kind, const DeadlineRow* old_row,
                                  const DeadlineRow* new_row);
  absl::Status UpdateThresholds(const Dossier* before, const Dossier& after);
  absl::Status UpdateControlSheet(const Dossier* before, const Dossier& after);
  absl::Status UpdateCounters(const Dossier* before, const Dossier& after);

  Database& database_;
  // PartialUpdate's statements, by table and set of changed columns.
  absl::flat_hash_map<std::pair<const char*, uint32_t>,
                      std::unique_ptr<Statement>>
      partial_updates_;
  Statement upsert_dossier_;
  Statement select_dossier_;
  Statement upsert_deadline_;
  Statement delete_deadline_;
  Statement upsert_threshold_;
  Statement delete_threshold_;
  Statement upsert_control_sheet_;
  Statement increment_counter_;
  Statement decrement_counter_;
  Statement delete_empty_counter_;
  Statement increment_deadline_day_;
  Statement decrement_deadline_day_;
  Statement delete_empty_deadline_day_;
  Statement increment_deadline_total_;
  Statement decrement_deadline_total_;
  Statement delete_empty_deadline_total_;
  Statement select_settled_day_;
  Statement settle_deadline_totals_;
  Statement set_settled_day_;
  Statement add_report_delta_;
  Statement add_unit_report_delta_;
  // The monthly rows of both, beside each daily row.
  std::unique_ptr<ReportMonthWriter> report_months_;
  Statement upsert_request_;
  Statement select_request_;
  ReportBatch batch_report_;
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_PROJECTIONS_H_
