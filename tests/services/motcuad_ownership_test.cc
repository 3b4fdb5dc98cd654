// What a motcuad owns, as an operator sees it when two are started by
// mistake: its port, its data directory, the modes of its files, its TLS
// pair, and what it says when the disk under its database is full. Real
// motcuad processes; the full disk is a real small file system (tmpfs) in a
// mount namespace of the server's own.
#include <arpa/inet.h>
#include <fcntl.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "motcua/v1/service.grpc.pb.h"
#include "tests/cli/subprocess.h"
#include "tests/testing/http_get.h"

namespace motcua {
namespace {

namespace fs = std::filesystem;
using motcua_test::BackgroundProcess;
using motcua_test::BinaryDir;
using motcua_test::Contains;
using motcua_test::ReadFile;
using motcua_test::Result;
using motcua_test::SourceDir;
using motcua_test::TempDir;

std::string Daemon() { return BinaryDir() + "/services/server/motcuad"; }

// The number after `prefix` in `text`, or 0.
int NumberAfter(const std::string& text, const std::string& prefix) {
  const size_t at = text.find(prefix);
  if (at == std::string::npos) return 0;
  size_t end = at + prefix.size();
  while (end < text.size() &&
         std::isdigit(static_cast<unsigned char>(text[end]))) {
    ++end;
  }
  int number = 0;
  if (!absl::SimpleAtoi(
          text.substr(at + prefix.size(), end - at - prefix.size()), &number)) {
    return 0;
  }
  return number;
}

int ListeningPort(const std::string& out) {
  return NumberAfter(out, "listening on port ");
}

// The development token motcuad prints at start.
std::string PrintedToken(const std::string& out) {
  const std::string prefix = "export MOTCUA_TOKEN=";
  const size_t at = out.find(prefix);
  if (at == std::string::npos) return "";
  const size_t end = out.find('\n', at);
  return out.substr(at + prefix.size(), end - at - prefix.size());
}

// Waits for `daemon` to listen; false when it ended first or took too long.
bool WaitListening(BackgroundProcess& daemon) {
  return daemon.WaitForOutput(
      [](const std::string& out) { return ListeningPort(out) > 0; });
}

using test_support::HttpGet;

// grpc.health.v1.Health/Check for `service`: 1 SERVING, 2 NOT_SERVING, or
// -1 when the call failed. The request and the reply are encoded by hand:
// field 1 (the service name; the status).
int HealthStatus(const std::shared_ptr<grpc::Channel>& channel,
                 const std::string& service) {
  grpc::GenericStub generic(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  const std::string encoded =
      absl::StrCat(std::string(1, '\x0a'),
                   std::string(1, static_cast<char>(service.size())), service);
  grpc::Slice slice(encoded);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  absl::Notification done;
  grpc::Status status;
  generic.UnaryCall(&context, "/grpc.health.v1.Health/Check",
                    grpc::StubOptions(), &request, &response,
                    [&](grpc::Status result) {
                      status = result;
                      done.Notify();
                    });
  done.WaitForNotification();
  if (!status.ok()) return -1;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return -1;
  std::string bytes;
  for (const grpc::Slice& part : slices) {
    bytes.append(reinterpret_cast<const char*>(part.begin()), part.size());
  }
  return bytes.size() == 2 && bytes[0] == '\x08' ? bytes[1] : -1;
}

v1::SubmitRequest Submission(const std::string& code) {
  v1::SubmitRequest request;
  request.set_dossier_code(code);
  request.set_procedure_code("local.doanh-nghiep");
  request.set_agency("so-ke-hoach-dau-tu");
  request.set_channel(v1::CHANNEL_IN_PERSON);
  *request.mutable_received_at() =
      google::protobuf::util::TimeUtil::GetCurrentTime();
  return request;
}

grpc::Status Submit(v1::Dossiers::Stub& dossiers, const std::string& token,
                    const std::string& code) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(20));
  v1::CommandReply reply;
  return dossiers.Submit(&context, Submission(code), &reply);
}

class MotcuadOwnershipTest : public ::testing::Test {
 protected:
  // Writes `name` (a configuration file) in the test's directory: its path.
  std::string Config(const std::string& name, const std::string& listen,
                     const std::string& data_dir,
                     const std::string& more = "") {
    directory_.Write(name, absl::StrCat("listen: ", listen,
                                        "\n"
                                        "data_dir: ",
                                        data_dir,
                                        "\n"
                                        "rules_dir: ",
                                        SourceDir(), "/rules\n", more));
    return (directory_.path() / name).string();
  }
  std::string dir() const { return directory_.path().string(); }

  TempDir directory_;
};

// Waits until `second` has either listened (it should not have: then it is
// killed, and the exit code is -1) or ended: its exit code.
int ExitCodeOfRefusedStart(BackgroundProcess& second) {
  if (second.WaitForOutput([](const std::string& out) {
        return Contains(out, "listening on port");
      })) {
    second.Stop(SIGKILL);
    return -1;
  }
  return second.Wait();
}

TEST_F(MotcuadOwnershipTest, ASecondServerOnAPortInUseExitsNamingTheAddress) {
  BackgroundProcess first(
      Daemon(), {"--config", Config("a.yaml", "127.0.0.1:0", "a")}, dir());
  ASSERT_TRUE(WaitListening(first)) << first.err();
  const int port = ListeningPort(first.out());
  const std::string address = absl::StrCat("127.0.0.1:", port);

  BackgroundProcess second(Daemon(),
                           {"--config", Config("b.yaml", address, "b")}, dir());
  EXPECT_EQ(ExitCodeOfRefusedStart(second), 1)
      << "two servers share " << address << ": " << second.err();
  EXPECT_TRUE(Contains(second.err(), absl::StrCat("cannot serve on ", address,
                                                  ": the address is in use")))
      << second.err();

  // The first one still owns the port and answers.
  auto channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  EXPECT_EQ(HealthStatus(channel, ""), 1);
  EXPECT_EQ(first.Stop(SIGTERM), 0) << first.err();
}

TEST_F(MotcuadOwnershipTest,
       ASecondServerOnADataDirectoryInUseNamesTheHolderAndWritesNothing) {
  const std::string config_a = Config("a.yaml", "127.0.0.1:0", "data");
  auto first = std::make_unique<BackgroundProcess>(
      Daemon(), std::vector<std::string>{"--config", config_a}, dir());
  ASSERT_TRUE(WaitListening(*first)) << first->err();
  const fs::path data = directory_.path() / "data";
  const std::string token = ReadFile(data / "dev-token");
  const fs::file_time_type token_written =
      fs::last_write_time(data / "dev-token");
  EXPECT_EQ(ReadFile(data / "motcuad.lock"), absl::StrCat(first->pid(), "\n"));

  BackgroundProcess second(
      Daemon(), {"--config", Config("b.yaml", "127.0.0.1:0", "data")}, dir());
  EXPECT_EQ(ExitCodeOfRefusedStart(second), 1)
      << "two servers share " << data << ": " << second.err();
  EXPECT_TRUE(
      Contains(second.err(), absl::StrCat("data_dir: ", data.string(),
                                          " is in use by another motcuad")))
      << second.err();
  EXPECT_TRUE(Contains(second.err(), absl::StrCat("pid ", first->pid())))
      << second.err();
  // The first server's token, and its file, are as they were.
  EXPECT_EQ(ReadFile(data / "dev-token"), token);
  EXPECT_EQ(fs::last_write_time(data / "dev-token"), token_written);
  EXPECT_EQ(ReadFile(data / "motcuad.lock"), absl::StrCat(first->pid(), "\n"));

  // A server killed outright leaves its lock file, not its lock.
  EXPECT_EQ(first->Stop(SIGKILL), 128 + SIGKILL);
  first.reset();
  BackgroundProcess third(Daemon(), {"--config", config_a}, dir());
  ASSERT_TRUE(WaitListening(third)) << third.err();
  EXPECT_EQ(ReadFile(data / "motcuad.lock"), absl::StrCat(third.pid(), "\n"));
  EXPECT_EQ(third.Stop(SIGTERM), 0) << third.err();
}

TEST_F(MotcuadOwnershipTest, ItsFilesAreItsOwnersAloneAndAuditReadsThemLive) {
  // The usual umask: without care, files are made readable by everyone.
  const mode_t previous = umask(022);
  BackgroundProcess daemon(
      Daemon(), {"--config", Config("a.yaml", "127.0.0.1:0", "data")}, dir());
  umask(previous);
  ASSERT_TRUE(WaitListening(daemon)) << daemon.err();
  auto channel = grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", ListeningPort(daemon.out())),
      grpc::InsecureChannelCredentials());
  auto dossiers = v1::Dossiers::NewStub(channel);
  const grpc::Status submitted =
      Submit(*dossiers, PrintedToken(daemon.out()), "MODE-1");
  ASSERT_TRUE(submitted.ok()) << submitted.error_message();

  const fs::path data = directory_.path() / "data";
  auto mode = [](const fs::path& path) {
    struct stat status {};
    if (stat(path.c_str(), &status) != 0) return -1;
    return static_cast<int>(status.st_mode & 0777);
  };
  EXPECT_EQ(mode(data), 0700);
  for (const std::string name : {"motcua.db", "motcua.db-wal", "motcua.db-shm",
                                 "dev-token", "motcuad.lock"}) {
    EXPECT_EQ(mode(data / name), 0600) << name;
  }

  // The offline audit reads the live database, and changes nothing.
  const Result verified = motcua_test::RunMotcua(
      {"audit", "verify", "--db", (data / "motcua.db").string()}, dir());
  EXPECT_EQ(verified.exit_code, 0) << verified;
  EXPECT_TRUE(Contains(verified.out, "intact")) << verified;
  const grpc::Status again =
      Submit(*dossiers, PrintedToken(daemon.out()), "MODE-2");
  EXPECT_TRUE(again.ok()) << again.error_message();
  EXPECT_EQ(daemon.Stop(SIGTERM), 0) << daemon.err();
}

TEST_F(MotcuadOwnershipTest, AKeyThatIsNotTheCertificatesIsNamed) {
  const std::string openssl = "/usr/bin/openssl";
  ASSERT_TRUE(fs::exists(openssl)) << "the TLS tests need " << openssl;
  for (const std::string name : {"one", "two"}) {
    const Result made =
        motcua_test::Run(openssl,
                         {"req", "-x509", "-newkey", "rsa:2048", "-nodes",
                          "-keyout", name + ".key", "-out", name + ".pem",
                          "-days", "2", "-subj", "/CN=motcua " + name},
                         dir());
    ASSERT_EQ(made.exit_code, 0) << made;
  }
  const Result started = motcua_test::Run(
      Daemon(),
      {"--config", Config("tls.yaml", "127.0.0.1:0", "data",
                          "tls:\n  cert_file: one.pem\n  key_file: two.key\n")},
      dir());
  EXPECT_EQ(started.exit_code, 1) << started;
  EXPECT_TRUE(Contains(started.err,
                       absl::StrCat("tls.key_file: ", dir(),
                                    "/two.key is not the private key of the "
                                    "certificate in tls.cert_file ",
                                    dir(), "/one.pem")))
      << started;
  EXPECT_FALSE(Contains(started.err, "in use")) << started;

  // The matching pair serves.
  BackgroundProcess daemon(
      Daemon(),
      {"--config", Config("good.yaml", "127.0.0.1:0", "data",
                          "tls:\n  cert_file: two.pem\n  key_file: two.key\n")},
      dir());
  ASSERT_TRUE(WaitListening(daemon)) << daemon.err();
  EXPECT_EQ(daemon.Stop(SIGTERM), 0) << daemon.err();
}

// Starts `Daemon() args...` in `working_directory` with a tmpfs of `size`
// mounted on `mount_point`, visible to it alone: the child enters a mount
// namespace of its own (and, when not root, a user namespace that gives it
// the right to mount there). Output goes to the two files. Its pid.
pid_t SpawnOnSmallDisk(const std::vector<std::string>& args,
                       const std::string& working_directory,
                       const std::string& mount_point, const std::string& size,
                       const fs::path& out_path, const fs::path& err_path) {
  const std::string binary = Daemon();
  std::vector<std::string> argv_strings = {binary};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const uid_t uid = geteuid();
  const gid_t gid = getegid();
  const pid_t pid = fork();
  if (pid != 0) return pid;
  const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(out, STDOUT_FILENO);
  dup2(err, STDERR_FILENO);
  auto fail = [](const char* what) {
    dprintf(STDERR_FILENO, "test setup: %s: %s\n", what, std::strerror(errno));
    _exit(125);
  };
  auto write_file = [&](const std::string& path, const std::string& text) {
    const int descriptor = open(path.c_str(), O_WRONLY);
    if (descriptor < 0 || write(descriptor, text.data(), text.size()) !=
                              static_cast<ssize_t>(text.size())) {
      fail(path.c_str());
    }
    close(descriptor);
  };
  if (uid == 0) {
    if (unshare(CLONE_NEWNS) != 0) fail("unshare(CLONE_NEWNS)");
  } else {
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
      fail("unshare(CLONE_NEWUSER | CLONE_NEWNS)");
    }
    write_file("/proc/self/setgroups", "deny");
    write_file("/proc/self/uid_map", absl::StrCat(uid, " ", uid, " 1"));
    write_file("/proc/self/gid_map", absl::StrCat(gid, " ", gid, " 1"));
  }
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    fail("making mounts private");
  }
  const std::string options = absl::StrCat("size=", size, ",mode=0700");
  if (mount("tmpfs", mount_point.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
            options.c_str()) != 0) {
    fail("mounting a tmpfs");
  }
  if (chdir(working_directory.c_str()) != 0) fail("chdir");
  execv(binary.c_str(), argv.data());
  fail("exec");
  return -1;
}

// Fills the file system that holds `path` by writing it until no room is
// left: the number of bytes written.
int64_t FillWith(const fs::path& path) {
  const int descriptor = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (descriptor < 0) return -1;
  const std::string chunk(64 * 1024, 'x');
  int64_t written = 0;
  while (true) {
    const ssize_t result = write(descriptor, chunk.data(), chunk.size());
    if (result <= 0) break;
    written += result;
  }
  close(descriptor);
  return written;
}

TEST_F(MotcuadOwnershipTest,
       AFullDiskIsLoggedCountedAndReportedUntilWritesSucceed) {
  const fs::path data = directory_.path() / "data";
  fs::create_directories(data);
  const std::string config =
      Config("full.yaml", "127.0.0.1:0", "data",
             "metrics_listen: 127.0.0.1:0\nlog_level: info\n");
  TempDir output;
  const fs::path out_path = output.path() / "stdout";
  const fs::path err_path = output.path() / "stderr";
  const pid_t pid = SpawnOnSmallDisk({"--config", config}, dir(), data.string(),
                                     "4m", out_path, err_path);
  ASSERT_GT(pid, 0);
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      if (pid <= 0) return;
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  } reaper{pid};
  int port = 0;
  int metrics_port = 0;
  for (int i = 0; i < 2000 && (port == 0 || metrics_port == 0); ++i) {
    port = ListeningPort(ReadFile(out_path));
    metrics_port = NumberAfter(ReadFile(err_path), "metrics on port ");
    if (waitpid(pid, nullptr, WNOHANG) == pid) {
      reaper.pid = -1;
      FAIL() << "motcuad ended at start: " << ReadFile(err_path);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(port, 0) << ReadFile(err_path);
  ASSERT_GT(metrics_port, 0) << ReadFile(err_path);
  const std::string token = PrintedToken(ReadFile(out_path));
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                     grpc::InsecureChannelCredentials());
  auto dossiers = v1::Dossiers::NewStub(channel);
  ASSERT_TRUE(Submit(*dossiers, token, "ROOM-1").ok());
  EXPECT_EQ(HealthStatus(channel, "motcua.v1.Dossiers"), 1);

  // The server's data directory as the server sees it: its own tmpfs.
  const fs::path inside =
      fs::path(absl::StrCat("/proc/", pid, "/root")) / data.relative_path();
  ASSERT_TRUE(fs::exists(inside / "motcua.db")) << inside;
  ASSERT_GT(FillWith(inside / "ballast"), 0);

  int refused = 0;
  for (int i = 0; i < 3; ++i) {
    const grpc::Status status =
        Submit(*dossiers, token, absl::StrCat("FULL-", i));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << status.error_message();
    EXPECT_TRUE(Contains(status.error_message(), "full"))
        << status.error_message();
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) ++refused;
  }
  // Said once in the log (at most one line per 10 s), counted each time,
  // and reported by both health checks; reads go on.
  const std::string log = ReadFile(err_path);
  EXPECT_TRUE(Contains(log, "writes failing: the disk is full")) << log;
  EXPECT_EQ(log.find("writes failing"), log.rfind("writes failing")) << log;
  EXPECT_TRUE(Contains(HttpGet(metrics_port, "/metrics"),
                       absl::StrCat("motcua_store_write_failures_total{reason="
                                    "\"disk_full\"} ",
                                    refused, "\n")));
  EXPECT_TRUE(
      Contains(HttpGet(metrics_port, "/metrics"), "motcua_store_writable 0\n"));
  EXPECT_EQ(HealthStatus(channel, "motcua.v1.Dossiers"), 2);
  const std::string unhealthy = HttpGet(metrics_port, "/healthz");
  EXPECT_TRUE(Contains(unhealthy, "503")) << unhealthy;
  EXPECT_TRUE(Contains(unhealthy, "NOT_SERVING: writes failing since"))
      << unhealthy;
  EXPECT_TRUE(Contains(unhealthy, "the disk is full")) << unhealthy;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    v1::GetRequest get;
    get.set_dossier_code("ROOM-1");
    v1::Dossier dossier;
    EXPECT_TRUE(dossiers->Get(&context, get, &dossier).ok());
  }

  // Room again: the next command is recorded and everything says so.
  fs::remove(inside / "ballast");
  const grpc::Status recovered = Submit(*dossiers, token, "ROOM-2");
  EXPECT_TRUE(recovered.ok()) << recovered.error_message();
  EXPECT_EQ(HealthStatus(channel, "motcua.v1.Dossiers"), 1);
  EXPECT_TRUE(Contains(HttpGet(metrics_port, "/healthz"), "200 OK"));
  EXPECT_TRUE(
      Contains(HttpGet(metrics_port, "/metrics"), "motcua_store_writable 1\n"));
  EXPECT_TRUE(Contains(ReadFile(err_path), "writes succeed again"))
      << ReadFile(err_path);

  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  reaper.pid = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << ReadFile(err_path);
}

}  // namespace
}  // namespace motcua
