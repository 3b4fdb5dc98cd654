#ifndef MOTCUA_STORE_LOG_WRITER_H_
#define MOTCUA_STORE_LOG_WRITER_H_

// Appending to the log: how an event the engine decided becomes a row of
// `events`, chained after the one before it. The live writer and the bulk
// loader both append through these, so that an event is stored and chained
// one way only. LogChain does the computing (encoding, the hash chain) and
// LogWriter the writing, so that the two may run on different threads.

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/lifecycle.h"
#include "store/sqlite.h"
#include "store/types.h"

namespace motcua::store {

// The end of the log: its last event's sequence and hash (0 and the genesis
// hash when it is empty).
struct LogHead {
  int64_t sequence = 0;
  std::string hash;
};

// An event ready to be written: as stored, with its type and payload
// columns.
struct SealedEvent {
  StoredEvent stored;
  std::string type;
  std::string payload;
};

class LogChain {
 public:
  explicit LogChain(LogHead head = LogHead()) : head_(std::move(head)) {}

  // `event`, decided by the command with `request_id` (may be empty) and
  // recorded at `recorded_at`, chained after the head, which moves past it.
  // `command_fingerprint` is that command's (store/command_fingerprint.h),
  // kept with the request id.
  // Its instants are at storage precision and its body is decoded from the
  // stored bytes: what a replay sees, and so what must be applied. INTERNAL
  // when the event does not survive encoding (the head does not move).
  absl::StatusOr<SealedEvent> Seal(Event event, absl::string_view request_id,
                                   absl::Time recorded_at,
                                   absl::string_view command_fingerprint = {});

  const LogHead& head() const { return head_; }
  // Makes `head` the end again, after a rollback removed what followed it.
  void Rewind(LogHead head) { head_ = std::move(head); }

 private:
  LogHead head_;
  std::string hash_scratch_;
};

class LogWriter {
 public:
  LogWriter() = default;

  // Prepares the statements on `database`, which must outlive them.
  static absl::StatusOr<LogWriter> Prepare(Database& database);

  // Writes the row of `sealed`.
  absl::Status Insert(const SealedEvent& sealed);

  // Records `head` in `meta`, in the transaction that appended up to it.
  absl::Status WriteHead(const LogHead& head);

 private:
  Statement insert_event_;
  Statement write_meta_;
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_LOG_WRITER_H_
