#ifndef MOTCUA_STORE_LOG_READER_H_
#define MOTCUA_STORE_LOG_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store/types.h"

namespace motcua::store {

// The store's event log, as its readers see it: the event streams
// (WatchEvents), the webhooks, the audit RPCs and the checkpointer.
//
// The contract every backend keeps (tests/store/store_contract_test.cc):
// - The log as read ends at its last durable event: an event is never read
//   before the command that appended it could be answered, so a reader never
//   sees an event a crash could still take back.
// - Events come in log order, each with its sequence and hash-chain links.
//   Sequences grow but need not be contiguous: a reader resumes from the
//   last sequence it saw, never by counting.
// - An event that cannot be decoded is DATA_LOSS naming its sequence (see
//   store/intact_reads.h for a read that keeps the events before it); a
//   database that cannot be read is the backend's error, as it is.
//
// Threads: every method may be called from any thread, concurrently with
// the writer, and never waits for it.
class LogReader {
 public:
  virtual ~LogReader() = default;

  // Events with sequence > after_sequence, in order, at most `limit` (an
  // empty vector when limit <= 0 or nothing follows).
  virtual absl::StatusOr<std::vector<StoredEvent>> ReadEvents(
      int64_t after_sequence, int64_t limit) = 0;

  // The events of one dossier, in its version order; empty when no dossier
  // has that code.
  virtual absl::StatusOr<std::vector<StoredEvent>> ReadDossierEvents(
      const std::string& code) = 0;

  // The sequence of the last durable event (0 for an empty log).
  virtual absl::StatusOr<int64_t> LastSequence() = 0;
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_LOG_READER_H_
