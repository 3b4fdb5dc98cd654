#ifndef MOTCUA_SERVICES_WEBHOOKS_WEBHOOKS_H_
#define MOTCUA_SERVICES_WEBHOOKS_WEBHOOKS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/checkpoint/checkpoint.h"
#include "services/config/server_config.h"
#include "store/intact_reads.h"
#include "store/log_reader.h"

namespace motcua::webhooks {

// What a webhook has done, for metrics.
struct WebhookProgress {
  std::string name;
  // Every event up to this sequence has been acknowledged (or filtered out).
  int64_t position = 0;
  // POSTs that did not end in a 2xx answer: refusals, errors, timeouts.
  uint64_t failures = 0;
  uint64_t delivered_batches = 0;
  // Delivery stopped at a damaged event of the log (logged once).
  bool stalled = false;
};

// Reads a position file: 0 when it does not exist; FAILED_PRECONDITION
// naming the file when it cannot be read or does not hold a sequence.
absl::StatusOr<int64_t> ReadPosition(const std::string& path);
// As ReadPosition, for the content of a file already read; `path` names it
// in the error.
absl::StatusOr<int64_t> ParsePosition(absl::string_view content,
                                      absl::string_view path);
// Replaces a position file atomically and durably: a temporary file,
// fsync, rename over the old one, fsync of the directory. UNAVAILABLE
// naming the file and the system's reason when any step fails.
absl::Status WritePosition(const std::string& path, int64_t position);
// As WritePosition, for any small text.
absl::Status WriteDurably(const std::string& path, const std::string& text);

// The signed checkpoints a dispatcher delivers besides the events: the
// files the daemon writes into `directory` (checkpoint-<sequence>-<time>.txt,
// names that sort in log order), those `key` signed.
struct CheckpointFeed {
  std::string directory;  // empty: no checkpoints are delivered
  const checkpoint::PublicKey* key = nullptr;  // outlives the dispatcher
};

// Delivers the event log to HTTP receivers, at least once.
//
// One thread per webhook reads the log from the webhook's durable position,
// keeps the events its filter wants, and POSTs them in batches as
//   {"webhook": "<name>", "events": [<v1.Event as JSON>, ...]}
// (proto field names; 64-bit integers as strings, bytes in base64) with the
// header X-Motcua-Last-Sequence: the last sequence the batch covers. A 2xx
// answer acknowledges the batch: the position moves past it and is saved in
// <data_dir>/webhooks/<name>.position before the next batch. Anything else
// (another status, a refused connection, a timeout) is retried with the
// same batch after an exponential back-off with jitter, forever: no event
// is ever skipped, and a receiver sees an event again when its
// acknowledgement was lost or the daemon stopped before saving the
// position. Receivers deduplicate by `sequence`.
//
// Each signed checkpoint of the log is delivered to every webhook as a
// message of its own, once the webhook's position has reached the
// checkpoint's sequence (a receiver has had every event it covers first):
//   {"webhook": "<name>", "checkpoint": <v1.CheckpointReply as JSON>}
// with the header X-Motcua-Message: checkpoint (events batches carry
// X-Motcua-Message: events). Its `text` is the file `motcua audit verify
// --checkpoint` takes. Checkpoints are delivered at least once too, in the
// order of their files; the last acknowledged one is saved in
// <data_dir>/webhooks/<name>.checkpoint.
class Dispatcher {
 public:
  // Reads every webhook's position and starts its thread. `log` must
  // outlive the dispatcher (or Stop). FAILED_PRECONDITION when a position
  // file is unreadable, UNAVAILABLE when the directory cannot be created.
  static absl::StatusOr<std::unique_ptr<Dispatcher>> Start(
      const std::vector<config::ServerConfig::Webhook>& webhooks,
      const std::string& data_dir, store::LogReader* log,
      CheckpointFeed checkpoints = {});
  ~Dispatcher();  // Stop()
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // The log's head is now `head`: wakes the webhooks waiting for events.
  // Only takes locks and signals (safe from the store's commit observer).
  void Notify(int64_t head);
  // A checkpoint was written: wakes the webhooks to deliver it.
  void NotifyCheckpoint();

  // Wakes every thread out of its wait or back-off, abandons POSTs in
  // flight (their batches were not acknowledged, so they are sent again
  // after a restart) and joins the threads. Idempotent.
  void Stop();

  // One entry per webhook, in configuration order.
  std::vector<WebhookProgress> Progress() const;

 private:
  class Worker;
  Dispatcher() = default;

  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace motcua::webhooks

#endif  // MOTCUA_SERVICES_WEBHOOKS_WEBHOOKS_H_
