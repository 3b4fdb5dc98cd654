// Tests of the WAL write-gathering VFS (store/wal_vfs.cc) on real files:
// whatever the buffer does, a reader on another connection and a copy of
// the files taken right after a COMMIT (what a crash would leave) see every
// committed transaction, through checkpoints and WAL restarts.
#include "store/wal_vfs.h"

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "store/sqlite.h"
#include "tests/store/store_test_support.h"

namespace motcua::store {
namespace {

using ::motcua::store::testing::TempDir;

// Rows of `size` bytes, so that a transaction spans from one page to many
// buffers' worth (the buffer holds 124 KiB).
std::string Payload(int transaction, int row, int size) {
  std::string payload(size, '\0');
  uint32_t state = static_cast<uint32_t>(transaction * 7919 + row * 104729);
  for (char& byte : payload) {
    state = state * 1664525u + 1013904223u;
    byte = static_cast<char>(state >> 24);
  }
  return payload;
}

// What a connection sees of the rows whose transaction number lies in
// [from, to]: their number and an FNV-1a hash of their payloads in order.
struct Seen {
  int64_t rows = 0;
  uint64_t hash = 14695981039346656037ull;

  void Add(absl::string_view payload) {
    ++rows;
    for (unsigned char byte : payload) hash = (hash ^ byte) * 1099511628211ull;
  }
  friend bool operator==(const Seen&, const Seen&) = default;
};

Seen Read(Database& database, int from, int to) {
  Seen seen;
  absl::StatusOr<Statement> query = database.Prepare(
      "SELECT payload FROM rows WHERE tx BETWEEN ?1 AND ?2 ORDER BY id");
  EXPECT_TRUE(query.ok()) << query.status();
  if (!query.ok()) return seen;
  query->BindInt(1, from).BindInt(2, to);
  absl::Status status = query->ForEachRow([&] {
    seen.Add(query->ColumnBlob(0));
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  return seen;
}

// What a crash right after a commit would leave: the database and its WAL
// copied while the connections stay open, opened and read back.
Seen ReadCopy(const TempDir& directory, const std::string& path,
              const std::string& name, int from, int to) {
  const std::string copy = directory.File(name);
  std::filesystem::create_directory(copy);
  for (const char* suffix : {"", "-wal"}) {
    std::filesystem::copy_file(path + suffix, copy + "/wal.db" + suffix);
  }
  absl::StatusOr<Database> copied =
      Database::Open(copy + "/wal.db", OpenMode::kReadWrite);
  EXPECT_TRUE(copied.ok()) << copied.status();
  if (!copied.ok()) return Seen();
  absl::StatusOr<std::optional<int64_t>> damaged = copied->QueryInt(
      "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> "
      "'ok'");
  EXPECT_TRUE(damaged.ok()) << damaged.status();
  EXPECT_EQ(damaged.ok() ? damaged->value_or(-1) : -1, 0);
  return Read(*copied, from, to);
}

// A new database at `path` in WAL mode with synchronous=NORMAL, as the
// store's writer runs, holding the table `rows`; then `more` SQL.
absl::StatusOr<Database> OpenRows(const std::string& path,
                                  const std::string& more) {
  absl::StatusOr<Database> database =
      Database::Open(path, OpenMode::kReadWriteCreate);
  if (!database.ok()) return database.status();
  if (absl::Status status = database->Execute(absl::StrCat(
          "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
          "CREATE TABLE rows (id INTEGER PRIMARY KEY, tx INTEGER NOT NULL, "
          "payload BLOB NOT NULL); ",
          more));
      !status.ok()) {
    return status;
  }
  return database;
}

TEST(WalVfsTest, IsRegistered) {
  const char* name = WalCoalescingVfs();
  ASSERT_NE(name, nullptr);
  EXPECT_NE(sqlite3_vfs_find(name), nullptr);
  EXPECT_NE(sqlite3_vfs_find(nullptr), sqlite3_vfs_find(name))
      << "the shim must not replace the default VFS";
}

TEST(WalVfsTest, EveryCommitIsInTheFilesWhenCommitReturns) {
  TempDir directory;
  const std::string path = directory.File("wal.db");
  // Small checkpoints so that the run goes through many of them and through
  // WAL restarts, as the store's writer does at its own scale.
  absl::StatusOr<Database> writer = OpenRows(
      path,
      "PRAGMA wal_autocheckpoint = 64; CREATE INDEX rows_by_tx ON rows "
      "(tx, id);");
  ASSERT_TRUE(writer.ok()) << writer.status();
  absl::StatusOr<Database> reader = Database::Open(path, OpenMode::kReadOnly);
  ASSERT_TRUE(reader.ok()) << reader.status();
  absl::StatusOr<Statement> insert =
      writer->Prepare("INSERT INTO rows (tx, payload) VALUES (?1, ?2)");
  ASSERT_TRUE(insert.ok()) << insert.status();

  std::vector<Seen> expected(1);  // expected[t]: transactions 1..t
  constexpr int kTransactions = 240;
  for (int transaction = 1; transaction <= kTransactions; ++transaction) {
    // 1 to 48 rows of 300 B to 9 KiB: from one page to several buffers.
    const int rows = 1 + transaction % 48;
    const int size = 300 + (transaction * 977) % 9000;
    Seen all = expected.back();
    Seen this_one;
    ASSERT_TRUE(writer->Execute("BEGIN IMMEDIATE").ok());
    for (int row = 0; row < rows; ++row) {
      const std::string payload = Payload(transaction, row, size);
      insert->BindInt(1, transaction).BindBlob(2, payload);
      ASSERT_TRUE(insert->Run().ok());
      all.Add(payload);
      this_one.Add(payload);
    }
    if (transaction % 5 == 0) {
      // Some transactions also rewrite earlier rows: pages written again.
      ASSERT_TRUE(
          writer
              ->Execute(absl::StrCat("UPDATE rows SET tx = tx WHERE tx = ",
                                     transaction - 3))
              .ok());
    }
    ASSERT_TRUE(writer->Execute("COMMIT").ok());
    expected.push_back(all);

    // Another connection reads the frames SQLite has just published.
    ASSERT_EQ(Read(*reader, transaction, transaction), this_one)
        << "transaction " << transaction;

    if (transaction % 40 == 0) {
      EXPECT_EQ(ReadCopy(directory, path, absl::StrCat("copy-", transaction), 1,
                         transaction),
                all)
          << "copy after transaction " << transaction;
    }
  }
  absl::StatusOr<std::optional<int64_t>> checkpointed =
      writer->QueryInt("PRAGMA wal_checkpoint(TRUNCATE)");
  ASSERT_TRUE(checkpointed.ok()) << checkpointed.status();
  EXPECT_EQ(checkpointed->value_or(-1), 0) << "the checkpoint was blocked";
  EXPECT_EQ(Read(*reader, 1, kTransactions), expected.back());
}

TEST(WalVfsTest, ACommitAfterACacheSpillIsWhole) {
  // With a tiny page cache, one transaction spills pages into the WAL,
  // writes some of them again in place, and at its commit SQLite rewrites
  // the headers of its frames (the commit frame's among them) without a
  // page after: those must reach the file before the commit is published.
  TempDir directory;
  const std::string path = directory.File("wal.db");
  absl::StatusOr<Database> writer = OpenRows(path, "PRAGMA cache_size = 20;");
  ASSERT_TRUE(writer.ok()) << writer.status();
  absl::StatusOr<Statement> insert =
      writer->Prepare("INSERT INTO rows (tx, payload) VALUES (1, ?1)");
  ASSERT_TRUE(insert.ok()) << insert.status();
  Seen expected;
  for (int transaction = 1; transaction <= 2; ++transaction) {
    ASSERT_TRUE(writer->Execute("BEGIN IMMEDIATE").ok());
    for (int row = 0; row < 2000; ++row) {
      const std::string payload = Payload(transaction, row, 200);
      insert->BindBlob(1, payload);
      ASSERT_TRUE(insert->Run().ok());
      expected.Add(payload);
    }
    ASSERT_TRUE(
        writer->Execute("UPDATE rows SET tx = 2 WHERE id % 40 = 0").ok());
    ASSERT_TRUE(writer->Execute("COMMIT").ok());
    EXPECT_EQ(
        ReadCopy(directory, path, absl::StrCat("copy-", transaction), 1, 2),
        expected)
        << "copy after transaction " << transaction;
  }
}

}  // namespace
}  // namespace motcua::store
