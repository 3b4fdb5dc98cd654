// motcuad under systemd's service manager protocol (Type=notify): what it
// sends on NOTIFY_SOCKET, read by the test from a datagram socket of its
// own, while the real daemon runs as a subprocess.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/cli/subprocess.h"

namespace motcua_test {
namespace {

// A bound AF_UNIX datagram socket, as systemd's NOTIFY_SOCKET.
class NotifySocket {
 public:
  explicit NotifySocket(const fs::path& path) : path_(path.string()) {
    descriptor_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path_.copy(address.sun_path, sizeof(address.sun_path) - 1);
    bound_ = bind(descriptor_, reinterpret_cast<sockaddr*>(&address),
                  sizeof(address)) == 0;
    timeval timeout{};
    timeout.tv_usec = 100'000;
    setsockopt(descriptor_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }
  ~NotifySocket() { close(descriptor_); }

  bool bound() const { return bound_; }
  const std::string& path() const { return path_; }

  // The next message that contains `wanted`, skipping others; empty after
  // 20 s without one.
  std::string WaitFor(const std::string& wanted) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      char buffer[4096];
      const ssize_t got = recv(descriptor_, buffer, sizeof(buffer), 0);
      if (got <= 0) continue;
      const std::string message(buffer, got);
      received_.push_back(message);
      if (absl::StrContains(message, wanted)) return message;
    }
    return "";
  }
  const std::vector<std::string>& received() const { return received_; }

 private:
  std::string path_;
  int descriptor_ = -1;
  bool bound_ = false;
  std::vector<std::string> received_;
};

TEST(MotcuadSystemdTest, SaysReadyOnceServingPingsTheWatchdogAndStops) {
  TempDir directory;
  NotifySocket notify(directory.path() / "notify");
  ASSERT_TRUE(notify.bound());
  BackgroundProcess daemon(
      BinaryDir() + "/services/server/motcuad",
      {"--listen", "127.0.0.1:0", "--data-dir",
       (directory.path() / "data").string(), "--rules", SourceDir() + "/rules"},
      directory.path().string(),
      {{"NOTIFY_SOCKET", notify.path()},
       // A watchdog of 400 ms: motcuad pings every 200 ms.
       {"WATCHDOG_USEC", "400000"},
       {"WATCHDOG_PID", std::nullopt}});
  ASSERT_TRUE(daemon.started());

  EXPECT_EQ(notify.WaitFor("READY=1"), "READY=1") << daemon.err();
  // Ready means serving: the port is printed before.
  EXPECT_TRUE(Contains(daemon.out(), "listening on port ")) << daemon.out();
  EXPECT_EQ(notify.WaitFor("WATCHDOG=1"), "WATCHDOG=1");
  EXPECT_EQ(notify.WaitFor("WATCHDOG=1"), "WATCHDOG=1");

  kill(daemon.pid(), SIGHUP);
  EXPECT_EQ(notify.WaitFor("RELOADING=1"), "RELOADING=1");
  EXPECT_EQ(notify.WaitFor("READY=1"), "READY=1");

  kill(daemon.pid(), SIGTERM);
  EXPECT_EQ(notify.WaitFor("STOPPING=1"), "STOPPING=1");
  EXPECT_EQ(daemon.Wait(), 0) << daemon.err();
}

TEST(MotcuadSystemdTest, OutsideSystemdSendsNothingAndServes) {
  TempDir directory;
  BackgroundProcess daemon(
      BinaryDir() + "/services/server/motcuad",
      {"--listen", "127.0.0.1:0", "--data-dir",
       (directory.path() / "data").string(), "--rules", SourceDir() + "/rules"},
      directory.path().string(),
      {{"NOTIFY_SOCKET", std::nullopt}, {"WATCHDOG_USEC", std::nullopt}});
  ASSERT_TRUE(daemon.WaitForOutput([](const std::string& out) {
    return Contains(out, "listening on port ");
  })) << daemon.err();
  EXPECT_EQ(daemon.Stop(SIGTERM), 0) << daemon.err();
}

}  // namespace
}  // namespace motcua_test
