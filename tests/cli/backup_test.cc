// Backups and restores as an administrator runs them: `motcua backup`
// against a running motcuad under load and offline, `motcua restore` into a
// new data directory, and motcuad started on what was restored. Bad input
// changes nothing.
#include <grpcpp/grpcpp.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "motcua/v1/service.grpc.pb.h"
#include "tests/cli/subprocess.h"

namespace motcua_test {
namespace {

using nlohmann::json;

std::string Daemon() { return BinaryDir() + "/services/server/motcuad"; }

int ListeningPort(const std::string& out) {
  const size_t at = out.find("listening on port ");
  const size_t end = out.find('\n', at);
  if (at == std::string::npos || end == std::string::npos) return 0;
  int port = 0;
  return absl::SimpleAtoi(out.substr(at + 18, end - at - 18), &port) ? port : 0;
}

mode_t ModeOf(const fs::path& path) {
  struct stat info {};
  stat(path.c_str(), &info);
  return info.st_mode & 0777;
}

// Every file under `directory` with its content, to show that nothing
// changed.
std::map<std::string, std::string> Snapshot(const fs::path& directory) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(directory)) {
    if (entry.is_regular_file()) {
      files[entry.path().string()] = ReadFile(entry.path());
    }
  }
  return files;
}

// A motcuad on 127.0.0.1:0 over `data`, with the shipped rules.
class RunningServer {
 public:
  explicit RunningServer(const fs::path& data) : data_(data) {
    process_ = std::make_unique<BackgroundProcess>(
        Daemon(),
        std::vector<std::string>{
            "--listen", "127.0.0.1:0", "--data-dir", data.string(), "--rules",
            SourceDir() + "/rules", "--no-deadline-scheduler"},
        SourceDir());
    ready_ = process_->WaitForOutput(
        [](const std::string& out) { return ListeningPort(out) > 0; });
    if (!ready_) return;
    address_ = absl::StrCat("127.0.0.1:", ListeningPort(process_->out()));
    token_ =
        std::string(absl::StripAsciiWhitespace(ReadFile(data / "dev-token")));
    channel_ =
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
  }

  bool ready() const { return ready_; }
  std::string error_output() const { return process_->err(); }
  const std::string& address() const { return address_; }
  const std::string& token() const { return token_; }
  int Stop() { return process_->Stop(SIGTERM); }

  // Submits dossier `code`; whether it was acknowledged.
  bool Submit(const std::string& code) const {
    auto stub = motcua::v1::Dossiers::NewStub(channel_);
    motcua::v1::SubmitRequest request;
    request.set_dossier_code(code);
    request.set_procedure_code("2.000635");
    request.set_agency("ubnd-phuong");
    request.set_channel(motcua::v1::CHANNEL_IN_PERSON);
    *request.mutable_received_at() =
        google::protobuf::util::TimeUtil::GetCurrentTime();
    request.set_summary("backup test");
    motcua::v1::CommandReply reply;
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token_);
    return stub->Submit(&context, request, &reply).ok();
  }

  bool Has(const std::string& code) const {
    auto stub = motcua::v1::Dossiers::NewStub(channel_);
    motcua::v1::GetRequest request;
    request.set_dossier_code(code);
    motcua::v1::Dossier reply;
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token_);
    return stub->Get(&context, request, &reply).ok();
  }

 private:
  fs::path data_;
  std::unique_ptr<BackgroundProcess> process_;
  bool ready_ = false;
  std::string address_;
  std::string token_;
  std::shared_ptr<grpc::Channel> channel_;
};

class BackupTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(SourceDir().empty()) << "MOTCUA_SOURCE_DIR is not set";
    ASSERT_TRUE(fs::exists(Binary())) << Binary();
    ASSERT_TRUE(fs::exists(Daemon())) << Daemon();
  }

  // A database with `dossiers` dossiers, written by a motcuad that then
  // stopped: the offline commands' input.
  fs::path StoppedDatabase(int dossiers) {
    const fs::path data = directory_.path() / "source";
    RunningServer server(data);
    EXPECT_TRUE(server.ready()) << server.error_output();
    for (int i = 0; i < dossiers; ++i) {
      EXPECT_TRUE(server.Submit(absl::StrCat("OFF-", i)));
    }
    EXPECT_EQ(server.Stop(), 0);
    return data / "motcua.db";
  }

  TempDir directory_;
};

// The test of the issue: load runs, a backup is taken in the middle of it
// through the server, restored into a new directory, and a motcuad started
// on it holds a log that verifies, replays identically, and every dossier
// acknowledged before the backup started.
TEST_F(BackupTest, BackupDuringLoadRestoresEverythingAcknowledgedBefore) {
  const fs::path data = directory_.path() / "data";
  RunningServer server(data);
  ASSERT_TRUE(server.ready()) << server.error_output();

  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; !stop.load() && i < 100000; ++i) {
        const std::string code = absl::StrCat("LOAD-", w, "-", i);
        if (server.Submit(code)) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.push_back(code);
        }
      }
    });
  }
  // Some load first, then the backup while it goes on.
  while (true) {
    std::lock_guard<std::mutex> lock(mu);
    if (acknowledged.size() >= 400) break;
  }
  std::vector<std::string> before;
  {
    std::lock_guard<std::mutex> lock(mu);
    before = acknowledged;
  }
  const fs::path backup = directory_.path() / "backups" / "motcua-1.db";
  fs::create_directories(backup.parent_path());
  const Result made =
      RunMotcua({"backup", "--to", backup.string(), "--address",
                 server.address(), "--token", server.token(), "--json"});
  size_t after_backup = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    after_backup = acknowledged.size();
  }
  // Load goes on after the backup too, and the server took it all.
  while (true) {
    std::lock_guard<std::mutex> lock(mu);
    if (acknowledged.size() >= after_backup + 100) break;
  }
  stop = true;
  for (std::thread& writer : writers) writer.join();
  ASSERT_EQ(made.exit_code, 0) << made;
  EXPECT_GT(after_backup, before.size()) << "the load did not run meanwhile";
  const json printed = json::parse(made.out);
  EXPECT_EQ(printed["verified"], true);
  EXPECT_EQ(printed["file"], backup.string());
  const int64_t last_sequence = printed["last_sequence"];
  EXPECT_GE(last_sequence, static_cast<int64_t>(before.size()));
  EXPECT_EQ(ModeOf(backup), 0600u);
  EXPECT_FALSE(fs::exists(backup.string() + ".partial"));
  // The server's copy in the data directory is gone.
  for (const auto& entry : fs::directory_iterator(data)) {
    EXPECT_EQ(entry.path().filename().string().find("backup-"),
              std::string::npos)
        << entry.path();
  }
  EXPECT_EQ(server.Stop(), 0);

  const fs::path restored = directory_.path() / "restored";
  const Result restore = RunMotcua({"restore", "--from", backup.string(),
                                    "--data-dir", restored.string(), "--json"});
  ASSERT_EQ(restore.exit_code, 0) << restore;
  EXPECT_EQ(json::parse(restore.out)["last_sequence"], last_sequence);
  EXPECT_EQ(ModeOf(restored), 0700u);
  EXPECT_EQ(ModeOf(restored / "motcua.db"), 0600u);

  RunningServer again(restored);
  ASSERT_TRUE(again.ready()) << again.error_output();
  for (const std::string& code : before) {
    EXPECT_TRUE(again.Has(code)) << code
                                 << " was acknowledged before the "
                                    "backup and is missing";
  }
  const std::string database = (restored / "motcua.db").string();
  const Result verify =
      RunMotcua({"audit", "verify", "--db", database, "--json"});
  EXPECT_EQ(verify.exit_code, 0) << verify;
  EXPECT_EQ(json::parse(verify.out)["head_sequence"], last_sequence) << verify;
  const Result replay = RunMotcua({"audit", "replay", "--db", database});
  EXPECT_EQ(replay.exit_code, 0) << replay;
  // The restored server writes on.
  EXPECT_TRUE(again.Submit("AFTER-RESTORE"));
  EXPECT_EQ(again.Stop(), 0);
}

TEST_F(BackupTest, OfflineBackupVerifiesAndPrintsItsHead) {
  const fs::path database = StoppedDatabase(5);
  const fs::path backup = directory_.path() / "b.db";
  const Result made =
      RunMotcua({"backup", "--db", database.string(), "--to", backup.string()});
  ASSERT_EQ(made.exit_code, 0) << made;
  const std::vector<std::string> lines = made.OutLines();
  ASSERT_EQ(lines.size(), 3u) << made;
  EXPECT_TRUE(Contains(lines[0], "verified")) << made;
  EXPECT_TRUE(Contains(lines[1], "last sequence: ")) << made;
  EXPECT_TRUE(Contains(lines[2], "head hash:")) << made;
  const Result verify =
      RunMotcua({"audit", "verify", "--db", backup.string(), "--json"});
  ASSERT_EQ(verify.exit_code, 0) << verify;
  EXPECT_TRUE(Contains(
      lines[1],
      absl::StrCat(json::parse(verify.out)["head_sequence"].get<int>())))
      << made << verify;
  // One self-contained file: no WAL beside it.
  EXPECT_FALSE(fs::exists(backup.string() + "-wal"));
}

TEST_F(BackupTest, PrunesOldBackupsByCountAndAgeOnly) {
  const fs::path database = StoppedDatabase(1);
  const fs::path backups = directory_.path() / "backups";
  fs::create_directories(backups);
  // Four older backups, a day apart, and two files that are not backups.
  const auto now = fs::file_time_type::clock::now();
  for (int i = 1; i <= 4; ++i) {
    const fs::path file = backups / absl::StrCat("old-", i, ".db");
    ASSERT_EQ(
        RunMotcua({"backup", "--db", database.string(), "--to", file.string()})
            .exit_code,
        0);
    fs::last_write_time(file, now - std::chrono::hours(24 * i));
  }
  directory_.Write("backups/notes.txt", "keep me");
  fs::copy_file(database, backups / "other.db");
  fs::last_write_time(backups / "other.db", now - std::chrono::hours(24 * 30));

  // --keep 3: the new one and the two newest old ones.
  const Result kept =
      RunMotcua({"backup", "--db", database.string(), "--to",
                 (backups / "new-1.db").string(), "--keep", "3"});
  ASSERT_EQ(kept.exit_code, 0) << kept;
  EXPECT_TRUE(fs::exists(backups / "new-1.db"));
  EXPECT_TRUE(fs::exists(backups / "old-1.db"));
  EXPECT_TRUE(fs::exists(backups / "old-2.db"));
  EXPECT_FALSE(fs::exists(backups / "old-3.db"));
  EXPECT_FALSE(fs::exists(backups / "old-4.db"));
  EXPECT_TRUE(Contains(kept.out, "pruned " + (backups / "old-4.db").string()))
      << kept;
  // --max-age 36h: old-2 (48 h) goes, old-1 (24 h) and new-1 stay.
  const Result aged =
      RunMotcua({"backup", "--db", database.string(), "--to",
                 (backups / "new-2.db").string(), "--max-age", "36h"});
  ASSERT_EQ(aged.exit_code, 0) << aged;
  EXPECT_TRUE(fs::exists(backups / "old-1.db"));
  EXPECT_FALSE(fs::exists(backups / "old-2.db"));
  EXPECT_TRUE(fs::exists(backups / "new-1.db"));
  // Files motcua backup did not make are never pruned, however old.
  EXPECT_TRUE(fs::exists(backups / "notes.txt"));
  EXPECT_TRUE(fs::exists(backups / "other.db"));
}

TEST_F(BackupTest, BadBackupInputIsNamedAndWritesNothing) {
  const fs::path database = StoppedDatabase(1);
  const fs::path out = directory_.path() / "out";
  fs::create_directories(out);
  directory_.Write("out/existing.db", "not mine to overwrite");
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"--to", (out / "existing.db").string()}, "already exists"},
      {{"--to", (out / "missing" / "b.db").string()}, "no directory"},
      {{"--to", (out / "b.db").string(), "--db",
        (directory_.path() / "none.db").string()},
       "--db: no database file"},
      {{"--to", (out / "b.db").string(), "--keep", "0"}, "--keep"},
      {{"--to", (out / "b.db").string(), "--max-age", "soon"}, "--max-age"},
      {{"--to", (out / "b.db").string(), "--max-age", "-2d"}, "--max-age"},
  };
  const auto before = Snapshot(out);
  for (const Case& c : cases) {
    std::vector<std::string> args = {"backup"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    if (std::find(c.args.begin(), c.args.end(), "--db") == c.args.end()) {
      args.insert(args.end(), {"--db", database.string()});
    }
    const Result result = RunMotcua(args);
    EXPECT_EQ(result.exit_code, 2) << result;
    EXPECT_TRUE(Contains(result.err, c.says)) << result;
    EXPECT_TRUE(Snapshot(out) == before) << result;
  }
  // Not a database: the copy is refused, nothing is left.
  directory_.Write("text.db", "hello");
  const Result not_database =
      RunMotcua({"backup", "--db", (directory_.path() / "text.db").string(),
                 "--to", (out / "b.db").string()});
  EXPECT_NE(not_database.exit_code, 0) << not_database;
  EXPECT_TRUE(Contains(not_database.err, "text.db")) << not_database;
  EXPECT_TRUE(Snapshot(out) == before) << not_database;
}

TEST_F(BackupTest, OnlineBackupNeedsAnAdminToken) {
  RunningServer server(directory_.path() / "data");
  ASSERT_TRUE(server.ready()) << server.error_output();
  const fs::path backup = directory_.path() / "b.db";
  const Result refused =
      RunMotcua({"backup", "--to", backup.string(), "--address",
                 server.address(), "--token", "not-a-token"});
  EXPECT_EQ(refused.exit_code, 6) << refused;
  EXPECT_TRUE(Contains(refused.err, "UNAUTHENTICATED")) << refused;
  EXPECT_FALSE(fs::exists(backup));
  EXPECT_FALSE(fs::exists(backup.string() + ".partial"));
  EXPECT_EQ(server.Stop(), 0);
}

// Alters the payload of event `sequence` in the database at `path`.
void AlterEvent(const std::string& path, int sequence) {
  sqlite3* database = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &database), SQLITE_OK);
  const std::string sql = absl::StrCat(
      "UPDATE events SET payload = payload || x'00' WHERE sequence = ",
      sequence);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(database, sql.c_str(), nullptr, nullptr, &message),
            SQLITE_OK)
      << (message != nullptr ? message : "");
  sqlite3_free(message);
  sqlite3_close(database);
}

TEST_F(BackupTest, RestoreRefusesWhatDoesNotVerifyAndChangesNothing) {
  const fs::path database = StoppedDatabase(3);
  const fs::path backup = directory_.path() / "b.db";
  ASSERT_EQ(
      RunMotcua({"backup", "--db", database.string(), "--to", backup.string()})
          .exit_code,
      0);
  const fs::path altered = directory_.path() / "altered.db";
  fs::copy_file(backup, altered);
  AlterEvent(altered.string(), 2);
  const fs::path target = directory_.path() / "target";
  const Result broken = RunMotcua(
      {"restore", "--from", altered.string(), "--data-dir", target.string()});
  EXPECT_EQ(broken.exit_code, 3) << broken;
  EXPECT_TRUE(Contains(broken.err, "does not verify (event 2)")) << broken;
  EXPECT_FALSE(fs::exists(target));

  directory_.Write("text.db", "hello, not a database");
  const Result text =
      RunMotcua({"restore", "--from", (directory_.path() / "text.db").string(),
                 "--data-dir", target.string()});
  EXPECT_NE(text.exit_code, 0) << text;
  EXPECT_TRUE(Contains(text.err, "text.db")) << text;
  EXPECT_FALSE(fs::exists(target));

  const Result missing =
      RunMotcua({"restore", "--from", (directory_.path() / "none.db").string(),
                 "--data-dir", target.string()});
  EXPECT_EQ(missing.exit_code, 2) << missing;
  EXPECT_TRUE(Contains(missing.err, "--from: no backup file")) << missing;
  EXPECT_FALSE(fs::exists(target));
}

TEST_F(BackupTest, RestoreRefusesADirectoryInUseOrNotEmpty) {
  const fs::path database = StoppedDatabase(2);
  const fs::path backup = directory_.path() / "b.db";
  ASSERT_EQ(
      RunMotcua({"backup", "--db", database.string(), "--to", backup.string()})
          .exit_code,
      0);
  // A running motcuad's directory: refused by its lock.
  const fs::path live = directory_.path() / "live";
  RunningServer server(live);
  ASSERT_TRUE(server.ready()) << server.error_output();
  const Result in_use = RunMotcua(
      {"restore", "--from", backup.string(), "--data-dir", live.string()});
  EXPECT_EQ(in_use.exit_code, 2) << in_use;
  EXPECT_TRUE(Contains(in_use.err, "in use by another motcuad")) << in_use;
  EXPECT_EQ(server.Stop(), 0);

  // The same directory, its server stopped: not empty.
  const auto stopped_before = Snapshot(live);
  const Result not_empty = RunMotcua(
      {"restore", "--from", backup.string(), "--data-dir", live.string()});
  EXPECT_EQ(not_empty.exit_code, 2) << not_empty;
  EXPECT_TRUE(Contains(not_empty.err, "is not empty")) << not_empty;
  EXPECT_TRUE(Snapshot(live) == stopped_before);

  // A directory with any file in it.
  directory_.Write("other/notes.txt", "x");
  const Result other =
      RunMotcua({"restore", "--from", backup.string(), "--data-dir",
                 (directory_.path() / "other").string()});
  EXPECT_EQ(other.exit_code, 2) << other;
  EXPECT_TRUE(Contains(other.err, "holds notes.txt")) << other;
  EXPECT_EQ(ReadFile(directory_.path() / "other" / "notes.txt"), "x");

  // An empty directory is fine.
  fs::create_directories(directory_.path() / "empty");
  const Result empty =
      RunMotcua({"restore", "--from", backup.string(), "--data-dir",
                 (directory_.path() / "empty").string()});
  EXPECT_EQ(empty.exit_code, 0) << empty;
}

}  // namespace
}  // namespace motcua_test
