#ifndef MOTCUA_STORE_INTACT_READS_H_
#define MOTCUA_STORE_INTACT_READS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/log_reader.h"
#include "store/types.h"

namespace motcua::store {

// A read of the log that stopped at a damaged event, if any.
struct IntactRead {
  // The events read, in order, all before the damage.
  std::vector<StoredEvent> events;
  // OK; or DATA_LOSS naming the first event after them that cannot be
  // decoded: the log is damaged there and no later read gets past it.
  absl::Status damage;
};

// As LogReader::ReadEvents, but an event that cannot be decoded does not
// hide the events before it: they are returned, with the damage. Other
// errors (the database unreadable) are returned as they are.
absl::StatusOr<IntactRead> ReadIntactEvents(LogReader& log,
                                            int64_t after_sequence,
                                            int64_t limit);

}  // namespace motcua::store

#endif  // MOTCUA_STORE_INTACT_READS_H_
