#include "services/server/event_hub.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace motcua::server {

EventHub::EventHub(int64_t head)
    : head_(head), lowest_wait_(std::numeric_limits<int64_t>::max()) {
  thread_ = std::thread([this] { Run(); });
}

EventHub::~EventHub() {
  Close();
  {
    absl::MutexLock lock(&mu_);
    stop_thread_ = true;
  }
  thread_.join();
}

void EventHub::Notify(int64_t head) {
  absl::MutexLock lock(&mu_);
  if (head > head_) head_ = head;
}

bool EventHub::WaitBeyond(LogWaiter* waiter, int64_t after) {
  absl::MutexLock lock(&mu_);
  if (closed_ || head_ > after) return false;
  waiter->Ref();
  waiting_.push_back(Waiting{waiter, after});
  if (after < lowest_wait_) lowest_wait_ = after;
  return true;
}

void EventHub::WatchWrite(LogWaiter* waiter, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  if (closed_) return;  // the server is stopping: every stream ends anyway
  waiter->Ref();
  watched_.push_back(Watched{waiter, deadline});
  watch_added_ = true;
}

void EventHub::Close() {
  std::vector<Watched> released;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    released.swap(watched_);
  }
  // Now, while the server that owns the streams is still whole.
  for (Watched& watched : released) watched.waiter->Unref();
}

bool EventHub::closed() const {
  absl::MutexLock lock(&mu_);
  return closed_;
}

int64_t EventHub::head() const {
  absl::MutexLock lock(&mu_);
  return head_;
}

void EventHub::Run() {
  while (true) {
    std::vector<Waiting> due;
    std::vector<Watched> expired;
    bool stopping = false;
    {
      absl::MutexLock lock(&mu_);
      // Wake when some waiter's position has been passed, on closing, or at
      // the earliest write deadline.
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stop_thread_ || watch_added_ ||
               (!waiting_.empty() && (closed_ || head_ > lowest_wait_));
      };
      if (watched_.empty()) {
        mu_.Await(absl::Condition(&ready));
      } else {
        absl::Time earliest = absl::InfiniteFuture();
        for (const Watched& watched : watched_) {
          earliest = std::min(earliest, watched.deadline);
        }
        mu_.AwaitWithDeadline(absl::Condition(&ready), earliest);
      }
      watch_added_ = false;
      stopping = stop_thread_;
      if (stopping && waiting_.empty() && watched_.empty()) return;
      std::vector<Waiting> still;
      lowest_wait_ = std::numeric_limits<int64_t>::max();
      for (Waiting& waiting : waiting_) {
        if (closed_ || stop_thread_ || head_ > waiting.after) {
          due.push_back(waiting);
        } else {
          if (waiting.after < lowest_wait_) lowest_wait_ = waiting.after;
          still.push_back(waiting);
        }
      }
      waiting_ = std::move(still);
      const absl::Time now = absl::Now();
      std::vector<Watched> watching;
      for (Watched& watched : watched_) {
        (stopping || watched.deadline <= now ? expired : watching)
            .push_back(watched);
      }
      watched_ = std::move(watching);
    }
    // Outside the lock: a woken stream reads the log and may wait again.
    for (Waiting& waiting : due) {
      waiting.waiter->Wake();
      waiting.waiter->Unref();
    }
    for (Watched& watched : expired) {
      const std::optional<absl::Time> next =
          stopping ? std::nullopt : watched.waiter->CheckWrite();
      bool kept = false;
      if (next.has_value()) {
        absl::MutexLock lock(&mu_);
        if (!closed_) {
          watched_.push_back(Watched{watched.waiter, *next});  // keeps the ref
          kept = true;
        }
      }
      if (!kept) watched.waiter->Unref();
    }
  }
}

}  // namespace motcua::server
