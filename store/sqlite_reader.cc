#include "store/sqlite_reader.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/report.h"
#include "engine/status_macros.h"
#include "store/event_codec.h"
#include "store/event_rows.h"
#include "store/projection_changes.h"
#include "store/report_months.h"
#include "store/schema.h"
#include "store/sqlite_connection.h"

namespace motcua::store {

absl::StatusOr<std::unique_ptr<SqliteReader>> SqliteReader::Open(
    const std::string& path, std::function<int64_t()> durable_sequence) {
  std::unique_ptr<SqliteReader> reader(
      new SqliteReader(std::move(durable_sequence)));
  RETURN_IF_ERROR(reader->Prepare(path));
  return reader;
}

SqliteReader::SqliteReader(std::function<int64_t()> durable_sequence)
    : durable_sequence_(std::move(durable_sequence)) {}

absl::Status SqliteReader::Prepare(const std::string& path) {
  absl::MutexLock lock(&read_mu_);
  ASSIGN_OR_RETURN(db_, Database::Open(path, OpenMode::kReadOnly));
  RETURN_IF_ERROR(ConfigureConnection(db_, ConnectionRole::kReader));
  struct Entry {
    Statement* statement;
    std::string sql;
  };
  const Entry entries[] = {
      {&read_dossier_, "SELECT snapshot FROM dossiers WHERE code = ?1"},
      {&read_dossier_events_,
       absl::StrCat("SELECT ", kEventColumnsWithAgency,
                    " FROM events LEFT JOIN dossiers ON code = dossier_code "
                    "WHERE dossier_code = ?1 AND sequence <= ?2 "
                    "ORDER BY dossier_version")},
      {&read_events_,
       absl::StrCat("SELECT ", kEventColumnsWithAgency,
                    " FROM events LEFT JOIN dossiers ON code = dossier_code "
                    "WHERE sequence > ?1 AND sequence <= ?3 ORDER BY "
                    "sequence LIMIT ?2")},
  };
  for (const Entry& entry : entries) {
    ASSIGN_OR_RETURN(*entry.statement, db_.Prepare(entry.sql));
  }
  return absl::OkStatus();
}

absl::StatusOr<Dossier> SqliteReader::ReadDossier(const std::string& code) {
  absl::MutexLock lock(&read_mu_);
  read_dossier_.BindText(1, code);
  absl::StatusOr<bool> row = read_dossier_.Step();
  if (!row.ok() || !*row) {
    read_dossier_.Reset();
    if (!row.ok()) return row.status();
    return DossierNotFoundError(code);
  }
  absl::StatusOr<Dossier> dossier =
      DecodeDossierSnapshot(read_dossier_.ColumnBlob(0));
  read_dossier_.Reset();
  if (!dossier.ok()) {
    return absl::DataLossError(absl::StrCat(
        "dossier ", code, ": stored snapshot: ", dossier.status().message()));
  }
  return dossier;
}

absl::StatusOr<std::vector<StoredEvent>> SqliteReader::ReadDossierEvents(
    const std::string& code) {
  absl::MutexLock lock(&read_mu_);
  // The log as readers see it ends at its last durable event.
  read_dossier_events_.BindText(1, code).BindInt(2, durable_sequence_());
  return ReadAllEvents(read_dossier_events_);
}

absl::StatusOr<std::vector<StoredEvent>> SqliteReader::ReadEvents(
    int64_t after_sequence, int64_t limit) {
  if (limit <= 0) return std::vector<StoredEvent>();
  absl::MutexLock lock(&read_mu_);
  read_events_.BindInt(1, after_sequence)
      .BindInt(2, limit)
      .BindInt(3, durable_sequence_());
  return ReadAllEvents(read_events_);
}

absl::StatusOr<int64_t> SqliteReader::LastSequence() {
  return durable_sequence_();
}

absl::StatusOr<Statement*> SqliteReader::ReaderStatement(
    const std::string& sql) {
  auto [it, inserted] = read_queries_.try_emplace(sql);
  if (inserted) {
    absl::StatusOr<Statement> statement = db_.Prepare(sql);
    if (!statement.ok()) {
      read_queries_.erase(it);
      return statement.status();
    }
    it->second = std::make_unique<Statement>(std::move(*statement));
  }
  return it->second.get();
}

absl::StatusOr<std::vector<Dossier>> SqliteReader::ListDossiers(
    const DossierFilter& filter, const std::string& after_code, int limit) {
  if (limit <= 0) return std::vector<Dossier>();
  // Each filter is an equality on an indexed column; the text of the
  // statement depends only on which filters are set.
  std::string sql = "SELECT snapshot FROM dossiers WHERE code > ?1";
  if (!filter.agency.empty()) absl::StrAppend(&sql, " AND agency = ?2");
  if (!filter.procedure_code.empty()) {
    absl::StrAppend(&sql, " AND procedure_code = ?3");
  }
  if (!filter.unit.empty()) absl::StrAppend(&sql, " AND current_unit = ?4");
  if (filter.state.has_value()) absl::StrAppend(&sql, " AND state = ?5");
  absl::StrAppend(&sql, " ORDER BY code LIMIT ?6");

  absl::MutexLock lock(&read_mu_);
  ASSIGN_OR_RETURN(Statement * statement, ReaderStatement(sql));
  Statement& query = *statement;
  query.BindText(1, after_code).BindInt(6, limit);
  if (!filter.agency.empty()) query.BindText(2, filter.agency);
  if (!filter.procedure_code.empty()) query.BindText(3, filter.procedure_code);
  if (!filter.unit.empty()) query.BindText(4, filter.unit);
  if (filter.state.has_value()) {
    query.BindInt(5, static_cast<int64_t>(*filter.state));
  }
  std::vector<Dossier> dossiers;
  RETURN_IF_ERROR(query.ForEachRow([&]() -> absl::Status {
    absl::StatusOr<Dossier> dossier =
        DecodeDossierSnapshot(query.ColumnBlob(0));
    if (!dossier.ok()) {
      return absl::DataLossError(absl::StrCat("a stored dossier snapshot: ",
                                              dossier.status().message()));
    }
    dossiers.push_back(*std::move(dossier));
    return absl::OkStatus();
  }));
  return dossiers;
}

namespace {
const char* DeadlineKindName(DeadlineKind kind) {
  return kind == DeadlineKind::kDossier ? "dossier" : "step";
}
}  // namespace

absl::StatusOr<std::vector<Deadline>> SqliteReader::ListDeadlines(
    const DeadlineQuery& query) {
  if (query.limit <= 0) return std::vector<Deadline>();
  std::string sql = absl::StrCat(
      "SELECT d.dossier_code, d.due_at, d.step_id, d.unit, d.agency, "
      "d.procedure_code",
      query.with_dossiers ? ", s.snapshot" : "", " FROM deadlines d",
      // With an agency, its range of deadlines_by_agency (which holds the
      // procedure too) is the smallest that keeps the order: without the
      // hint SQLite may take a procedure's range over every agency and
      // look each row's agency up.
      query.agency.empty() ? "" : " INDEXED BY deadlines_by_agency",
      query.with_dossiers ? " JOIN dossiers s ON s.code = d.dossier_code" : "",
      " WHERE d.kind = ?1 AND d.due_at >= ?2 AND d.due_at < ?3");
  if (!query.agency.empty()) absl::StrAppend(&sql, " AND d.agency = ?4");
  if (!query.unit.empty()) absl::StrAppend(&sql, " AND d.unit = ?5");
  if (!query.procedure_code.empty()) {
    absl::StrAppend(&sql, " AND d.procedure_code = ?6");
  }
  if (query.after.has_value()) {
    // A step's row follows its dossier's at the same (due_at, code): after
    // a dossier's row, the step's at the same place still comes.
    const bool same_place_follows = query.kind == DeadlineKind::kStep &&
                                    query.after->kind == DeadlineKind::kDossier;
    absl::StrAppend(&sql, " AND (d.due_at, d.dossier_code) ",
                    same_place_follows ? ">=" : ">", " (?7, ?8)");
  }
  absl::StrAppend(&sql, " ORDER BY d.due_at, d.dossier_code LIMIT ?9");

  absl::MutexLock lock(&read_mu_);
  ASSIGN_OR_RETURN(Statement * statement, ReaderStatement(sql));
  Statement& select = *statement;
  select.BindText(1, DeadlineKindName(query.kind))
      .BindInt(2, ToStoredMicros(query.due_from))
      .BindInt(3, ToStoredMicros(query.due_before))
      .BindInt(9, query.limit);
  if (!query.agency.empty()) select.BindText(4, query.agency);
  if (!query.unit.empty()) select.BindText(5, query.unit);
  if (!query.procedure_code.empty()) select.BindText(6, query.procedure_code);
  if (query.after.has_value()) {
    select.BindInt(7, ToStoredMicros(query.after->due_at))
        .BindText(8, query.after->dossier_code);
  }
  std::vector<Deadline> deadlines;
  RETURN_IF_ERROR(select.ForEachRow([&] {
    Deadline& deadline = deadlines.emplace_back();
    deadline.dossier_code = std::string(select.ColumnText(0));
    deadline.kind = query.kind;
    deadline.due_at = FromStoredMicros(select.ColumnInt(1));
    deadline.step_id = std::string(select.ColumnText(2));
    deadline.unit = std::string(select.ColumnText(3));
    deadline.agency = std::string(select.ColumnText(4));
    deadline.procedure_code = std::string(select.ColumnText(5));
    if (query.with_dossiers) {
      absl::StatusOr<Dossier> dossier =
          DecodeDossierSnapshot(select.ColumnBlob(6));
      if (!dossier.ok()) {
        return absl::DataLossError(
            absl::StrCat("dossier ", deadline.dossier_code,
                         ": stored snapshot: ", dossier.status().message()));
      }
      deadline.dossier = *std::move(dossier);
    }
    return absl::OkStatus();
  }));
  return deadlines;
}

absl::StatusOr<std::vector<ScheduledThreshold>> SqliteReader::ListThresholds(
    absl::Time from, absl::Time before,
    const std::optional<ThresholdCursor>& after, int limit) {
  if (limit <= 0) return std::vector<ScheduledThreshold>();
  std::string sql =
      "SELECT dossier_code, target, at, threshold_index FROM thresholds "
      "INDEXED BY thresholds_by_time WHERE at >= ?1 AND at < ?2";
  if (after.has_value()) {
    absl::StrAppend(&sql, " AND (at, dossier_code, target) > (?3, ?4, ?5)");
  }
  absl::StrAppend(&sql, " ORDER BY at, dossier_code, target LIMIT ?6");

  absl::MutexLock lock(&read_mu_);
  ASSIGN_OR_RETURN(Statement * statement, ReaderStatement(sql));
  Statement& select = *statement;
  select.BindInt(1, ToStoredMicros(from))
      .BindInt(2, ToStoredMicros(before))
      .BindInt(6, limit);
  if (after.has_value()) {
    select.BindInt(3, ToStoredMicros(after->at))
        .BindText(4, after->dossier_code)
        .BindInt(5, static_cast<int64_t>(after->target));
  }
  std::vector<ScheduledThreshold> thresholds;
  RETURN_IF_ERROR(select.ForEachRow([&] {
    ScheduledThreshold& threshold = thresholds.emplace_back();
    threshold.dossier_code = std::string(select.ColumnText(0));
    threshold.target = select.ColumnInt(1) == 0 ? ThresholdTarget::kDossier
                                                : ThresholdTarget::kStep;
    threshold.at = FromStoredMicros(select.ColumnInt(2));
    threshold.index = static_cast<int>(select.ColumnInt(3));
    return absl::OkStatus();
  }));
  return thresholds;
}

absl::StatusOr<std::vector<AgencyCount>> SqliteReader::CountDeadlinesByAgency(
    DeadlineKind kind, absl::Time due_before, const std::string& agency) {
  // Three parts, in one statement (one read transaction): the totals of the
  // days before the settled day, the days from it to the day before
  // due_before's, and that day's deadlines up to due_before. Asked about a
  // day before the settled one, the days are summed from the first.
  const DueDayPart due_day = DueDayPartOf(due_before);
  const bool one = !agency.empty();
  const char* of_agency = one ? " AND agency = ?5" : "";
  // The day's part (DueDayPart), for each agency with a deadline that day
  // (its row in deadline_days): a range of deadlines_by_agency, the index
  // alone, never the table.
  const char* counted =
      "(SELECT count(*) FROM deadlines INDEXED BY deadlines_by_agency WHERE "
      "agency = today.agency AND kind = ?1 AND due_at >= ?3 AND due_at < ?4)";
  const std::string sql = absl::StrCat(
      "WITH settled (day) AS (SELECT coalesce((SELECT value FROM meta WHERE "
      "key = '",
      kMetaDeadlinesSettledDay,
      "'), 0)), "
      "first (day) AS (SELECT iif(day <= ?2, day, 0) FROM settled) "
      "SELECT agency, sum(n) FROM ("
      "SELECT agency, count AS n FROM deadline_totals WHERE kind = ?1 AND "
      "(SELECT day FROM first) > 0",
      of_agency,
      " UNION ALL SELECT agency, sum(count) AS n FROM deadline_days WHERE "
      "kind = ?1 AND due_day >= (SELECT day FROM first) AND due_day < ?2",
      of_agency, " GROUP BY agency UNION ALL SELECT agency, ",
      due_day.less_than_day ? "today.count - " : "", counted,
      " AS n FROM deadline_days AS today WHERE kind = ?1 AND due_day = ?2",
      of_agency, ") GROUP BY agency HAVING sum(n) > 0 ORDER BY agency");
  absl::MutexLock lock(&read_mu_);
  ASSIGN_OR_RETURN(Statement * statement, ReaderStatement(sql));
  Statement& select = *statement;
  select.BindText(1, DeadlineKindName(kind))
      .BindInt(2, due_day.day)
      .BindInt(3, ToStoredMicros(due_day.from))
      .BindInt(4, ToStoredMicros(due_day.to));
  if (one) select.BindText(5, agency);
  std::vector<AgencyCount> counts;
  RETURN_IF_ERROR(select.ForEachRow([&] {
    counts.push_back(
        AgencyCount{std::string(select.ColumnText(0)), select.ColumnInt(1)});
    return absl::OkStatus();
  }));
  return counts;
}

absl::StatusOr<std::vector<ReportRow>> SqliteReader::Report(
    const ReportQuery& query) {
  const bool by_unit = query.group_by == ReportGrouping::kUnit;
  const char* group = query.group_by == ReportGrouping::kAgency ? "agency"
                      : query.group_by == ReportGrouping::kProcedure
                          ? "procedure_code"
                      : by_unit ? "unit"
                                : "field";
  // Whole months from the monthly rows, the edge days from the daily rows
  // (store/report_months.h).
  std::vector<std::pair<std::string, ReportSums>> groups;
  {
    absl::MutexLock lock(&read_mu_);
    ASSIGN_OR_RETURN(
        groups,
        SumReport([&](const std::string& sql) ABSL_EXCLUSIVE_LOCKS_REQUIRED(
                      read_mu_) { return ReaderStatement(sql); },
                  group, by_unit, query.agency, ReportDay(query.from),
                  ReportDay(query.to)));
  }
  return BuildReportRows(groups, by_unit, query.count_at);
}

absl::StatusOr<std::vector<StateCount>> SqliteReader::CountDossiersByState() {
  absl::MutexLock lock(&read_mu_);
  ASSIGN_OR_RETURN(Statement * statement,
                   ReaderStatement("SELECT agency, state, SUM(count) FROM "
                                   "counters GROUP BY agency, state "
                                   "ORDER BY agency, state"));
  Statement& select = *statement;
  std::vector<StateCount> counts;
  RETURN_IF_ERROR(select.ForEachRow([&] {
    counts.push_back(StateCount{
        std::string(select.ColumnText(0)),
        static_cast<LifecycleState>(select.ColumnInt(1)), select.ColumnInt(2)});
    return absl::OkStatus();
  }));
  return counts;
}

}  // namespace motcua::store
