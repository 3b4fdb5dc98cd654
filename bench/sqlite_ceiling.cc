// motcua_sqlite_ceiling: the storage ceiling. Raw SQLite appends with the
// durability of a command (WAL, synchronous=FULL: each commit synced before
// the next begins) and the shape of the store's group commit: rows the size
// of an event row into a table shaped like the log, one transaction per
// batch of N. Also times the disk's own write+fdatasync, which bounds every
// durable commit. (The store itself overlaps each sync with the next batch;
// this ceiling does not.)
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/latency.h"

namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;

bool Exec(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::cerr << "motcua_sqlite_ceiling: " << sql << ": "
              << (message != nullptr ? message : "?") << "\n";
    sqlite3_free(message);
    return false;
  }
  return true;
}

struct BatchFigures {
  int batch = 0;
  int64_t rows = 0;
  double seconds = 0;
  double rows_per_second = 0;
  motcua::bench::LatencySummary commit;  // BEGIN .. COMMIT of one batch
};

// Appends batches of `batch` rows for about `seconds` (at least `min_rows`
// rows) and times each commit.
std::optional<BatchFigures> AppendBatches(const std::string& path,
                                          const std::string& synchronous,
                                          int batch, int row_bytes,
                                          double seconds, int64_t min_rows) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    fs::remove(path + suffix, ignored);
  }
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    std::cerr << "motcua_sqlite_ceiling: cannot open " << path << "\n";
    sqlite3_close(db);
    return std::nullopt;
  }
  // The store's writer settings (store/sqlite_store.cc).
  const bool ready =
      Exec(db, "PRAGMA journal_mode = WAL") &&
      Exec(db, absl::StrCat("PRAGMA synchronous = ", synchronous)) &&
      Exec(db,
           "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; "
           "PRAGMA wal_autocheckpoint = 10000; "
           "PRAGMA journal_size_limit = 67108864") &&
      Exec(db,
           "CREATE TABLE events (sequence INTEGER PRIMARY KEY, dossier_code "
           "TEXT NOT NULL, dossier_version INTEGER NOT NULL, type TEXT NOT "
           "NULL, occurred_at INTEGER NOT NULL, recorded_at INTEGER NOT NULL, "
           "actor TEXT NOT NULL, rule_version TEXT NOT NULL, payload BLOB NOT "
           "NULL, previous_hash BLOB NOT NULL, hash BLOB NOT NULL, UNIQUE "
           "(dossier_code, dossier_version))");
  sqlite3_stmt* insert = nullptr;
  if (!ready ||
      sqlite3_prepare_v2(
          db,
          "INSERT INTO events VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
          "?10, ?11)",
          -1, &insert, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return std::nullopt;
  }
  // The fixed columns take about 170 bytes (codes, type, actor, a 64-digit
  // rule version, two 32-byte hashes); the payload makes up the rest.
  const int payload_bytes = std::max(16, row_bytes - 170);
  std::mt19937_64 random(42);
  std::string payload(payload_bytes, '\0');
  std::string hash(32, '\0');
  const std::string rule_version(64, 'a');

  motcua::bench::LatencySamples commits;
  BatchFigures figures;
  figures.batch = batch;
  int64_t sequence = 0;
  const auto started = SteadyClock::now();
  const auto until =
      started + std::chrono::duration_cast<SteadyClock::duration>(
                    std::chrono::duration<double>(seconds));
  bool ok = true;
  while (ok && (SteadyClock::now() < until || sequence < min_rows)) {
    const auto begun = SteadyClock::now();
    ok = Exec(db, "BEGIN IMMEDIATE");
    for (int i = 0; ok && i < batch; ++i) {
      ++sequence;
      for (char& c : payload) c = static_cast<char>(random());
      for (char& c : hash) c = static_cast<char>(random());
      // Codes of a working set of open dossiers, as the log has them.
      const std::string code =
          absl::StrFormat("HS-2026-%08d", random() % 1000000);
      sqlite3_bind_int64(insert, 1, sequence);
      sqlite3_bind_text(insert, 2, code.data(), static_cast<int>(code.size()),
                        SQLITE_TRANSIENT);
      sqlite3_bind_int64(insert, 3, sequence);
      sqlite3_bind_text(insert, 4, "handed_over", -1, SQLITE_STATIC);
      sqlite3_bind_int64(insert, 5, 1795410000000000 + sequence);
      sqlite3_bind_int64(insert, 6, 1795410000000000 + sequence);
      sqlite3_bind_text(insert, 7, "officer.bench", -1, SQLITE_STATIC);
      sqlite3_bind_text(insert, 8, rule_version.data(), 64, SQLITE_STATIC);
      sqlite3_bind_blob(insert, 9, payload.data(),
                        static_cast<int>(payload.size()), SQLITE_STATIC);
      sqlite3_bind_blob(insert, 10, hash.data(), 32, SQLITE_STATIC);
      sqlite3_bind_blob(insert, 11, hash.data(), 32, SQLITE_STATIC);
      ok = sqlite3_step(insert) == SQLITE_DONE;
      sqlite3_reset(insert);
    }
    ok = ok && Exec(db, "COMMIT");
    commits.Add(absl::FromChrono(SteadyClock::now() - begun));
  }
  figures.seconds =
      std::chrono::duration<double>(SteadyClock::now() - started).count();
  figures.rows = sequence;
  figures.rows_per_second = sequence / figures.seconds;
  figures.commit = commits.Summarize();
  sqlite3_finalize(insert);
  sqlite3_close(db);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    fs::remove(path + suffix, ignored);
  }
  if (!ok) return std::nullopt;
  return figures;
}

// Appends 4 KiB to a file and waits for fdatasync, `count` times: the
// floor of any durable commit on this disk.
std::optional<motcua::bench::LatencySummary> DiskSync(const std::string& path,
                                                      int count) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return std::nullopt;
  std::string block(4096, 'x');
  motcua::bench::LatencySamples samples;
  bool ok = true;
  for (int i = 0; ok && i < count; ++i) {
    const auto begun = SteadyClock::now();
    ok = ::write(fd, block.data(), block.size()) ==
             static_cast<ssize_t>(block.size()) &&
         ::fdatasync(fd) == 0;
    samples.Add(absl::FromChrono(SteadyClock::now() - begun));
  }
  ::close(fd);
  std::error_code ignored;
  fs::remove(path, ignored);
  if (!ok) return std::nullopt;
  return samples.Summarize();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"motcua_sqlite_ceiling: durable SQLite appends, batch by batch"};
  std::string directory = fs::temp_directory_path().string();
  std::string batches_text = "1,16,64,256,2048";
  std::string synchronous = "FULL";
  int row_bytes = 384;
  double seconds = 3;
  int64_t min_rows = 0;
  int sync_count = 200;
  std::string json_file;
  app.add_option("--dir", directory,
                 "directory for the scratch database (the disk measured)")
      ->capture_default_str();
  app.add_option("--batches", batches_text, "batch sizes, comma-separated")
      ->capture_default_str();
  app.add_option("--row-bytes", row_bytes,
                 "bytes per row (an event row of motcuad's log is about 384)")
      ->capture_default_str()
      ->check(CLI::Range(64, 1 << 20));
  app.add_option("--seconds", seconds, "seconds per batch size")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 600.0));
  app.add_option("--min-rows", min_rows, "rows per batch size at least")
      ->capture_default_str();
  app.add_option("--synchronous", synchronous, "FULL or NORMAL")
      ->capture_default_str()
      ->check(CLI::IsMember({"FULL", "NORMAL"}));
  app.add_option("--sync-count", sync_count,
                 "4 KiB write+fdatasync rounds timed (0: skip)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  app.add_option("--json", json_file, "also write the JSON here");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  std::vector<int> batches;
  for (absl::string_view part :
       absl::StrSplit(batches_text, ',', absl::SkipEmpty())) {
    int batch = 0;
    if (!absl::SimpleAtoi(part, &batch) || batch < 1) {
      std::cerr << "motcua_sqlite_ceiling: --batches: \"" << part
                << "\" is not a batch size\n";
      return kExitBadInput;
    }
    batches.push_back(batch);
  }
  const std::string stem =
      (fs::path(directory) / absl::StrCat("motcua_sqlite_ceiling_", getpid()))
          .string();

  nlohmann::json json;
  json["tool"] = "motcua_sqlite_ceiling";
  json["synchronous"] = synchronous;
  json["row_bytes"] = row_bytes;
  json["directory"] = directory;
  if (sync_count > 0) {
    std::optional<motcua::bench::LatencySummary> sync =
        DiskSync(stem + ".sync", sync_count);
    if (!sync.has_value()) {
      std::cerr << "motcua_sqlite_ceiling: cannot write in " << directory
                << "\n";
      return kExitFailed;
    }
    json["disk_write_fdatasync"] = motcua::bench::ToJson(*sync);
    std::cout << "disk 4 KiB write+fdatasync: "
              << motcua::bench::FormatSummary(*sync) << "\n";
  }
  for (int batch : batches) {
    std::optional<BatchFigures> figures = AppendBatches(
        stem + ".db", synchronous, batch, row_bytes, seconds, min_rows);
    if (!figures.has_value()) return kExitFailed;
    nlohmann::json entry = motcua::bench::ToJson(figures->commit);
    entry["batch"] = batch;
    entry["rows"] = figures->rows;
    entry["rows_per_second"] = figures->rows_per_second;
    json["batches"].push_back(entry);
    std::cout << absl::StreamFormat(
        "batch %5d: %9.0f rows/s  commit %s\n", batch, figures->rows_per_second,
        motcua::bench::FormatSummary(figures->commit));
  }
  const std::string line = json.dump();
  std::cout << "RESULT " << line << std::endl;
  if (!json_file.empty()) {
    std::ofstream out(json_file);
    out << line << "\n";
    if (!out) return kExitFailed;
  }
  return kExitOk;
}
