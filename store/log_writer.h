#ifndef MOTCUA_STORE_LOG_WRITER_H_
#define MOTCUA_STORE_LOG_WRITER_H_

// Appending to the log: how an event the engine decided becomes a row of
// `events`, chained after the one before it. The live writer and the bulk
// loader both append through it, so that an event is stored and chained one
// way only.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/lifecycle.h"
#include "store/event_store.h"
#include "store/sqlite.h"

namespace motcua::store {

// The end of the log: its last event's sequence and hash (0 and the genesis
// hash when it is empty).
struct LogHead {
  int64_t sequence = 0;
  std::string hash;
};

class LogWriter {
 public:
  LogWriter() = default;

  // Prepares the statements on `database` (which must outlive them);
  // appending starts after `head`.
  static absl::StatusOr<LogWriter> Prepare(Database& database, LogHead head);

  // Appends `event`, decided by the command with `request_id` (may be empty)
  // and recorded at `recorded_at`, after the head, and returns it as stored:
  // its instants at storage precision and its body as decoded from the
  // stored bytes, which is what a replay sees and so what must be applied.
  // INTERNAL when the event does not survive encoding.
  absl::StatusOr<StoredEvent> Append(Event event, absl::string_view request_id,
                                     absl::Time recorded_at);

  const LogHead& head() const { return head_; }
  // Makes `head` the end again, after a rollback removed what followed it.
  void Rewind(LogHead head) { head_ = std::move(head); }

  // Records the head in `meta`, in the transaction that appended up to it.
  absl::Status WriteHead();

 private:
  Statement insert_event_;
  Statement write_meta_;
  LogHead head_;
  std::string hash_scratch_;
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_LOG_WRITER_H_
