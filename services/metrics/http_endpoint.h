#ifndef MOTCUA_SERVICES_METRICS_HTTP_ENDPOINT_H_
#define MOTCUA_SERVICES_METRICS_HTTP_ENDPOINT_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace motcua::metrics {

// A small HTTP/1.1 server (Boost.Beast) on its own thread for operators:
// GET /metrics answers the Prometheus text that `render` returns, GET
// /healthz answers 200 "ok" while `problem` returns nothing and 503 with
// its text otherwise (for example "stopping").
// Anything else is 404. One request per connection, handled in turn: the
// endpoint is scraped every few seconds, not served to the public.
class HttpEndpoint {
 public:
  // Listens on "host:port" (port 0 picks a free one). UNAVAILABLE naming
  // the address when it cannot.
  static absl::StatusOr<std::unique_ptr<HttpEndpoint>> Start(
      const std::string& address, std::function<std::string()> render,
      std::function<std::string()> problem);
  ~HttpEndpoint();  // stops and joins

  int port() const;

 private:
  struct State;
  explicit HttpEndpoint(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
  std::thread thread_;
};

}  // namespace motcua::metrics

#endif  // MOTCUA_SERVICES_METRICS_HTTP_ENDPOINT_H_
