#include "services/server/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace motcua::server {
namespace {

// What the file says about its holder: its pid, or a note when it says
// nothing yet (the holder took the lock and has not written its pid).
std::string Holder(int descriptor) {
  char buffer[64] = {};
  const ssize_t read_bytes = pread(descriptor, buffer, sizeof(buffer) - 1, 0);
  const std::string text(
      absl::StripAsciiWhitespace(read_bytes > 0 ? buffer : ""));
  return text.empty() ? std::string("of unknown pid")
                      : absl::StrCat("pid ", text);
}

std::string InUse(const std::string& data_dir, const std::string& holder,
                  const std::string& path) {
  return absl::StrCat("data_dir: ", data_dir, " is in use by another motcuad (",
                      holder, ", lock file ", path,
                      "); stop it first, or give this one another data_dir");
}

}  // namespace

absl::Status DataDirLock::CheckFree(const std::string& data_dir) {
  const std::string path =
      (std::filesystem::path(data_dir) / "motcuad.lock").string();
  const int descriptor = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (descriptor < 0) return absl::OkStatus();
  int locked;
  do {
    locked = flock(descriptor, LOCK_EX | LOCK_NB);
  } while (locked != 0 && errno == EINTR);
  const bool held = locked != 0 && errno == EWOULDBLOCK;
  const std::string holder = held ? Holder(descriptor) : std::string();
  // Closing releases the lock if it was taken.
  close(descriptor);
  if (held) return absl::FailedPreconditionError(InUse(data_dir, holder, path));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<DataDirLock>> DataDirLock::Acquire(
    const std::string& data_dir) {
  const std::string path =
      (std::filesystem::path(data_dir) / "motcuad.lock").string();
  const int descriptor =
      open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (descriptor < 0) {
    return absl::UnavailableError(
        absl::StrCat("data_dir: cannot open the lock file ", path, ": ",
                     std::strerror(errno)));
  }
  int locked;
  do {
    locked = flock(descriptor, LOCK_EX | LOCK_NB);
  } while (locked != 0 && errno == EINTR);
  if (locked != 0) {
    const int error = errno;
    const std::string holder =
        error == EWOULDBLOCK ? Holder(descriptor) : std::string();
    close(descriptor);
    if (error == EWOULDBLOCK) {
      return absl::FailedPreconditionError(InUse(data_dir, holder, path));
    }
    return absl::UnavailableError(absl::StrCat("data_dir: cannot lock ", path,
                                               ": ", std::strerror(error)));
  }
  // Only the holder writes the file, so what it says is never half of two
  // pids.
  const std::string pid = absl::StrCat(getpid(), "\n");
  if (ftruncate(descriptor, 0) != 0 ||
      pwrite(descriptor, pid.data(), pid.size(), 0) !=
          static_cast<ssize_t>(pid.size())) {
    const int error = errno;
    close(descriptor);
    return absl::UnavailableError(
        absl::StrCat("data_dir: cannot write the lock file ", path, ": ",
                     std::strerror(error)));
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(path, descriptor));
}

DataDirLock::~DataDirLock() {
  // Closing the last descriptor of the open file releases the flock.
  if (descriptor_ >= 0) close(descriptor_);
}

}  // namespace motcua::server
