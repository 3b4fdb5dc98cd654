// Backups and restores: `motcua backup` (through motcuad, or offline) and
// `motcua restore`.
#include "services/cli/backup_commands.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/status_macros.h"
#include "services/cli/client_session.h"
#include "services/server/data_dir_lock.h"
#include "store/audit.h"
#include "store/sqlite_backup.h"

namespace motcua::cli {
namespace {

namespace fs = std::filesystem;

// "30d", or what absl::ParseDuration reads ("12h", "90m"); positive.
absl::StatusOr<absl::Duration> ParseAge(const std::string& text) {
  absl::Duration age;
  int64_t days = 0;
  if (!text.empty() && text.back() == 'd' &&
      absl::SimpleAtoi(text.substr(0, text.size() - 1), &days)) {
    age = absl::Hours(24) * days;
  } else if (!absl::ParseDuration(text, &age)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max-age: \"", text, "\" is not an age such as 30d, 12h or 90m"));
  }
  if (age <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max-age: \"", text, "\" must be positive"));
  }
  return age;
}

absl::Status SyncPath(const std::string& path, int flags) {
  const int descriptor = open(path.c_str(), flags | O_CLOEXEC);
  if (descriptor < 0 || fsync(descriptor) != 0) {
    const int error = errno;
    if (descriptor >= 0) close(descriptor);
    return absl::UnavailableError(
        absl::StrCat("cannot sync ", path, ": ", std::strerror(error)));
  }
  close(descriptor);
  return absl::OkStatus();
}

// The directory a file is in, "." for a bare name.
std::string DirectoryOf(const std::string& file) {
  const fs::path parent = fs::path(file).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// Renames `from` over nothing to `to` and syncs their directory, so the
// name survives a power loss.
absl::Status Publish(const std::string& from, const std::string& to) {
  if (rename(from.c_str(), to.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot rename ", from, " to ",
                                               to, ": ", std::strerror(errno)));
  }
  return SyncPath(DirectoryOf(to), O_RDONLY | O_DIRECTORY);
}

// The copy from motcuad, written to `partial` (created, mode 0600). The
// server's summary of it in `*expected`.
absl::Status Download(const Connection& connection, const std::string& partial,
                      store::BackupSummary* expected) {
  const int descriptor =
      open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (descriptor < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot create ", partial, ": ", std::strerror(errno)));
  }
  grpc::ClientContext context;
  connection.Prepare(&context, CallDeadline::kNone);
  std::unique_ptr<grpc::ClientReader<v1::BackupChunk>> reader =
      connection.admin().Backup(&context, v1::BackupRequest());
  v1::BackupChunk chunk;
  int64_t written = 0;
  bool first = true;
  absl::Status failed;
  while (failed.ok() && reader->Read(&chunk)) {
    if (first) {
      expected->bytes = chunk.total_bytes();
      expected->last_sequence = chunk.last_sequence();
      expected->head_hash = chunk.head_hash();
      first = false;
    }
    if (chunk.offset() != written) {
      failed = absl::DataLossError(absl::StrCat("the server sent bytes from ",
                                                chunk.offset(), ", expected ",
                                                written));
      break;
    }
    const std::string& data = chunk.data();
    if (write(descriptor, data.data(), data.size()) !=
        static_cast<ssize_t>(data.size())) {
      failed = absl::UnavailableError(
          absl::StrCat("cannot write ", partial, ": ", std::strerror(errno)));
      break;
    }
    written += static_cast<int64_t>(data.size());
  }
  if (!failed.ok()) context.TryCancel();
  const grpc::Status status = reader->Finish();
  if (failed.ok() && fsync(descriptor) != 0) {
    failed = absl::UnavailableError(
        absl::StrCat("cannot sync ", partial, ": ", std::strerror(errno)));
  }
  close(descriptor);
  RETURN_IF_ERROR(failed);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  if (written != expected->bytes) {
    return absl::DataLossError(absl::StrCat("the stream ended after ", written,
                                            " of ", expected->bytes, " bytes"));
  }
  return absl::OkStatus();
}

// The backups motcua made in `directory`, except `keep_path`, newest first.
struct OldBackup {
  std::string path;
  fs::file_time_type modified;
};
std::vector<OldBackup> OtherBackups(const std::string& directory,
                                    const std::string& keep_path) {
  std::vector<OldBackup> found;
  std::error_code error;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(directory, error)) {
    if (!entry.is_regular_file(error)) continue;
    const std::string path = entry.path().string();
    if (fs::equivalent(path, keep_path, error)) continue;
    if (!store::IsMotcuaBackup(path)) continue;
    found.push_back({path, entry.last_write_time(error)});
  }
  std::sort(found.begin(), found.end(),
            [](const OldBackup& a, const OldBackup& b) {
              return a.modified > b.modified;
            });
  return found;
}

std::vector<std::string> Prune(const std::string& file, std::optional<int> keep,
                               std::optional<absl::Duration> max_age,
                               std::ostream& err) {
  std::vector<std::string> removed;
  const std::vector<OldBackup> others = OtherBackups(DirectoryOf(file), file);
  const auto now = fs::file_time_type::clock::now();
  for (size_t i = 0; i < others.size(); ++i) {
    // The new backup is the first of `keep`.
    const bool beyond_count =
        keep.has_value() && static_cast<int64_t>(i) + 1 >= *keep;
    const bool too_old = max_age.has_value() &&
                         absl::FromChrono(now - others[i].modified) > *max_age;
    if (!beyond_count && !too_old) continue;
    std::error_code error;
    if (fs::remove(others[i].path, error)) {
      removed.push_back(others[i].path);
    } else {
      err << "motcua backup: cannot remove old backup " << others[i].path
          << ": " << error.message() << "\n";
    }
  }
  return removed;
}

void PrintHead(const std::string& what, const std::string& file,
               const store::VerifyReport& report, int64_t bytes,
               const std::vector<std::string>& pruned, bool json,
               std::ostream& out) {
  const std::string hash = absl::BytesToHexString(report.head_hash);
  if (json) {
    nlohmann::json line = {
        {"file", file},      {"last_sequence", report.head_sequence},
        {"head_hash", hash}, {"events_checked", report.events_checked},
        {"bytes", bytes},    {"verified", true}};
    if (!pruned.empty()) line["pruned"] = pruned;
    out << line.dump() << "\n";
    return;
  }
  out << what << " " << file << " (" << bytes
      << " bytes), verified: " << report.events_checked << " events\n"
      << "last sequence: " << report.head_sequence << "\n"
      << "head hash:     " << hash << "\n";
  for (const std::string& path : pruned) out << "pruned " << path << "\n";
}

int CodeFor(const absl::Status& status) {
  return ExitCodeForStatus(static_cast<grpc::StatusCode>(status.code()));
}

}  // namespace

int RunBackup(const ClientOptions& client, const BackupOptions& options,
              std::ostream& out, std::ostream& err) {
  Session session(client, "backup", out, err);
  if (options.to.empty()) return session.BadInput("--to: give a file name");
  if (options.keep.has_value() && *options.keep < 1) {
    return session.BadInput("--keep: keep at least 1 backup (the new one)");
  }
  std::optional<absl::Duration> max_age;
  if (options.max_age.has_value()) {
    absl::StatusOr<absl::Duration> parsed = ParseAge(*options.max_age);
    if (!parsed.ok()) return session.BadInput(parsed.status().message());
    max_age = *parsed;
  }
  std::error_code error;
  if (fs::exists(options.to, error)) {
    return session.BadInput(absl::StrCat(
        "--to: ", options.to, " already exists; a backup never overwrites"));
  }
  const std::string directory = DirectoryOf(options.to);
  if (!fs::is_directory(directory, error)) {
    return session.BadInput(
        absl::StrCat("--to: no directory ", directory, " to write into"));
  }
  if (!options.database.empty() && !fs::is_regular_file(options.database)) {
    return session.BadInput(
        absl::StrCat("--db: no database file at ", options.database));
  }
  const std::string partial = options.to + ".partial";
  if (fs::exists(partial, error)) {
    return session.BadInput(absl::StrCat(
        "--to: ", partial,
        " exists (a backup in progress, or left by one that failed); remove "
        "it first"));
  }

  // The copy, in FILE.partial until it verifies.
  store::BackupSummary expected;
  absl::Status copied;
  if (options.database.empty()) {
    if (!session.Connect()) return kExitBadInput;
    copied = Download(session.connection(), partial, &expected);
    if (!copied.ok()) {
      fs::remove(partial, error);
      return session.CallFailed(
          grpc::Status(static_cast<grpc::StatusCode>(copied.code()),
                       std::string(copied.message())));
    }
  } else {
    absl::StatusOr<store::BackupSummary> summary =
        store::BackupDatabase(options.database, partial);
    if (!summary.ok()) {
      err << "motcua backup: " << summary.status().message() << "\n";
      return CodeFor(summary.status());
    }
    expected = *summary;
  }

  absl::StatusOr<store::VerifyReport> report = store::VerifyLog(partial);
  absl::Status verified;
  int failure_code = kExitLogBroken;
  if (!report.ok()) {
    verified = report.status();
    failure_code = CodeFor(report.status());
  } else if (!report->ok()) {
    verified = absl::DataLossError(
        absl::StrCat("the copy does not verify (event ",
                     *report->first_bad_sequence, "): ", report->problem));
  } else if (report->head_sequence != expected.last_sequence ||
             report->head_hash != expected.head_hash) {
    verified = absl::DataLossError(absl::StrCat(
        "the copy ends at event ", report->head_sequence,
        ", but the snapshot copied ended at event ", expected.last_sequence));
  }
  if (verified.ok()) verified = Publish(partial, options.to);
  if (!verified.ok()) {
    fs::remove(partial, error);
    err << "motcua backup: " << verified.message() << "; no backup written\n";
    return verified.code() == absl::StatusCode::kDataLoss ? failure_code
                                                          : CodeFor(verified);
  }
  const std::vector<std::string> pruned =
      (options.keep.has_value() || max_age.has_value())
          ? Prune(options.to, options.keep, max_age, err)
          : std::vector<std::string>();
  PrintHead("backup", options.to, *report,
            static_cast<int64_t>(fs::file_size(options.to, error)), pruned,
            session.json(), out);
  return kExitOk;
}

int RunRestore(const std::string& from, const std::string& data_dir, bool json,
               std::ostream& out, std::ostream& err) {
  const auto fail = [&err](int code, absl::string_view message) {
    err << "motcua restore: " << message << "\n";
    return code;
  };
  std::error_code error;
  if (!fs::is_regular_file(from, error)) {
    return fail(kExitBadInput,
                absl::StrCat("--from: no backup file at ", from));
  }
  if (data_dir.empty())
    return fail(kExitBadInput, "--data-dir: give a directory");
  const bool existed = fs::exists(data_dir, error);
  if (existed && !fs::is_directory(data_dir, error)) {
    return fail(kExitBadInput,
                absl::StrCat("--data-dir: ", data_dir, " is not a directory"));
  }
  // A motcuad that holds the directory says so by its lock; otherwise any
  // file in it (a database, a lock left by a stopped server) refuses it.
  if (existed) {
    if (absl::Status free = server::DataDirLock::CheckFree(data_dir);
        !free.ok()) {
      return fail(kExitBadInput, absl::StrCat("--data-dir: ", free.message()));
    }
    for (const fs::directory_entry& entry :
         fs::directory_iterator(data_dir, error)) {
      return fail(
          kExitBadInput,
          absl::StrCat("--data-dir: ", data_dir, " is not empty (it holds ",
                       entry.path().filename().string(),
                       "); restore into a new or empty directory"));
    }
  }

  absl::StatusOr<store::VerifyReport> report = store::VerifyLog(from);
  if (!report.ok()) {
    return fail(
        CodeFor(report.status()),
        absl::StrCat("--from: ", from, ": ", report.status().message()));
  }
  if (!report->ok()) {
    return fail(kExitLogBroken,
                absl::StrCat("--from: ", from, " does not verify (event ",
                             *report->first_bad_sequence,
                             "): ", report->problem, "; nothing restored"));
  }

  if (!existed) {
    if (!fs::create_directories(data_dir, error)) {
      return fail(kExitBadInput, absl::StrCat("--data-dir: cannot create ",
                                              data_dir, ": ", error.message()));
    }
    fs::permissions(data_dir, fs::perms::owner_all, error);
  }
  // Held while the file is written: a motcuad started meanwhile refuses
  // the directory instead of creating an empty database in it.
  absl::StatusOr<std::unique_ptr<server::DataDirLock>> lock =
      server::DataDirLock::Acquire(data_dir);
  if (!lock.ok()) {
    return fail(kExitBadInput,
                absl::StrCat("--data-dir: ", lock.status().message()));
  }
  const std::string database = (fs::path(data_dir) / "motcua.db").string();
  const std::string partial = database + ".partial";
  absl::Status restored = [&]() -> absl::Status {
    std::ifstream in(from, std::ios::binary);
    const int descriptor =
        open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (!in || descriptor < 0) {
      if (descriptor >= 0) close(descriptor);
      return absl::UnavailableError(
          absl::StrCat("cannot copy ", from, " to ", partial));
    }
    std::vector<char> buffer(1 << 20);
    absl::Status status;
    while (status.ok() && in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const ssize_t got = in.gcount();
      if (got > 0 && write(descriptor, buffer.data(), got) != got) {
        status = absl::UnavailableError(
            absl::StrCat("cannot write ", partial, ": ", std::strerror(errno)));
      }
    }
    if (status.ok() && in.bad()) {
      status = absl::UnavailableError(absl::StrCat("cannot read ", from));
    }
    if (status.ok() && fsync(descriptor) != 0) {
      status = absl::UnavailableError(
          absl::StrCat("cannot sync ", partial, ": ", std::strerror(errno)));
    }
    close(descriptor);
    RETURN_IF_ERROR(status);
    // A live database is no backup: pruning must never take it.
    RETURN_IF_ERROR(store::ClearBackupMark(partial));
    RETURN_IF_ERROR(SyncPath(partial, O_RDONLY));
    return Publish(partial, database);
  }();
  if (!restored.ok()) {
    for (const char* suffix : {"", "-journal"}) {
      fs::remove(partial + suffix, error);
    }
    return fail(CodeFor(restored),
                absl::StrCat(restored.message(), "; nothing restored"));
  }
  PrintHead("restored into", database, *report,
            static_cast<int64_t>(fs::file_size(database, error)), {}, json,
            out);
  if (!json) out << "start motcuad with data_dir " << data_dir << "\n";
  return kExitOk;
}

}  // namespace motcua::cli
