#ifndef MOTCUA_SERVICES_CONSOLE_CONSOLE_H_
#define MOTCUA_SERVICES_CONSOLE_CONSOLE_H_

// The web console of motcuad: one page (HTML, JavaScript and CSS built into
// the binary) and the JSON API it uses (api.h), over HTTP/1.1 with
// Boost.Beast on threads of its own, with TLS when a certificate is given.

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/server/service_context.h"

namespace motcua::console {

struct ConsoleOptions {
  // "host:port" (port 0 picks a free one).
  std::string listen;
  // PEM files; both set: HTTPS only. The gRPC listener's (tls.*).
  std::string cert_file;
  std::string key_file;
  // A signed-in browser's session ends after this long without a request.
  absl::Duration session_idle = absl::Hours(12);
  // Threads answering requests.
  int threads = 2;
};

class Console {
 public:
  // Listens and serves `context`'s reads, which must outlive the console.
  // INVALID_ARGUMENT / UNAVAILABLE naming console_listen when it cannot
  // listen; INVALID_ARGUMENT naming the TLS file that cannot be used.
  static absl::StatusOr<std::unique_ptr<Console>> Start(
      const ConsoleOptions& options, const server::ServiceContext& context);
  // Stops: closes every connection (event streams too) and joins.
  ~Console();
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  int port() const;

  // What the connections share (console.cc).
  struct State;

 private:
  explicit Console(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
  std::vector<std::thread> threads_;
};

}  // namespace motcua::console

#endif  // MOTCUA_SERVICES_CONSOLE_CONSOLE_H_
