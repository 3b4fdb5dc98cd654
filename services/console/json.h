#ifndef MOTCUA_SERVICES_CONSOLE_JSON_H_
#define MOTCUA_SERVICES_CONSOLE_JSON_H_

// The console's JSON: API messages printed with protobuf's JSON utilities
// (field names as in the .proto), with times and durations made readable
// for people in Vietnam, and requests read from a URL's query.

#include <google/protobuf/message.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace motcua::console {

// `message` as JSON, every field printed (zeros too). Each Timestamp is
// ISO 8601 at +07:00 ("2026-11-16T17:00:00+07:00"); each Duration an
// object {"seconds": 9000, "text": "2h30m"} (working time, or calendar
// time with days for the fields named calendar_*).
std::string ToJson(const google::protobuf::Message& message);

// The query's parameters, percent-decoded, in order. INVALID_ARGUMENT for
// a malformed escape.
absl::Status ParseQuery(
    absl::string_view query,
    std::vector<std::pair<std::string, std::string>>* parameters);

// Fills `request` from query parameters named as the request's fields
// (as in the .proto); a repeated field takes the parameter repeatedly.
// Values are written as protobuf's JSON writes them: enums by name
// (kind=DEADLINE_KIND_STEP), durations in seconds ("3600s"), times in
// RFC 3339 ("2026-11-16T17:00:00+07:00"). INVALID_ARGUMENT naming the
// parameter for an unknown one, one given twice, or a value that does not
// parse.
absl::Status FromQuery(
    const std::vector<std::pair<std::string, std::string>>& parameters,
    google::protobuf::Message* request);

}  // namespace motcua::console

#endif  // MOTCUA_SERVICES_CONSOLE_JSON_H_
