// `motcua demo seed` and `motcua audit verify|replay|events` with
// --postgres: the real binary against a database of its own on the private
// cluster of the ctest fixture `postgres`.
#include <string>

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

TEST_F(PostgresAuditCliTest, OneDatabaseAtATime) {
  const Result both =
      RunMotcua({"audit", "verify", "--postgres", url_, "--db", "motcua.db"});
  EXPECT_EQ(both.exit_code, 2) << both;
  const Result none = RunMotcua({"audit", "verify"});
  EXPECT_EQ(none.exit_code, 2) << none;
  EXPECT_TRUE(Contains(none.err, "--db FILE or --postgres URL")) << none;
}

}  // namespace
