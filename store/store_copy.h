#ifndef MOTCUA_STORE_STORE_COPY_H_
#define MOTCUA_STORE_STORE_COPY_H_

// Copying a store from one backend to the other (`motcua store copy`): a
// SQLite file into a PostgreSQL database and back, every event and every
// projection row as stored, then the copy's log verified against the
// source's head.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace motcua::store {

struct CopyReport {
  int64_t events = 0;
  int64_t projection_rows = 0;
  // The log's head, the same in both: its last sequence and that event's
  // hash (32 raw bytes).
  int64_t head_sequence = 0;
  std::string head_hash;
};

// Copies the store at `from` into `to`; each is a SQLite file or a
// PostgreSQL URL (IsPostgresUrl in store/event_store.h). `from` is read in
// one snapshot, so a server may go on writing it; `to` is written in one
// transaction and must be new: a SQLite file that does not exist, or a
// PostgreSQL database without motcua's events (its schema is created; one
// with other tables is refused). Then the copy's whole chain is verified
// and its head compared with the source's.
// INVALID_ARGUMENT when both name the same kind of backend; NOT_FOUND when
// `from` does not exist; FAILED_PRECONDITION when `to` is not new, or a
// schema is not this build's; DATA_LOSS when the copy does not verify; the
// database's error otherwise. A failed copy leaves `to` without events.
absl::StatusOr<CopyReport> CopyStore(const std::string& from,
                                     const std::string& to);

}  // namespace motcua::store

#endif  // MOTCUA_STORE_STORE_COPY_H_
