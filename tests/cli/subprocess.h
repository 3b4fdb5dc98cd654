// Helpers of the command-line tests: temporary directories, running a
// binary as a subprocess with its output captured, and a background process
// (motcuad) that is stopped with SIGTERM.
#ifndef MOTCUA_TESTS_CLI_SUBPROCESS_H_
#define MOTCUA_TESTS_CLI_SUBPROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

extern char** environ;

namespace motcua_test {

namespace fs = std::filesystem;

inline std::string SourceDir() {
  const char* dir = std::getenv("MOTCUA_SOURCE_DIR");
  return dir == nullptr ? std::string() : std::string(dir);
}

inline std::string BinaryDir() {
  const char* dir = std::getenv("MOTCUA_BINARY_DIR");
  return dir == nullptr ? std::string() : std::string(dir);
}

// The `motcua` binary of this build.
inline std::string Binary() {
  return BinaryDir().empty() ? std::string()
                             : BinaryDir() + "/services/cli/motcua";
}

// The one temporary directory helper (tests/testing/temp_dir.h).
using TempDir = ::motcua::test_support::TempDir;

inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;

  std::vector<std::string> OutLines() const { return Lines(out); }
  std::vector<std::string> ErrLines() const { return Lines(err); }
};

inline std::ostream& operator<<(std::ostream& os, const Result& result) {
  return os << "exit code " << result.exit_code << "\n--- stdout:\n"
            << result.out << "--- stderr:\n"
            << result.err;
}

inline std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

inline bool Contains(absl::string_view text, absl::string_view part) {
  return text.find(part) != absl::string_view::npos;
}

// Changes to the child's environment: a value sets the variable, nullopt
// removes it.
using Environment = std::map<std::string, std::optional<std::string>>;

// Starts `binary args...` in `working_directory` with stdout and stderr
// written to the two files and `environment` applied. The child's pid, or -1.
inline pid_t Spawn(const std::string& binary,
                   const std::vector<std::string>& args,
                   const std::string& working_directory,
                   const fs::path& out_path, const fs::path& err_path,
                   const Environment& environment = {}) {
  std::vector<std::string> argv_strings = {binary};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_strings;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const absl::string_view text = *entry;
    const std::string name(text.substr(0, text.find('=')));
    if (environment.count(name) == 0) env_strings.emplace_back(text);
  }
  for (const auto& [name, value] : environment) {
    if (value.has_value()) env_strings.push_back(name + "=" + *value);
  }
  std::vector<char*> envp;
  for (std::string& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return -1;
  }
  if (pid == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || err < 0 || dup2(out, STDOUT_FILENO) < 0 ||
        dup2(err, STDERR_FILENO) < 0 || chdir(working_directory.c_str()) != 0) {
      _exit(126);
    }
    close(out);
    close(err);
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

// Waits for `pid`; its exit code, or 128 + the signal that ended it.
inline int WaitForExit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      ADD_FAILURE() << "waitpid failed";
      return -1;
    }
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Runs `binary args...` to its end, capturing stdout, stderr and the exit
// code.
inline Result Run(const std::string& binary,
                  const std::vector<std::string>& args,
                  const std::string& working_directory,
                  const Environment& environment = {}) {
  Result result;
  TempDir capture;
  const fs::path out_path = capture.path() / "stdout";
  const fs::path err_path = capture.path() / "stderr";
  const pid_t pid =
      Spawn(binary, args, working_directory, out_path, err_path, environment);
  if (pid < 0) return result;
  result.exit_code = WaitForExit(pid);
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  EXPECT_NE(result.exit_code, 127) << "cannot run " << binary;
  return result;
}

// Runs `motcua args...` in `working_directory` (the source directory by
// default, so that "rules" names the shipped rules).
inline Result RunMotcua(const std::vector<std::string>& args,
                        const std::string& working_directory = SourceDir(),
                        const Environment& environment = {}) {
  return Run(Binary(), args, working_directory, environment);
}

// A process running in the background with its output going to files in a
// temporary directory. The destructor kills it (SIGKILL) if Stop was not
// called.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::string& binary,
                    const std::vector<std::string>& args,
                    const std::string& working_directory,
                    const Environment& environment = {}) {
    pid_ = Spawn(binary, args, working_directory, out_path(), err_path(),
                 environment);
  }
  ~BackgroundProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      WaitForExit(pid_);
    }
  }
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  bool started() const { return pid_ > 0; }
  // The process id while it runs (-1 once it ended).
  pid_t pid() const { return pid_; }
  std::string out() const { return ReadFile(out_path()); }
  std::string err() const { return ReadFile(err_path()); }

  // Waits until `predicate(stdout so far)` holds; false after `timeout` or
  // when the process ended first.
  template <class Predicate>
  bool WaitForOutput(Predicate predicate, std::chrono::milliseconds timeout =
                                              std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (predicate(out())) return true;
      if (pid_ <= 0) return false;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_code_ =
            WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return predicate(out());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // Sends `signal` and waits for the process to end; its exit code, or 128 +
  // the signal that ended it.
  int Stop(int signal = SIGTERM) {
    if (pid_ > 0) kill(pid_, signal);
    return Wait();
  }

  // Waits for the process to end by itself; its exit code as Stop's.
  int Wait() {
    if (pid_ > 0) {
      exit_code_ = WaitForExit(pid_);
      pid_ = -1;
    }
    return exit_code_;
  }

 private:
  fs::path out_path() const { return directory_.path() / "stdout"; }
  fs::path err_path() const { return directory_.path() / "stderr"; }

  TempDir directory_;
  pid_t pid_ = -1;
  int exit_code_ = -1;  // once it ended
};

}  // namespace motcua_test

#endif  // MOTCUA_TESTS_CLI_SUBPROCESS_H_
