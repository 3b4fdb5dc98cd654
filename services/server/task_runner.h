#ifndef MOTCUA_SERVICES_SERVER_TASK_RUNNER_H_
#define MOTCUA_SERVICES_SERVER_TASK_RUNNER_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace motcua::server {

// A few threads for work too slow for a gRPC callback thread. Tasks queued
// after Stop are dropped; Stop runs what was queued before it and joins.
class TaskRunner {
 public:
  explicit TaskRunner(int threads);
  ~TaskRunner();
  TaskRunner(const TaskRunner&) = delete;
  TaskRunner& operator=(const TaskRunner&) = delete;

  // False when stopped (the task did not and will not run).
  bool Post(std::function<void()> task);
  void Stop();

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace motcua::server

#endif  // MOTCUA_SERVICES_SERVER_TASK_RUNNER_H_
