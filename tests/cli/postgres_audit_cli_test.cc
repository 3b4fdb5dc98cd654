// `motcua demo seed` and `motcua audit verify|replay|events` with
// --postgres: the real binary against a database of its own on the private
// cluster of the ctest fixture `postgres`.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "store/postgres/pq.h"
#include "tests/cli/subprocess.h"
#include "tests/testing/postgres.h"

namespace {

using motcua_test::Contains;
using motcua_test::Result;
using motcua_test::RunMotcua;
using motcua_test::TempDir;

class PostgresAuditCliTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> url =
        motcua::test_support::PostgresDatabase(directory_.path().string());
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
    const Result seeded =
        RunMotcua({"demo", "seed", "--postgres", url_, "--dossiers", "60"});
    ASSERT_EQ(seeded.exit_code, 0) << seeded;
    ASSERT_TRUE(Contains(seeded.out, "60 dossiers")) << seeded;
  }

  TempDir directory_;
  std::string url_;
};

TEST_F(PostgresAuditCliTest, VerifiesListsAndRebuildsADossier) {
  const Result verify = RunMotcua({"audit", "verify", "--postgres", url_});
  EXPECT_EQ(verify.exit_code, 0) << verify;
  EXPECT_TRUE(Contains(verify.out, "log intact")) << verify;

  const Result events = RunMotcua(
      {"audit", "events", "--postgres", url_, "--dossier", "DEMO-0000001"});
  ASSERT_EQ(events.exit_code, 0) << events;
  EXPECT_TRUE(
      absl::StartsWith(events.out, "dossier:     DEMO-0000001 (version 1)\n"))
      << events;

  const Result as_of =
      RunMotcua({"audit", "replay", "--postgres", url_, "--dossier",
                 "DEMO-0000001", "--as-of", "2099-01-01T00:00:00+07:00"});
  ASSERT_EQ(as_of.exit_code, 0) << as_of;
  EXPECT_TRUE(Contains(as_of.out, "dossier:     DEMO-0000001")) << as_of;

  // A second sample is not mixed into the first.
  const Result again =
      RunMotcua({"demo", "seed", "--postgres", url_, "--dossiers", "5"});
  EXPECT_EQ(again.exit_code, 2) << again;
  EXPECT_TRUE(Contains(again.err, "already holds events")) << again;
}

TEST_F(PostgresAuditCliTest, AChangedEventIsNamedBySequence) {
  absl::StatusOr<motcua::store::pg::Connection> connection =
      motcua::store::pg::Connection::Open(url_);
  ASSERT_TRUE(connection.ok()) << connection.status();
  ASSERT_TRUE(connection
                  ->Execute("UPDATE events SET actor = actor || '!' WHERE "
                            "sequence = 37")
                  .ok());
  const Result verify = RunMotcua({"audit", "verify", "--postgres", url_});
  EXPECT_EQ(verify.exit_code, 3) << verify;
  EXPECT_TRUE(Contains(verify.out, "BROKEN at event 37")) << verify;
}

TEST_F(PostgresAuditCliTest, TheWholeLogReplaysIdentically) {
  const Result replay = RunMotcua({"audit", "replay", "--postgres", url_});
  EXPECT_EQ(replay.exit_code, 0) << replay;
  EXPECT_TRUE(Contains(replay.out, "replay identical")) << replay;
  // A projection changed behind motcua's back is found, as on SQLite.
  absl::StatusOr<motcua::store::pg::Connection> connection =
      motcua::store::pg::Connection::Open(url_);
  ASSERT_TRUE(connection.ok()) << connection.status();
  ASSERT_TRUE(connection
                  ->Execute("UPDATE dossiers SET current_unit = "
                            "'somewhere-else' WHERE code = 'DEMO-0000002'")
                  .ok());
  const Result differs = RunMotcua({"audit", "replay", "--postgres", url_});
  EXPECT_EQ(differs.exit_code, 4) << differs;
  EXPECT_TRUE(Contains(differs.out, "DEMO-0000002")) << differs;
}

// The line `head: event N, hash H` that `audit verify` prints.
std::string HeadLine(const Result& verify) {
  for (const std::string& line : verify.OutLines()) {
    if (absl::StartsWith(line, "head: ")) return line;
  }
  return "";
}

TEST(StoreCopyCliTest, SqliteToPostgresAndBackKeepsTheLogAndProjections) {
  TempDir directory;
  const std::string original = (directory.path() / "original.db").string();
  const std::string back = (directory.path() / "back.db").string();
  const Result seeded =
      RunMotcua({"demo", "seed", "--db", original, "--dossiers", "80"});
  ASSERT_EQ(seeded.exit_code, 0) << seeded;
  absl::StatusOr<std::string> url = motcua::test_support::PostgresDatabase(
      (directory.path() / "copy").string());
  ASSERT_TRUE(url.ok()) << url.status();

  const Result there =
      RunMotcua({"store", "copy", "--from", original, "--to", *url});
  ASSERT_EQ(there.exit_code, 0) << there;
  EXPECT_TRUE(Contains(there.out, "the copy verifies")) << there;
  const Result again = RunMotcua(
      {"store", "copy", "--from", back, "--to", *url});  // no such file
  EXPECT_EQ(again.exit_code, 2) << again;
  const Result into_full =
      RunMotcua({"store", "copy", "--from", original, "--to", *url});
  EXPECT_EQ(into_full.exit_code, 2) << into_full;
  EXPECT_TRUE(Contains(into_full.err, "already holds events")) << into_full;

  const Result home =
      RunMotcua({"store", "copy", "--from", *url, "--to", back});
  ASSERT_EQ(home.exit_code, 0) << home;

  // The same log, to the last hash, on all three.
  const Result verify_original =
      RunMotcua({"audit", "verify", "--db", original});
  const Result verify_postgres =
      RunMotcua({"audit", "verify", "--postgres", *url});
  const Result verify_back = RunMotcua({"audit", "verify", "--db", back});
  for (const Result* verify :
       {&verify_original, &verify_postgres, &verify_back}) {
    EXPECT_EQ(verify->exit_code, 0) << *verify;
  }
  ASSERT_FALSE(HeadLine(verify_original).empty()) << verify_original;
  EXPECT_EQ(HeadLine(verify_postgres), HeadLine(verify_original));
  EXPECT_EQ(HeadLine(verify_back), HeadLine(verify_original));
  EXPECT_EQ(verify_back.out, verify_original.out);
  // Every projection equals what the log rebuilds, on each.
  for (const std::vector<std::string>& replay :
       {std::vector<std::string>{"audit", "replay", "--postgres", *url},
        std::vector<std::string>{"audit", "replay", "--db", back}}) {
    const Result replayed = RunMotcua(replay);
    EXPECT_EQ(replayed.exit_code, 0) << replayed;
    EXPECT_TRUE(Contains(replayed.out, "replay identical")) << replayed;
  }
  // And the file that came back holds the same rows as the original.
  const Result events_original =
      RunMotcua({"audit", "events", "--db", original, "--dossier",
                 "DEMO-0000003", "--json"});
  const Result events_back = RunMotcua(
      {"audit", "events", "--db", back, "--dossier", "DEMO-0000003", "--json"});
  EXPECT_EQ(events_back.out, events_original.out);
}

TEST_F(PostgresAuditCliTest, OneDatabaseAtATime) {
  const Result both =
      RunMotcua({"audit", "verify", "--postgres", url_, "--db", "motcua.db"});
  EXPECT_EQ(both.exit_code, 2) << both;
  const Result none = RunMotcua({"audit", "verify"});
  EXPECT_EQ(none.exit_code, 2) << none;
  EXPECT_TRUE(Contains(none.err, "--db FILE or --postgres URL")) << none;
}

}  // namespace
