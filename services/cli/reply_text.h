#ifndef MOTCUA_SERVICES_CLI_REPLY_TEXT_H_
#define MOTCUA_SERVICES_CLI_REPLY_TEXT_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "motcua/v1/service.pb.h"
#include "services/api/proto_time.h"

namespace motcua::cli {

// The API's replies (motcua.v1) rendered for people, in the layout of the
// offline commands (services/text): times at UTC+07:00 as ISO 8601,
// working durations as "2h30m". Pure formatting.

// The API's own conversions (services/api/proto_time.h), for the client's
// commands.
using api::DurationFromProto;
using api::DurationToProto;
using api::TimeFromProto;
using api::TimeToProto;

// "2025-03-10T09:00:00+07:00".
std::string TimeText(const google::protobuf::Timestamp& timestamp);
// "2h30m", "-1h05m".
std::string DurationText(const google::protobuf::Duration& duration);

// Enum values as the engine names them: "PROCESSING", "in_person", "on_time".
std::string StateText(v1::DossierState state);
std::string ChannelText(v1::Channel channel);
std::string ClassificationText(v1::Classification classification);

// The dossier block of `motcua get`, `as-of`, `act` and of the offline
// `motcua audit events` and `audit replay --as-of` (which convert the
// engine's dossier without rules: no working time left, open steps
// uncounted): the one way a dossier is shown to people.
void PrintDossier(const v1::Dossier& dossier, std::ostream& out);

// One line per event: "#12 HS-001 v2 2025-03-10T09:00:00+07:00 alice:
// handed over to ...".
std::string EventLine(const v1::Event& event);

// Columns padded to their widest cell, two spaces apart; the first row is
// the header.
void PrintTable(const std::vector<std::vector<std::string>>& rows,
                std::ostream& out);

// The message as one line of JSON (protobuf's JSON mapping with the proto
// field names; fields at their default value are printed too).
std::string JsonLine(const google::protobuf::Message& message);

}  // namespace motcua::cli

#endif  // MOTCUA_SERVICES_CLI_REPLY_TEXT_H_
