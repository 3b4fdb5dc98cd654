#include "services/api/parse_request.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/utf8.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace motcua::api {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::internal::WireFormatLite;
using ::google::protobuf::io::CodedInputStream;

// Messages nest this deep at most, as protobuf's own default limit.
constexpr int kMaxDepth = 100;

class WireChecker {
 public:
  explicit WireChecker(absl::string_view bytes)
      : input_(reinterpret_cast<const uint8_t*>(bytes.data()),
               static_cast<int>(bytes.size())) {
    // A limit at the top as at every nested level: BytesUntilLimit then
    // always says how much of the current message is left.
    input_.PushLimit(static_cast<int>(bytes.size()));
  }

  // Walks one message of `type` up to the current limit.
  absl::Status Check(const Descriptor& type, const std::string& path,
                     int depth) {
    std::map<int, int> seen;  // field number: occurrences so far
    while (true) {
      const int offset = input_.CurrentPosition();
      const uint32_t tag = input_.ReadTag();
      if (tag == 0) {
        // The end of this message; or a zero tag, which no message has, or
        // a tag cut short.
        if (input_.BytesUntilLimit() == 0 && input_.ConsumedEntireMessage()) {
          return absl::OkStatus();
        }
        return Broken(type, path, offset);
      }
      const int number = WireFormatLite::GetTagFieldNumber(tag);
      const WireFormatLite::WireType wire_type =
          WireFormatLite::GetTagWireType(tag);
      if (wire_type == WireFormatLite::WIRETYPE_END_GROUP) {
        return Broken(type, path, offset);
      }
      const FieldDescriptor* field = type.FindFieldByNumber(number);
      const bool delimited =
          wire_type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
      if (field != nullptr && delimited &&
          (field->type() == FieldDescriptor::TYPE_STRING ||
           field->type() == FieldDescriptor::TYPE_MESSAGE)) {
        const int index = seen[number]++;
        const std::string field_path = FieldPath(path, *field, index);
        uint32_t length = 0;
        if (!input_.ReadVarint32(&length) ||
            static_cast<int64_t>(length) > BytesLeft()) {
          return Broken(type, path, offset);
        }
        if (field->type() == FieldDescriptor::TYPE_STRING) {
          std::string value;
          if (!input_.ReadString(&value, static_cast<int>(length))) {
            return Broken(type, path, offset);
          }
          // proto3 string fields must hold UTF-8; protobuf refuses the
          // whole message otherwise, without saying where.
          if (field->file()->syntax() ==
                  google::protobuf::FileDescriptor::SYNTAX_PROTO3 &&
              !IsValidUtf8(value)) {
            return absl::InvalidArgumentError(
                absl::StrCat(field_path, ": must be valid UTF-8"));
          }
          continue;
        }
        if (depth + 1 > kMaxDepth) {
          return absl::InvalidArgumentError(
              absl::StrCat(field_path, ": nested too deeply"));
        }
        const CodedInputStream::Limit limit =
            input_.PushLimit(static_cast<int>(length));
        if (absl::Status nested =
                Check(*field->message_type(), field_path, depth + 1);
            !nested.ok()) {
          return nested;
        }
        input_.PopLimit(limit);
        continue;
      }
      // Scalars, and fields this server does not know: protobuf reads a
      // field of the wrong wire type as an unknown field too.
      if (!WireFormatLite::SkipField(&input_, tag)) {
        return Broken(type, path, offset);
      }
    }
  }

 private:
  int64_t BytesLeft() { return input_.BytesUntilLimit(); }

  static std::string FieldPath(const std::string& path,
                               const FieldDescriptor& field, int index) {
    std::string field_path =
        path.empty() ? field.name() : absl::StrCat(path, ".", field.name());
    if (field.is_repeated()) absl::StrAppend(&field_path, "[", index, "]");
    return field_path;
  }

  absl::Status Broken(const Descriptor& type, const std::string& path,
                      int offset) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.empty() ? "request" : path, ": not a valid ",
                     type.full_name(), " message (byte ", offset, ")"));
  }

  CodedInputStream input_;
};

}  // namespace

absl::Status ParseRequest(absl::string_view bytes,
                          google::protobuf::Message* message) {
  const Descriptor& type = *message->GetDescriptor();
  {
    WireChecker checker(bytes);
    if (absl::Status checked = checker.Check(type, "", 0); !checked.ok()) {
      return checked;
    }
  }
  // What the walk accepted, protobuf parses; should it still refuse (a
  // packed field whose contents are broken), the message says so plainly.
  if (!message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("request: not a valid ", type.full_name(), " message"));
  }
  return absl::OkStatus();
}

}  // namespace motcua::api
