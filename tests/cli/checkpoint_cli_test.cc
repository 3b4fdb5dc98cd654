// Signed checkpoints as an auditor uses them, with the real `motcuad` and
// `motcua` as subprocesses: checkpoints taken from a running daemon, then
// the database rewritten as an attacker with the file would (one event
// changed, every later hash and the stored head recomputed), and
// `motcua audit verify --checkpoint` naming the first checkpoint the log no
// longer extends while the chain alone still looks intact.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "tests/cli/subprocess.h"
#include "tests/testing/rewrite_log.h"

namespace {

namespace fs = std::filesystem;
using motcua_test::BackgroundProcess;
using motcua_test::BinaryDir;
using motcua_test::Contains;
using motcua_test::Lines;
using motcua_test::ReadFile;
using motcua_test::Result;
using motcua_test::RunMotcua;
using motcua_test::SourceDir;
using motcua_test::TempDir;

constexpr int kExitLogBroken = 3;

std::string Daemon() { return BinaryDir() + "/services/server/motcuad"; }

int ListeningPort(const std::string& out) {
  for (const std::string& line : Lines(out)) {
    absl::string_view rest = line;
    int port = 0;
    if (absl::ConsumePrefix(&rest, "listening on port ") &&
        absl::SimpleAtoi(rest, &port)) {
      return port;
    }
  }
  return 0;
}

class CheckpointCliTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(SourceDir().empty()) << "MOTCUA_SOURCE_DIR is not set";
    ASSERT_TRUE(fs::exists(Daemon())) << Daemon();
  }

  fs::path data() const { return directory_.path() / "data"; }
  std::string database() const { return (data() / "motcua.db").string(); }

  void StartDaemon() {
    daemon_ = std::make_unique<BackgroundProcess>(
        Daemon(),
        std::vector<std::string>{
            "--listen", "127.0.0.1:0", "--data-dir", data().string(), "--rules",
            SourceDir() + "/rules", "--no-deadline-scheduler"},
        directory_.path().string());
    ASSERT_TRUE(daemon_->started());
    ASSERT_TRUE(daemon_->WaitForOutput([](const std::string& out) {
      return ListeningPort(out) > 0;
    })) << daemon_->out()
        << daemon_->err();
    address_ = absl::StrCat("127.0.0.1:", ListeningPort(daemon_->out()));
    token_ =
        std::string(absl::StripAsciiWhitespace(ReadFile(data() / "dev-token")));
  }

  void StopDaemon() { ASSERT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->err(); }

  Result Client(std::vector<std::string> args) const {
    args.insert(args.end(), {"--address", address_, "--token", token_});
    return RunMotcua(args);
  }

  Result Submit(const std::string& code) const {
    return Client({"submit", "--code", code, "--procedure", "2.000635",
                   "--agency", "ubnd-phuong", "--channel", "in_person",
                   "--received", "2026-03-10T07:00:00+07:00", "--summary",
                   "test",
                   // Months before the daemon's clock: past the backdating
                   // bound, entered late by the admin token.
                   "--late-entry-reason", "paper register typed in"});
  }

  // `motcua checkpoint --sign --out FILE`: the checkpoint of the log now.
  std::string SignCheckpoint(const std::string& name) const {
    const std::string file = (directory_.path() / name).string();
    const Result signed_now = Client({"checkpoint", "--sign", "--out", file});
    EXPECT_EQ(signed_now.exit_code, 0) << signed_now;
    return file;
  }

  // The public key as `motcuad checkpoint-key` prints it (base64 line).
  std::string PublicKey(const fs::path& data_dir) const {
    const Result printed = motcua_test::Run(
        Daemon(), {"checkpoint-key", "--data-dir", data_dir.string()},
        directory_.path().string());
    EXPECT_EQ(printed.exit_code, 0) << printed;
    for (const std::string& line : printed.OutLines()) {
      absl::string_view rest = line;
      if (absl::ConsumePrefix(&rest, "public key (base64): ")) {
        return std::string(rest);
      }
    }
    ADD_FAILURE() << printed;
    return "";
  }

  TempDir directory_;
  std::unique_ptr<BackgroundProcess> daemon_;
  std::string address_;
  std::string token_;
};

TEST_F(CheckpointCliTest, ARewrittenLogNoLongerExtendsItsCheckpoints) {
  StartDaemon();
  ASSERT_EQ(Submit("HS-1").exit_code, 0);
  const std::string early = SignCheckpoint("early.txt");
  ASSERT_EQ(Submit("HS-2").exit_code, 0);
  ASSERT_EQ(Submit("HS-3").exit_code, 0);
  const std::string late = SignCheckpoint("late.txt");
  ASSERT_EQ(Submit("HS-4").exit_code, 0);
  StopDaemon();
  const std::string key = PublicKey(data());

  // Before the rewrite: intact, the head printed, both checkpoints hold.
  const Result before =
      RunMotcua({"audit", "verify", "--db", database(), "--checkpoint", late,
                 "--checkpoint", early, "--public-key", key});
  EXPECT_EQ(before.exit_code, 0) << before;
  EXPECT_TRUE(Contains(before.out, "log intact")) << before;
  EXPECT_TRUE(Contains(before.out, "head: event ")) << before;
  EXPECT_TRUE(Contains(before.out, "the log extends it; signature valid"))
      << before;

  // The attacker changes the second dossier's receipt (after the early
  // checkpoint, before the late one) and recomputes every hash after it.
  const Result json = RunMotcua(
      {"audit", "verify", "--db", database(), "--checkpoint", early, "--json"});
  ASSERT_EQ(json.exit_code, 0) << json;
  const int64_t early_sequence =
      nlohmann::json::parse(json.out)["checkpoints"][0]["sequence"];
  ASSERT_TRUE(motcua_test::RewriteEventAndRechain(
      database(), early_sequence + 1, "someone.else"));

  // The chain alone cannot tell.
  const Result plain = RunMotcua({"audit", "verify", "--db", database()});
  EXPECT_EQ(plain.exit_code, 0) << plain;
  EXPECT_TRUE(Contains(plain.out, "log intact")) << plain;

  // The checkpoints can: the late one is the first the log no longer
  // extends; the early one still holds.
  const Result after =
      RunMotcua({"audit", "verify", "--db", database(), "--checkpoint", late,
                 "--checkpoint", early, "--public-key", key});
  EXPECT_EQ(after.exit_code, kExitLogBroken) << after;
  EXPECT_TRUE(Contains(after.out, absl::StrCat("FAILED: the log no longer "
                                               "extends checkpoint ",
                                               late)))
      << after;
  EXPECT_TRUE(Contains(after.out, absl::StrCat("checkpoint ", early, " (event ",
                                               early_sequence, ", signed ")))
      << after;
  EXPECT_TRUE(Contains(after.out, "the log was rewritten")) << after;

  const Result after_json =
      RunMotcua({"audit", "verify", "--db", database(), "--checkpoint", late,
                 "--checkpoint", early, "--public-key", key, "--json"});
  EXPECT_EQ(after_json.exit_code, kExitLogBroken) << after_json;
  const nlohmann::json answer = nlohmann::json::parse(after_json.out);
  EXPECT_EQ(answer["intact"], true);
  EXPECT_EQ(answer["first_failed_checkpoint"], late);
  EXPECT_EQ(answer["checkpoints"][0]["extended"], true);
  EXPECT_EQ(answer["checkpoints"][1]["extended"], false);

  // Restarted on the rewritten log, the daemon sees it (the last
  // checkpoint is in its directory), says so and appends nothing.
  StartDaemon();
  EXPECT_TRUE(Contains(daemon_->err(), "the event log is DAMAGED"))
      << daemon_->err();
  const Result refused = Submit("HS-5");
  EXPECT_NE(refused.exit_code, 0) << refused;
  EXPECT_TRUE(Contains(refused.err, "DATA_LOSS")) << refused;
  const Result online = Client({"verify"});
  EXPECT_TRUE(Contains(online.out, "head: event ")) << online;
  StopDaemon();
}

TEST_F(CheckpointCliTest, ACheckpointSignedByAnotherKeyOrAlteredIsRefused) {
  StartDaemon();
  ASSERT_EQ(Submit("HS-1").exit_code, 0);
  const std::string checkpoint = SignCheckpoint("checkpoint.txt");
  StopDaemon();
  const std::string key = PublicKey(data());
  const std::string other_key = PublicKey(directory_.path() / "elsewhere");
  ASSERT_NE(key, other_key);

  const Result other =
      RunMotcua({"audit", "verify", "--db", database(), "--checkpoint",
                 checkpoint, "--public-key", other_key});
  EXPECT_EQ(other.exit_code, kExitLogBroken) << other;
  EXPECT_TRUE(Contains(other.out, "is refused: signed by key")) << other;

  // One character of the time changed: the signature no longer holds.
  std::string text = ReadFile(checkpoint);
  const size_t time = text.find("time: ");
  ASSERT_NE(time, std::string::npos);
  text[time + 6] = text[time + 6] == '1' ? '2' : '1';
  const std::string altered = (directory_.path() / "altered.txt").string();
  std::ofstream(altered) << text;
  const Result tampered =
      RunMotcua({"audit", "verify", "--db", database(), "--checkpoint", altered,
                 "--public-key", key});
  EXPECT_EQ(tampered.exit_code, kExitLogBroken) << tampered;
  EXPECT_TRUE(Contains(tampered.out, "the signature does not match"))
      << tampered;

  // Not a checkpoint at all: bad input.
  const std::string garbage = (directory_.path() / "garbage.txt").string();
  std::ofstream(garbage) << "hello\n";
  const Result unreadable = RunMotcua(
      {"audit", "verify", "--db", database(), "--checkpoint", garbage});
  EXPECT_EQ(unreadable.exit_code, 2) << unreadable;
  EXPECT_TRUE(Contains(unreadable.err, "garbage.txt:1:")) << unreadable;
}

}  // namespace
