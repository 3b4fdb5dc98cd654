#include "services/http/listener.h"

#include <boost/asio.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace motcua::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

absl::Status Listen(absl::string_view key, const std::string& address,
                    tcp::acceptor& acceptor) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, ": \"", address, "\" is not host:port"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  boost::system::error_code error;
  const asio::ip::address ip = asio::ip::make_address(host, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, ": \"", host, "\" is not an IP address"));
  }
  const tcp::endpoint endpoint(ip, static_cast<unsigned short>(port));
  acceptor.open(endpoint.protocol(), error);
  if (!error)
    acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(key, ": cannot listen on ",
                                               address, ": ", error.message()));
  }
  return absl::OkStatus();
}

}  // namespace motcua::http
