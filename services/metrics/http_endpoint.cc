#include "services/metrics/http_endpoint.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>

#include "absl/strings/str_cat.h"
#include "services/http/listener.h"

namespace motcua::metrics {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpEndpoint::State {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::function<std::string()> render;
  std::function<absl::Status()> health;

  void Accept() {
    acceptor.async_accept([this](beast::error_code error, tcp::socket socket) {
      if (error == asio::error::operation_aborted) return;
      if (!error) Serve(std::move(socket));
      Accept();
    });
  }

  // Reads one request and answers it, asynchronously on the endpoint's own
  // thread: a client that connects and sends nothing, or reads nothing,
  // gives up its connection after two seconds without holding others up.
  void Serve(tcp::socket socket) {
    std::make_shared<Exchange>(std::move(socket), this)->Start();
  }

  struct Exchange : std::enable_shared_from_this<Exchange> {
    Exchange(tcp::socket socket, State* owner)
        : stream(std::move(socket)), state(owner) {}

    void Start() {
      stream.expires_after(std::chrono::seconds(2));
      http::async_read(
          stream, buffer, request,
          [self = shared_from_this()](beast::error_code error, size_t) {
            if (!error) self->Answer();
          });
    }

    void Answer() {
      response.version(request.version());
      response.keep_alive(false);
      const std::string target(request.target());
      if (request.method() != http::verb::get) {
        response.result(http::status::method_not_allowed);
        response.body() = "GET only\n";
      } else if (target == "/metrics") {
        response.result(http::status::ok);
        response.set(http::field::content_type,
                     "text/plain; version=0.0.4; charset=utf-8");
        response.body() = state->render();
      } else if (target == "/healthz") {
        const absl::Status health = state->health();
        response.result(health.ok() ? http::status::ok
                                    : http::status::service_unavailable);
        response.body() =
            health.ok() ? std::string("ok\n")
                        : absl::StrCat("NOT_SERVING: ", health.message(), "\n");
      } else {
        response.result(http::status::not_found);
        response.body() = "not found: /metrics or /healthz\n";
      }
      response.prepare_payload();
      stream.expires_after(std::chrono::seconds(2));
      http::async_write(stream, response,
                        [self = shared_from_this()](beast::error_code, size_t) {
                          beast::error_code ignored;
                          self->stream.socket().shutdown(
                              tcp::socket::shutdown_both, ignored);
                        });
    }

    beast::tcp_stream stream;
    State* state;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
  };
};

absl::StatusOr<std::unique_ptr<HttpEndpoint>> HttpEndpoint::Start(
    const std::string& address, std::function<std::string()> render,
    std::function<absl::Status()> health) {
  auto state = std::make_unique<State>();
  state->render = std::move(render);
  state->health = std::move(health);
  if (absl::Status listening =
          motcua::http::Listen("metrics_listen", address, state->acceptor);
      !listening.ok()) {
    return listening;
  }
  state->Accept();
  std::unique_ptr<HttpEndpoint> endpoint_server(
      new HttpEndpoint(std::move(state)));
  return endpoint_server;
}

HttpEndpoint::HttpEndpoint(std::unique_ptr<State> state)
    : state_(std::move(state)) {
  thread_ = std::thread([this] { state_->io.run(); });
}

HttpEndpoint::~HttpEndpoint() {
  asio::post(state_->io, [this] {
    beast::error_code ignored;
    state_->acceptor.close(ignored);
  });
  state_->io.stop();
  thread_.join();
}

int HttpEndpoint::port() const {
  return state_->acceptor.local_endpoint().port();
}

}  // namespace motcua::metrics
