#include "services/server/checkpointer.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "store/audit.h"
#include "store/hash_chain.h"

namespace motcua::server {
namespace {

// The signing thread looks at the clock at least this often (real time),
// so that a clock that jumps is noticed.
constexpr absl::Duration kLongestWait = absl::Seconds(30);

std::string FileName(const checkpoint::Checkpoint& checkpoint) {
  // Sequence first, zero-padded: names sort in log order.
  return absl::StrFormat(
      "checkpoint-%012d-%s.txt", checkpoint.sequence,
      absl::FormatTime("%Y%m%dT%H%M%SZ", checkpoint.time, absl::UTCTimeZone()));
}

}  // namespace

absl::StatusOr<std::optional<checkpoint::Checkpoint>> ReadLatestCheckpoint(
    const std::string& directory, const checkpoint::PublicKey& key) {
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    return std::optional<checkpoint::Checkpoint>();
  }
  std::vector<std::string> names;
  for (const auto& entry :
       std::filesystem::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, "checkpoint-") && absl::EndsWith(name, ".txt")) {
      names.push_back(entry.path().string());
    }
  }
  std::sort(names.rbegin(), names.rend());
  for (const std::string& path : names) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    absl::StatusOr<checkpoint::Checkpoint> parsed =
        checkpoint::Parse(text.str(), path);
    if (!parsed.ok()) {
      spdlog::warn("checkpoints: skipping {}",
                   std::string(parsed.status().message()));
      continue;
    }
    if (absl::Status signed_by = key.Verify(*parsed); !signed_by.ok()) {
      spdlog::warn("checkpoints: skipping {}: {}", path,
                   std::string(signed_by.message()));
      continue;
    }
    return std::optional<checkpoint::Checkpoint>(*std::move(parsed));
  }
  return std::optional<checkpoint::Checkpoint>();
}

absl::StatusOr<std::unique_ptr<Checkpointer>> Checkpointer::Create(
    Options options, std::unique_ptr<checkpoint::SigningKey> key,
    std::string database_path, store::LogReader* log, const Clock* clock) {
  std::error_code error;
  std::filesystem::create_directories(options.directory, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat("checkpoint_dir: cannot create ",
                                               options.directory, ": ",
                                               error.message()));
  }
  absl::StatusOr<std::optional<checkpoint::Checkpoint>> latest =
      ReadLatestCheckpoint(options.directory, key->public_key());
  if (!latest.ok()) return latest.status();
  std::unique_ptr<Checkpointer> checkpointer(
      new Checkpointer(std::move(options), std::move(key),
                       std::move(database_path), log, clock));
  absl::MutexLock lock(&checkpointer->mu_);
  checkpointer->latest_ = *std::move(latest);
  checkpointer->last_signed_at_ = clock->Now();
  return checkpointer;
}

Checkpointer::Checkpointer(Options options,
                           std::unique_ptr<checkpoint::SigningKey> key,
                           std::string database_path, store::LogReader* log,
                           const Clock* clock)
    : options_(std::move(options)),
      key_(std::move(key)),
      database_path_(std::move(database_path)),
      log_(log),
      clock_(clock) {}

Checkpointer::~Checkpointer() { Stop(); }

std::optional<checkpoint::Checkpoint> Checkpointer::Latest() const {
  absl::MutexLock lock(&mu_);
  return latest_;
}

const checkpoint::PublicKey& Checkpointer::public_key() const {
  return key_->public_key();
}

void Checkpointer::OnSigned(std::function<void()> observer) {
  absl::MutexLock lock(&mu_);
  on_signed_ = std::move(observer);
}

void Checkpointer::MarkDamaged(std::string reason) {
  absl::MutexLock lock(&mu_);
  damaged_ = std::move(reason);
}

absl::StatusOr<checkpoint::Checkpoint> Checkpointer::SignNow() {
  absl::MutexLock sign_lock(&sign_mu_);
  return SignLocked();
}

absl::StatusOr<std::optional<checkpoint::Checkpoint>>
Checkpointer::SignIfDue() {
  absl::MutexLock sign_lock(&sign_mu_);
  if (options_.interval <= absl::ZeroDuration()) {
    return std::optional<checkpoint::Checkpoint>();
  }
  absl::StatusOr<int64_t> head = log_->LastSequence();
  if (!head.ok()) return head.status();
  {
    absl::MutexLock lock(&mu_);
    if (clock_->Now() < last_signed_at_ + options_.interval) {
      return std::optional<checkpoint::Checkpoint>();
    }
    // A log that has not grown keeps its checkpoint: no file per interval
    // saying the same thing.
    if (latest_.has_value() && latest_->sequence == *head) {
      return std::optional<checkpoint::Checkpoint>();
    }
  }
  absl::StatusOr<checkpoint::Checkpoint> signed_now = SignLocked();
  if (!signed_now.ok()) return signed_now.status();
  return std::optional<checkpoint::Checkpoint>(*std::move(signed_now));
}

absl::StatusOr<checkpoint::Checkpoint> Checkpointer::SignLocked() {
  std::optional<checkpoint::Checkpoint> previous;
  {
    absl::MutexLock lock(&mu_);
    if (!damaged_.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "no checkpoint is signed over a damaged log: ", damaged_));
    }
    previous = latest_;
  }
  // The durable head: a checkpoint never covers an event a power loss could
  // still take back.
  absl::StatusOr<int64_t> head = log_->LastSequence();
  if (!head.ok()) return head.status();
  store::VerifyOptions verify;
  verify.from_sequence = previous.has_value() ? previous->sequence : 0;
  verify.hashes_wanted = {*head};
  if (previous.has_value()) verify.hashes_wanted.push_back(previous->sequence);
  absl::StatusOr<store::VerifyReport> report =
      store::VerifyLog(database_path_, verify);
  if (!report.ok()) return report.status();
  // Events committed after the durable head may be checked too; only a
  // problem at or before it matters here.
  if (!report->ok() && report->first_bad_sequence.value_or(0) <= *head) {
    return absl::DataLossError(absl::StrCat(
        "the log does not verify, no checkpoint signed: ", report->problem));
  }
  if (previous.has_value() && previous->sequence > 0 &&
      report->hashes[previous->sequence] != previous->head_hash) {
    return absl::DataLossError(
        absl::StrCat("the log no longer extends the last checkpoint (event ",
                     previous->sequence, "), no checkpoint signed"));
  }
  const std::string head_hash =
      *head == 0 ? store::GenesisHash() : report->hashes[*head];
  if (head_hash.empty()) {
    return absl::DataLossError(
        absl::StrCat("event ", *head, ", the log's head, is missing"));
  }
  const absl::Time now = clock_->Now();
  absl::StatusOr<checkpoint::Checkpoint> signed_now =
      key_->Sign(options_.log_name, *head, head_hash, now);
  if (!signed_now.ok()) return signed_now.status();
  if (absl::Status written = Write(*signed_now); !written.ok()) return written;
  std::function<void()> on_signed;
  {
    absl::MutexLock lock(&mu_);
    latest_ = *signed_now;
    last_signed_at_ = now;
    on_signed = on_signed_;
  }
  if (on_signed) on_signed();
  spdlog::info("checkpoint signed: event {}, {}", signed_now->sequence,
               FileName(*signed_now));
  return signed_now;
}

absl::Status Checkpointer::Write(const checkpoint::Checkpoint& checkpoint) {
  const std::filesystem::path path =
      std::filesystem::path(options_.directory) / FileName(checkpoint);
  const std::string temporary = path.string() + ".tmp";
  const std::string text = checkpoint::Format(checkpoint);
  const int fd =
      open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("checkpoint_dir: cannot write ", temporary));
  }
  const bool written = write(fd, text.data(), text.size()) ==
                           static_cast<ssize_t>(text.size()) &&
                       fsync(fd) == 0;
  close(fd);
  if (!written || std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return absl::UnavailableError(
        absl::StrCat("checkpoint_dir: cannot write ", path.string()));
  }
  const int directory_fd =
      open(options_.directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory_fd >= 0) {
    fsync(directory_fd);
    close(directory_fd);
  }
  return absl::OkStatus();
}

void Checkpointer::Start() {
  if (options_.interval <= absl::ZeroDuration()) return;
  // Started again at each takeover of the leader lease, after a Stop.
  if (thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void Checkpointer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Checkpointer::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      const absl::Duration until_due =
          last_signed_at_ + options_.interval - clock_->Now();
      const absl::Duration wait =
          std::clamp(until_due, absl::Milliseconds(100), kLongestWait);
      const bool stop = mu_.AwaitWithTimeout(
          absl::Condition(
              +[](bool* flag) { return *flag; }, &stopping_),
          wait);
      if (stop) return;
    }
    absl::StatusOr<std::optional<checkpoint::Checkpoint>> signed_now =
        SignIfDue();
    if (!signed_now.ok()) {
      spdlog::error("checkpoint not signed: {}",
                    std::string(signed_now.status().message()));
      // Tried again at the next interval, not in a tight loop.
      absl::MutexLock lock(&mu_);
      last_signed_at_ = clock_->Now();
    }
  }
}

}  // namespace motcua::server
