#ifndef MOTCUA_SERVICES_HTTP_LISTENER_H_
#define MOTCUA_SERVICES_HTTP_LISTENER_H_

// What the daemon's HTTP endpoints (metrics, console) share: reading a
// "host:port" address and opening a listening socket on it.

#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace motcua::http {

// Opens `acceptor` listening on `address`, "host:port" with an IP address
// for host ("[::1]:8080" for IPv6; port 0 picks a free one). `key` names
// the configuration key in errors: INVALID_ARGUMENT when the address is
// not host:port or host is not an IP address, UNAVAILABLE saying why it
// cannot listen there (in use, not an address of this machine).
absl::Status Listen(absl::string_view key, const std::string& address,
                    boost::asio::ip::tcp::acceptor& acceptor);

}  // namespace motcua::http

#endif  // MOTCUA_SERVICES_HTTP_LISTENER_H_
