#ifndef MOTCUA_SERVICES_SERVER_CHECKPOINTER_H_
#define MOTCUA_SERVICES_SERVER_CHECKPOINTER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "services/checkpoint/checkpoint.h"
#include "store/log_reader.h"

namespace motcua::server {

// Signs checkpoints of the log and publishes them outside the database: one
// file per checkpoint in `directory` (checkpoint-<sequence>-<time>.txt,
// written atomically), and the latest for the Audit API and the metrics.
//
// Before signing it verifies the log from the previous checkpoint's event
// on (that event must still have that checkpoint's hash), so that a
// checkpoint never vouches for a log that no longer extends the one before.
// Whether one is due is judged on the injected clock; tests call
// SignIfDue() after moving a fake clock.
class Checkpointer {
 public:
  struct Options {
    std::string log_name;
    std::string directory;
    absl::Duration interval;  // zero: only on demand
  };
  // Reads the newest checkpoint in `options.directory` signed by `key`
  // (others are skipped with a warning). UNAVAILABLE when the directory
  // cannot be created.
  static absl::StatusOr<std::unique_ptr<Checkpointer>> Create(
      Options options, std::unique_ptr<checkpoint::SigningKey> key,
      std::string database_path, store::LogReader* log, const Clock* clock);
  ~Checkpointer();  // Stop()

  // Signs a checkpoint of the durable log now and publishes it. DATA_LOSS
  // when the log does not verify since the last checkpoint (nothing is
  // signed), FAILED_PRECONDITION after MarkDamaged, UNAVAILABLE when the
  // file cannot be written.
  absl::StatusOr<checkpoint::Checkpoint> SignNow();
  // Signs when the interval has passed on the clock since the last
  // checkpoint and the log has grown since; nullopt when none was due.
  absl::StatusOr<std::optional<checkpoint::Checkpoint>> SignIfDue();

  // The newest checkpoint signed or found at start.
  std::optional<checkpoint::Checkpoint> Latest() const;
  const checkpoint::PublicKey& public_key() const;

  // Where the checkpoint files are written.
  const std::string& directory() const { return options_.directory; }
  // Called after each checkpoint's file is written (the webhooks deliver
  // it from there), on the signing thread; set before Start.
  void OnSigned(std::function<void()> observer);

  // Refuses to sign from now on: the log is damaged.
  void MarkDamaged(std::string reason);

  // The thread that signs when due (when the interval is not zero). With
  // several servers on one database it runs on the leader alone: started
  // at each takeover, stopped when the lead is lost.
  void Start();
  void Stop();

 private:
  Checkpointer(Options options, std::unique_ptr<checkpoint::SigningKey> key,
               std::string database_path, store::LogReader* log,
               const Clock* clock);
  absl::StatusOr<checkpoint::Checkpoint> SignLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(sign_mu_);
  absl::Status Write(const checkpoint::Checkpoint& checkpoint);
  void Loop();

  const Options options_;
  const std::unique_ptr<checkpoint::SigningKey> key_;
  const std::string database_path_;
  store::LogReader* const log_;
  const Clock* const clock_;

  // Held while signing: checkpoints are signed one at a time, in order.
  absl::Mutex sign_mu_;
  mutable absl::Mutex mu_;
  std::optional<checkpoint::Checkpoint> latest_ ABSL_GUARDED_BY(mu_);
  // The clock's time of the last checkpoint, or of the start.
  absl::Time last_signed_at_ ABSL_GUARDED_BY(mu_);
  std::string damaged_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> on_signed_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// The newest checkpoint file in `directory` that `key` signed: nullopt when
// there is none (a missing directory has none).
absl::StatusOr<std::optional<checkpoint::Checkpoint>> ReadLatestCheckpoint(
    const std::string& directory, const checkpoint::PublicKey& key);

}  // namespace motcua::server

#endif  // MOTCUA_SERVICES_SERVER_CHECKPOINTER_H_
