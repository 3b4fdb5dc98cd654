#include "store/audit.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <variant>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/status_macros.h"
#include "store/chain_check.h"
#include "store/event_codec.h"
#include "store/event_rows.h"
#include "store/event_store.h"
#include "store/hash_chain.h"
#include "store/postgres/pg_audit.h"
#include "store/projection_rebuild.h"
#include "store/projections.h"
#include "store/schema.h"
#include "store/sqlite.h"
#include "store/store_copy.h"

namespace motcua::store {
namespace {

// A replay lists at most this many differences, then counts the rest.
constexpr size_t kMaxDifferences = 1000;

// Opens `path` read-only and checks that this build reads its schema.
absl::StatusOr<Database> OpenForAudit(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    return absl::NotFoundError(absl::StrCat("no database at ", path));
  }
  absl::StatusOr<Database> database = Database::Open(path, OpenMode::kReadOnly);
  if (!database.ok()) return database.status();
  if (absl::Status status = database->Execute(
          "PRAGMA query_only = 1; PRAGMA cache_size = -65536; "
          "PRAGMA mmap_size = 1073741824;");
      !status.ok()) {
    return status;
  }
  if (absl::Status status = CheckSchemaReadable(*database, path);
      !status.ok()) {
    return status;
  }
  return database;
}

// A file name as an SQLite URI path: '%', '?' and '#' would otherwise be
// read as URI syntax.
std::string UriPath(const std::string& path) {
  std::string uri = "file:";
  for (char c : path) {
    switch (c) {
      case '%':
        uri += "%25";
        break;
      case '?':
        uri += "%3f";
        break;
      case '#':
        uri += "%23";
        break;
      default:
        uri += c;
    }
  }
  return uri;
}

std::string QuoteLiteral(absl::string_view text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') quoted += '\'';
    quoted += c;
  }
  quoted += '\'';
  return quoted;
}

// The events of one dossier, in version order, as `visit` wants them;
// `visit` returns false to stop early.
template <typename Visit>
absl::Status ForEachDossierEvent(Database& database,
                                 const std::string& dossier_code, Visit visit) {
  absl::StatusOr<Statement> statement = database.Prepare(absl::StrCat(
      "SELECT ", kEventColumns,
      " FROM events WHERE dossier_code = ?1 ORDER BY dossier_version"));
  if (!statement.ok()) return statement.status();
  statement->BindText(1, dossier_code);
  while (true) {
    absl::StatusOr<bool> row = statement->Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
    absl::StatusOr<StoredEvent> stored = StoredEventOfRow(*statement);
    if (!stored.ok()) return stored.status();
    if (!visit(std::move(*stored))) return absl::OkStatus();
  }
}

// Collects the differences of one projection table between the live file
// (`main`) and the rebuilt one (attached as `rebuilt`).
class TableComparison {
 public:
  TableComparison(Database& database, const ProjectionTable& table)
      : database_(database), table_(table) {}

  absl::Status Compare(std::vector<std::string>& differences,
                       size_t& unlisted) {
    // The common case, equal tables, in one pass over both in key order;
    // only a difference pays for finding and naming every difference.
    absl::StatusOr<bool> equal = Equal();
    if (!equal.ok()) return equal.status();
    if (*equal) return absl::OkStatus();
    std::map<std::string, std::string> live_only;  // key text -> where
    std::map<std::string, std::string> replay_only;
    if (absl::Status status = KeysOfRowsOnlyIn("main", "rebuilt", live_only);
        !status.ok()) {
      return status;
    }
    if (absl::Status status = KeysOfRowsOnlyIn("rebuilt", "main", replay_only);
        !status.ok()) {
      return status;
    }
    // A key on both sides has a row in each that differs; a key on one side
    // only has no row at all on the other.
    for (const auto& [key, where] : live_only) {
      std::string what;
      if (auto other = replay_only.find(key); other != replay_only.end()) {
        absl::StatusOr<std::string> columns = DifferingColumns(where);
        if (!columns.ok()) return columns.status();
        what = *columns;
        replay_only.erase(other);
      } else {
        what = "in the live table, not rebuilt by the replay";
      }
      Add(absl::StrCat(table_.name, ": ", key, ": ", what), differences,
          unlisted);
    }
    for (const auto& [key, where] : replay_only) {
      Add(absl::StrCat(table_.name, ": ", key,
                       ": rebuilt by the replay, missing from the live table"),
          differences, unlisted);
    }
    return absl::OkStatus();
  }

 private:
  static void Add(std::string difference, std::vector<std::string>& all,
                  size_t& unlisted) {
    if (all.size() < kMaxDifferences) {
      all.push_back(std::move(difference));
    } else {
      ++unlisted;
    }
  }

  // Whether the live and the rebuilt table hold the same rows.
  absl::StatusOr<bool> Equal() {
    absl::StatusOr<Statement> live = database_.Prepare(absl::StrCat(
        "SELECT * FROM main.", table_.name, " ORDER BY ", table_.key_columns));
    if (!live.ok()) return live.status();
    absl::StatusOr<Statement> rebuilt =
        database_.Prepare(absl::StrCat("SELECT * FROM rebuilt.", table_.name,
                                       " ORDER BY ", table_.key_columns));
    if (!rebuilt.ok()) return rebuilt.status();
    const int columns = live->ColumnCount();
    if (columns != rebuilt->ColumnCount()) return false;
    while (true) {
      absl::StatusOr<bool> live_row = live->Step();
      if (!live_row.ok()) return live_row.status();
      absl::StatusOr<bool> rebuilt_row = rebuilt->Step();
      if (!rebuilt_row.ok()) return rebuilt_row.status();
      if (*live_row != *rebuilt_row) return false;
      if (!*live_row) return true;
      for (int column = 0; column < columns; ++column) {
        if (!live->SameColumn(column, *rebuilt)) return false;
      }
    }
  }

  // For each row of `from` that `other` lacks (EXCEPT compares whole rows),
  // the first kMaxDifferences: its key for people ("a / b") and a WHERE
  // clause finding it. Key values come back as text; SQLite converts them
  // back for INTEGER columns when comparing.
  absl::Status KeysOfRowsOnlyIn(absl::string_view from, absl::string_view other,
                                std::map<std::string, std::string>& keys) {
    absl::StatusOr<Statement> statement = database_.Prepare(absl::StrCat(
        "SELECT ", table_.key_columns, " FROM (SELECT * FROM ", from, ".",
        table_.name, " EXCEPT SELECT * FROM ", other, ".", table_.name,
        ") ORDER BY ", table_.key_columns, " LIMIT ", kMaxDifferences));
    if (!statement.ok()) return statement.status();
    while (true) {
      absl::StatusOr<bool> row = statement->Step();
      if (!row.ok()) return row.status();
      if (!*row) return absl::OkStatus();
      std::vector<std::string> shown;
      std::vector<std::string> conditions;
      for (int column = 0; column < statement->ColumnCount(); ++column) {
        const std::string name(statement->ColumnName(column));
        if (statement->ColumnIsNull(column)) {
          shown.push_back("NULL");
          conditions.push_back(absl::StrCat(name, " IS NULL"));
        } else {
          const std::string value(statement->ColumnText(column));
          shown.push_back(value);
          conditions.push_back(absl::StrCat(name, " = ", QuoteLiteral(value)));
        }
      }
      keys.emplace(absl::StrJoin(shown, " / "),
                   absl::StrJoin(conditions, " AND "));
    }
  }

  // "column: live X, replay Y; ..." for the row `where` selects.
  absl::StatusOr<std::string> DifferingColumns(const std::string& where) {
    absl::StatusOr<Statement> live = database_.Prepare(
        absl::StrCat("SELECT * FROM main.", table_.name, " WHERE ", where));
    if (!live.ok()) return live.status();
    absl::StatusOr<Statement> rebuilt = database_.Prepare(
        absl::StrCat("SELECT * FROM rebuilt.", table_.name, " WHERE ", where));
    if (!rebuilt.ok()) return rebuilt.status();
    absl::StatusOr<bool> live_row = live->Step();
    if (!live_row.ok()) return live_row.status();
    absl::StatusOr<bool> rebuilt_row = rebuilt->Step();
    if (!rebuilt_row.ok()) return rebuilt_row.status();
    if (!*live_row || !*rebuilt_row) return std::string("differs");
    std::vector<std::string> columns;
    for (int column = 0; column < live->ColumnCount(); ++column) {
      std::string live_value = live->ColumnForDisplay(column);
      std::string rebuilt_value = rebuilt->ColumnForDisplay(column);
      if (live_value != rebuilt_value ||
          live->ColumnBlob(column) != rebuilt->ColumnBlob(column)) {
        columns.push_back(absl::StrCat(live->ColumnName(column), ": live ",
                                       live_value, ", replay ", rebuilt_value));
      }
    }
    if (columns.empty()) return std::string("differs");
    return absl::StrJoin(columns, "; ");
  }

  Database& database_;
  const ProjectionTable& table_;
};

void RemoveDatabaseFiles(const std::string& path) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path + suffix, ignored);
  }
}

}  // namespace

namespace {

// Checks events with after < sequence <= until in order: each one's hash
// against its content, and each link to the event before it (from the
// second event of the range on; the caller checks the first link).
absl::Status CheckRange(Database& database, int64_t after, int64_t until,
                        int64_t head_sequence, RangeCheck& check) {
  absl::StatusOr<Statement> events = database.Prepare(absl::StrCat(
      "SELECT ", kEventColumns,
      " FROM events WHERE sequence > ?1 AND sequence <= ?2 ORDER BY sequence"));
  if (!events.ok()) return events.status();
  events->BindInt(1, after).BindInt(2, until);
  std::string scratch;
  while (true) {
    absl::StatusOr<bool> row = events->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (!check.Add(ChainedFieldsOfRow(*events), events->ColumnBlob(9),
                   events->ColumnBlob(10), head_sequence, scratch)) {
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

// The events of one dossier from either backend.
template <typename Visit>
absl::Status ForEachDossierEventOf(const std::string& database_path,
                                   const std::string& dossier_code,
                                   Visit visit) {
  if (IsPostgresUrl(database_path)) {
    absl::StatusOr<std::vector<StoredEvent>> events =
        pg::ReadPostgresDossierEvents(database_path, dossier_code);
    if (!events.ok()) return events.status();
    for (StoredEvent& stored : *events) {
      if (!visit(std::move(stored))) break;
    }
    return absl::OkStatus();
  }
  absl::StatusOr<Database> database = OpenForAudit(database_path);
  if (!database.ok()) return database.status();
  return ForEachDossierEvent(*database, dossier_code, visit);
}

}  // namespace

namespace {

void AddDifference(std::string difference, std::vector<std::string>& all,
                   size_t& unlisted) {
  if (all.size() < kMaxDifferences) {
    all.push_back(std::move(difference));
  } else {
    ++unlisted;
  }
}

// Gives `rebuild` every event of the log, read in sequence order: the table
// from start to end, no index lookup per event. Each dossier's state is
// held in memory from its first event until it closes (no event follows a
// closing one), then written and dropped; those still open at the end are
// written then. At most `max_open_dossiers` are held at once: a dossier
// whose first event finds no room is left for another pass over the log,
// which starts at the first event left and takes only the dossiers left
// (from the event each was left at), as many as fit; and so on until none
// is left. A dossier's projections depend on its own events alone and the
// shared ones (counters, report deltas) are sums, so the order in which
// dossiers are finished does not change what is written.
absl::Status ReplayInSequenceOrder(Database& live, ProjectionRebuild& rebuild,
                                   size_t max_open_dossiers,
                                   ReplayReport& report, size_t& unlisted) {
  max_open_dossiers = std::max<size_t>(max_open_dossiers, 1);
  ASSIGN_OR_RETURN(
      Statement events,
      live.Prepare(absl::StrCat("SELECT ", kEventColumns,
                                " FROM main.events WHERE sequence >= ?1 "
                                "ORDER BY sequence")));
  // The dossiers this pass takes, with the sequence each was left at; all
  // of them on the first pass.
  absl::flat_hash_map<std::string, int64_t> taken;
  bool first_pass = true;
  int64_t from = std::numeric_limits<int64_t>::min();
  RequestTag request;
  auto finish = [&](Dossier last) -> absl::Status {
    ++report.dossiers;
    return rebuild.FinishDossier(std::move(last));
  };
  while (true) {
    ++report.passes;
    // Node-based: a state stays where it is while the map grows.
    absl::node_hash_map<std::string, Dossier> open;
    absl::flat_hash_map<std::string, int64_t> left;
    int64_t next_from = std::numeric_limits<int64_t>::max();
    events.Reset();
    events.BindInt(1, from);
    while (true) {
      ASSIGN_OR_RETURN(bool row, events.Step());
      if (!row) break;
      const int64_t sequence = events.ColumnInt(0);
      const absl::string_view code = events.ColumnText(1);
      if (!first_pass) {
        auto wanted = taken.find(code);
        if (wanted == taken.end() || sequence < wanted->second) continue;
      }
      auto state = open.find(code);
      if (state == open.end()) {
        if (left.contains(code)) continue;
        if (open.size() >= max_open_dossiers) {
          left.emplace(code, sequence);
          next_from = std::min(next_from, sequence);
          continue;
        }
        state = open.try_emplace(std::string(code)).first;
      }
      ++report.events;
      ASSIGN_OR_RETURN(StoredEvent stored, StoredEventOfRow(events, &request));
      Dossier& current = state->second;
      const bool first = current.version == 0;
      // What the report reads of the state before the event, rather than a
      // copy of it.
      const ReportBasis before = ReportBasisOf(current);
      if (absl::Status status = Apply(current, stored.event); !status.ok()) {
        // A corrupt log is reported, not fatal: the auditor sees every event
        // that does not fit (Apply left the state as it was). (An event
        // after a dossier closed finds it dropped: it does not fit a new
        // dossier either.)
        if (current.version == 0) open.erase(state);
        AddDifference(absl::StrCat("events: ", stored.sequence,
                                   ": does not apply: ", status.message()),
                      report.differences, unlisted);
        continue;
      }
      RETURN_IF_ERROR(
          rebuild.Add(stored, request, first ? nullptr : &before, current));
      if (IsTerminal(current.state)) {
        RETURN_IF_ERROR(finish(std::move(current)));
        open.erase(state);
      }
    }
    // Those still open, in code order: the rebuild's B-trees take them in
    // their own order.
    std::vector<std::string> codes;
    codes.reserve(open.size());
    for (const auto& [code, dossier] : open) codes.push_back(code);
    std::sort(codes.begin(), codes.end());
    for (const std::string& code : codes) {
      auto state = open.find(code);
      RETURN_IF_ERROR(finish(std::move(state->second)));
      open.erase(state);
    }
    if (left.empty()) return absl::OkStatus();
    taken = std::move(left);
    from = next_from;
    first_pass = false;
  }
}

}  // namespace

absl::StatusOr<VerifyReport> VerifyLog(const std::string& database_path,
                                       const VerifyOptions& options) {
  if (IsPostgresUrl(database_path)) {
    return pg::VerifyPostgresLog(database_path, options);
  }
  absl::StatusOr<Database> database = OpenForAudit(database_path);
  if (!database.ok()) return database.status();
  // One read transaction: the head and the events are seen as of the same
  // commit, even while a server appends.
  if (absl::Status status = database->Execute("BEGIN"); !status.ok()) {
    return status;
  }
  absl::StatusOr<Statement> head = database->Prepare(
      "SELECT (SELECT value FROM meta WHERE key = ?1), "
      "(SELECT value FROM meta WHERE key = ?2)");
  if (!head.ok()) return head.status();
  head->BindText(1, kMetaHeadSequence).BindText(2, kMetaHeadHash);
  absl::StatusOr<bool> head_row = head->Step();
  if (!head_row.ok()) return head_row.status();
  const int64_t head_sequence = head->ColumnOptionalInt(0).value_or(0);
  const std::string head_hash =
      head->ColumnIsNull(1) ? GenesisHash() : std::string(head->ColumnBlob(1));
  VerifyReport report;
  report.head_sequence = head_sequence;
  report.head_hash = head_hash;
  if (!options.hashes_wanted.empty()) {
    absl::StatusOr<Statement> hash_of =
        database->Prepare("SELECT hash FROM events WHERE sequence = ?1");
    if (!hash_of.ok()) return hash_of.status();
    for (int64_t sequence : options.hashes_wanted) {
      hash_of->Reset();
      hash_of->BindInt(1, sequence);
      absl::StatusOr<bool> found = hash_of->Step();
      if (!found.ok()) return found.status();
      report.hashes[sequence] =
          *found ? std::string(hash_of->ColumnBlob(0)) : std::string();
    }
  }

  // Only the tail: one range, whose first event links to the stored hash
  // of the event before it.
  if (options.from_sequence > 1) {
    std::string previous_hash = GenesisHash();
    int64_t previous_sequence = 0;
    absl::StatusOr<Statement> before = database->Prepare(
        "SELECT sequence, hash FROM events WHERE sequence < ?1 "
        "ORDER BY sequence DESC LIMIT 1");
    if (!before.ok()) return before.status();
    before->BindInt(1, options.from_sequence);
    absl::StatusOr<bool> found = before->Step();
    if (!found.ok()) return found.status();
    if (*found) {
      previous_sequence = before->ColumnInt(0);
      previous_hash = std::string(before->ColumnBlob(1));
    }
    RangeCheck tail;
    if (absl::Status status = CheckRange(*database, options.from_sequence - 1,
                                         std::numeric_limits<int64_t>::max(),
                                         head_sequence, tail);
        !status.ok()) {
      return status;
    }
    return Conclude(RangeCheck(), tail, previous_sequence, previous_hash,
                    head_sequence, head_hash, std::move(report));
  }

  // Each event's hash depends only on its own row (its content and its
  // stored link), so the log is checked in two halves at once, on two
  // connections; the links are checked within each half and at the seam.
  // The first half lies at or before the head, which no writer changes.
  const int64_t seam = head_sequence / 2;
  RangeCheck first;
  absl::Status first_status;
  std::thread first_half([&] {
    absl::StatusOr<Database> own = OpenForAudit(database_path);
    first_status = own.ok() ? CheckRange(*own, 0, seam, head_sequence, first)
                            : own.status();
  });
  RangeCheck second;
  absl::Status second_status =
      CheckRange(*database, seam, std::numeric_limits<int64_t>::max(),
                 head_sequence, second);
  first_half.join();
  if (!first_status.ok()) return first_status;
  if (!second_status.ok()) return second_status;

  return Conclude(first, second, 0, GenesisHash(), head_sequence, head_hash,
                  std::move(report));
}

absl::StatusOr<ReplayReport> ReplayAndCompare(const std::string& database_path,
                                              const std::string& scratch_path,
                                              const ReplayOptions& options) {
  if (IsPostgresUrl(database_path)) {
    // The log and the live projections, copied in one snapshot into a
    // SQLite file beside the scratch one, are replayed and compared as a
    // SQLite store is: one replay, whatever the backend.
    const std::string copy = scratch_path + "-live";
    RemoveDatabaseFiles(copy);
    absl::StatusOr<CopyReport> copied = CopyStore(database_path, copy);
    absl::StatusOr<ReplayReport> report =
        copied.ok() ? ReplayAndCompare(copy, scratch_path, options)
                    : absl::StatusOr<ReplayReport>(copied.status());
    RemoveDatabaseFiles(copy);
    return report;
  }
  if (std::filesystem::weakly_canonical(database_path) ==
      std::filesystem::weakly_canonical(scratch_path)) {
    return absl::InvalidArgumentError(
        "scratch_path: must not be the database itself");
  }
  // Checked before the scratch file is touched.
  absl::StatusOr<Database> live = OpenForAudit(database_path);
  if (!live.ok()) return live.status();
  RemoveDatabaseFiles(scratch_path);
  absl::StatusOr<Database> scratch =
      Database::Open(scratch_path, OpenMode::kReadWriteCreate);
  if (!scratch.ok()) return scratch.status();
  // The scratch file is rebuilt from scratch if anything goes wrong: no
  // need to sync it or journal it on disk.
  if (absl::Status status = scratch->Execute(
          "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; "
          "PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY;");
      !status.ok()) {
    return status;
  }
  if (absl::Status status = MigrateSchema(*scratch, scratch_path);
      !status.ok()) {
    return status;
  }
  // Only the tables are compared: the rebuild need not keep their secondary
  // indexes up to date.
  if (absl::StatusOr<std::vector<std::string>> dropped =
          DropSecondaryIndexes(*scratch);
      !dropped.ok()) {
    return dropped.status();
  }
  // The log is read on a connection of its own, in one read transaction
  // that also sees the live projections compared at the end: both as of one
  // commit, even while a server appends. The rebuild writes the scratch
  // file on its own thread and connection.
  // The log is read in sequence order, the table itself from start to end:
  // map it rather than read it page by page.
  if (absl::Status status = live->Execute(absl::StrCat(
          "PRAGMA mmap_size = 4294967296; ATTACH DATABASE ",
          QuoteLiteral(absl::StrCat(UriPath(scratch_path), "?mode=ro")),
          " AS rebuilt"));
      !status.ok()) {
    return status;
  }
  if (absl::Status status = live->Execute("BEGIN"); !status.ok()) {
    return status;
  }
  if (absl::Status status = scratch->Execute("BEGIN"); !status.ok()) {
    return status;
  }
  absl::StatusOr<std::unique_ptr<ProjectionRebuild>> rebuild =
      ProjectionRebuild::Start(*scratch);
  if (!rebuild.ok()) return rebuild.status();

  ReplayReport report;
  size_t unlisted = 0;
  if (absl::Status status = ReplayInSequenceOrder(
          *live, **rebuild, options.max_open_dossiers, report, unlisted);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = (*rebuild)->Finish(); !status.ok()) return status;
  rebuild->reset();
  // deadline_totals counts the days before the live file's settled day:
  // settled there too, they compare.
  absl::StatusOr<std::optional<int64_t>> settled =
      live->QueryInt(absl::StrCat("SELECT value FROM main.meta WHERE key = '",
                                  kMetaDeadlinesSettledDay, "'"));
  if (!settled.ok()) return settled.status();
  if (settled->has_value()) {
    absl::StatusOr<std::unique_ptr<Projections>> projections =
        Projections::Prepare(*scratch);
    if (!projections.ok()) return projections.status();
    if (absl::Status status = (*projections)->SettleDeadlineDays(**settled);
        !status.ok()) {
      return status;
    }
  }
  if (absl::Status status = scratch->Execute("COMMIT"); !status.ok()) {
    return status;
  }

  for (const ProjectionTable& table : ProjectionTables()) {
    TableComparison comparison(*live, table);
    if (absl::Status status = comparison.Compare(report.differences, unlisted);
        !status.ok()) {
      return status;
    }
  }
  if (unlisted > 0) {
    report.differences.push_back(
        absl::StrCat("... and ", unlisted, " more differences"));
  }
  if (absl::Status status = live->Execute("COMMIT"); !status.ok()) {
    return status;
  }
  if (absl::Status status = live->Execute("DETACH DATABASE rebuilt");
      !status.ok()) {
    return status;
  }
  return report;
}

absl::StatusOr<Dossier> DossierAsOf(const std::string& database_path,
                                    const std::string& dossier_code,
                                    absl::Time as_of,
                                    absl::Time* receipt_recorded_at) {
  Dossier dossier;
  absl::Status applied;
  absl::Status status = ForEachDossierEventOf(
      database_path, dossier_code, [&](StoredEvent stored) {
        const auto* received = std::get_if<ReceivedEvent>(&stored.event.body);
        if (received != nullptr && receipt_recorded_at != nullptr) {
          *receipt_recorded_at = stored.event.occurred_at;
        }
        // Versions are in the order they occurred: the first event after
        // `as_of` ends the walk. The receipt is the exception: it holds
        // from the receipt time it states, which may precede its record.
        const absl::Time holds_from =
            received != nullptr
                ? std::min(received->received_at, stored.event.occurred_at)
                : stored.event.occurred_at;
        if (holds_from > as_of) return false;
        applied = Apply(dossier, stored.event);
        if (!applied.ok()) {
          applied = absl::DataLossError(
              absl::StrCat("event ", stored.sequence,
                           " does not apply: ", applied.message()));
          return false;
        }
        return true;
      });
  if (!status.ok()) return status;
  if (!applied.ok()) return applied;
  if (dossier.version == 0) {
    return absl::NotFoundError(absl::StrCat("dossier ", dossier_code,
                                            " was not received by ",
                                            absl::FormatTime(as_of)));
  }
  return dossier;
}

absl::StatusOr<std::vector<StoredEvent>> ReadDossierEventsFromFile(
    const std::string& database_path, const std::string& dossier_code) {
  std::vector<StoredEvent> events;
  absl::Status status = ForEachDossierEventOf(
      database_path, dossier_code, [&](StoredEvent stored) {
        events.push_back(std::move(stored));
        return true;
      });
  if (!status.ok()) return status;
  if (events.empty()) {
    return absl::NotFoundError(
        absl::StrCat("dossier ", dossier_code, " has no event"));
  }
  return events;
}

}  // namespace motcua::store
