// A crash test of the store: a child process writes a stream of commands and
// reports each acknowledged one on a pipe; the test kills it with SIGKILL in
// mid-stream, reopens the file, and checks that every acknowledged command
// is there, the chain verifies, and a replay equals the live projections.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/audit.h"
#include "store/event_store.h"
#include "tests/store/store_test_support.h"

namespace motcua::store {
namespace {

using ::motcua::store::testing::MondayMorning;
using ::motcua::store::testing::OptionsFor;
using ::motcua::store::testing::Request;
using ::motcua::store::testing::ShippedRules;
using ::motcua::store::testing::Submission;
using ::motcua::store::testing::TempDir;

// Acknowledged lines to wait for before the kill.
constexpr int kAcknowledgedBeforeKill = 3000;

void WriteLine(int fd, const std::string& line) {
  // Lines are far shorter than PIPE_BUF, so each write is atomic: the
  // reader never sees half a line from a killed writer.
  const std::string text = line + "\n";
  ssize_t written = write(fd, text.data(), text.size());
  (void)written;
}

// The child: submits dossier C-i and hands over C-(i-1), forever, and writes
// "code version" for each acknowledged command. Never returns.
[[noreturn]] void WriteUntilKilled(const std::string& path, int fd) {
  FakeClock clock(MondayMorning());
  absl::StatusOr<std::unique_ptr<EventStore>> store =
      EventStore::Open(OptionsFor(path), &clock, ShippedRules());
  if (!store.ok()) {
    WriteLine(fd, absl::StrCat("ERROR ", store.status().ToString()));
    _exit(1);
  }
  auto acknowledge = [fd](CommandOutcome outcome) {
    if (outcome.status.ok() && outcome.dossier.has_value()) {
      WriteLine(fd, absl::StrCat(outcome.dossier->code, " ",
                                 outcome.dossier->version));
    } else {
      WriteLine(fd, absl::StrCat("ERROR ", outcome.status.ToString()));
    }
  };
  auto execute = [&](CommandRequest request) {
    while (true) {
      absl::Status queued = (*store)->Execute(request, acknowledge);
      if (queued.ok()) return;
      // Back-pressure: wait for the writer.
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  for (int i = 0;; ++i) {
    execute(Request(absl::StrCat("C-", i), Submission(clock.Now())));
    if (i > 0) execute(Request(absl::StrCat("C-", i - 1), HandOverAction{}));
  }
}

TEST(StoreCrashTest, EveryAcknowledgedCommandSurvivesSigkill) {
  TempDir directory;
  const std::string path = directory.File("motcua.db");
  // Loaded before fork, so that the child does not read files meanwhile.
  ASSERT_NE(ShippedRules(), nullptr);

  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    WriteUntilKilled(path, pipe_fds[1]);
  }
  close(pipe_fds[1]);

  FILE* acknowledgements = fdopen(pipe_fds[0], "r");
  ASSERT_NE(acknowledgements, nullptr);
  std::map<std::string, int64_t> acknowledged;  // code -> highest version
  int lines = 0;
  bool killed = false;
  char buffer[256];
  while (fgets(buffer, sizeof(buffer), acknowledgements) != nullptr) {
    const std::string line(absl::StripTrailingAsciiWhitespace(buffer));
    ASSERT_FALSE(absl::StartsWith(line, "ERROR")) << line;
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    ASSERT_EQ(parts.size(), 2u) << line;
    int64_t version = 0;
    ASSERT_TRUE(absl::SimpleAtoi(parts[1], &version)) << line;
    acknowledged[parts[0]] = std::max(acknowledged[parts[0]], version);
    if (++lines == kAcknowledgedBeforeKill && !killed) {
      ASSERT_EQ(kill(child, SIGKILL), 0);
      killed = true;
    }
    // After the kill, the loop drains what the child had acknowledged.
  }
  fclose(acknowledgements);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(killed) << "the child stopped before it was killed";
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  ASSERT_GE(lines, kAcknowledgedBeforeKill);

  FakeClock clock(MondayMorning());
  absl::StatusOr<std::unique_ptr<EventStore>> store =
      EventStore::Open(OptionsFor(path), &clock, ShippedRules());
  ASSERT_TRUE(store.ok()) << store.status();
  for (const auto& [code, version] : acknowledged) {
    absl::StatusOr<Dossier> dossier = (*store)->ReadDossier(code);
    ASSERT_TRUE(dossier.ok()) << code << ": " << dossier.status();
    EXPECT_GE(dossier->version, version) << code;
  }
  // The store goes on where the chain ended.
  CommandOutcome next =
      (*store)->ExecuteAndWait(Request("AFTER-CRASH", Submission(clock.Now())));
  ASSERT_TRUE(next.status.ok()) << next.status;
  (*store)->Close();

  absl::StatusOr<VerifyReport> verified = VerifyLog(path);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->ok()) << verified->problem;
  EXPECT_GE(verified->events_checked, lines);
  absl::StatusOr<ReplayReport> replayed =
      ReplayAndCompare(path, directory.File("replay.db"));
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_THAT(replayed->differences, ::testing::IsEmpty());
}

}  // namespace
}  // namespace motcua::store
