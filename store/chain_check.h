#ifndef MOTCUA_STORE_CHAIN_CHECK_H_
#define MOTCUA_STORE_CHAIN_CHECK_H_

// The hash chain's check over ranges of the log, whatever backend the events
// are read from: audit verify on SQLite (two ranges read in parallel) and on
// PostgreSQL (one range, a page at a time) feed events into a RangeCheck and
// conclude the same way, so both name the same first problem.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "store/audit.h"
#include "store/hash_chain.h"

namespace motcua::store {

// What one range of the log showed.
struct RangeCheck {
  int64_t events = 0;
  int64_t first_sequence = 0;       // 0 when the range was empty
  std::string first_previous_hash;  // the first event's stored link
  int64_t last_sequence = 0;
  std::string last_hash;
  std::optional<int64_t> beyond_head;
  int64_t bad_sequence = 0;  // the first problem in the range, if any
  std::string problem;

  // Checks the next event of the range, in order: its hash against its
  // content, and its link to the event before it (from the second event of
  // the range on; the caller checks the first link). False once a problem
  // is found: the range's check ends there.
  bool Add(const ChainedFields& fields, absl::string_view stored_previous,
           absl::string_view stored_hash, int64_t head_sequence,
           std::string& scratch);
};

// The first problem in log order over two consecutive ranges checked
// apart (`first` may be empty), the first of which should link to
// `previous_hash` (the event `previous_sequence`'s, or the genesis), then
// the recorded head.
VerifyReport Conclude(const RangeCheck& first, const RangeCheck& second,
                      int64_t previous_sequence, std::string previous_hash,
                      int64_t head_sequence, const std::string& head_hash,
                      VerifyReport report);

}  // namespace motcua::store

#endif  // MOTCUA_STORE_CHAIN_CHECK_H_
