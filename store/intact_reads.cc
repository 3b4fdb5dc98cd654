#include "store/intact_reads.h"

#include <utility>

namespace motcua::store {

absl::StatusOr<IntactRead> ReadIntactEvents(LogReader& log,
                                            int64_t after_sequence,
                                            int64_t limit) {
  IntactRead read;
  absl::StatusOr<std::vector<StoredEvent>> events =
      log.ReadEvents(after_sequence, limit);
  if (events.ok()) {
    read.events = *std::move(events);
    return read;
  }
  if (!absl::IsDataLoss(events.status())) return events.status();
  // Only a damaged log gets here: read one event at a time up to the
  // damage, so that the events before it still arrive.
  int64_t position = after_sequence;
  while (static_cast<int64_t>(read.events.size()) < limit) {
    absl::StatusOr<std::vector<StoredEvent>> one = log.ReadEvents(position, 1);
    if (!one.ok()) {
      if (!absl::IsDataLoss(one.status())) return one.status();
      read.damage = one.status();
      break;
    }
    if (one->empty()) break;
    position = one->front().sequence;
    read.events.push_back(std::move(one->front()));
  }
  return read;
}

}  // namespace motcua::store
