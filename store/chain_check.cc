#include "store/chain_check.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace motcua::store {

bool RangeCheck::Add(const ChainedFields& fields,
                     absl::string_view stored_previous,
                     absl::string_view stored_hash, int64_t head_sequence,
                     std::string& scratch) {
  ++events;
  if (first_sequence == 0) {
    first_sequence = fields.sequence;
    first_previous_hash = std::string(stored_previous);
  } else if (stored_previous != last_hash) {
    bad_sequence = fields.sequence;
    problem = absl::StrCat(
        "event ", fields.sequence, " does not link to event ", last_sequence,
        " before it: events between them were removed, or it was inserted");
    return false;
  }
  if (ChainHash(stored_previous, fields, scratch) != stored_hash) {
    bad_sequence = fields.sequence;
    problem = absl::StrCat("event ", fields.sequence,
                           " was altered: its hash does not match "
                           "its content");
    return false;
  }
  if (fields.sequence > head_sequence && !beyond_head.has_value()) {
    beyond_head = fields.sequence;
  }
  last_hash.assign(stored_hash.data(), stored_hash.size());
  last_sequence = fields.sequence;
  return true;
}

VerifyReport Conclude(const RangeCheck& first, const RangeCheck& second,
                      int64_t previous_sequence, std::string previous_hash,
                      int64_t head_sequence, const std::string& head_hash,
                      VerifyReport report) {
  report.events_checked = first.events + second.events;
  // The first problem in log order: the first half's, then the links
  // (the log's start, the seam), then the second half's. events_checked
  // counts the events up to the one named, as a single pass would have.
  const RangeCheck& opening = first.events > 0 ? first : second;
  if (!first.problem.empty()) {
    report.events_checked = first.events;
    report.first_bad_sequence = first.bad_sequence;
    report.problem = first.problem;
    return report;
  }
  if (opening.events > 0 && opening.first_previous_hash != previous_hash) {
    report.events_checked = 1;
    report.first_bad_sequence = opening.first_sequence;
    report.problem = absl::StrCat(
        "event ", opening.first_sequence,
        previous_sequence == 0
            ? " is first in the log but does not start the chain: events "
              "before it were removed, or it was inserted"
            : absl::StrCat(" does not link to event ", previous_sequence,
                           " before it: events between them were removed, "
                           "or it was inserted"));
    return report;
  }
  if (first.events > 0) {
    previous_hash = first.last_hash;
    previous_sequence = first.last_sequence;
    if (second.events > 0 && second.first_previous_hash != previous_hash) {
      report.events_checked = first.events + 1;
      report.first_bad_sequence = second.first_sequence;
      report.problem = absl::StrCat(
          "event ", second.first_sequence, " does not link to event ",
          previous_sequence,
          " before it: events between them were removed, or it was inserted");
      return report;
    }
  }
  if (!second.problem.empty()) {
    report.first_bad_sequence = second.bad_sequence;
    report.problem = second.problem;
    return report;
  }
  if (second.events > 0) {
    previous_hash = second.last_hash;
    previous_sequence = second.last_sequence;
  }
  const std::optional<int64_t> beyond_head =
      first.beyond_head.has_value() ? first.beyond_head : second.beyond_head;
  if (beyond_head.has_value()) {
    report.first_bad_sequence = *beyond_head;
    report.problem = absl::StrCat(
        "event ", *beyond_head, " lies beyond the log's recorded head (event ",
        head_sequence, "): it was appended outside motcua");
  } else if (previous_sequence != head_sequence) {
    report.first_bad_sequence = head_sequence;
    report.problem =
        absl::StrCat("the log's recorded head is event ", head_sequence,
                     " but the log ends at event ", previous_sequence,
                     ": events were removed from the end");
  } else if (previous_hash != head_hash) {
    report.first_bad_sequence = head_sequence;
    report.problem = absl::StrCat("event ", head_sequence,
                                  " does not match the log's recorded head");
  }
  return report;
}

}  // namespace motcua::store
