#include "store/postgres/pg_reader.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/report.h"
#include "engine/status_macros.h"
#include "store/event_codec.h"
#include "store/event_rows.h"
#include "store/postgres/pg_rows.h"
#include "store/projection_changes.h"
#include "store/report_months.h"
#include "store/schema.h"

namespace motcua::store::pg {
namespace {

const char* DeadlineKindName(DeadlineKind kind) {
  return kind == DeadlineKind::kDossier ? "dossier" : "step";
}

// Parameters numbered as they are added: PostgreSQL wants every $n of a
// statement used, so a filter left out takes no number.
class Args {
 public:
  std::string Text(absl::string_view value) {
    params_.Text(value);
    return absl::StrCat("$", params_.size());
  }
  std::string Int(int64_t value) {
    params_.Int(value);
    return absl::StrCat("$", params_.size());
  }
  const Params& params() const { return params_; }

 private:
  Params params_;
};

absl::StatusOr<Dossier> DossierOfBytes(absl::string_view bytes,
                                       absl::string_view code) {
  absl::StatusOr<Dossier> dossier = DecodeDossierSnapshot(bytes);
  if (!dossier.ok()) {
    return absl::DataLossError(absl::StrCat(
        code.empty() ? "a stored dossier" : absl::StrCat("dossier ", code),
        ": stored snapshot: ", dossier.status().message()));
  }
  return dossier;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Reader>> Reader::Open(
    const std::string& url, std::function<int64_t()> durable_sequence) {
  std::unique_ptr<Reader> reader(new Reader(url, std::move(durable_sequence)));
  absl::MutexLock lock(&reader->mu_);
  ASSIGN_OR_RETURN(reader->connection_, Connection::Open(url));
  return reader;
}

absl::StatusOr<Result> Reader::Query(const std::string& sql,
                                     const Params& params) {
  absl::StatusOr<Result> result = QueryOnce(sql, params);
  if (result.ok() || connection_.ok()) return result;
  // The connection broke (a server restart, a failover, a network cut),
  // which libpq learns only by using it: once more, on a new one. A read
  // changes nothing, so running it again is safe.
  prepared_.clear();
  ASSIGN_OR_RETURN(connection_, Connection::Open(url_));
  return QueryOnce(sql, params);
}

absl::StatusOr<Result> Reader::QueryOnce(const std::string& sql,
                                         const Params& params) {
  auto [found, inserted] = prepared_.try_emplace(sql);
  if (inserted) {
    found->second = absl::StrCat("read_", prepared_.size());
    if (absl::Status status = connection_.Prepare(found->second, sql);
        !status.ok()) {
      prepared_.erase(found);
      return status;
    }
  }
  return connection_.Run(found->second, params);
}

absl::StatusOr<std::vector<StoredEvent>> Reader::ReadEvents(
    int64_t after_sequence, int64_t limit) {
  if (limit <= 0) return std::vector<StoredEvent>();
  // The log as readers see it ends at its last durable event.
  const int64_t durable = durable_sequence_();
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(
      Result result,
      Query(absl::StrCat("SELECT ", kEventColumnsWithAgency,
                         " FROM events LEFT JOIN dossiers ON code = "
                         "dossier_code WHERE sequence > $1 AND sequence <= $2 "
                         "ORDER BY sequence LIMIT $3"),
            Params().Int(after_sequence).Int(durable).Int(limit)));
  return EventsOfResult(result);
}

absl::StatusOr<std::vector<StoredEvent>> Reader::ReadDossierEvents(
    const std::string& code) {
  const int64_t durable = durable_sequence_();
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(
      Result result,
      Query(absl::StrCat("SELECT ", kEventColumnsWithAgency,
                         " FROM events LEFT JOIN dossiers ON code = "
                         "dossier_code WHERE dossier_code = $1 AND sequence "
                         "<= $2 ORDER BY dossier_version"),
            Params().Text(code).Int(durable)));
  return EventsOfResult(result);
}

absl::StatusOr<int64_t> Reader::LastSequence() { return durable_sequence_(); }

absl::StatusOr<Dossier> Reader::ReadDossier(const std::string& code) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Result result,
                   Query("SELECT snapshot FROM dossiers WHERE code = $1",
                         Params().Text(code)));
  if (result.rows() == 0) return DossierNotFoundError(code);
  return DossierOfBytes(result.Bytes(0, 0), code);
}

absl::StatusOr<std::vector<Dossier>> Reader::ListDossiers(
    const DossierFilter& filter, const std::string& after_code, int limit) {
  if (limit <= 0) return std::vector<Dossier>();
  // Each filter is an equality on an indexed column.
  Args args;
  std::string sql = absl::StrCat("SELECT snapshot FROM dossiers WHERE code > ",
                                 args.Text(after_code));
  if (!filter.agency.empty()) {
    absl::StrAppend(&sql, " AND agency = ", args.Text(filter.agency));
  }
  if (!filter.procedure_code.empty()) {
    absl::StrAppend(&sql,
                    " AND procedure_code = ", args.Text(filter.procedure_code));
  }
  if (!filter.unit.empty()) {
    absl::StrAppend(&sql, " AND current_unit = ", args.Text(filter.unit));
  }
  if (filter.state.has_value()) {
    absl::StrAppend(
        &sql, " AND state = ", args.Int(static_cast<int64_t>(*filter.state)));
  }
  absl::StrAppend(&sql, " ORDER BY code LIMIT ", args.Int(limit));
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Result result, Query(sql, args.params()));
  std::vector<Dossier> dossiers;
  for (int row = 0; row < result.rows(); ++row) {
    ASSIGN_OR_RETURN(Dossier dossier, DossierOfBytes(result.Bytes(row, 0), ""));
    dossiers.push_back(std::move(dossier));
  }
  return dossiers;
}

absl::StatusOr<std::vector<Deadline>> Reader::ListDeadlines(
    const DeadlineQuery& query) {
  if (query.limit <= 0) return std::vector<Deadline>();
  Args args;
  std::string sql = absl::StrCat(
      "SELECT d.dossier_code, d.due_at, d.step_id, d.unit, d.agency, "
      "d.procedure_code",
      query.with_dossiers ? ", s.snapshot" : "", " FROM deadlines d",
      query.with_dossiers ? " JOIN dossiers s ON s.code = d.dossier_code" : "",
      " WHERE d.kind = ", args.Text(DeadlineKindName(query.kind)),
      " AND d.due_at >= ", args.Int(ToStoredMicros(query.due_from)),
      " AND d.due_at < ", args.Int(ToStoredMicros(query.due_before)));
  if (!query.agency.empty()) {
    absl::StrAppend(&sql, " AND d.agency = ", args.Text(query.agency));
  }
  if (!query.unit.empty()) {
    absl::StrAppend(&sql, " AND d.unit = ", args.Text(query.unit));
  }
  if (!query.procedure_code.empty()) {
    absl::StrAppend(
        &sql, " AND d.procedure_code = ", args.Text(query.procedure_code));
  }
  if (query.after.has_value()) {
    // A step's row follows its dossier's at the same (due_at, code): after
    // a dossier's row, the step's at the same place still comes.
    const bool same_place_follows = query.kind == DeadlineKind::kStep &&
                                    query.after->kind == DeadlineKind::kDossier;
    absl::StrAppend(&sql, " AND (d.due_at, d.dossier_code) ",
                    same_place_follows ? ">=" : ">", " (",
                    args.Int(ToStoredMicros(query.after->due_at)), ", ",
                    args.Text(query.after->dossier_code), ")");
  }
  absl::StrAppend(&sql, " ORDER BY d.due_at, d.dossier_code LIMIT ",
                  args.Int(query.limit));
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Result result, Query(sql, args.params()));
  std::vector<Deadline> deadlines;
  for (int row = 0; row < result.rows(); ++row) {
    Deadline& deadline = deadlines.emplace_back();
    deadline.dossier_code = std::string(result.Text(row, 0));
    deadline.kind = query.kind;
    deadline.due_at = FromStoredMicros(result.Int(row, 1));
    deadline.step_id = std::string(result.Text(row, 2));
    deadline.unit = std::string(result.Text(row, 3));
    deadline.agency = std::string(result.Text(row, 4));
    deadline.procedure_code = std::string(result.Text(row, 5));
    if (query.with_dossiers) {
      ASSIGN_OR_RETURN(deadline.dossier, DossierOfBytes(result.Bytes(row, 6),
                                                        deadline.dossier_code));
    }
  }
  return deadlines;
}

absl::StatusOr<std::vector<ScheduledThreshold>> Reader::ListThresholds(
    absl::Time from, absl::Time before,
    const std::optional<ThresholdCursor>& after, int limit) {
  if (limit <= 0) return std::vector<ScheduledThreshold>();
  Args args;
  std::string sql = absl::StrCat(
      "SELECT dossier_code, target, at, threshold_index FROM thresholds "
      "WHERE at >= ",
      args.Int(ToStoredMicros(from)), " AND at < ",
      args.Int(ToStoredMicros(before)));
  if (after.has_value()) {
    absl::StrAppend(&sql, " AND (at, dossier_code, target) > (",
                    args.Int(ToStoredMicros(after->at)), ", ",
                    args.Text(after->dossier_code), ", ",
                    args.Int(static_cast<int64_t>(after->target)),
                    "::smallint)");
  }
  absl::StrAppend(&sql, " ORDER BY at, dossier_code, target LIMIT ",
                  args.Int(limit));
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Result result, Query(sql, args.params()));
  std::vector<ScheduledThreshold> thresholds;
  for (int row = 0; row < result.rows(); ++row) {
    ScheduledThreshold& threshold = thresholds.emplace_back();
    threshold.dossier_code = std::string(result.Text(row, 0));
    threshold.target = result.Int(row, 1) == 0 ? ThresholdTarget::kDossier
                                               : ThresholdTarget::kStep;
    threshold.at = FromStoredMicros(result.Int(row, 2));
    threshold.index = static_cast<int>(result.Int(row, 3));
  }
  return thresholds;
}

absl::StatusOr<std::vector<AgencyCount>> Reader::CountDeadlinesByAgency(
    DeadlineKind kind, absl::Time due_before, const std::string& agency) {
  // Three parts, in one statement (one snapshot): the totals of the days
  // before the settled day, the days from it to the day before
  // due_before's, and that day's deadlines up to due_before. Asked about a
  // day before the settled one, the days are summed from the first. The
  // day's part (DueDayPart), for each agency with a deadline that day (its
  // row in deadline_days): a range of deadlines_by_agency, so that the
  // count reads the index and not a row per deadline.
  const DueDayPart due_day = DueDayPartOf(due_before);
  Args args;
  const std::string kind_arg = args.Text(DeadlineKindName(kind));
  const std::string day_arg = args.Int(due_day.day);
  const std::string from_arg = args.Int(ToStoredMicros(due_day.from));
  const std::string to_arg = args.Int(ToStoredMicros(due_day.to));
  const std::string of_agency =
      agency.empty() ? "" : absl::StrCat(" AND agency = ", args.Text(agency));
  const std::string sql = absl::StrCat(
      "WITH settled (day) AS (SELECT coalesce((SELECT value FROM meta WHERE "
      "key = '",
      kMetaDeadlinesSettledDay,
      "'), 0)), "
      "first (day) AS (SELECT CASE WHEN day <= ",
      day_arg,
      "::bigint THEN day ELSE 0 END FROM settled) "
      "SELECT agency, sum(n)::bigint FROM ("
      "SELECT agency, count AS n FROM deadline_totals WHERE kind = ",
      kind_arg, " AND (SELECT day FROM first) > 0", of_agency,
      " UNION ALL SELECT agency, sum(count) AS n FROM deadline_days WHERE "
      "kind = ",
      kind_arg, " AND due_day >= (SELECT day FROM first) AND due_day < ",
      day_arg, of_agency, " GROUP BY agency UNION ALL SELECT agency, ",
      due_day.less_than_day ? "today.count - " : "",
      "(SELECT count(*) FROM deadlines WHERE agency = today.agency AND kind = ",
      kind_arg, " AND due_at >= ", from_arg, " AND due_at < ", to_arg,
      ") AS n FROM deadline_days AS today WHERE kind = ", kind_arg,
      " AND due_day = ", day_arg, of_agency,
      ") parts GROUP BY agency HAVING sum(n) > 0 ORDER BY agency");
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Result result, Query(sql, args.params()));
  std::vector<AgencyCount> counts;
  for (int row = 0; row < result.rows(); ++row) {
    counts.push_back(
        AgencyCount{std::string(result.Text(row, 0)), result.Int(row, 1)});
  }
  return counts;
}

absl::StatusOr<std::vector<ReportRow>> Reader::Report(
    const ReportQuery& query) {
  const bool by_unit = query.group_by == ReportGrouping::kUnit;
  const char* group = query.group_by == ReportGrouping::kAgency ? "agency"
                      : query.group_by == ReportGrouping::kProcedure
                          ? "procedure_code"
                      : by_unit ? "unit"
                                : "field";
  // Whole months from the monthly rows, the edge days from the daily rows
  // (store/report_months.h), in one read-only snapshot: the writer adds to
  // both in one transaction, so a report never sees a month and its days
  // disagree.
  std::vector<std::pair<std::string, ReportSums>> groups;
  {
    absl::MutexLock lock(&mu_);
    auto sum = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_)
        -> absl::StatusOr<std::vector<std::pair<std::string, ReportSums>>> {
      RETURN_IF_ERROR(connection_.Execute(
          "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
      absl::StatusOr<std::vector<std::pair<std::string, ReportSums>>> sums =
          SumReport(
              [&](const std::string& sql, const std::vector<int64_t>& ints,
                  absl::string_view of_agency, ReportRowFn row)
                  ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
                    Params params;
                    for (int64_t value : ints) params.Int(value);
                    if (!of_agency.empty()) params.Text(of_agency);
                    ASSIGN_OR_RETURN(Result result, QueryOnce(sql, params));
                    for (int r = 0; r < result.rows(); ++r) {
                      RETURN_IF_ERROR(row(result.Text(r, 0), result.Int(r, 1),
                                          result.Int(r, 2), result.Int(r, 3)));
                    }
                    return absl::OkStatus();
                  },
              '$', group, by_unit, query.agency, ReportDay(query.from),
              ReportDay(query.to));
      absl::Status ended =
          connection_.Execute(sums.ok() ? "COMMIT" : "ROLLBACK");
      if (!sums.ok()) return sums.status();
      RETURN_IF_ERROR(ended);
      return sums;
    };
    absl::StatusOr<std::vector<std::pair<std::string, ReportSums>>> sums =
        sum();
    if (!sums.ok() && !connection_.ok()) {
      // The connection broke (see Query): the whole snapshot once more, on
      // a new one.
      prepared_.clear();
      ASSIGN_OR_RETURN(connection_, Connection::Open(url_));
      sums = sum();
    }
    ASSIGN_OR_RETURN(groups, std::move(sums));
  }
  return BuildReportRows(groups, by_unit, query.count_at);
}

absl::StatusOr<std::vector<StateCount>> Reader::CountDossiersByState() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Result result,
                   Query("SELECT agency, state, sum(count)::bigint FROM "
                         "counters GROUP BY agency, state ORDER BY agency, "
                         "state",
                         Params()));
  std::vector<StateCount> counts;
  for (int row = 0; row < result.rows(); ++row) {
    counts.push_back(StateCount{std::string(result.Text(row, 0)),
                                static_cast<LifecycleState>(result.Int(row, 1)),
                                result.Int(row, 2)});
  }
  return counts;
}

}  // namespace motcua::store::pg
