#include "store/postgres/pg_writer.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/report.h"
#include "engine/status_macros.h"
#include "store/event_codec.h"
#include "store/event_rows.h"
#include "store/hash_chain.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_schema.h"
#include "store/projection_changes.h"
#include "store/report_months.h"
#include "store/schema.h"

namespace motcua::store::pg {
namespace {

// The writer's statements, prepared once per connection under their names.
struct Named {
  const char* name;
  std::string sql;
};

std::vector<Named> WriterStatements() {
  const std::string settled_day = absl::StrCat(
      "(SELECT value FROM meta WHERE key = '", kMetaDeadlinesSettledDay, "')");
  return {
      {"begin", "BEGIN"},
      {"commit", "COMMIT"},
      {"rollback", "ROLLBACK"},
      {"savepoint", "SAVEPOINT command"},
      {"release", "RELEASE SAVEPOINT command"},
      {"rollback_to", "ROLLBACK TO SAVEPOINT command"},
      {"insert_event",
       "INSERT INTO events (sequence, dossier_code, dossier_version, type, "
       "occurred_at, recorded_at, actor, rule_version, payload, "
       "previous_hash, hash, writer_epoch) VALUES ($1, $2, $3, $4, $5, $6, "
       "$7, $8, $9, $10, $11, $12)"},
      {"select_head",
       absl::StrCat("SELECT value, bytes FROM meta WHERE key = '",
                    kMetaHeadSequence, "'")},
      {"select_last_event",
       "SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1"},
      // The lease (pg_schema.cc, version 2). Taken when free or expired, by
      // the database's clock; each taking raises the epoch by one.
      {"take_lease",
       "INSERT INTO leader (id, holder, epoch, expires_at, address, "
       "backend_pid) VALUES (1, $1, 1, clock_timestamp() + $2::bigint * "
       "interval '1 microsecond', $3, pg_backend_pid()) ON CONFLICT (id) DO "
       "UPDATE SET holder = excluded.holder, epoch = leader.epoch + 1, "
       "expires_at = excluded.expires_at, address = excluded.address, "
       "backend_pid = excluded.backend_pid WHERE leader.expires_at < "
       "clock_timestamp() RETURNING epoch"},
      {"fence", "SELECT motcua_fence($1, $2::bigint, $3::bigint)"},
      {"release_lease",
       "UPDATE leader SET expires_at = clock_timestamp() - interval '1 "
       "second' WHERE id = 1 AND holder = $1 AND epoch = $2::bigint"},
      {"read_leader",
       absl::StrCat("SELECT l.epoch, l.address, l.expires_at > "
                    "clock_timestamp(), coalesce((SELECT value FROM meta "
                    "WHERE key = '",
                    kMetaHeadSequence,
                    "'), 0) FROM (SELECT 1) one LEFT JOIN leader l ON "
                    "l.id = 1")},
      // A taking that waits longer than this for the lease's row gives up:
      // the row is locked by a leader's transaction, which ends at once
      // unless that leader is paused (see end_stale_leader).
      {"set_lock_timeout", "SELECT set_config('lock_timeout', $1, true)"},
      // Ends the write connection of an expired leader that still holds
      // the lease's row locked (a process paused inside a transaction):
      // its transaction rolls back, nothing of it is kept.
      {"end_stale_leader",
       "SELECT pg_terminate_backend(a.pid) FROM leader l JOIN "
       "pg_stat_activity a ON a.pid = l.backend_pid WHERE l.id = 1 AND "
       "l.expires_at < clock_timestamp() AND a.pid <> pg_backend_pid() AND "
       "a.datname = current_database() AND a.application_name = "
       "'motcua writer'"},
      {"write_head",
       absl::StrCat("INSERT INTO meta (key, value, bytes) VALUES ('",
                    kMetaHeadSequence,
                    "', $1, $2) ON CONFLICT (key) DO UPDATE SET value = "
                    "excluded.value, bytes = excluded.bytes")},
      {"select_request",
       "SELECT outcome, fingerprint FROM requests WHERE request_id = $1"},
      {"select_dossier", "SELECT snapshot FROM dossiers WHERE code = $1"},
      // A batch's reads in one round trip (Writer::ReadAhead): the request
      // ids of its commands ($1) and the dossiers not in memory ($2), each
      // list joined by kListSeparator.
      {"read_ahead",
       "SELECT 0, request_id, outcome, fingerprint FROM requests WHERE "
       "request_id = ANY(string_to_array($1::text, E'\\x1f')) UNION ALL "
       "SELECT 1, code, snapshot, NULL FROM dossiers WHERE "
       "code = ANY(string_to_array($2::text, E'\\x1f'))"},
      {"select_events_to_version",
       absl::StrCat("SELECT ", kEventColumns,
                    " FROM events WHERE dossier_code = $1 AND "
                    "dossier_version <= $2 ORDER BY dossier_version")},
      {"upsert_dossier",
       "INSERT INTO dossiers (code, version, state, agency, procedure_code, "
       "current_unit, current_step_id, received_at, due_at, step_due_at, "
       "classification, snapshot) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
       "$10, $11, $12) ON CONFLICT (code) DO UPDATE SET "
       "version = excluded.version, state = excluded.state, "
       "agency = excluded.agency, procedure_code = excluded.procedure_code, "
       "current_unit = excluded.current_unit, "
       "current_step_id = excluded.current_step_id, "
       "received_at = excluded.received_at, due_at = excluded.due_at, "
       "step_due_at = excluded.step_due_at, "
       "classification = excluded.classification, "
       "snapshot = excluded.snapshot"},
      {"upsert_deadline",
       "INSERT INTO deadlines (dossier_code, kind, due_at, step_id, unit, "
       "agency, procedure_code) VALUES ($1, $2, $3, $4, $5, $6, $7) "
       "ON CONFLICT (dossier_code, kind) DO UPDATE SET "
       "due_at = excluded.due_at, step_id = excluded.step_id, "
       "unit = excluded.unit, agency = excluded.agency, "
       "procedure_code = excluded.procedure_code"},
      {"delete_deadline",
       "DELETE FROM deadlines WHERE dossier_code = $1 AND kind = $2"},
      {"upsert_threshold",
       "INSERT INTO thresholds (dossier_code, target, at, threshold_index) "
       "VALUES ($1, $2, $3, $4) ON CONFLICT (dossier_code, target) DO UPDATE "
       "SET at = excluded.at, threshold_index = excluded.threshold_index"},
      {"delete_threshold",
       "DELETE FROM thresholds WHERE dossier_code = $1 AND target = $2"},
      {"upsert_control_sheet",
       "INSERT INTO control_sheet (dossier_code, entry, step_id, unit, "
       "started_at, due_at, ended_at, used_seconds, late, handed_over_by) "
       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
       "ON CONFLICT (dossier_code, entry) DO UPDATE SET "
       "step_id = excluded.step_id, unit = excluded.unit, "
       "started_at = excluded.started_at, due_at = excluded.due_at, "
       "ended_at = excluded.ended_at, used_seconds = excluded.used_seconds, "
       "late = excluded.late, handed_over_by = excluded.handed_over_by"},
      // The batch's sums of count changes (Writer::QueueBatchSums): each
      // row gets its net change once, and goes when its count reaches zero.
      {"add_counter",
       "INSERT INTO counters (agency, procedure_code, unit, state, count) "
       "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (agency, procedure_code, "
       "unit, state) DO UPDATE SET count = counters.count + excluded.count"},
      {"delete_empty_counter",
       "DELETE FROM counters WHERE agency = $1 AND procedure_code = $2 AND "
       "unit = $3 AND state = $4 AND count <= 0"},
      {"add_deadline_day",
       "INSERT INTO deadline_days (kind, due_day, agency, count) "
       "VALUES ($1, $3, $2, $4) ON CONFLICT (kind, due_day, agency) DO UPDATE "
       "SET count = deadline_days.count + excluded.count"},
      {"delete_empty_deadline_day",
       "DELETE FROM deadline_days WHERE kind = $1 AND due_day = $3 AND "
       "agency = $2 AND count <= 0"},
      // A day before the settled day counts in the totals as well (none
      // while nothing is settled: the comparison with NULL fails).
      {"add_deadline_total",
       absl::StrCat(
           "INSERT INTO deadline_totals (kind, agency, count) "
           "SELECT $1::text, $2::text, $4::bigint WHERE $3::integer < ",
           settled_day,
           " ON CONFLICT (kind, agency) DO UPDATE SET count = "
           "deadline_totals.count + excluded.count")},
      {"delete_empty_deadline_total",
       "DELETE FROM deadline_totals WHERE kind = $1::text AND agency = "
       "$2::text AND count <= 0"},
      // Counts in the totals the days from the settled day to `$1`, then
      // makes `$1` the settled day (nothing when it already is later).
      {"settle_deadline_totals",
       absl::StrCat("INSERT INTO deadline_totals (kind, agency, count) "
                    "SELECT kind, agency, sum(count)::bigint FROM "
                    "deadline_days WHERE kind IN ('dossier', 'step') AND "
                    "due_day >= coalesce(",
                    settled_day,
                    ", 0) AND due_day < $1::integer GROUP BY kind, agency "
                    "ON CONFLICT (kind, agency) DO UPDATE SET count = "
                    "deadline_totals.count + excluded.count")},
      {"set_settled_day",
       absl::StrCat("INSERT INTO meta (key, value) VALUES ('",
                    kMetaDeadlinesSettledDay,
                    "', $1) ON CONFLICT (key) DO UPDATE SET value = "
                    "greatest(meta.value, excluded.value)")},
      {"add_report_delta",
       "INSERT INTO report_deltas (agency, procedure_code, field, day, "
       "measure, delta) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (agency, "
       "procedure_code, field, day, measure) DO UPDATE SET delta = "
       "report_deltas.delta + excluded.delta"},
      {"add_unit_report_delta",
       "INSERT INTO unit_report_deltas (agency, unit, day, measure, delta) "
       "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (agency, unit, day, measure) "
       "DO UPDATE SET delta = unit_report_deltas.delta + excluded.delta"},
      {"add_report_month",
       "INSERT INTO report_months (agency, procedure_code, field, month, "
       "measure, delta) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (agency, "
       "procedure_code, field, month, measure) DO UPDATE SET delta = "
       "report_months.delta + excluded.delta"},
      {"add_unit_report_month",
       "INSERT INTO unit_report_months (agency, unit, month, measure, delta) "
       "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (agency, unit, month, "
       "measure) DO UPDATE SET delta = unit_report_months.delta + "
       "excluded.delta"},
      {"upsert_request",
       "INSERT INTO requests (request_id, dossier_code, outcome, "
       "fingerprint) VALUES ($1, $2, $3, $4) ON CONFLICT (request_id) DO "
       "UPDATE SET dossier_code = excluded.dossier_code, outcome = "
       "excluded.outcome, fingerprint = excluded.fingerprint"},
  };
}

}  // namespace

absl::StatusOr<std::unique_ptr<Writer>> Writer::Open(
    const StoreOptions& options, const Clock* clock) {
  std::unique_ptr<Writer> writer(new Writer(options, clock));
  RETURN_IF_ERROR(writer->Initialize());
  return writer;
}

Writer::Writer(const StoreOptions& options, const Clock* clock)
    : options_(options), clock_(clock) {}

absl::Status Writer::Initialize() {
  ASSIGN_OR_RETURN(connection_, Connection::Open(options_.postgres_url));
  // An answer waits for its COMMIT, and the COMMIT for the WAL on disk (and
  // on a synchronous standby when the cluster has one), whatever the
  // server's default.
  RETURN_IF_ERROR(connection_.Execute("SET synchronous_commit = on"));
  RETURN_IF_ERROR(MigrateSchema(connection_));
  if (leased()) {
    // How a successor knows this connection for end_stale_leader.
    RETURN_IF_ERROR(
        connection_.Execute("SET application_name = 'motcua writer'"));
  } else {
    ASSIGN_OR_RETURN(
        Result locked,
        connection_.Query("SELECT pg_try_advisory_lock($1::bigint)",
                          Params().Int(kWriterLockKey)));
    if (locked.Int(0, 0) == 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          connection_.Describe(),
          " is written by another motcua server; one server writes a "
          "database at a time"));
    }
  }
  for (const Named& statement : WriterStatements()) {
    RETURN_IF_ERROR(connection_.Prepare(statement.name, statement.sql));
  }
  cache_ = std::make_unique<DossierCache>(
      [this](const std::string& code) { return LoadDossier(code); },
      options_.state_cache_entries);
  RETURN_IF_ERROR(connection_.EnterPipeline());
  // A leased writer loads the head when it takes the lease.
  if (leased()) return absl::OkStatus();
  RETURN_IF_ERROR(LoadHead());
  // The day counts settled up to today before the first command.
  const int64_t today = ReportDay(clock_->Now());
  batch_error_ = absl::OkStatus();
  Begin(today);
  connection_.Queue("commit");
  RETURN_IF_ERROR(Sync());
  settled_day_ = today;
  return absl::OkStatus();
}

absl::Status Writer::Reconnect() {
  leading_ = false;
  return Initialize();
}

absl::StatusOr<bool> Writer::TryLead() {
  if (leading_) return true;
  batch_error_ = absl::OkStatus();
  connection_.Queue("begin");
  connection_.Queue(
      "set_lock_timeout",
      Params().Text(absl::StrCat(
          std::max<int64_t>(1, absl::ToInt64Milliseconds(LockWait())), "ms")));
  absl::StatusOr<Result> taken = Fetch(
      "take_lease", Params()
                        .Text(options_.holder)
                        .Int(absl::ToInt64Microseconds(options_.leader_lease))
                        .Text(options_.advertise_address));
  if (!taken.ok()) {
    if (!connection_.ok()) return taken.status();
    connection_.Queue("rollback");
    connection_.Sync().IgnoreError();
    if (absl::StrContains(taken.status().message(), "SQLSTATE 55P03")) {
      // The row is locked past its expiry: its holder is stuck inside a
      // transaction. Ending that holder's connection lets the next try
      // take the lease.
      connection_.Queue("end_stale_leader");
      connection_.Sync().IgnoreError();
      return false;
    }
    return taken.status();
  }
  connection_.Queue("commit");
  RETURN_IF_ERROR(Sync());
  if (taken->rows() == 0) return false;
  epoch_ = taken->Int(0, 0);
  // Whatever this writer knew is stale: another leader may have written.
  cache_->Clear();
  settled_day_ = 0;
  if (absl::Status loaded = LoadHead(); !loaded.ok()) {
    Release().IgnoreError();
    return loaded;
  }
  leading_ = true;
  return true;
}

absl::Status Writer::Renew() {
  batch_error_ = absl::OkStatus();
  connection_.Queue("fence", FenceParams());
  absl::Status renewed = Sync();
  if (!renewed.ok()) leading_ = false;
  return renewed;
}

absl::Status Writer::Release() {
  if (!leased() || epoch_ == 0) return absl::OkStatus();
  leading_ = false;
  connection_.Queue("release_lease",
                    Params().Text(options_.holder).Int(epoch_));
  return connection_.Sync();
}

void Writer::StepDown() {
  leading_ = false;
  cache_->Clear();
}

absl::StatusOr<LeaderRow> Writer::ReadLeader() {
  ASSIGN_OR_RETURN(Result row, connection_.Fetch("read_leader"));
  LeaderRow leader;
  leader.head_sequence = row.Int(0, 3);
  if (!row.IsNull(0, 0)) {
    leader.epoch = row.Int(0, 0);
    leader.live = row.Int(0, 2) != 0;
    if (leader.live) leader.address = std::string(row.Text(0, 1));
  }
  return leader;
}

Params Writer::FenceParams() const {
  return Params()
      .Text(options_.holder)
      .Int(epoch_)
      .Int(absl::ToInt64Microseconds(options_.leader_lease));
}

absl::Duration Writer::LockWait() const {
  return std::min(absl::Milliseconds(200), options_.leader_lease / 4);
}

absl::Status Writer::LoadHead() {
  // One snapshot for both reads.
  connection_.Queue("begin");
  ASSIGN_OR_RETURN(Result meta, connection_.Fetch("select_head"));
  ASSIGN_OR_RETURN(Result last, connection_.Fetch("select_last_event"));
  connection_.Queue("commit");
  RETURN_IF_ERROR(connection_.Sync());
  LogHead head;
  head.hash = GenesisHash();
  if (meta.rows() > 0) {
    head.sequence = meta.Int(0, 0);
    head.hash = std::string(meta.Bytes(0, 1));
  }
  // The recorded head must be the log's last event; otherwise events were
  // removed from (or added to) the end behind motcua's back, and appending
  // would bury the damage.
  const int64_t last_sequence = last.rows() > 0 ? last.Int(0, 0) : 0;
  const std::string last_hash =
      last.rows() > 0 ? std::string(last.Bytes(0, 1)) : GenesisHash();
  if (last_sequence != head.sequence || last_hash != head.hash) {
    return absl::DataLossError(absl::StrCat(
        connection_.Describe(), ": the log ends at sequence ", last_sequence,
        " but its recorded head is sequence ", head.sequence,
        "; events were removed or added outside motcua. Run `motcua audit "
        "verify` and restore a backup"));
  }
  chain_.Rewind(std::move(head));
  return absl::OkStatus();
}

void Writer::Track(const absl::Status& status) {
  if (!status.ok() && batch_error_.ok()) batch_error_ = status;
}

absl::Status Writer::Sync() {
  absl::Status status = connection_.Sync();
  Track(status);
  return status;
}

absl::StatusOr<Result> Writer::Fetch(const std::string& name,
                                     const Params& params) {
  absl::StatusOr<Result> result = connection_.Fetch(name, params);
  if (!result.ok()) Track(result.status());
  return result;
}

void Writer::Begin(int64_t today) {
  connection_.Queue("begin");
  // The fence first: a writer whose lease was taken writes nothing, since
  // this statement's error aborts the transaction before its COMMIT.
  if (leased()) connection_.Queue("fence", FenceParams());
  if (today != settled_day_) {
    connection_.Queue("settle_deadline_totals", Params().Int(today));
    connection_.Queue("set_settled_day", Params().Int(today));
  }
}

WrittenBatch Writer::WriteBatch(
    const std::vector<const CommandRequest*>& requests, const RuleSet& rules) {
  WrittenBatch written;
  std::vector<CommandOutcome>& outcomes = written.outcomes;
  outcomes.reserve(requests.size());
  const int64_t today = ReportDay(clock_->Now());
  const LogHead batch_head = chain_.head();
  auto undo = [&] {
    cache_->Clear();
    known_requests_.clear();
    ClearBatchSums();
    chain_.Rewind(batch_head);
  };

  // The common path queues every command's writes and learns of a failed
  // one only at the next round trip, which may be another command's read.
  // Then the whole batch is rolled back and run again with a savepoint and
  // a round trip per command, so that only the failing command is refused.
  batch_error_ = absl::OkStatus();
  Begin(today);
  ReadAhead(requests);
  for (const CommandRequest* request : requests) {
    outcomes.push_back(ProcessCommand(*request, rules, /*isolated=*/false));
  }
  if (batch_error_.ok() && connection_.ok()) {
    // Written once the batch is known to be sound: a failed isolated run
    // leaves nothing.
    QueueBatchSums();
    if (chain_.head().sequence != batch_head.sequence) {
      connection_.Queue(
          "write_head",
          Params().Int(chain_.head().sequence).Bytes(chain_.head().hash));
    }
    connection_.Queue("commit");
    Sync().IgnoreError();
  }
  // A lost lease fails every command alike: no command to isolate.
  if (!batch_error_.ok() && connection_.ok() && !IsLeaseLost(batch_error_)) {
    connection_.Queue("rollback");
    connection_.Sync().IgnoreError();
    undo();
    outcomes.clear();
    batch_error_ = absl::OkStatus();
    Begin(today);
    for (const CommandRequest* request : requests) {
      outcomes.push_back(ProcessCommand(*request, rules, /*isolated=*/true));
      if (!connection_.ok()) break;
    }
    if (connection_.ok()) {
      batch_error_ = absl::OkStatus();
      // Each command's sums were written in its savepoint: none are left.
      if (chain_.head().sequence != batch_head.sequence) {
        connection_.Queue(
            "write_head",
            Params().Int(chain_.head().sequence).Bytes(chain_.head().hash));
      }
      connection_.Queue("commit");
      Sync().IgnoreError();
    }
  }
  absl::Status& status = written.status;
  status = batch_error_;
  if (status.ok() && !connection_.ok()) {
    status = absl::UnavailableError(absl::StrCat(
        "the connection to ", connection_.Describe(), " was lost"));
  }
  if (!status.ok() && !connection_.ok()) {
    // The COMMIT may or may not have happened: nobody can tell the callers.
    status = absl::UnavailableError(absl::StrCat(
        status.message(),
        leased() ? "; the outcome of the commands in flight is unknown: "
                   "retry them with the same request_id"
                 : "; the outcome of the commands in flight is unknown: "
                   "restart motcuad once the database is reachable and retry "
                   "them with the same request_id"));
  }
  if (status.ok()) {
    settled_day_ = today;
    written.appended = chain_.head().sequence != batch_head.sequence;
    return written;
  }
  if (connection_.ok()) {
    connection_.Queue("rollback");
    connection_.Sync().IgnoreError();
  }
  undo();
  written.appended = false;
  outcomes.assign(
      requests.size(),
      CommandOutcome::Refusal(absl::Status(
          status.code(), absl::StrCat("the batch could not be committed; "
                                      "nothing was recorded: ",
                                      status.message()))));
  return written;
}

CommandOutcome Writer::ProcessCommand(const CommandRequest& request,
                                      const RuleSet& rules, bool isolated) {
  // Storage keeps microseconds: decide with the instant that is recorded.
  const absl::Time now = ToStoredPrecision(clock_->Now());
  const LogHead saved_head = chain_.head();
  if (isolated) connection_.Queue("savepoint");
  Decision decision = DecideCommand(request, rules, now, *this);
  CommandOutcome outcome;
  absl::Status status;
  if (decision.events.empty()) {
    outcome = std::move(decision.answer);
  } else {
    status = AppendDecided(decision, now, chain_, *this, outcome);
  }
  if (isolated) {
    // A round trip per command: its own writes' errors come back here, its
    // report sums written inside its savepoint.
    if (status.ok()) QueueBatchSums();
    ClearBatchSums();
    connection_.Queue("release");
    const absl::Status synced = connection_.Sync();
    if (!status.ok() || !synced.ok()) {
      if (connection_.ok()) {
        // Back to before the command, which alone is refused.
        connection_.Queue("rollback_to");
        connection_.Queue("release");
        connection_.Sync().IgnoreError();
      } else {
        Track(synced);
      }
      chain_.Rewind(saved_head);
      cache_->Clear();
      return CommandOutcome::Refusal(!status.ok()           ? status
                                     : !outcome.status.ok() ? outcome.status
                                                            : synced);
    }
  } else if (!status.ok()) {
    Track(status);
    chain_.Rewind(saved_head);
    return CommandOutcome::Refusal(status);
  }
  if (!outcome.events.empty()) cache_->Remember(*outcome.dossier);
  return outcome;
}

void Writer::ReadAhead(const std::vector<const CommandRequest*>& requests) {
  known_requests_.clear();
  std::string ids;
  std::string codes;
  absl::flat_hash_set<absl::string_view> listed;
  for (const CommandRequest* request : requests) {
    const std::string& id = request->request_id;
    // An id holding the separator is read alone, when it is asked.
    if (!id.empty() && id.find(kListSeparator) == std::string::npos &&
        known_requests_.try_emplace(id).second) {
      if (!ids.empty()) ids += kListSeparator;
      ids += id;
    }
    const std::string& code = request->command.dossier_code;
    if (code.empty() || code.find(kListSeparator) != std::string::npos ||
        cache_->Contains(code) || !listed.insert(code).second) {
      continue;
    }
    if (!codes.empty()) codes += kListSeparator;
    codes += code;
  }
  if (ids.empty() && codes.empty()) return;
  absl::StatusOr<Result> read =
      Fetch("read_ahead", Params().Text(ids).Text(codes));
  if (!read.ok()) {
    // Each command reads for itself, and meets the error there.
    known_requests_.clear();
    return;
  }
  for (int row = 0; row < read->rows(); ++row) {
    if (read->Int(row, 0) == 0) {
      absl::StatusOr<RequestRecord> record =
          DecodeRequestOutcome(read->Bytes(row, 2));
      if (!record.ok()) {
        // Read again when asked, to report it there.
        known_requests_.erase(std::string(read->Bytes(row, 1)));
        continue;
      }
      record->fingerprint = std::string(read->Bytes(row, 3));
      known_requests_[std::string(read->Bytes(row, 1))] = *std::move(record);
      continue;
    }
    absl::StatusOr<Dossier> dossier =
        DecodeDossierSnapshot(read->Bytes(row, 2));
    // A snapshot that does not decode is read again, and reported, by Find.
    if (dossier.ok()) cache_->Remember(*std::move(dossier));
  }
}

absl::StatusOr<std::optional<RequestRecord>> Writer::LoadRequest(
    const std::string& request_id) {
  if (auto known = known_requests_.find(request_id);
      known != known_requests_.end()) {
    return known->second;
  }
  ASSIGN_OR_RETURN(Result result,
                   Fetch("select_request", Params().Text(request_id)));
  if (result.rows() == 0) return std::optional<RequestRecord>();
  ASSIGN_OR_RETURN(RequestRecord record,
                   DecodeRequestOutcome(result.Bytes(0, 0)));
  record.fingerprint = std::string(result.Bytes(0, 1));
  return std::optional<RequestRecord>(std::move(record));
}

absl::StatusOr<std::optional<Dossier>> Writer::LoadDossier(
    const std::string& code) {
  ASSIGN_OR_RETURN(Result result, Fetch("select_dossier", Params().Text(code)));
  if (result.rows() == 0) return std::optional<Dossier>();
  absl::StatusOr<Dossier> dossier = DecodeDossierSnapshot(result.Bytes(0, 0));
  if (!dossier.ok()) {
    return absl::DataLossError(absl::StrCat(
        "dossier ", code, ": stored snapshot: ", dossier.status().message()));
  }
  return std::optional<Dossier>(*std::move(dossier));
}

absl::StatusOr<const Dossier*> Writer::FindDossier(const std::string& code) {
  return cache_->Find(code);
}

absl::StatusOr<std::vector<StoredEvent>> Writer::EventsToVersion(
    const std::string& code, int64_t version) {
  ASSIGN_OR_RETURN(Result result, Fetch("select_events_to_version",
                                        Params().Text(code).Int(version)));
  return EventsOfResult(result);
}

absl::Status Writer::Append(const SealedEvent& sealed, const RequestTag& tag,
                            const Dossier* before, const Dossier& after) {
  const StoredEvent& stored = sealed.stored;
  const Event& event = stored.event;
  connection_.Queue("insert_event", Params()
                                        .Int(stored.sequence)
                                        .Text(event.dossier_code)
                                        .Int(event.dossier_version)
                                        .Text(sealed.type)
                                        .Int(ToStoredMicros(event.occurred_at))
                                        .Int(ToStoredMicros(stored.recorded_at))
                                        .Text(event.actor)
                                        .Text(event.rule_version)
                                        .Bytes(sealed.payload)
                                        .Bytes(stored.previous_hash)
                                        .Bytes(stored.hash)
                                        .OptionalInt(writer_epoch()));
  QueueDossier(after);
  QueueDeadlines(before, after);
  QueueThresholds(before, after);
  QueueControlSheet(before, after);
  QueueCounters(before, after);
  // The report's deltas are summed for the batch (QueueBatchSums).
  report_.Add(stored, before, after);
  QueueRequest(stored, tag, after);
  // Errors come back at the next round trip (Writer::Track).
  return absl::OkStatus();
}

void Writer::QueueDossier(const Dossier& after) {
  const StepRecord* step = after.current_step();
  std::optional<int64_t> step_due_at;
  if (step != nullptr) step_due_at = ToStoredMicros(step->due_at);
  connection_.Queue(
      "upsert_dossier",
      Params()
          .Text(after.code)
          .Int(after.version)
          .Int(static_cast<int64_t>(after.state))
          .Text(after.agency)
          .Text(after.procedure_code)
          .Text(CurrentUnit(after))
          .Text(step != nullptr ? absl::string_view(step->step_id) : "")
          .Int(ToStoredMicros(after.received_at))
          .Int(ToStoredMicros(after.due_at))
          .OptionalInt(step_due_at)
          .Int(static_cast<int64_t>(after.classification))
          .Bytes(EncodeDossierSnapshot(after)));
}

void Writer::QueueDeadlines(const Dossier* before, const Dossier& after) {
  for (const DeadlineChange& change : DeadlineChanges(before, after)) {
    if (!change.changed()) continue;
    if (change.moves_day_count()) {
      // Summed for the batch (QueueBatchSums).
      if (change.old_row.has_value()) {
        const DeadlineRow& row = *change.old_row;
        --deadline_day_sums_[DayKey(change.kind, row.agency, DeadlineDay(row))];
      }
      if (change.new_row.has_value()) {
        const DeadlineRow& row = *change.new_row;
        ++deadline_day_sums_[DayKey(change.kind, row.agency, DeadlineDay(row))];
      }
    }
    if (!change.new_row.has_value()) {
      connection_.Queue("delete_deadline",
                        Params().Text(after.code).Text(change.kind));
      continue;
    }
    const DeadlineRow& row = *change.new_row;
    connection_.Queue("upsert_deadline", Params()
                                             .Text(after.code)
                                             .Text(change.kind)
                                             .Int(row.due_at)
                                             .Text(row.step_id)
                                             .Text(row.unit)
                                             .Text(row.agency)
                                             .Text(row.procedure_code));
  }
}

void Writer::QueueThresholds(const Dossier* before, const Dossier& after) {
  for (const ThresholdChange& change : ThresholdChanges(before, after)) {
    if (!change.changed()) continue;
    const int64_t target = static_cast<int64_t>(change.target);
    if (!change.new_next.has_value()) {
      connection_.Queue("delete_threshold",
                        Params().Text(after.code).Int(target));
      continue;
    }
    connection_.Queue("upsert_threshold",
                      Params()
                          .Text(after.code)
                          .Int(target)
                          .Int(ToStoredMicros(change.new_next->at))
                          .Int(change.new_next->index));
  }
}

void Writer::QueueControlSheet(const Dossier* before, const Dossier& after) {
  for (const size_t index : ChangedControlSheetEntries(before, after)) {
    const StepRecord& step = after.steps[index];
    std::optional<int64_t> ended_at;
    if (step.ended_at.has_value()) ended_at = ToStoredMicros(*step.ended_at);
    connection_.Queue("upsert_control_sheet",
                      Params()
                          .Text(after.code)
                          .Int(static_cast<int64_t>(index) + 1)
                          .Text(step.step_id)
                          .Text(step.unit)
                          .Int(ToStoredMicros(step.started_at))
                          .Int(ToStoredMicros(step.due_at))
                          .OptionalInt(ended_at)
                          .Int(absl::ToInt64Seconds(step.used))
                          .Int(step.late ? 1 : 0)
                          .Text(step.handed_over_by));
  }
}

void Writer::QueueCounters(const Dossier* before, const Dossier& after) {
  // Summed for the batch (QueueBatchSums).
  auto key = [](const CounterKey& counter) {
    return CounterSums::key_type(counter.agency, counter.procedure_code,
                                 counter.unit, counter.state);
  };
  const CounterKey new_key = CounterKeyOf(after);
  if (before != nullptr) {
    const CounterKey old_key = CounterKeyOf(*before);
    if (old_key == new_key) return;
    --counter_sums_[key(old_key)];
  }
  ++counter_sums_[key(new_key)];
}

void Writer::ClearBatchSums() {
  report_.clear();
  counter_sums_.clear();
  deadline_day_sums_.clear();
}

void Writer::QueueBatchSums() {
  // The counts: only rows whose count changed, each once.
  for (const auto& [key, delta] : counter_sums_) {
    if (delta == 0) continue;
    const auto& [agency, procedure_code, unit, state] = key;
    const Params params =
        Params().Text(agency).Text(procedure_code).Text(unit).Int(state);
    connection_.Queue("add_counter", Params(params).Int(delta));
    if (delta < 0) connection_.Queue("delete_empty_counter", params);
  }
  counter_sums_.clear();
  for (const auto& [key, delta] : deadline_day_sums_) {
    if (delta == 0) continue;
    const auto& [kind, agency, day] = key;
    const Params params = Params().Text(kind).Text(agency).Int(day);
    connection_.Queue("add_deadline_day", Params(params).Int(delta));
    connection_.Queue("add_deadline_total", Params(params).Int(delta));
    if (delta < 0) {
      connection_.Queue("delete_empty_deadline_day", params);
      connection_.Queue("delete_empty_deadline_total",
                        Params().Text(kind).Text(agency));
    }
  }
  deadline_day_sums_.clear();
  // The report: each row once, in key order; a delta that sums to zero is
  // kept as a zero row, as on SQLite.
  for (const ReportDeltaSums::Row& row : report_.by_group.Sorted()) {
    connection_.Queue("add_report_delta", Params()
                                              .Text(row.agency)
                                              .Text(row.procedure_code)
                                              .Text(row.field)
                                              .Int(row.day)
                                              .Int(row.measure)
                                              .Int(row.delta));
    connection_.Queue("add_report_month", Params()
                                              .Text(row.agency)
                                              .Text(row.procedure_code)
                                              .Text(row.field)
                                              .Int(ReportMonthOf(row.day))
                                              .Int(row.measure)
                                              .Int(row.delta));
  }
  for (const ReportDeltaSums::Row& row : report_.by_unit.by_unit.Sorted()) {
    // The group's procedure is the unit (UnitReportDeltaSums).
    connection_.Queue("add_unit_report_delta", Params()
                                                   .Text(row.agency)
                                                   .Text(row.procedure_code)
                                                   .Int(row.day)
                                                   .Int(row.measure)
                                                   .Int(row.delta));
    connection_.Queue("add_unit_report_month", Params()
                                                   .Text(row.agency)
                                                   .Text(row.procedure_code)
                                                   .Int(ReportMonthOf(row.day))
                                                   .Int(row.measure)
                                                   .Int(row.delta));
  }
  report_.clear();
}

void Writer::QueueRequest(const StoredEvent& stored, const RequestTag& tag,
                          const Dossier& after) {
  if (tag.id.empty()) return;
  const RequestRecord record{after.code, after.version, stored.sequence,
                             tag.fingerprint};
  // A later command of the batch with the same id finds it, as it would
  // by reading the row in the transaction.
  if (auto known = known_requests_.find(tag.id);
      known != known_requests_.end()) {
    known->second = record;
  }
  Params params;
  params.Text(tag.id)
      .Text(record.dossier_code)
      .Bytes(EncodeRequestOutcome(record));
  if (record.fingerprint.empty()) {
    params.Null();
  } else {
    params.Bytes(record.fingerprint);
  }
  connection_.Queue("upsert_request", params);
}

}  // namespace motcua::store::pg
