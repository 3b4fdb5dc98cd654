// Databases written by earlier releases, opened by the current motcuad: the
// upgrade succeeds, the log is untouched and verifies, and the counts and
// reports the upgrade built equal those a replay recomputes from the log.
// An upgrade that fails part-way (the file size limit reached: a disk that
// fills) leaves the old database as it was. The fixtures were written by
// the older code itself (tests/cli/fixtures/make-schema-fixtures.sh).
#include <sqlite3.h>
#include <sys/resource.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/cli/subprocess.h"

namespace motcua_test {
namespace {

std::string Daemon() { return BinaryDir() + "/services/server/motcuad"; }

// Every row of every table of the database at `path`, in order, as text:
// what any version of motcua reads from it.
std::string Contents(const std::string& path) {
  sqlite3* database = nullptr;
  if (sqlite3_open_v2(path.c_str(), &database, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    sqlite3_close(database);
    return "cannot open";
  }
  std::vector<std::string> tables;
  sqlite3_exec(
      database,
      "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
      [](void* out, int, char** values, char**) {
        static_cast<std::vector<std::string>*>(out)->push_back(values[0]);
        return 0;
      },
      &tables, nullptr);
  std::string text;
  for (const std::string& table : tables) {
    text += "table " + table + "\n";
    sqlite3_exec(
        database, ("SELECT * FROM \"" + table + "\" ORDER BY 1, 2").c_str(),
        [](void* out, int columns, char** values, char**) {
          std::string& line = *static_cast<std::string*>(out);
          for (int i = 0; i < columns; ++i) {
            line += values[i] == nullptr ? "NULL" : values[i];
            line += "|";
          }
          line += "\n";
          return 0;
        },
        &text, nullptr);
  }
  sqlite3_close(database);
  return text;
}

int64_t QueryInt(const std::string& path, const std::string& sql) {
  sqlite3* database = nullptr;
  int64_t value = -1;
  if (sqlite3_open_v2(path.c_str(), &database, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(database, sql.c_str(), -1, &statement, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      value = sqlite3_column_int64(statement, 0);
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(database);
  return value;
}

int64_t SchemaVersion(const std::string& path) {
  return QueryInt(path, "SELECT value FROM meta WHERE key = 'schema_version'");
}

// Starts motcuad on `data`; "" when it serves, else its standard error.
class Server {
 public:
  explicit Server(const fs::path& data) {
    process_ = std::make_unique<BackgroundProcess>(
        Daemon(),
        std::vector<std::string>{
            "--listen", "127.0.0.1:0", "--data-dir", data.string(), "--rules",
            SourceDir() + "/rules", "--no-deadline-scheduler"},
        SourceDir());
    serving_ = process_->WaitForOutput([](const std::string& out) {
      return Contains(out, "listening on port ");
    });
  }
  bool serving() const { return serving_; }
  std::string err() const { return process_->err(); }
  int Stop() { return process_->Stop(SIGTERM); }

 private:
  std::unique_ptr<BackgroundProcess> process_;
  bool serving_ = false;
};

fs::path Fixture(int schema) {
  return fs::path(SourceDir()) / "tests/cli/fixtures" /
         absl::StrCat("schema-", schema, ".db");
}

// A data directory in `directory` holding a copy of the fixture.
fs::path DataWithFixture(const TempDir& directory, int schema) {
  const fs::path data = directory.path() / "data";
  fs::create_directories(data);
  fs::copy_file(Fixture(schema), data / "motcua.db");
  return data;
}

class SchemaUpgradeTest : public testing::TestWithParam<int> {
 protected:
  TempDir directory_;
};

TEST_P(SchemaUpgradeTest, TheCurrentServerUpgradesAndTheLogVerifiesAndReplays) {
  ASSERT_TRUE(fs::exists(Fixture(GetParam()))) << Fixture(GetParam());
  ASSERT_EQ(SchemaVersion(Fixture(GetParam()).string()), GetParam());
  const fs::path data = DataWithFixture(directory_, GetParam());
  const std::string database = (data / "motcua.db").string();
  const int64_t events = QueryInt(database, "SELECT count(*) FROM events");
  const int64_t dossiers = QueryInt(database, "SELECT count(*) FROM dossiers");
  ASSERT_GT(events, 100);

  Server server(data);
  ASSERT_TRUE(server.serving()) << server.err();
  EXPECT_EQ(server.Stop(), 0) << server.err();

  EXPECT_GT(SchemaVersion(database), GetParam());
  // The log is what the older release wrote: not one event added or lost.
  EXPECT_EQ(QueryInt(database, "SELECT count(*) FROM events"), events);
  EXPECT_EQ(QueryInt(database, "SELECT count(*) FROM dossiers"), dossiers);
  const Result verify = RunMotcua({"audit", "verify", "--db", database});
  EXPECT_EQ(verify.exit_code, 0) << verify;
  EXPECT_TRUE(Contains(verify.out, absl::StrCat("log intact: ", events)))
      << verify;
  // Every projection the upgrade built or kept (the deadline counts per
  // day, the per-day report deltas by agency, procedure, field and unit,
  // the thresholds) is what a replay rebuilds from the log.
  const Result replay = RunMotcua({"audit", "replay", "--db", database});
  EXPECT_EQ(replay.exit_code, 0) << replay;
  EXPECT_TRUE(Contains(replay.out, "replay identical")) << replay;
}

INSTANTIATE_TEST_SUITE_P(EarlierSchemas, SchemaUpgradeTest,
                         testing::Values(5, 7),
                         [](const testing::TestParamInfo<int>& param) {
                           return absl::StrCat("Schema", param.param);
                         });

// From schema 5 the upgrade writes new tables and indexes (the deadline
// counts per day, the report by unit): more pages than the limit lets the
// write-ahead log hold past SQLite's shared-memory file (32 KiB).
TEST(FailedUpgradeTest, AnUpgradeThatFailsPartWayLeavesTheOldDatabase) {
  constexpr int kSchema = 5;
  TempDir directory;
  const fs::path data = DataWithFixture(directory, kSchema);
  const std::string database = (data / "motcua.db").string();
  const std::string before = Contents(database);

  // motcuad with a file size limit a few pages past the start of the
  // write-ahead log: the upgrade's transaction runs out of room part-way,
  // as on a disk that fills. SIGXFSZ is ignored, so the write fails with
  // EFBIG as it would with ENOSPC.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const rlimit limit{32 * 1024, 32 * 1024};
    setrlimit(RLIMIT_FSIZE, &limit);
    signal(SIGXFSZ, SIG_IGN);
    const std::string err = (directory.path() / "motcuad.err").string();
    freopen(err.c_str(), "w", stderr);
    freopen("/dev/null", "w", stdout);
    execl(Daemon().c_str(), Daemon().c_str(), "--listen", "127.0.0.1:0",
          "--data-dir", data.c_str(), "--rules",
          (SourceDir() + "/rules").c_str(), "--no-deadline-scheduler",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  const int exit_code = WaitForExit(pid);
  const std::string err = ReadFile(directory.path() / "motcuad.err");
  EXPECT_EQ(exit_code, 1) << err;
  EXPECT_TRUE(
      Contains(err, "committing the schema of " + data.string() + "/motcua.db"))
      << err;

  // Nothing of it stayed: the old schema, every row as it was, intact.
  EXPECT_EQ(SchemaVersion(database), kSchema);
  EXPECT_TRUE(Contents(database) == before) << "the database changed";
  EXPECT_EQ(QueryInt(database,
                     "SELECT count(*) FROM pragma_integrity_check "
                     "WHERE integrity_check = 'ok'"),
            1);

  // With room again, the upgrade goes through.
  Server server(data);
  ASSERT_TRUE(server.serving()) << server.err();
  EXPECT_EQ(server.Stop(), 0);
  EXPECT_GT(SchemaVersion(database), kSchema);
  EXPECT_EQ(RunMotcua({"audit", "replay", "--db", database}).exit_code, 0);
}

}  // namespace
}  // namespace motcua_test
