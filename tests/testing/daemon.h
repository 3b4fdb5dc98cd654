#ifndef MOTCUA_TESTS_TESTING_DAEMON_H_
#define MOTCUA_TESTS_TESTING_DAEMON_H_

// A real motcuad process for the tests about processes (signals, restarts,
// several servers on one database) and the failover benchmark: started
// from the build's binary ($MOTCUA_BINARY_DIR/services/server/motcuad, or
// the path given) with the given arguments, its port read from its first
// line of output, stopped (SIGKILL if need be) when destroyed.

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace motcua::test_support {

inline std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

class Daemon {
 public:
  // Starts motcuad with `arguments` and waits (up to 30 s, for a slow
  // machine) for its "listening on port N". Its standard output and error
  // go to files in `directory` named after `name` and the start's number.
  // A process that exits at start leaves port() 0 (its errors() say why).
  Daemon(const std::vector<std::string>& arguments,
         const std::filesystem::path& directory,
         const std::string& name = "motcuad", std::string binary = "") {
    const int start = ++started_;
    stdout_path_ = directory / absl::StrCat(name, "-", start, ".out");
    stderr_path_ = directory / absl::StrCat(name, "-", start, ".err");
    if (binary.empty()) {
      binary = absl::StrCat(std::getenv("MOTCUA_BINARY_DIR"),
                            "/services/server/motcuad");
    }
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const std::string& argument : arguments) {
      argv.push_back(const_cast<char*>(argument.c_str()));
    }
    argv.push_back(nullptr);
    // An output file left by an earlier run must not be read for this one.
    std::filesystem::remove(stdout_path_);
    pid_ = fork();
    if (pid_ == 0) {
      const int out =
          open(stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int err =
          open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(out, STDOUT_FILENO);
      dup2(err, STDERR_FILENO);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    for (int i = 0; i < 3000 && port_ == 0; ++i) {
      const std::string out = ReadWholeFile(stdout_path_);
      const size_t at = out.find("listening on port ");
      const size_t end = out.find('\n', at);
      if (at != std::string::npos && end != std::string::npos &&
          !absl::SimpleAtoi(out.substr(at + 18, end - at - 18), &port_)) {
        port_ = 0;
      }
      if (port_ == 0) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }
  ~Daemon() {
    if (pid_ > 0) {
      kill(pid_, SIGCONT);  // a paused one too
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  // What it wrote to standard error so far (its log).
  std::string errors() const { return ReadWholeFile(stderr_path_); }

  void Signal(int signal) { kill(pid_, signal); }
  // Waits for it to exit: its exit code, or 128 + the signal that ended it.
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  // SIGTERM, then the exit code.
  int Stop() {
    Signal(SIGTERM);
    return Wait();
  }
  // SIGKILL, reaped.
  void Kill() {
    Signal(SIGKILL);
    Wait();
  }

 private:
  // Each start has its own output files: the port read is this start's.
  static inline int started_ = 0;
  std::filesystem::path stdout_path_;
  std::filesystem::path stderr_path_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace motcua::test_support

#endif  // MOTCUA_TESTS_TESTING_DAEMON_H_
