#ifndef MOTCUA_SERVICES_API_FROM_PROTO_H_
#define MOTCUA_SERVICES_API_FROM_PROTO_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/dossier.h"
#include "engine/rules.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "motcua/v1/service.pb.h"
#include "services/api/proto_time.h"
#include "store/types.h"

namespace motcua::api {

// Requests of the API (motcua.v1) translated into the engine's and the
// store's types. Every refusal is INVALID_ARGUMENT and its message starts
// with the field path as the request spells it ("request_supplement.missing:
// at least one entry"), so a client can point at the field.
//
// What is checked here is the shape of a request: presence, lengths,
// characters, enum values, timestamps. What depends on the dossier, the
// rules or the time of the decision (an unknown procedure, a receipt in the
// future, an appointment before the due time, the lifecycle state) is left
// to the engine's Decide, whose messages name the same fields. Anything
// accepted here that Decide would refuse as malformed is refused here first:
// the two agree on every rule both check.

// Codes and ids (dossier, procedure, agency, step, unit, request id): 1 to
// 128 bytes of valid UTF-8 without control characters, without format
// characters (Unicode Cf: zero-width space, bidirectional overrides, the
// byte-order mark, ...), without spaces other than U+0020, and without a
// space at either end: codes are printed and typed again by people, and two
// that look alike must be the same. Bytes, as the engine counts them; codes
// are ASCII in practice, where bytes are characters.
inline constexpr size_t kMaxCodeLength = 128;
// Free text (summary, note, reason, result, description, missing entries):
// up to 1000 characters (Unicode code points) of valid UTF-8; tab, line feed
// and carriage return are the only control characters allowed.
inline constexpr size_t kMaxTextLength = 1000;
// Entries of request_supplement.missing.
inline constexpr size_t kMaxMissingEntries = 50;
// Page sizes of the list RPCs: 1..1000, 0 meaning the default.
inline constexpr int32_t kDefaultPageSize = 100;
inline constexpr int32_t kMaxPageSize = 1000;

// Whether an empty value is refused.
enum class Presence {
  kRequired,  // empty: "<field>: must not be empty"
  kOptional,  // empty is accepted
};

// Checks a code or id against the rules above. INVALID_ARGUMENT naming
// `field` otherwise.
absl::Status CheckCode(absl::string_view value, absl::string_view field,
                       Presence presence);
// Checks free text against the rules above. INVALID_ARGUMENT naming `field`
// otherwise.
absl::Status CheckText(absl::string_view value, absl::string_view field,
                       Presence presence);

// The Submit command of `request`, on behalf of `actor` (the authenticated
// caller, copied into the command). The time of the decision is the
// store's, not chosen here. INVALID_ARGUMENT naming the field: dossier_code,
// procedure_code, agency, channel, received_at, summary, options.request_id,
// options.expected_version.
absl::StatusOr<store::CommandRequest> SubmitFromProto(
    const v1::SubmitRequest& request, absl::string_view actor);

// The lifecycle action of `request`, on behalf of `actor`. INVALID_ARGUMENT
// naming the field: dossier_code, options.*, "action: no action set", or a
// field of the action ("stop.reason: must not be empty",
// "apologise.new_appointment: required", "request_supplement.missing[3]:
// must not be empty", ...).
absl::StatusOr<store::CommandRequest> ActFromProto(
    const v1::ActRequest& request, absl::string_view actor);

// The channel of receipt. INVALID_ARGUMENT naming `field` for
// CHANNEL_UNSPECIFIED and for a number the API does not define.
absl::StatusOr<Channel> ChannelFromProto(v1::Channel channel,
                                         absl::string_view field);

// A state filter: nullopt (any state) for DOSSIER_STATE_UNSPECIFIED.
// INVALID_ARGUMENT naming `field` for a number the API does not define.
absl::StatusOr<std::optional<LifecycleState>> StateFilterFromProto(
    v1::DossierState state, absl::string_view field);

// A page size: 0 is kDefaultPageSize, 1..kMaxPageSize as given.
// INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<int32_t> PageSizeFromProto(int32_t page_size,
                                          absl::string_view field);
// The same for other bounded counts (ReadEventsRequest.limit: default 1000,
// at most 10000): 0 is `default_value`, 1..max_value as given.
absl::StatusOr<int32_t> LimitFromProto(int32_t value, absl::string_view field,
                                       int32_t default_value,
                                       int32_t max_value);

// An instant. INVALID_ARGUMENT naming `field` when the seconds fall outside
// 1970-01-01T00:00:00Z..9999-12-31T23:59:59Z or the nanos outside
// 0..999999999. Presence is the caller's to check (has_<field>()).
absl::StatusOr<absl::Time> TimeFromProto(
    const google::protobuf::Timestamp& timestamp, absl::string_view field);

// A duration. INVALID_ARGUMENT naming `field` when the seconds exceed
// ±315576000000 (10000 years), the nanos exceed ±999999999, or the two have
// different signs.
absl::StatusOr<absl::Duration> DurationFromProto(
    const google::protobuf::Duration& duration, absl::string_view field);

// A day "YYYY-MM-DD" of the years 1970 to 9999 (a day that exists).
// INVALID_ARGUMENT naming `field` otherwise, or when empty.
absl::StatusOr<absl::CivilDay> DayFromProto(absl::string_view text,
                                            absl::string_view field);

// The longest report period: ten years of days.
inline constexpr int64_t kMaxReportDays = 3660;

// The report query of `request`; its agency is the request's, to be scoped
// by the caller. INVALID_ARGUMENT naming the field: from_day, to_day (before
// from_day, or a period longer than kMaxReportDays), group_by, agency,
// count_at.
absl::StatusOr<store::ReportQuery> ReportQueryFromProto(
    const v1::ReportRequest& request);

// Rule files sent to ValidateRules: at most kMaxRuleFiles, each path 1 to
// kMaxRulePathLength bytes of printable UTF-8, relative (no leading "/", no
// "..", no backslash), ending in .yaml or .yml as the rules directory's
// files do; each content at most kMaxRuleFileBytes (its text is the rule
// loader's to check: problems are answered, not refused). INVALID_ARGUMENT
// naming "files", "files[i].path" or "files[i].content".
inline constexpr int kMaxRuleFiles = 1000;
inline constexpr size_t kMaxRulePathLength = 256;
// The text of one rule file: 1 MiB (the shipped files are a few KiB).
inline constexpr size_t kMaxRuleFileBytes = 1 << 20;
absl::StatusOr<std::vector<RuleSource>> RuleSourcesFromProto(
    const v1::ValidateRulesRequest& request);

}  // namespace motcua::api

#endif  // MOTCUA_SERVICES_API_FROM_PROTO_H_
