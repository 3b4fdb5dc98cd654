// Fuzzes the translation of API requests (services/api/from_proto.h): the
// bytes a client sends are parsed as a request message, as gRPC does, and
// converted as the services do. The first byte chooses the message; the
// rest are its wire bytes.

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "google/protobuf/stubs/logging.h"
#include "motcua/v1/service.pb.h"
#include "services/api/from_proto.h"

namespace {

namespace api = motcua::api;
namespace v1 = motcua::v1;

template <class Message>
bool Parse(absl::string_view bytes, Message& message) {
  return message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

void Submit(absl::string_view bytes) {
  v1::SubmitRequest request;
  if (Parse(bytes, request)) (void)api::SubmitFromProto(request, "fuzz");
}

void Act(absl::string_view bytes) {
  v1::ActRequest request;
  if (Parse(bytes, request)) (void)api::ActFromProto(request, "fuzz");
}

void List(absl::string_view bytes) {
  v1::ListRequest request;
  if (!Parse(bytes, request)) return;
  (void)api::CheckCode(request.agency(), "agency", api::Presence::kOptional);
  (void)api::CheckCode(request.procedure_code(), "procedure_code",
                       api::Presence::kOptional);
  (void)api::CheckCode(request.unit(), "unit", api::Presence::kOptional);
  (void)api::StateFilterFromProto(request.state(), "state");
  (void)api::PageSizeFromProto(request.page_size(), "page_size");
}

void Overdue(absl::string_view bytes) {
  v1::OverdueRequest request;
  if (!Parse(bytes, request)) return;
  (void)api::DurationFromProto(request.min_lateness(), "min_lateness");
  (void)api::PageSizeFromProto(request.page_size(), "page_size");
}

void DueSoon(absl::string_view bytes) {
  v1::DueSoonRequest request;
  if (!Parse(bytes, request)) return;
  (void)api::DurationFromProto(request.within(), "within");
  (void)api::PageSizeFromProto(request.page_size(), "page_size");
}

void ReadEvents(absl::string_view bytes) {
  v1::ReadEventsRequest request;
  if (!Parse(bytes, request)) return;
  (void)api::LimitFromProto(request.limit(), "limit", 1000, 10000);
  (void)api::CheckCode(request.dossier_code(), "dossier_code",
                       api::Presence::kOptional);
}

void AsOf(absl::string_view bytes) {
  v1::AsOfRequest request;
  if (!Parse(bytes, request)) return;
  (void)api::CheckCode(request.dossier_code(), "dossier_code",
                       api::Presence::kRequired);
  (void)api::TimeFromProto(request.as_of(), "as_of");
}

void Get(absl::string_view bytes) {
  v1::GetRequest request;
  if (!Parse(bytes, request)) return;
  (void)api::CheckCode(request.dossier_code(), "dossier_code",
                       api::Presence::kRequired);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Malformed strings are what this target is for: protobuf's log line for
  // each one is noise here.
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)quiet;
  if (size == 0) return 0;
  const absl::string_view bytes(reinterpret_cast<const char*>(data) + 1,
                                size - 1);
  switch (data[0] % 8) {
    case 0:
      Submit(bytes);
      break;
    case 1:
      Act(bytes);
      break;
    case 2:
      List(bytes);
      break;
    case 3:
      Overdue(bytes);
      break;
    case 4:
      DueSoon(bytes);
      break;
    case 5:
      ReadEvents(bytes);
      break;
    case 6:
      AsOf(bytes);
      break;
    default:
      Get(bytes);
      break;
  }
  return 0;
}
