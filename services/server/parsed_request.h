#ifndef MOTCUA_SERVICES_SERVER_PARSED_REQUEST_H_
#define MOTCUA_SERVICES_SERVER_PARSED_REQUEST_H_

// The one place where the server takes a request's bytes from gRPC.
//
// gRPC C++ (1.51) parses a callback method's request before the handler
// runs; when the parse fails it drops the parser's status and finishes the
// call with UNIMPLEMENTED and an empty message (CallbackUnaryHandler::
// RunHandler), which is what a client sees for a method that does not
// exist, and the handler never learns of it. So every method of the
// services is registered with a request type of its own, ParsedRequest<M>,
// whose "deserialization" always succeeds and keeps the outcome of parsing
// the bytes with api::ParseRequest. The handler then answers a malformed
// request: UNAUTHENTICATED without a valid token (the token comes first, as
// for every request), else INVALID_ARGUMENT with the parser's message. The
// typed handlers stay as they are and see only well-formed messages.
//
// gRPC allocates the ParsedRequest with the call and destroys it when the
// call is done, as it does a typed request.

#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/server_callback_handlers.h>
#include <grpcpp/support/byte_buffer.h>

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/api/grpc_status.h"
#include "services/api/parse_request.h"
#include "services/server/service_context.h"

namespace motcua::server {

// A request as the server received it: the message, when its bytes parsed,
// and the outcome of parsing.
template <typename Message>
struct ParsedRequest {
  Message message;
  absl::Status status;
};

// The bytes of `buffer` parsed into `message`. INVALID_ARGUMENT when there
// are none or they do not parse (api::ParseRequest).
absl::Status ParseByteBuffer(grpc::ByteBuffer* buffer,
                             google::protobuf::Message* message);

// What a malformed request is answered: the caller's authentication
// failure, if any, else `parsed`.
absl::Status RefusalOfMalformed(const ServiceContext& context,
                                const grpc::CallbackServerContext* call,
                                const absl::Status& parsed);

// A server stream that ends at once with a status.
template <typename Reply>
class RefusedWriteReactor final : public grpc::ServerWriteReactor<Reply> {
 public:
  explicit RefusedWriteReactor(const grpc::Status& status) {
    this->Finish(status);
  }
  void OnDone() override { delete this; }
};

// The generated CallbackService of one API service, with each method
// taking its request through ParsedRequest. A service derives from it and
// calls ParseRequestsOf once per method in its constructor.
template <typename GeneratedService>
class ParsingService : public GeneratedService {
 protected:
  ParsingService(const ServiceContext& context,
                 absl::string_view service_full_name)
      : parsing_context_(context),
        service_(google::protobuf::DescriptorPool::generated_pool()
                     ->FindServiceByName(std::string(service_full_name))) {
    GPR_ASSERT(service_ != nullptr);
  }

  // A unary method.
  template <typename Self, typename Request, typename Reply>
  void ParseRequestsOf(
      absl::string_view method,
      grpc::ServerUnaryReactor* (Self::*handler)(grpc::CallbackServerContext*,
                                                 const Request*, Reply*)) {
    Self* self = static_cast<Self*>(this);
    const ServiceContext* context = &parsing_context_;
    this->MarkMethodCallback(
        MethodIndex<Request, Reply>(method),
        new grpc::internal::CallbackUnaryHandler<ParsedRequest<Request>, Reply>(
            [self, context, handler](grpc::CallbackServerContext* call,
                                     const ParsedRequest<Request>* request,
                                     Reply* reply) {
              if (request->status.ok()) {
                return (self->*handler)(call, &request->message, reply);
              }
              grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
              reactor->Finish(api::ToGrpcStatus(
                  RefusalOfMalformed(*context, call, request->status)));
              return reactor;
            }));
  }

  // A server-streaming method.
  template <typename Self, typename Request, typename Reply>
  void ParseRequestsOf(absl::string_view method,
                       grpc::ServerWriteReactor<Reply>* (Self::*handler)(
                           grpc::CallbackServerContext*, const Request*)) {
    Self* self = static_cast<Self*>(this);
    const ServiceContext* context = &parsing_context_;
    this->MarkMethodCallback(
        MethodIndex<Request, Reply>(method),
        new grpc::internal::CallbackServerStreamingHandler<
            ParsedRequest<Request>, Reply>(
            [self, context, handler](grpc::CallbackServerContext* call,
                                     const ParsedRequest<Request>* request)
                -> grpc::ServerWriteReactor<Reply>* {
              if (request->status.ok()) {
                return (self->*handler)(call, &request->message);
              }
              return new RefusedWriteReactor<Reply>(api::ToGrpcStatus(
                  RefusalOfMalformed(*context, call, request->status)));
            }));
  }

 private:
  // The generated service registers its methods in the order of the
  // .proto, which is the descriptor's. A method named wrongly, or with
  // other message types, stops the server at start.
  template <typename Request, typename Reply>
  int MethodIndex(absl::string_view name) const {
    const google::protobuf::MethodDescriptor* method =
        service_->FindMethodByName(std::string(name));
    GPR_ASSERT(method != nullptr);
    GPR_ASSERT(method->input_type() == Request::descriptor());
    GPR_ASSERT(method->output_type() == Reply::descriptor());
    return method->index();
  }

  const ServiceContext& parsing_context_;
  const google::protobuf::ServiceDescriptor* service_;
};

}  // namespace motcua::server

namespace grpc {

// How gRPC reads a ParsedRequest: always "successfully", keeping the
// outcome in the request for the handler (see above). Serialize is what a
// client of the same type would send: the message.
template <typename Message>
class SerializationTraits<motcua::server::ParsedRequest<Message>, void> {
 public:
  static Status Serialize(const motcua::server::ParsedRequest<Message>& request,
                          ByteBuffer* buffer, bool* own_buffer) {
    return SerializationTraits<Message>::Serialize(request.message, buffer,
                                                   own_buffer);
  }
  static Status Deserialize(ByteBuffer* buffer,
                            motcua::server::ParsedRequest<Message>* request) {
    request->status =
        motcua::server::ParseByteBuffer(buffer, &request->message);
    // The buffer is ours to release, as protobuf's own traits do
    // (GenericDeserialize): gRPC does not free it after Deserialize.
    buffer->Clear();
    return Status::OK;
  }
};

}  // namespace grpc

#endif  // MOTCUA_SERVICES_SERVER_PARSED_REQUEST_H_
