#ifndef MOTCUA_TESTS_TESTING_WEBHOOK_RECEIVER_H_
#define MOTCUA_TESTS_TESTING_WEBHOOK_RECEIVER_H_

// A minimal HTTP/1.1 webhook receiver on 127.0.0.1:0 for the tests of
// webhook delivery: one connection at a time, every POST recorded with its
// target, headers and body, answered 503 while failures are left and 200
// afterwards.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace motcua::test_support {

// One POST as the receiver saw it, and what it answered.
struct WebhookRequest {
  std::string target;
  std::string content_type;
  std::string last_sequence_header;
  std::string message_header;  // X-Motcua-Message: events or checkpoint
  std::string body;
  int status = 0;
};

class WebhookReceiver {
 public:
  // Answers 503 to the first `failures` requests.
  explicit WebhookReceiver(int failures = 0) : failures_left_(failures) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&address),
                   sizeof(address)),
              0);
    EXPECT_EQ(listen(listen_fd_, 16), 0);
    socklen_t length = sizeof(address);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~WebhookReceiver() {
    stopping_ = true;
    shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
    thread_.join();
    close(listen_fd_);
  }
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path) const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }
  // Answers 503 to the next `failures` requests.
  void FailNext(int failures) {
    absl::MutexLock lock(&mu_);
    failures_left_ = failures;
  }
  // Every request so far, in the order received. A request is recorded
  // before it is answered: one answered 200 is in the list.
  std::vector<WebhookRequest> requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }

 private:
  void Run() {
    while (!stopping_) {
      const int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      Serve(fd);
      close(fd);
    }
  }

  void Serve(int fd) {
    std::string data;
    char buffer[8192];
    size_t header_end = std::string::npos;
    size_t content_length = 0;
    for (;;) {
      if (header_end != std::string::npos &&
          data.size() >= header_end + 4 + content_length) {
        break;
      }
      const ssize_t got = read(fd, buffer, sizeof(buffer));
      if (got <= 0) return;
      data.append(buffer, static_cast<size_t>(got));
      if (header_end == std::string::npos) {
        header_end = data.find("\r\n\r\n");
        if (header_end != std::string::npos) {
          content_length = static_cast<size_t>(std::stoul(
              Header(data.substr(0, header_end), "content-length", "0")));
        }
      }
    }
    const std::string head = data.substr(0, header_end);
    WebhookRequest received;
    const std::vector<std::string> request_line =
        absl::StrSplit(head.substr(0, head.find("\r\n")), ' ');
    if (request_line.size() >= 2) received.target = request_line[1];
    received.content_type = Header(head, "content-type", "");
    received.last_sequence_header = Header(head, "x-motcua-last-sequence", "");
    received.message_header = Header(head, "x-motcua-message", "");
    received.body = data.substr(header_end + 4, content_length);
    {
      absl::MutexLock lock(&mu_);
      received.status = failures_left_ > 0 ? 503 : 200;
      if (failures_left_ > 0) --failures_left_;
      requests_.push_back(received);
    }
    const std::string answer =
        received.status == 200
            ? "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: "
              "close\r\n\r\n"
            : "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
              "Connection: close\r\n\r\n";
    if (write(fd, answer.data(), answer.size()) < 0) return;
  }

  static std::string Header(const std::string& head, absl::string_view name,
                            const std::string& missing) {
    for (absl::string_view line : absl::StrSplit(head, "\r\n")) {
      const size_t colon = line.find(':');
      if (colon == absl::string_view::npos) continue;
      if (absl::EqualsIgnoreCase(line.substr(0, colon), name)) {
        return std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
      }
    }
    return missing;
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable absl::Mutex mu_;
  int failures_left_ ABSL_GUARDED_BY(mu_);
  std::vector<WebhookRequest> requests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace motcua::test_support

#endif  // MOTCUA_TESTS_TESTING_WEBHOOK_RECEIVER_H_
