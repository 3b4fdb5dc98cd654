#ifndef MOTCUA_SERVICES_SERVER_DATA_DIR_LOCK_H_
#define MOTCUA_SERVICES_SERVER_DATA_DIR_LOCK_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace motcua::server {

// The exclusive hold of one motcuad on its data directory: an flock(2) on
// <data_dir>/motcuad.lock, kept for the life of the object, with the
// holder's pid written in the file. Two servers on one database would each
// believe they own the log's head (the second fails every write) and would
// overwrite each other's development token; the lock makes the second one
// refuse to start before it writes anything. The kernel drops the lock when
// the process ends, however it ends, so a stale file never blocks a start.
// Readers that do not write (`motcua audit` on the database file) take no
// lock.
class DataDirLock {
 public:
  // Creates the lock file if missing (mode 0600) and takes the lock without
  // waiting. FAILED_PRECONDITION naming the data directory and the pid of
  // the process that holds it when another one does; UNAVAILABLE when the
  // file cannot be opened or written.
  static absl::StatusOr<std::unique_ptr<DataDirLock>> Acquire(
      const std::string& data_dir);
  // OK when no process holds the lock on `data_dir` (or there is no lock
  // file); FAILED_PRECONDITION worded as Acquire's when one does. Takes
  // nothing and writes nothing: for tools that must leave a directory
  // exactly as it was when they refuse it (`motcua restore`).
  static absl::Status CheckFree(const std::string& data_dir);
  ~DataDirLock();  // releases the lock (the file stays)

  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  DataDirLock(std::string path, int descriptor)
      : path_(std::move(path)), descriptor_(descriptor) {}

  std::string path_;
  int descriptor_ = -1;
};

}  // namespace motcua::server

#endif  // MOTCUA_SERVICES_SERVER_DATA_DIR_LOCK_H_
