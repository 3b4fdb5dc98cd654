#ifndef MOTCUA_STORE_COMMAND_SINK_H_
#define MOTCUA_STORE_COMMAND_SINK_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "engine/rules.h"
#include "store/types.h"

namespace motcua::store {

// The store's write side: where every command goes to be decided and, when
// the lifecycle accepts it, appended to the log. Used by the gRPC handlers
// that change a dossier, the deadline scheduler (its "threshold reached"
// commands), and the daemon's wiring (rules, observers, shutdown).
//
// The contract every backend keeps (tests/store/store_contract_test.cc
// checks it):
// - One writer decides each command against the dossier's state as the
//   commands before it left it: commands are decided and appended one at a
//   time, in the order Execute accepted them, so the log stays one linear
//   hash chain.
// - A refusal (the lifecycle, a stale expected version, a request id used
//   for another command) is decided before anything is written and leaves
//   no trace in the log or the projections.
// - The events of a command, their hash-chain links and every projection
//   they change are written in one transaction; several commands may share
//   it (group commit).
// - A command is answered (its `done` runs) only once the transaction that
//   holds its events is durable, never before; a failed commit answers
//   every command of it with the failure, and nothing of it is kept.
// - A request id names one command for good (see CommandRequest).
//
// Threads: every method may be called from any thread; `done` callbacks
// and observers run on the backend's own threads and must not block.
class CommandSink {
 public:
  virtual ~CommandSink() = default;

  // Replaces the rules used for the decisions that follow (a reload). A null
  // set is ignored. Commands already being decided keep the set they began
  // with.
  virtual void SetRules(std::shared_ptr<const RuleSet> rules) = 0;

  // Queues a command. `done` runs exactly once, after the command's batch
  // commits and is durable, with the outcome (a refusal is an outcome, not
  // an error of Execute). Returns without queuing (and `done` never runs):
  // RESOURCE_EXHAUSTED when the commands accepted and not yet answered
  // reach the backend's bound (back-pressure: retry later, with the same
  // request id); UNAVAILABLE after Close, or after a flush failed (the
  // log's end is then unknown until a restart); the reason given to
  // RefuseCommands after it.
  virtual absl::Status Execute(CommandRequest request,
                               std::function<void(CommandOutcome)> done) = 0;

  // Execute, and wait for the outcome: an Execute refusal comes back as the
  // outcome's status. Blocks the calling thread: for tools and tests, never
  // for a gRPC callback.
  CommandOutcome ExecuteAndWait(CommandRequest request);

  // From now on Execute answers `reason` (not OK) without queuing, so that
  // nothing more is appended: the daemon calls it when the log's tail does
  // not verify at start, since appending after a broken link would bury it.
  // Reads go on. Commands already queued still run.
  virtual void RefuseCommands(absl::Status reason) = 0;

  // Drains the queue (every accepted command is decided and answered),
  // commits, and stops the backend's threads. Idempotent; Execute answers
  // UNAVAILABLE after it.
  virtual void Close() = 0;

  // What the writer has done since the store opened. Never fails.
  virtual WriterStats Stats() const = 0;

  // `observer` runs after each commit that appended events is durable, with
  // the log's last sequence, before the commands' callbacks: a caller that
  // reads the log after its answer finds the watchers already woken. It
  // must return quickly (wake someone up); it replaces any earlier observer.
  virtual void SetCommitObserver(std::function<void(int64_t)> observer) = 0;

  // `observer` runs on the writer after each batch, committed or not. It
  // must return quickly; it replaces any earlier observer.
  virtual void SetBatchObserver(
      std::function<void(const BatchResult&)> observer) = 0;
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_COMMAND_SINK_H_
