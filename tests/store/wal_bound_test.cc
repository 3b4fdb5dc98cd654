// The write-ahead log under sustained writes: its file stays under the
// bound docs/operations.md gives (kWalBoundBytes), however long the load.
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "engine/clock.h"
#include "gtest/gtest.h"
#include "store/event_store.h"
#include "store/sqlite_store.h"
#include "tests/store/store_test_support.h"

namespace motcua::store {
namespace {

using testing::MondayMorning;
using testing::OptionsFor;
using testing::Request;
using testing::ShippedRules;
using testing::Submission;
using testing::TempDir;

int64_t FileSize(const std::string& path) {
  struct stat status {};
  return stat(path.c_str(), &status) == 0 ? status.st_size : 0;
}

TEST(WalBoundTest, TheWalFileStaysUnderItsBoundUnderSustainedWrites) {
  TempDir directory;
  const std::string path = directory.File("motcua.db");
  FakeClock clock(MondayMorning());
  StoreOptions options = OptionsFor(path);
  options.durability = Durability::kNormal;
  absl::StatusOr<std::unique_ptr<EventStore>> store =
      EventStore::Open(options, &clock, ShippedRules());
  ASSERT_TRUE(store.ok()) << store.status();

  // The file's size, watched while the writer works: its peak, not only
  // what is left once the load is over.
  std::atomic<bool> loading{true};
  std::atomic<int64_t> peak{0};
  std::thread watcher([&] {
    const std::string wal = path + "-wal";
    while (loading.load()) {
      peak.store(std::max(peak.load(), FileSize(wal)));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });

  // Waves of commands in flight, so that the writer commits large
  // batches, as under a load of many clients: together they write several
  // times the bound into the log.
  constexpr int kWaves = 40;
  constexpr int kPerWave = 1000;
  std::atomic<int> refused{0};
  for (int wave = 0; wave < kWaves; ++wave) {
    absl::BlockingCounter answered(kPerWave);
    for (int i = 0; i < kPerWave; ++i) {
      const absl::Status queued =
          (*store)->Execute(Request(absl::StrCat("WAL-", wave, "-", i),
                                    Submission(MondayMorning())),
                            [&](CommandOutcome outcome) {
                              if (!outcome.status.ok()) refused.fetch_add(1);
                              answered.DecrementCount();
                            });
      ASSERT_TRUE(queued.ok()) << queued;
    }
    answered.Wait();
  }
  loading = false;
  watcher.join();
  EXPECT_EQ(refused.load(), 0);
  const WriterStats stats = (*store)->Stats();
  EXPECT_EQ(stats.commands, static_cast<uint64_t>(kWaves * kPerWave));
  // The log is far larger than the bound: the WAL was folded back in, not
  // merely never filled.
  EXPECT_GT(FileSize(path), 2 * kWalBoundBytes);
  std::cout << "WAL file peak: " << peak.load()
            << " bytes; database: " << FileSize(path) << " bytes\n";
  EXPECT_GT(peak.load(), 0);
  EXPECT_LE(peak.load(), kWalBoundBytes)
      << "the WAL file reached " << peak.load() << " bytes";
  EXPECT_LE(FileSize(path + "-wal"), kWalBoundBytes);
  (*store)->Close();
}

}  // namespace
}  // namespace motcua::store
