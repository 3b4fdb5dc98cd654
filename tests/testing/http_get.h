#ifndef MOTCUA_TESTS_TESTING_HTTP_GET_H_
#define MOTCUA_TESTS_TESTING_HTTP_GET_H_

// A plain HTTP/1.1 GET over a socket, for the tests of the metrics and
// health endpoints: nothing between the test and the server's bytes.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace motcua::test_support {

// GET `path` from 127.0.0.1:`port`: the whole response, headers included;
// empty when the connection fails.
inline std::string HttpGet(int port, const std::string& path) {
  const int socket_fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(socket_fd, reinterpret_cast<sockaddr*>(&address),
              sizeof(address)) != 0) {
    close(socket_fd);
    return "";
  }
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: localhost\r\n\r\n");
  if (write(socket_fd, request.data(), request.size()) < 0) {
    close(socket_fd);
    return "";
  }
  std::string response;
  char buffer[4096];
  ssize_t received;
  while ((received = read(socket_fd, buffer, sizeof(buffer))) > 0) {
    response.append(buffer, static_cast<size_t>(received));
  }
  close(socket_fd);
  return response;
}

}  // namespace motcua::test_support

#endif  // MOTCUA_TESTS_TESTING_HTTP_GET_H_
