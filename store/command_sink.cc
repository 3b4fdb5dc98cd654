#include "store/command_sink.h"

#include <utility>

#include "absl/synchronization/notification.h"

namespace motcua::store {

CommandOutcome CommandSink::ExecuteAndWait(CommandRequest request) {
  absl::Notification finished;
  CommandOutcome result;
  absl::Status queued =
      Execute(std::move(request), [&](CommandOutcome outcome) {
        result = std::move(outcome);
        finished.Notify();
      });
  if (!queued.ok()) return CommandOutcome::Refusal(std::move(queued));
  finished.WaitForNotification();
  return result;
}

}  // namespace motcua::store
