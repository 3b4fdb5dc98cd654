#include "store/projections.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/report.h"
#include "engine/status_macros.h"
#include "store/projection_changes.h"
#include "store/schema.h"

namespace motcua::store {

namespace {

std::string SelectSettledDay() {
  return absl::StrCat("SELECT value FROM meta WHERE key = '",
                      kMetaDeadlinesSettledDay, "'");
}

void BindCounterKey(Statement& statement, const CounterKey& key) {
  statement.BindText(1, key.agency)
      .BindText(2, key.procedure_code)
      .BindText(3, key.unit)
      .BindInt(4, key.state);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Projections>> Projections::Prepare(
    Database& database) {
  std::unique_ptr<Projections> projections(new Projections(database));
  struct Entry {
    Statement* statement;
    std::string sql;
  };
  const Entry entries[] = {
      {&projections->upsert_dossier_,
       "INSERT INTO dossiers (code, version, state, agency, procedure_code, "
       "current_unit, current_step_id, received_at, due_at, step_due_at, "
       "classification, snapshot) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
       "?10, ?11, ?12) ON CONFLICT (code) DO UPDATE SET "
       "version = excluded.version, state = excluded.state, "
       "agency = excluded.agency, procedure_code = excluded.procedure_code, "
       "current_unit = excluded.current_unit, "
       "current_step_id = excluded.current_step_id, "
       "received_at = excluded.received_at, due_at = excluded.due_at, "
       "step_due_at = excluded.step_due_at, "
       "classification = excluded.classification, "
       "snapshot = excluded.snapshot"},
      {&projections->select_dossier_,
       "SELECT snapshot FROM dossiers WHERE code = ?1"},
      {&projections->upsert_deadline_,
       "INSERT INTO deadlines (dossier_code, kind, due_at, step_id, unit, "
       "agency, procedure_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
       "ON CONFLICT (dossier_code, kind) DO UPDATE SET "
       "due_at = excluded.due_at, step_id = excluded.step_id, "
       "unit = excluded.unit, agency = excluded.agency, "
       "procedure_code = excluded.procedure_code"},
      {&projections->delete_deadline_,
       "DELETE FROM deadlines WHERE dossier_code = ?1 AND kind = ?2"},
      {&projections->upsert_threshold_,
       "INSERT INTO thresholds (dossier_code, target, at, threshold_index) "
       "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (dossier_code, target) DO UPDATE "
       "SET at = excluded.at, threshold_index = excluded.threshold_index"},
      {&projections->delete_threshold_,
       "DELETE FROM thresholds WHERE dossier_code = ?1 AND target = ?2"},
      {&projections->upsert_control_sheet_,
       "INSERT INTO control_sheet (dossier_code, entry, step_id, unit, "
       "started_at, due_at, ended_at, used_seconds, late, handed_over_by) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
       "ON CONFLICT (dossier_code, entry) DO UPDATE SET "
       "step_id = excluded.step_id, unit = excluded.unit, "
       "started_at = excluded.started_at, due_at = excluded.due_at, "
       "ended_at = excluded.ended_at, used_seconds = excluded.used_seconds, "
       "late = excluded.late, handed_over_by = excluded.handed_over_by"},
      {&projections->increment_counter_,
       "INSERT INTO counters (agency, procedure_code, unit, state, count) "
       "VALUES (?1, ?2, ?3, ?4, 1) ON CONFLICT (agency, procedure_code, "
       "unit, state) DO UPDATE SET count = count + 1"},
      {&projections->decrement_counter_,
       "UPDATE counters SET count = count - 1 WHERE agency = ?1 AND "
       "procedure_code = ?2 AND unit = ?3 AND state = ?4"},
      {&projections->delete_empty_counter_,
       "DELETE FROM counters WHERE agency = ?1 AND procedure_code = ?2 AND "
       "unit = ?3 AND state = ?4 AND count <= 0"},
      {&projections->increment_deadline_day_,
       "INSERT INTO deadline_days (kind, due_day, agency, count) "
       "VALUES (?1, ?3, ?2, 1) ON CONFLICT (kind, due_day, agency) DO UPDATE "
       "SET count = count + 1"},
      {&projections->decrement_deadline_day_,
       "UPDATE deadline_days SET count = count - 1 WHERE kind = ?1 AND "
       "due_day = ?3 AND agency = ?2"},
      {&projections->delete_empty_deadline_day_,
       "DELETE FROM deadline_days WHERE kind = ?1 AND due_day = ?3 AND "
       "agency = ?2 AND count <= 0"},
      // A day before the settled day counts in the totals as well (none
      // while nothing is settled: the comparison with NULL fails).
      {&projections->increment_deadline_total_,
       absl::StrCat("INSERT INTO deadline_totals (kind, agency, count) "
                    "SELECT ?1, ?2, 1 WHERE ?3 < (",
                    SelectSettledDay(),
                    ") ON CONFLICT (kind, agency) DO UPDATE SET count = "
                    "count + 1")},
      {&projections->decrement_deadline_total_,
       absl::StrCat("UPDATE deadline_totals SET count = count - 1 WHERE "
                    "kind = ?1 AND agency = ?2 AND ?3 < (",
                    SelectSettledDay(), ")")},
      {&projections->delete_empty_deadline_total_,
       "DELETE FROM deadline_totals WHERE kind = ?1 AND agency = ?2 AND "
       "count <= 0"},
      {&projections->select_settled_day_, SelectSettledDay()},
      {&projections->settle_deadline_totals_,
       "INSERT INTO deadline_totals (kind, agency, count) "
       "SELECT kind, agency, sum(count) FROM deadline_days "
       "WHERE kind IN ('dossier', 'step') AND due_day >= ?1 AND due_day < ?2 "
       "GROUP BY kind, agency "
       "ON CONFLICT (kind, agency) DO UPDATE SET count = count + "
       "excluded.count"},
      {&projections->set_settled_day_,
       absl::StrCat("INSERT INTO meta (key, value) VALUES ('",
                    kMetaDeadlinesSettledDay,
                    "', ?1) ON CONFLICT (key) DO UPDATE SET value = "
                    "excluded.value")},
      {&projections->add_report_delta_,
       "INSERT INTO report_deltas (agency, procedure_code, field, day, "
       "measure, delta) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (agency, "
       "procedure_code, field, day, measure) DO UPDATE SET delta = delta + "
       "excluded.delta"},
      {&projections->add_unit_report_delta_,
       "INSERT INTO unit_report_deltas (agency, unit, day, measure, delta) "
       "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (agency, unit, day, measure) "
       "DO UPDATE SET delta = delta + excluded.delta"},
      {&projections->upsert_request_,
       "INSERT INTO requests (request_id, dossier_code, outcome, "
       "fingerprint) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (request_id) DO "
       "UPDATE SET dossier_code = excluded.dossier_code, outcome = "
       "excluded.outcome, fingerprint = excluded.fingerprint"},
      {&projections->select_request_,
       "SELECT outcome, fingerprint FROM requests WHERE request_id = ?1"},
  };
  for (const Entry& entry : entries) {
    absl::StatusOr<Statement> statement = database.Prepare(entry.sql);
    if (!statement.ok()) return statement.status();
    *entry.statement = std::move(*statement);
  }
  ASSIGN_OR_RETURN(projections->report_months_,
                   ReportMonthWriter::Prepare(database));
  return projections;
}

absl::Status Projections::Update(const StoredEvent& stored,
                                 const RequestTag& request,
                                 const Dossier* before, const Dossier& after) {
  if (absl::Status status = UpdateCurrent(before, after); !status.ok()) {
    return status;
  }
  batch_report_.Add(stored, before, after);
  return UpdateRequest(stored, request, after);
}

absl::Status Projections::UpdateCurrent(const Dossier* before,
                                        const Dossier& after) {
  if (absl::Status status = UpdateDossier(before, after); !status.ok()) {
    return status;
  }
  if (absl::Status status = UpdateDeadlines(before, after); !status.ok()) {
    return status;
  }
  if (absl::Status status = UpdateThresholds(before, after); !status.ok()) {
    return status;
  }
  if (absl::Status status = UpdateControlSheet(before, after); !status.ok()) {
    return status;
  }
  return UpdateCounters(before, after);
}

absl::StatusOr<Statement*> Projections::PartialUpdate(
    const char* table, const char* where, const char* always,
    absl::Span<const char* const> columns, uint32_t changed) {
  std::unique_ptr<Statement>& cached = partial_updates_[{table, changed}];
  if (cached == nullptr) {
    std::string sql = absl::StrCat("UPDATE ", table, " SET ", always);
    for (size_t i = 0; i < columns.size(); ++i) {
      if ((changed & (1u << i)) != 0) absl::StrAppend(&sql, ", ", columns[i]);
    }
    absl::StrAppend(&sql, " WHERE ", where);
    absl::StatusOr<Statement> statement = database_.Prepare(sql);
    if (!statement.ok()) return statement.status();
    cached = std::make_unique<Statement>(*std::move(statement));
  }
  return cached.get();
}

// A sum of zero is written as a zero row: the table's content must not
// depend on the order in which a replay meets the same deltas.
absl::Status Projections::WriteReport(const ReportDeltaSums& sums) {
  // In key order: each insert lands at the end of the table.
  for (const ReportDeltaSums::Row& row : sums.Sorted()) {
    add_report_delta_.BindText(1, row.agency)
        .BindText(2, row.procedure_code)
        .BindText(3, row.field)
        .BindInt(4, row.day)
        .BindInt(5, row.measure)
        .BindInt(6, row.delta);
    if (absl::Status status = add_report_delta_.Run(); !status.ok()) {
      return status;
    }
    RETURN_IF_ERROR(report_months_->Add(row.agency, row.procedure_code,
                                        row.field, row.day, row.measure,
                                        row.delta));
  }
  return absl::OkStatus();
}

absl::Status Projections::WriteReport(const ReportBatch& batch) {
  RETURN_IF_ERROR(WriteReport(batch.by_group));
  return WriteUnitReport(batch.by_unit);
}

absl::Status Projections::WriteUnitReport(const UnitReportDeltaSums& sums) {
  for (const ReportDeltaSums::Row& row : sums.by_unit.Sorted()) {
    add_unit_report_delta_.BindText(1, row.agency)
        .BindText(2, row.procedure_code)  // the unit
        .BindInt(3, row.day)
        .BindInt(4, row.measure)
        .BindInt(5, row.delta);
    if (absl::Status status = add_unit_report_delta_.Run(); !status.ok()) {
      return status;
    }
    RETURN_IF_ERROR(report_months_->AddUnit(row.agency, row.procedure_code,
                                            row.day, row.measure, row.delta));
  }
  return absl::OkStatus();
}

absl::Status Projections::UpdateDossier(const Dossier* before,
                                        const Dossier& after) {
  const StepRecord* step = after.current_step();
  const absl::string_view unit = CurrentUnit(after);
  std::optional<int64_t> step_due_at;
  if (step != nullptr) step_due_at = ToStoredMicros(step->due_at);
  Statement* statement = &upsert_dossier_;
  if (before != nullptr) {
    // The indexed columns, as parameters ?3 to ?6 of both statements.
    static constexpr const char* kIndexed[] = {"state = ?3", "agency = ?4",
                                               "procedure_code = ?5",
                                               "current_unit = ?6"};
    const absl::string_view before_unit = CurrentUnit(*before);
    const uint32_t changed =
        (before->state != after.state ? 1u : 0u) |
        (before->agency != after.agency ? 2u : 0u) |
        (before->procedure_code != after.procedure_code ? 4u : 0u) |
        (before_unit != unit ? 8u : 0u);
    absl::StatusOr<Statement*> update = PartialUpdate(
        "dossiers", "code = ?1",
        "version = ?2, current_step_id = ?7, received_at = ?8, due_at = ?9, "
        "step_due_at = ?10, classification = ?11, snapshot = ?12",
        kIndexed, changed);
    if (!update.ok()) return update.status();
    statement = *update;
    statement->BindText(1, after.code).BindInt(2, after.version);
    if ((changed & 1u) != 0) {
      statement->BindInt(3, static_cast<int64_t>(after.state));
    }
    if ((changed & 2u) != 0) statement->BindText(4, after.agency);
    if ((changed & 4u) != 0) statement->BindText(5, after.procedure_code);
    if ((changed & 8u) != 0) statement->BindText(6, unit);
  } else {
    statement->BindText(1, after.code)
        .BindInt(2, after.version)
        .BindInt(3, static_cast<int64_t>(after.state))
        .BindText(4, after.agency)
        .BindText(5, after.procedure_code)
        .BindText(6, unit);
  }
  statement
      ->BindText(7, step != nullptr ? absl::string_view(step->step_id)
                                    : absl::string_view(""))
      .BindInt(8, ToStoredMicros(after.received_at))
      .BindInt(9, ToStoredMicros(after.due_at))
      .BindOptionalInt(10, step_due_at)
      .BindInt(11, static_cast<int64_t>(after.classification))
      .BindBlob(12, EncodeDossierSnapshot(after));
  if (absl::Status status = statement->Run(); !status.ok()) return status;
  // A row missing where `before` says it is (a projection damaged outside
  // motcua) is written whole.
  if (before != nullptr && database_.Changes() == 0) {
    return UpdateDossier(nullptr, after);
  }
  return absl::OkStatus();
}

absl::Status Projections::UpdateDeadlines(const Dossier* before,
                                          const Dossier& after) {
  auto write_whole = [&](const char* kind, const DeadlineRow& row) {
    upsert_deadline_.BindText(1, after.code)
        .BindText(2, kind)
        .BindInt(3, row.due_at)
        .BindText(4, row.step_id)
        .BindText(5, row.unit)
        .BindText(6, row.agency)
        .BindText(7, row.procedure_code);
    return upsert_deadline_.Run();
  };
  for (const DeadlineChange& change : DeadlineChanges(before, after)) {
    if (!change.changed()) continue;
    if (change.moves_day_count()) {
      RETURN_IF_ERROR(UpdateDeadlineDays(
          change.kind, change.old_row ? &*change.old_row : nullptr,
          change.new_row ? &*change.new_row : nullptr));
    }
    if (!change.new_row.has_value()) {
      delete_deadline_.BindText(1, after.code).BindText(2, change.kind);
      if (absl::Status status = delete_deadline_.Run(); !status.ok()) {
        return status;
      }
      continue;
    }
    const DeadlineRow& row = *change.new_row;
    if (!change.old_row.has_value()) {
      if (absl::Status status = write_whole(change.kind, row); !status.ok()) {
        return status;
      }
      continue;
    }
    // Every column but step_id is indexed: set only those that changed.
    static constexpr const char* kColumns[] = {
        "due_at = ?3", "unit = ?5", "agency = ?6", "procedure_code = ?7"};
    const DeadlineRow& old_row = *change.old_row;
    const uint32_t changed =
        (old_row.due_at != row.due_at ? 1u : 0u) |
        (old_row.unit != row.unit ? 2u : 0u) |
        (old_row.agency != row.agency ? 4u : 0u) |
        (old_row.procedure_code != row.procedure_code ? 8u : 0u);
    absl::StatusOr<Statement*> update =
        PartialUpdate("deadlines", "dossier_code = ?1 AND kind = ?2",
                      "step_id = ?4", kColumns, changed);
    if (!update.ok()) return update.status();
    Statement& statement = **update;
    statement.BindText(1, after.code)
        .BindText(2, change.kind)
        .BindText(4, row.step_id);
    if ((changed & 1u) != 0) statement.BindInt(3, row.due_at);
    if ((changed & 2u) != 0) statement.BindText(5, row.unit);
    if ((changed & 4u) != 0) statement.BindText(6, row.agency);
    if ((changed & 8u) != 0) statement.BindText(7, row.procedure_code);
    if (absl::Status status = statement.Run(); !status.ok()) return status;
    if (database_.Changes() == 0) {
      // The row is missing (damaged outside motcua): write it whole.
      if (absl::Status status = write_whole(change.kind, row); !status.ok()) {
        return status;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Projections::UpdateDeadlineDays(const char* kind,
                                             const DeadlineRow* old_row,
                                             const DeadlineRow* new_row) {
  auto run = [&](Statement& statement, const DeadlineRow& row) {
    statement.BindText(1, kind)
        .BindText(2, row.agency)
        .BindInt(3, DeadlineDay(row));
    return statement.Run();
  };
  if (old_row != nullptr) {
    for (Statement* statement :
         {&decrement_deadline_day_, &delete_empty_deadline_day_,
          &decrement_deadline_total_}) {
      if (absl::Status status = run(*statement, *old_row); !status.ok()) {
        return status;
      }
    }
    if (database_.Changes() > 0) {
      delete_empty_deadline_total_.BindText(1, kind).BindText(2,
                                                              old_row->agency);
      if (absl::Status status = delete_empty_deadline_total_.Run();
          !status.ok()) {
        return status;
      }
    }
  }
  if (new_row == nullptr) return absl::OkStatus();
  if (absl::Status status = run(increment_deadline_day_, *new_row);
      !status.ok()) {
    return status;
  }
  return run(increment_deadline_total_, *new_row);
}

absl::Status Projections::SettleDeadlineDays(int64_t day) {
  int64_t settled = 0;
  absl::Status status = select_settled_day_.ForEachRow([&] {
    settled = select_settled_day_.ColumnInt(0);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (day <= settled) return absl::OkStatus();
  settle_deadline_totals_.BindInt(1, settled).BindInt(2, day);
  if (status = settle_deadline_totals_.Run(); !status.ok()) return status;
  set_settled_day_.BindInt(1, day);
  return set_settled_day_.Run();
}

absl::Status Projections::UpdateThresholds(const Dossier* before,
                                           const Dossier& after) {
  for (const ThresholdChange& change : ThresholdChanges(before, after)) {
    if (!change.changed()) continue;
    const int64_t target = static_cast<int64_t>(change.target);
    if (!change.new_next.has_value()) {
      delete_threshold_.BindText(1, after.code).BindInt(2, target);
      if (absl::Status status = delete_threshold_.Run(); !status.ok()) {
        return status;
      }
      continue;
    }
    upsert_threshold_.BindText(1, after.code)
        .BindInt(2, target)
        .BindInt(3, ToStoredMicros(change.new_next->at))
        .BindInt(4, change.new_next->index);
    if (absl::Status status = upsert_threshold_.Run(); !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

absl::Status Projections::UpdateControlSheet(const Dossier* before,
                                             const Dossier& after) {
  for (const size_t index : ChangedControlSheetEntries(before, after)) {
    const StepRecord& step = after.steps[index];
    std::optional<int64_t> ended_at;
    if (step.ended_at.has_value()) ended_at = ToStoredMicros(*step.ended_at);
    upsert_control_sheet_.BindText(1, after.code)
        .BindInt(2, static_cast<int64_t>(index) + 1)
        .BindText(3, step.step_id)
        .BindText(4, step.unit)
        .BindInt(5, ToStoredMicros(step.started_at))
        .BindInt(6, ToStoredMicros(step.due_at))
        .BindOptionalInt(7, ended_at)
        .BindInt(8, absl::ToInt64Seconds(step.used))
        .BindInt(9, step.late ? 1 : 0)
        .BindText(10, step.handed_over_by);
    if (absl::Status status = upsert_control_sheet_.Run(); !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

absl::Status Projections::UpdateCounters(const Dossier* before,
                                         const Dossier& after) {
  const CounterKey new_key = CounterKeyOf(after);
  if (before != nullptr) {
    const CounterKey old_key = CounterKeyOf(*before);
    if (old_key == new_key) return absl::OkStatus();
    BindCounterKey(decrement_counter_, old_key);
    if (absl::Status status = decrement_counter_.Run(); !status.ok()) {
      return status;
    }
    BindCounterKey(delete_empty_counter_, old_key);
    if (absl::Status status = delete_empty_counter_.Run(); !status.ok()) {
      return status;
    }
  }
  BindCounterKey(increment_counter_, new_key);
  return increment_counter_.Run();
}

absl::Status Projections::UpdateRequest(const StoredEvent& stored,
                                        const RequestTag& request,
                                        const Dossier& after) {
  if (request.id.empty()) return absl::OkStatus();
  return WriteRequest(request.id,
                      RequestRecord{after.code, after.version, stored.sequence,
                                    request.fingerprint});
}

absl::Status Projections::WriteRequest(absl::string_view request_id,
                                       const RequestRecord& record) {
  upsert_request_.BindText(1, request_id)
      .BindText(2, record.dossier_code)
      .BindBlob(3, EncodeRequestOutcome(record));
  // NULL, not an empty blob, for a command logged without one: what the
  // upgrade to schema 7 leaves in the rows it finds.
  if (record.fingerprint.empty()) {
    upsert_request_.BindNull(4);
  } else {
    upsert_request_.BindBlob(4, record.fingerprint);
  }
  return upsert_request_.Run();
}

absl::StatusOr<std::optional<Dossier>> Projections::LoadDossier(
    const std::string& code) {
  select_dossier_.BindText(1, code);
  absl::StatusOr<bool> row = select_dossier_.Step();
  if (!row.ok() || !*row) {
    select_dossier_.Reset();
    if (!row.ok()) return row.status();
    return std::optional<Dossier>();
  }
  absl::StatusOr<Dossier> dossier =
      DecodeDossierSnapshot(select_dossier_.ColumnBlob(0));
  select_dossier_.Reset();
  if (!dossier.ok()) {
    return absl::DataLossError(absl::StrCat(
        "dossier ", code, ": stored snapshot: ", dossier.status().message()));
  }
  return std::optional<Dossier>(std::move(*dossier));
}

absl::StatusOr<std::optional<RequestRecord>> Projections::LoadRequest(
    const std::string& request_id) {
  select_request_.BindText(1, request_id);
  absl::StatusOr<bool> row = select_request_.Step();
  if (!row.ok() || !*row) {
    select_request_.Reset();
    if (!row.ok()) return row.status();
    return std::optional<RequestRecord>();
  }
  absl::StatusOr<RequestRecord> record =
      DecodeRequestOutcome(select_request_.ColumnBlob(0));
  if (record.ok()) {
    record->fingerprint = std::string(select_request_.ColumnBlob(1));
  }
  select_request_.Reset();
  if (!record.ok()) return record.status();
  return std::optional<RequestRecord>(std::move(*record));
}

}  // namespace motcua::store
