#include "services/console/json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "engine/time_format.h"

namespace motcua::console {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using Json = nlohmann::ordered_json;

constexpr int32_t kVietnamOffsetSeconds = 7 * 3600;

bool IsTimestamp(const Descriptor* type) {
  return type == google::protobuf::Timestamp::descriptor();
}
bool IsDuration(const Descriptor* type) {
  return type == google::protobuf::Duration::descriptor();
}

Json TimeJson(const Message& message) {
  const auto& timestamp =
      static_cast<const google::protobuf::Timestamp&>(message);
  const absl::Time time = absl::FromUnixSeconds(timestamp.seconds()) +
                          absl::Nanoseconds(timestamp.nanos());
  return FormatInstant(time, FixedZone(kVietnamOffsetSeconds));
}

Json DurationJson(const Message& message, bool calendar) {
  const auto& proto = static_cast<const google::protobuf::Duration&>(message);
  const absl::Duration duration =
      absl::Seconds(proto.seconds()) + absl::Nanoseconds(proto.nanos());
  Json out = Json::object();
  out["seconds"] = proto.nanos() == 0 ? Json(proto.seconds())
                                      : Json(absl::ToDoubleSeconds(duration));
  out["text"] = calendar ? FormatCalendarDuration(duration)
                         : FormatWorkingDuration(duration);
  return out;
}

// The JSON of a value of message type `message` as `printed` holds it,
// with the times and durations within rewritten.
void Rewrite(const Message& message, Json& printed);

void RewriteValue(const FieldDescriptor* field, const Message& value,
                  Json& printed) {
  const Descriptor* type = field->message_type();
  if (IsTimestamp(type)) {
    printed = TimeJson(value);
  } else if (IsDuration(type)) {
    printed = DurationJson(value, absl::StartsWith(field->name(), "calendar"));
  } else {
    Rewrite(value, printed);
  }
}

void Rewrite(const Message& message, Json& printed) {
  if (!printed.is_object()) return;
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    auto found = printed.find(field->name());
    if (found == printed.end()) continue;
    if (field->is_map()) {
      // Entries print as an object keyed by the entry's key.
      const FieldDescriptor* key = field->message_type()->map_key();
      const FieldDescriptor* value = field->message_type()->map_value();
      if (value->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        const Message& entry =
            reflection->GetRepeatedMessage(message, field, i);
        const Reflection* entry_reflection = entry.GetReflection();
        std::string name;
        if (key->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
          name = entry_reflection->GetString(entry, key);
        } else {
          continue;  // the API's maps are keyed by strings
        }
        auto slot = found->find(name);
        if (slot == found->end()) continue;
        RewriteValue(value, entry_reflection->GetMessage(entry, value), *slot);
      }
    } else if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        if (i >= static_cast<int>(found->size())) break;
        RewriteValue(field, reflection->GetRepeatedMessage(message, field, i),
                     (*found)[i]);
      }
    } else {
      RewriteValue(field, reflection->GetMessage(message, field), *found);
    }
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<std::string> Decode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%') {
      const int high = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "query: \"", text, "\" has a % not followed by two hex digits"));
      }
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace

std::string ToJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(message, &text, options)
           .ok()) {
    return "{}";
  }
  Json printed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (printed.is_discarded()) return text;
  Rewrite(message, printed);
  return printed.dump(-1, ' ', false, Json::error_handler_t::replace);
}

absl::Status ParseQuery(
    absl::string_view query,
    std::vector<std::pair<std::string, std::string>>* parameters) {
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t equals = part.find('=');
    absl::StatusOr<std::string> name = Decode(part.substr(0, equals));
    if (!name.ok()) return name.status();
    absl::StatusOr<std::string> value =
        Decode(equals == absl::string_view::npos ? absl::string_view()
                                                 : part.substr(equals + 1));
    if (!value.ok()) return value.status();
    parameters->emplace_back(*std::move(name), *std::move(value));
  }
  return absl::OkStatus();
}

absl::Status FromQuery(
    const std::vector<std::pair<std::string, std::string>>& parameters,
    Message* request) {
  const Descriptor* type = request->GetDescriptor();
  Json object = Json::object();
  for (const auto& [name, value] : parameters) {
    const FieldDescriptor* field = type->FindFieldByName(name);
    if (field == nullptr) {
      std::vector<std::string> accepted;
      for (int i = 0; i < type->field_count(); ++i) {
        accepted.push_back(type->field(i)->name());
      }
      return absl::InvalidArgumentError(absl::StrCat(
          name, ": not a parameter of this request; accepted: ",
          accepted.empty() ? "none" : absl::StrJoin(accepted, ", ")));
    }
    if (field->is_repeated()) {
      object[name].push_back(value);
    } else if (object.contains(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": given more than once"));
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_BOOL &&
               (value == "true" || value == "false")) {
      // A JSON boolean: protobuf's parser takes no quoted one.
      object[name] = value == "true";
    } else {
      object[name] = value;
    }
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const std::string text = object.dump();
  const auto parsed =
      google::protobuf::util::JsonStringToMessage(text, request, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("query: ", std::string(parsed.message())));
  }
  return absl::OkStatus();
}

}  // namespace motcua::console
