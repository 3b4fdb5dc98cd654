#include "services/webhooks/webhooks.h"

#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/api/checkpoint_to_proto.h"
#include "services/api/to_proto.h"

namespace motcua::webhooks {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// While only filtered-out events go by, the position is saved at most this
// often: losing it costs a re-scan, never a delivery.
constexpr absl::Duration kSkippedSaveInterval = absl::Seconds(1);
// A waiting webhook reads the log again after this long even without a
// notification, so that a missed wake-up costs a second, not a stall.
constexpr absl::Duration kIdlePoll = absl::Seconds(1);
// How often a POST in flight looks whether the dispatcher is stopping.
constexpr std::chrono::milliseconds kStopCheck{50};

absl::Status SystemError(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

absl::Duration ToDuration(std::chrono::milliseconds duration) {
  return absl::Milliseconds(duration.count());
}

}  // namespace

absl::StatusOr<int64_t> ReadPosition(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error) && !error) return 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(absl::StrCat(
        "webhook position ", path, ": cannot read it: ", std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  return ParsePosition(content.str(), path);
}

absl::StatusOr<int64_t> ParsePosition(absl::string_view content,
                                      absl::string_view path) {
  int64_t position = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(content), &position) ||
      position < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "webhook position ", path,
        ": does not hold a sequence number; fix it or remove it (the "
        "webhook then starts again from the beginning of the log)"));
  }
  return position;
}

absl::Status WritePosition(const std::string& path, int64_t position) {
  return WriteDurably(path, absl::StrCat(position, "\n"));
}

namespace {

// Reads a whole small file; nullopt when it cannot be read.
std::optional<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// A checkpoint file waiting for delivery.
struct PendingCheckpoint {
  std::string name;  // the file's name, which orders checkpoints
  checkpoint::Checkpoint checkpoint;
};

}  // namespace

absl::Status WriteDurably(const std::string& path, const std::string& text) {
  const std::string temporary = absl::StrCat(path, ".tmp");
  const int fd =
      open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return SystemError("cannot create", temporary);
  const bool written =
      write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = written && fsync(fd) == 0;
  const int saved_errno = errno;
  close(fd);
  if (!synced) {
    errno = saved_errno;
    return SystemError("cannot write", temporary);
  }
  if (rename(temporary.c_str(), path.c_str()) != 0) {
    return SystemError("cannot rename over", path);
  }
  // The rename is only durable once the directory entry is on disk.
  const std::string directory =
      std::filesystem::path(path).parent_path().string();
  const int directory_fd = open(directory.c_str(), O_RDONLY | O_DIRECTORY);
  if (directory_fd < 0) return SystemError("cannot open", directory);
  const bool directory_synced = fsync(directory_fd) == 0;
  close(directory_fd);
  if (!directory_synced) return SystemError("cannot sync", directory);
  return absl::OkStatus();
}

class Dispatcher::Worker {
 public:
  Worker(config::ServerConfig::Webhook config, config::HttpUrl url,
         std::string position_path, int64_t position, int64_t head,
         store::LogReader* log, CheckpointFeed checkpoints,
         std::string checkpoint_path, std::string delivered_checkpoint)
      : config_(std::move(config)),
        url_(std::move(url)),
        position_path_(std::move(position_path)),
        types_(config_.types.begin(), config_.types.end()),
        log_(log),
        checkpoints_(std::move(checkpoints)),
        checkpoint_path_(std::move(checkpoint_path)),
        delivered_checkpoint_(std::move(delivered_checkpoint)),
        position_(position),
        head_(head) {}

  ~Worker() {
    Stop();
    Join();
  }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }

  void Notify(int64_t head) {
    absl::MutexLock lock(&mu_);
    if (head <= head_) return;
    head_ = head;
    wake_.SignalAll();
  }

  void NotifyCheckpoint() {
    absl::MutexLock lock(&mu_);
    ++checkpoint_generation_;
    wake_.SignalAll();
  }

  void Stop() {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    wake_.SignalAll();
  }

  void Join() {
    if (thread_.joinable()) thread_.join();
  }

  WebhookProgress Progress() const {
    WebhookProgress progress;
    progress.name = config_.name;
    progress.position = position_.load();
    progress.failures = failures_.load();
    progress.delivered_batches = delivered_.load();
    progress.stalled = stalled_.load();
    return progress;
  }

 private:
  void Run() {
    int64_t position = position_.load();
    int64_t saved_position = position;
    absl::Time saved_at = absl::Now();
    while (!stopping_.load()) {
      if (!DeliverCheckpoints(position)) break;  // stopping
      absl::StatusOr<store::IntactRead> read =
          store::ReadIntactEvents(*log_, position, config_.max_batch);
      if (!read.ok()) {
        spdlog::warn("webhook {}: cannot read the log after {}: {}",
                     config_.name, position, read.status().ToString());
        if (!Sleep(ToDuration(config_.max_backoff))) break;
        continue;
      }
      if (read->events.empty() && !read->damage.ok()) {
        // Every event before the damage was delivered; no retry gets past
        // it, so say so once and wait for the stop instead of looping.
        spdlog::error(
            "webhook {}: the log is damaged after sequence {}: {}; delivery "
            "stops here until the log is repaired and the daemon restarted",
            config_.name, position, std::string(read->damage.message()));
        stalled_ = true;
        if (saved_position != position && Save(position)) {
          saved_position = position;
        }
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](std::atomic<bool>* stopping) { return stopping->load(); },
            &stopping_));
        break;
      }
      std::vector<store::StoredEvent>* events = &read->events;
      if (events->empty()) {
        if (saved_position != position && Save(position)) {
          saved_position = position;
        }
        WaitBeyond(position);
        continue;
      }
      const int64_t last = events->back().sequence;
      std::string body;
      if (Batch(*events, body) == 0) {
        // Nothing here for this webhook: move on, and save now and then.
        position = last;
        position_ = position;
        if (absl::Now() - saved_at >= kSkippedSaveInterval && Save(position)) {
          saved_position = position;
          saved_at = absl::Now();
        }
        continue;
      }
      if (!Deliver(body,
                   {{"X-Motcua-Message", "events"},
                    {"X-Motcua-Last-Sequence", absl::StrCat(last)}},
                   absl::StrCat("events up to ", last))) {
        break;  // stopping: not acknowledged
      }
      position = last;
      position_ = position;
      // A failed save is logged and tried again with the next batch: until
      // then a restart re-delivers, which at-least-once allows.
      if (Save(position)) {
        saved_position = position;
        saved_at = absl::Now();
      }
    }
    if (saved_position != position) Save(position);
  }

  // Appends the events this webhook wants to `body` as the JSON document;
  // returns how many.
  int Batch(const std::vector<store::StoredEvent>& events, std::string& body) {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    options.always_print_primitive_fields = true;
    // The name needs no escaping: the configuration allows only letters,
    // digits, '.', '_' and '-'.
    body = absl::StrCat("{\"webhook\":\"", config_.name, "\",\"events\":[");
    int count = 0;
    for (const store::StoredEvent& stored : events) {
      const v1::Event event = api::EventToProto(stored, stored.agency);
      if (!types_.empty() && !types_.contains(event.type())) continue;
      if (!config_.agency.empty() && event.agency() != config_.agency) {
        continue;
      }
      std::string json;
      const auto printed =
          google::protobuf::util::MessageToJsonString(event, &json, options);
      if (!printed.ok()) {
        // Cannot happen for a message built here; skipping would lose the
        // event, so fail loudly rather than silently.
        spdlog::error("webhook {}: cannot print event {} as JSON: {}",
                      config_.name, stored.sequence, printed.ToString());
      }
      if (count > 0) body += ",";
      body += json;
      ++count;
    }
    body += "]}";
    return count;
  }

  // Delivers the checkpoints written since the last one acknowledged, up to
  // the first whose sequence is beyond `position` (its events come first).
  // The directory is read again only when a checkpoint was signed. False
  // when the dispatcher stops.
  bool DeliverCheckpoints(int64_t position) {
    if (checkpoints_.directory.empty()) return true;
    uint64_t generation = 0;
    {
      absl::MutexLock lock(&mu_);
      generation = checkpoint_generation_;
    }
    if (generation != scanned_generation_) {
      pending_checkpoints_ = PendingCheckpoints();
      scanned_generation_ = generation;
    }
    while (!pending_checkpoints_.empty() &&
           pending_checkpoints_.front().checkpoint.sequence <= position) {
      const PendingCheckpoint& next = pending_checkpoints_.front();
      google::protobuf::util::JsonPrintOptions options;
      options.preserve_proto_field_names = true;
      std::string json;
      const auto printed = google::protobuf::util::MessageToJsonString(
          api::CheckpointToProto(next.checkpoint, *checkpoints_.key), &json,
          options);
      if (!printed.ok()) {
        spdlog::error("webhook {}: cannot print checkpoint {} as JSON: {}",
                      config_.name, next.name, printed.ToString());
      }
      const std::string body = absl::StrCat("{\"webhook\":\"", config_.name,
                                            "\",\"checkpoint\":", json, "}");
      if (!Deliver(body, {{"X-Motcua-Message", "checkpoint"}},
                   absl::StrCat("checkpoint ", next.name))) {
        return false;
      }
      delivered_checkpoint_ = next.name;
      // A failed save is logged; a restart then delivers it again.
      if (absl::Status saved =
              WriteDurably(checkpoint_path_, delivered_checkpoint_ + "\n");
          !saved.ok()) {
        spdlog::error("webhook {}: {}", config_.name, saved.ToString());
      }
      pending_checkpoints_.pop_front();
    }
    return true;
  }

  // The checkpoint files after the last one acknowledged, in order; files
  // that do not parse or are not signed by the key are skipped with a
  // warning.
  std::deque<PendingCheckpoint> PendingCheckpoints() const {
    std::vector<std::string> names;
    std::error_code error;
    for (const auto& entry :
         std::filesystem::directory_iterator(checkpoints_.directory, error)) {
      std::string name = entry.path().filename().string();
      if (absl::StartsWith(name, "checkpoint-") &&
          absl::EndsWith(name, ".txt") && name > delivered_checkpoint_) {
        names.push_back(std::move(name));
      }
    }
    if (error) {
      spdlog::warn("webhook {}: cannot list checkpoints in {}: {}",
                   config_.name, checkpoints_.directory, error.message());
    }
    std::sort(names.begin(), names.end());
    std::deque<PendingCheckpoint> pending;
    for (std::string& name : names) {
      const std::string path =
          (std::filesystem::path(checkpoints_.directory) / name).string();
      const std::optional<std::string> text = ReadWhole(path);
      if (!text.has_value()) continue;  // gone since the listing
      absl::StatusOr<checkpoint::Checkpoint> parsed =
          checkpoint::Parse(*text, path);
      absl::Status checked =
          parsed.ok() ? checkpoints_.key->Verify(*parsed) : parsed.status();
      if (!checked.ok()) {
        spdlog::warn("webhook {}: not delivering {}: {}", config_.name, path,
                     std::string(checked.message()));
        continue;
      }
      pending.push_back({std::move(name), *std::move(parsed)});
    }
    return pending;
  }

  // POSTs until a 2xx answer (true) or the dispatcher stops (false).
  // `what` names the message in the log.
  bool Deliver(const std::string& body,
               const std::vector<std::pair<std::string, std::string>>& headers,
               const std::string& what) {
    std::mt19937_64 random(std::random_device{}());
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    absl::Duration backoff = ToDuration(config_.initial_backoff);
    const absl::Duration max_backoff = ToDuration(config_.max_backoff);
    for (;;) {
      const absl::Status posted = Post(body, headers);
      if (posted.ok()) {
        ++delivered_;
        return true;
      }
      if (stopping_.load()) return false;
      ++failures_;
      // Jitter keeps many daemons (or webhooks) from retrying in step
      // against a receiver that has just come back.
      const absl::Duration wait = backoff * jitter(random);
      spdlog::warn("webhook {}: {} ({}); retrying in {}", config_.name,
                   std::string(posted.message()), what,
                   absl::FormatDuration(wait));
      if (!Sleep(wait)) return false;
      backoff = std::min(backoff * 2, max_backoff);
    }
  }

  // One POST with the request timeout. OK for a 2xx answer.
  absl::Status Post(
      const std::string& body,
      const std::vector<std::pair<std::string, std::string>>& headers) {
    asio::io_context io;
    tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    http::request<http::string_body> request{http::verb::post, url_.target, 11};
    request.set(
        http::field::host,
        url_.port == 80 ? url_.host : absl::StrCat(url_.host, ":", url_.port));
    request.set(http::field::user_agent, "motcuad");
    request.set(http::field::content_type, "application/json");
    request.set("X-Motcua-Webhook", config_.name);
    for (const auto& [name, value] : headers) request.set(name, value);
    request.keep_alive(false);
    request.body() = body;
    request.prepare_payload();
    beast::flat_buffer buffer;
    http::response<http::string_body> response;

    bool done = false;
    beast::error_code result;
    absl::string_view failed_at = "resolve";
    auto finish = [&](beast::error_code error) {
      result = error;
      done = true;
    };
    stream.expires_after(config_.request_timeout);
    resolver.async_resolve(
        url_.host, std::to_string(url_.port),
        [&](beast::error_code resolved, tcp::resolver::results_type results) {
          if (resolved) return finish(resolved);
          failed_at = "connect";
          stream.async_connect(
              results, [&](beast::error_code connected, const tcp::endpoint&) {
                if (connected) return finish(connected);
                failed_at = "send";
                http::async_write(
                    stream, request, [&](beast::error_code sent, size_t) {
                      if (sent) return finish(sent);
                      failed_at = "read the answer";
                      http::async_read(stream, buffer, response,
                                       [&](beast::error_code read, size_t) {
                                         finish(read);
                                       });
                    });
              });
        });
    // The stream's timer bounds connect, send and read; the deadline also
    // bounds name resolution.
    const absl::Time deadline =
        absl::Now() + ToDuration(config_.request_timeout);
    while (!done && !io.stopped() && !stopping_.load()) {
      if (absl::Now() > deadline) {
        failed_at = "finish in time";
        break;
      }
      io.run_for(kStopCheck);
    }
    if (!done) {
      beast::error_code ignored;
      stream.socket().close(ignored);
      resolver.cancel();
      return absl::DeadlineExceededError(
          absl::StrCat(config_.url, ": did not ", failed_at));
    }
    if (result) {
      return absl::UnavailableError(absl::StrCat(
          config_.url, ": cannot ", failed_at, ": ", result.message()));
    }
    const unsigned status = response.result_int();
    if (status < 200 || status > 299) {
      return absl::UnavailableError(
          absl::StrCat(config_.url, " answered ", status, " ",
                       std::string(response.reason())));
    }
    return absl::OkStatus();
  }

  bool Save(int64_t position) {
    const absl::Status saved = WritePosition(position_path_, position);
    if (!saved.ok()) {
      spdlog::error("webhook {}: {}", config_.name, saved.ToString());
    }
    return saved.ok();
  }

  // Waits until the log grows past `after`, the dispatcher stops, or
  // kIdlePoll passes.
  void WaitBeyond(int64_t after) {
    absl::MutexLock lock(&mu_);
    const absl::Time until = absl::Now() + kIdlePoll;
    const uint64_t generation = checkpoint_generation_;
    while (!stopping_.load() && head_ <= after &&
           checkpoint_generation_ == generation) {
      const absl::Duration left = until - absl::Now();
      if (left <= absl::ZeroDuration()) break;
      wake_.WaitWithTimeout(&mu_, left);
    }
  }

  // False when the dispatcher stopped during the sleep.
  bool Sleep(absl::Duration duration) {
    absl::MutexLock lock(&mu_);
    const absl::Time until = absl::Now() + duration;
    while (!stopping_.load()) {
      const absl::Duration left = until - absl::Now();
      if (left <= absl::ZeroDuration()) return true;
      wake_.WaitWithTimeout(&mu_, left);
    }
    return false;
  }

  const config::ServerConfig::Webhook config_;
  const config::HttpUrl url_;
  const std::string position_path_;
  const absl::flat_hash_set<std::string> types_;
  store::LogReader* const log_;
  const CheckpointFeed checkpoints_;
  const std::string checkpoint_path_;
  // Only the worker's thread uses these.
  std::string delivered_checkpoint_;  // the last acknowledged file name
  std::deque<PendingCheckpoint> pending_checkpoints_;
  uint64_t scanned_generation_ = 0;

  std::atomic<int64_t> position_;
  std::atomic<uint64_t> failures_{0};
  std::atomic<uint64_t> delivered_{0};
  // Stopped at a damaged event of the log.
  std::atomic<bool> stalled_{false};
  // Set under mu_ so that waits see it; read without it elsewhere.
  std::atomic<bool> stopping_{false};

  absl::Mutex mu_;
  absl::CondVar wake_;
  int64_t head_ ABSL_GUARDED_BY(mu_);
  // Moves on each signed checkpoint; starts ahead of scanned_generation_ so
  // that the directory is read once at start.
  uint64_t checkpoint_generation_ ABSL_GUARDED_BY(mu_) = 1;
  std::thread thread_;
};

absl::StatusOr<std::unique_ptr<Dispatcher>> Dispatcher::Start(
    const std::vector<config::ServerConfig::Webhook>& webhooks,
    const std::string& data_dir, store::LogReader* log,
    CheckpointFeed checkpoints) {
  std::unique_ptr<Dispatcher> dispatcher(new Dispatcher());
  if (webhooks.empty()) return dispatcher;
  const std::filesystem::path directory =
      std::filesystem::path(data_dir) / "webhooks";
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(
        "webhooks: cannot create ", directory.string(), ": ", error.message()));
  }
  absl::StatusOr<int64_t> head = log->LastSequence();
  if (!head.ok()) return head.status();
  for (const config::ServerConfig::Webhook& webhook : webhooks) {
    absl::StatusOr<config::HttpUrl> url = config::ParseHttpUrl(webhook.url);
    if (!url.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "webhook ", webhook.name, ": url ", url.status().message()));
    }
    const std::string path =
        (directory / absl::StrCat(webhook.name, ".position")).string();
    absl::StatusOr<int64_t> position = ReadPosition(path);
    if (!position.ok()) return position.status();
    // The last checkpoint acknowledged: a file name, or nothing yet.
    const std::string checkpoint_path =
        (directory / absl::StrCat(webhook.name, ".checkpoint")).string();
    std::string delivered_checkpoint(
        absl::StripAsciiWhitespace(ReadWhole(checkpoint_path).value_or("")));
    if (*position > *head) {
      spdlog::warn(
          "webhook {}: saved position {} is beyond the log's head {} (a "
          "different database?); waiting for the log to pass it",
          webhook.name, *position, *head);
    }
    spdlog::info("webhook {}: delivering to {} after sequence {}", webhook.name,
                 webhook.url, *position);
    dispatcher->workers_.push_back(std::make_unique<Worker>(
        webhook, *std::move(url), path, *position, *head, log,
        checkpoints.key != nullptr ? checkpoints : CheckpointFeed{},
        checkpoint_path, std::move(delivered_checkpoint)));
  }
  for (const std::unique_ptr<Worker>& worker : dispatcher->workers_) {
    worker->Start();
  }
  return dispatcher;
}

Dispatcher::~Dispatcher() { Stop(); }

void Dispatcher::Notify(int64_t head) {
  for (const std::unique_ptr<Worker>& worker : workers_) worker->Notify(head);
}

void Dispatcher::NotifyCheckpoint() {
  for (const std::unique_ptr<Worker>& worker : workers_) {
    worker->NotifyCheckpoint();
  }
}

void Dispatcher::Stop() {
  // Every thread is told first, so that they wind down together.
  for (const std::unique_ptr<Worker>& worker : workers_) worker->Stop();
  for (const std::unique_ptr<Worker>& worker : workers_) worker->Join();
}

std::vector<WebhookProgress> Dispatcher::Progress() const {
  std::vector<WebhookProgress> progress;
  progress.reserve(workers_.size());
  for (const std::unique_ptr<Worker>& worker : workers_) {
    progress.push_back(worker->Progress());
  }
  return progress;
}

}  // namespace motcua::webhooks
