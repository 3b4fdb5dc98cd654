// Admin.Backup: a consistent copy of the database, made off the gRPC
// threads and streamed one message at a time.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/api/grpc_status.h"
#include "services/server/services.h"
#include "store/sqlite_backup.h"

namespace motcua::server {
namespace {

constexpr int64_t kChunkBytes = int64_t{1} << 20;

// Names of the copies in the data directory, one per backup in flight.
std::atomic<int64_t> next_copy{0};

// One Backup call. The copy and each read of it run on the slow-read runner;
// the stream has at most one write in flight, and the reactor is finished
// only by its own steps, so it outlives every task it posted.
class BackupStream final : public grpc::ServerWriteReactor<v1::BackupChunk> {
 public:
  explicit BackupStream(const ServiceContext& context) : context_(context) {
    if (!context_.slow_reads->Post([this] { MakeCopy(); })) Stopping();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      // The client went away: nothing more is read or sent.
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client left"));
      return;
    }
    if (offset_ >= total_bytes_) {
      Finish(grpc::Status::OK);
      return;
    }
    if (!context_.slow_reads->Post([this] { SendNext(); })) Stopping();
  }

  void OnDone() override {
    if (descriptor_ >= 0) close(descriptor_);
    delete this;
  }

 private:
  void Stopping() {
    Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "the server is stopping; back up after it restarts "
                        "(or offline with motcua backup --db)"));
  }

  void MakeCopy() {
    const std::string path =
        (std::filesystem::path(context_.database_path).parent_path() /
         absl::StrCat("backup-", getpid(), "-", next_copy.fetch_add(1),
                      ".partial"))
            .string();
    absl::StatusOr<store::BackupSummary> summary =
        store::BackupDatabase(context_.database_path, path);
    if (!summary.ok()) {
      Finish(api::ToGrpcStatus(summary.status()));
      return;
    }
    // The open descriptor keeps the copy readable; its name goes at once,
    // so a stream that ends in any way leaves no file behind.
    descriptor_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    const int error = errno;
    unlink(path.c_str());
    if (descriptor_ < 0) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          absl::StrCat("cannot read the copy ", path, ": ",
                                       std::strerror(error))));
      return;
    }
    total_bytes_ = summary->bytes;
    chunk_.set_total_bytes(summary->bytes);
    chunk_.set_last_sequence(summary->last_sequence);
    chunk_.set_head_hash(summary->head_hash);
    SendNext();
  }

  void SendNext() {
    if (offset_ > 0) {
      chunk_.clear_total_bytes();
      chunk_.clear_last_sequence();
      chunk_.clear_head_hash();
    }
    std::string* data = chunk_.mutable_data();
    data->resize(std::min(kChunkBytes, total_bytes_ - offset_));
    const ssize_t read_bytes =
        pread(descriptor_, data->data(), data->size(), offset_);
    if (read_bytes != static_cast<ssize_t>(data->size())) {
      Finish(grpc::Status(
          grpc::StatusCode::UNAVAILABLE,
          absl::StrCat("cannot read the copy at byte ", offset_, ": ",
                       read_bytes < 0 ? std::strerror(errno) : "short read")));
      return;
    }
    chunk_.set_offset(offset_);
    offset_ += read_bytes;
    StartWrite(&chunk_);
  }

  const ServiceContext& context_;
  int descriptor_ = -1;
  int64_t total_bytes_ = 0;
  int64_t offset_ = 0;
  // The message being written; the summary fields only in the first.
  v1::BackupChunk chunk_;
};

}  // namespace

grpc::ServerWriteReactor<v1::BackupChunk>* AdminService::Backup(
    grpc::CallbackServerContext* call, const v1::BackupRequest* /*request*/) {
  absl::StatusOr<access::Principal> principal = AuthenticateFor(
      context_, call, access::Operation::kAdminWrite, Reach::kEveryAgency);
  if (!principal.ok()) {
    return new RefusedWriteReactor<v1::BackupChunk>(
        api::ToGrpcStatus(principal.status()));
  }
  return new BackupStream(context_);
}

}  // namespace motcua::server
