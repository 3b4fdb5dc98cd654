#ifndef MOTCUA_SERVICES_SERVER_EVENT_HUB_H_
#define MOTCUA_SERVICES_SERVER_EVENT_HUB_H_

#include <cstdint>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace motcua::server {

// Something that waits for the log to grow: an event stream with nothing
// left to send.
class LogWaiter {
 public:
  virtual ~LogWaiter() = default;
  // Called on the hub's thread once the log has grown past the position the
  // waiter gave, or when the hub closes. The hub holds a reference from
  // WaitBeyond until after Wake returns (Ref/Unref), so the waiter outlives
  // the call.
  virtual void Wake() = 0;
  // Called on the hub's thread at the deadline given to WatchWrite: the
  // waiter ends itself if its write is still stuck, and returns the next
  // deadline to watch, if any. The hub holds a reference meanwhile.
  virtual std::optional<absl::Time> CheckWrite() = 0;
  virtual void Ref() = 0;
  virtual void Unref() = 0;
};

// Wakes event streams when the log grows. The store's writer tells the hub
// each committed head; streams read the log themselves, at their own pace,
// so a slow reader never slows the writer and history and live events come
// from the same reads (no gap, no duplicate at the seam).
class EventHub {
 public:
  explicit EventHub(int64_t head);
  ~EventHub();  // closes and joins the hub's thread
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // The log's head is now `head`: from the store's commit observer. Only
  // takes a lock and signals.
  void Notify(int64_t head);

  // Registers `waiter` to be woken once the head passes `after`. False
  // (and nothing registered) when it already has, or the hub is closed: the
  // caller reads again, or ends.
  bool WaitBeyond(LogWaiter* waiter, int64_t after);

  // Calls waiter->CheckWrite() at `deadline` (real time), and again at
  // each deadline it returns.
  void WatchWrite(LogWaiter* waiter, absl::Time deadline);
  // Wakes every waiter and wakes no one afterwards; releases the writes it
  // watched (the streams end anyway) and watches no more.
  void Close();
  bool closed() const;
  int64_t head() const;

 private:
  void Run();

  mutable absl::Mutex mu_;
  int64_t head_ ABSL_GUARDED_BY(mu_);
  int64_t lowest_wait_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_thread_ ABSL_GUARDED_BY(mu_) = false;
  struct Waiting {
    LogWaiter* waiter;
    int64_t after;
  };
  std::vector<Waiting> waiting_ ABSL_GUARDED_BY(mu_);
  struct Watched {
    LogWaiter* waiter;
    absl::Time deadline;
  };
  std::vector<Watched> watched_ ABSL_GUARDED_BY(mu_);
  // A deadline was added: the thread recomputes how long it may sleep.
  bool watch_added_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace motcua::server

#endif  // MOTCUA_SERVICES_SERVER_EVENT_HUB_H_
