#include "services/console/console.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <deque>
#include <optional>
#include <string_view>
#include <type_traits>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/console/api.h"
#include "services/console/json.h"
#include "services/http/listener.h"
#include "services/server/event_hub.h"
#include "services/server/reads.h"

namespace motcua::console {

namespace assets {
extern const std::string_view kIndexHtml;
extern const std::string_view kAppJs;
extern const std::string_view kAppCss;
}  // namespace assets

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A request's headers and body, at most: the API takes small JSON bodies.
constexpr size_t kMaxBodyBytes = 64 * 1024;
// An idle keep-alive connection, or one that sends its request slowly, is
// closed after this long.
constexpr auto kIdleTimeout = std::chrono::seconds(30);
// An event stream says it is alive this often, so that a browser gone
// away is noticed by the failed write.
constexpr auto kHeartbeat = std::chrono::seconds(15);

// The page may load only what it carries itself.
constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

struct Asset {
  std::string_view path;
  std::string_view content_type;
  const std::string_view* body;
};
const Asset kAssets[] = {
    {"/", "text/html; charset=utf-8", &assets::kIndexHtml},
    {"/index.html", "text/html; charset=utf-8", &assets::kIndexHtml},
    {"/app.js", "text/javascript; charset=utf-8", &assets::kAppJs},
    {"/app.css", "text/css; charset=utf-8", &assets::kAppCss},
};

// How threads that are not the console's (the event hub, slow reads) hand
// work to the console's threads: shared by whatever may outlive the
// console, and emptied when it stops, so that nothing is posted to an
// io_context that is gone. It owns nothing of the console, so holding it
// keeps no connection alive.
class Poster {
 public:
  explicit Poster(asio::io_context* io) : io_(io) {}
  // Runs `task` on the console's threads; false once the console stopped.
  bool Post(std::function<void()> task) {
    absl::MutexLock lock(&mu_);
    if (io_ == nullptr) return false;
    asio::post(*io_, std::move(task));
    return true;
  }
  void Stop() {
    absl::MutexLock lock(&mu_);
    io_ = nullptr;
  }

 private:
  absl::Mutex mu_;
  asio::io_context* io_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

// Connections hold it by a plain pointer: it owns the io_context that owns
// their handlers, and is destroyed (with them) after the threads stop.
struct Console::State {
  State(const server::ServiceContext& service_context, absl::Duration idle)
      : context(service_context),
        sessions(idle),
        api(service_context, &sessions),
        poster(std::make_shared<Poster>(&io)) {}

  const server::ServiceContext& context;
  // Before the io_context: streams that outlive it (their handlers are
  // destroyed with it) still find their TLS context.
  std::optional<ssl::context> tls;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  Sessions sessions;
  Api api;
  std::shared_ptr<Poster> poster;
};

namespace {

// Wakes an event stream when the log grows. Owned by references (the
// stream's, the hub's while it waits); holds the stream weakly, so that a
// stream that ended is not kept by the hub.
class StreamWaker final : public server::LogWaiter {
 public:
  StreamWaker(std::shared_ptr<Poster> poster, std::function<void()> wake)
      : poster_(std::move(poster)), wake_(std::move(wake)) {}

  void Wake() override { poster_->Post(wake_); }
  std::optional<absl::Time> CheckWrite() override { return std::nullopt; }
  void Ref() override { references_.fetch_add(1); }
  void Unref() override {
    if (references_.fetch_sub(1) == 1) delete this;
  }

 private:
  std::shared_ptr<Poster> poster_;
  std::function<void()> wake_;
  std::atomic<int> references_{1};
};

// One client connection: requests in turn (keep-alive), or one event
// stream. Runs on its own strand.
template <typename Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  template <typename... Args>
  Connection(Console::State* state, Args&&... args)
      : state_(state), stream_(std::forward<Args>(args)...) {}

  ~Connection() {
    if (waker_ != nullptr) waker_->Unref();
  }

  void Start() {
    Lowest().expires_after(kIdleTimeout);
    if constexpr (kTls) {
      stream_.async_handshake(
          ssl::stream_base::server,
          [self = this->shared_from_this()](beast::error_code error) {
            if (!error) self->Read();
          });
    } else {
      Read();
    }
  }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void Read() {
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    Lowest().expires_after(kIdleTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code error, size_t) {
          if (error) {
            self->Close();
            return;
          }
          self->OnRequest();
        });
  }

  void OnRequest() {
    const http::request<http::string_body>& request = parser_->get();
    keep_alive_ = request.keep_alive();
    version_ = request.version();
    const std::string target(request.target());
    const size_t question = target.find('?');
    const std::string path = target.substr(0, question);
    if (absl::StartsWith(path, "/api/")) {
      ApiRequest api_request;
      api_request.method = std::string(request.method_string());
      api_request.path = path;
      api_request.body = request.body();
      api_request.authorization =
          std::string(request[http::field::authorization]);
      api_request.cookie = std::string(request[http::field::cookie]);
      api_request.tls = kTls;
      if (question != std::string::npos) {
        if (absl::Status parsed =
                ParseQuery(target.substr(question + 1), &api_request.query);
            !parsed.ok()) {
          Write(Api::Refusal(parsed));
          return;
        }
      }
      if (path == "/api/v1/events" && api_request.method == "GET") {
        StartEvents(api_request, std::string(request["Last-Event-ID"]));
        return;
      }
      // Nothing of the console holds the connection while a slow read
      // runs: it holds itself until it writes the answer (a read in flight
      // when the console stops leaves it, and its socket, to the process's
      // end).
      answering_ = this->shared_from_this();
      std::weak_ptr<Connection> weak = answering_;
      state_->api.Handle(
          api_request, [poster = state_->poster, weak](ApiResponse response) {
            // From this thread or a slow-read thread: back on the strand.
            poster->Post([weak, response = std::move(response)]() mutable {
              std::shared_ptr<Connection> self = weak.lock();
              if (self == nullptr) return;
              asio::dispatch(self->stream_.get_executor(),
                             [self, response = std::move(response)] {
                               self->answering_.reset();
                               self->Write(response);
                             });
            });
          });
      return;
    }
    ApiResponse response;
    response.status = 404;
    response.content_type = "text/plain; charset=utf-8";
    response.body = "not found\n";
    if (request.method() == http::verb::get ||
        request.method() == http::verb::head) {
      for (const Asset& asset : kAssets) {
        if (asset.path != path) continue;
        response.status = 200;
        response.content_type = std::string(asset.content_type);
        response.body = std::string(*asset.body);
      }
    }
    Write(response);
  }

  void Write(const ApiResponse& answer) {
    auto response = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(answer.status), version_);
    response->set(http::field::server, "motcuad");
    response->set(http::field::content_type, answer.content_type);
    response->set(http::field::cache_control, "no-store");
    response->set("X-Content-Type-Options", "nosniff");
    response->set("Referrer-Policy", "no-referrer");
    response->set("Content-Security-Policy", kContentSecurityPolicy);
    for (const auto& [name, value] : answer.headers) response->set(name, value);
    response->body() = answer.body;
    response->keep_alive(keep_alive_);
    response->prepare_payload();
    Lowest().expires_after(kIdleTimeout);
    http::async_write(stream_, *response,
                      [self = this->shared_from_this(), response](
                          beast::error_code error, size_t) {
                        if (error || !self->keep_alive_) {
                          self->Close();
                          return;
                        }
                        self->Read();
                      });
  }

  // GET /api/v1/events: Server-Sent Events, read from the log as
  // WatchEvents reads it (server::ReadWatched), one write in flight.
  void StartEvents(const ApiRequest& request,
                   const std::string& last_event_id) {
    absl::StatusOr<server::WatchScope> scope =
        state_->api.ScopeEvents(request, last_event_id);
    if (!scope.ok()) {
      keep_alive_ = false;
      Write(Api::Refusal(scope.status()));
      return;
    }
    after_ = scope->after_sequence;
    scope_ = *std::move(scope);
    std::weak_ptr<Connection> weak = this->shared_from_this();
    waker_ = new StreamWaker(state_->poster, [weak] {
      if (auto self = weak.lock()) {
        asio::dispatch(self->stream_.get_executor(),
                       [self] { self->PumpEvents(); });
      }
    });
    Lowest().expires_never();
    pending_ =
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: text/event-stream; charset=utf-8\r\n"
        "Cache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Connection: close\r\n\r\n"
        "retry: 3000\n: motcua events\n\n";
    SendPending();
    Heartbeat();
  }

  void PumpEvents() {
    if (closed_ || writing_) return;
    while (true) {
      if (events_.empty()) {
        const absl::Status read =
            server::ReadWatched(state_->context, *scope_, after_, events_);
        if (!read.ok()) {
          // As WatchEvents ends: the reason, then the end of the stream.
          pending_ = absl::StrCat(
              "event: error\ndata: ", Api::Refusal(read).body, "\n\n");
          ending_ = true;
          SendPending();
          return;
        }
      }
      if (!events_.empty()) {
        std::string out;
        while (!events_.empty()) {
          const v1::Event& event = events_.front();
          absl::StrAppend(&out, "id: ", event.sequence(),
                          "\ndata: ", ToJson(event), "\n\n");
          events_.pop_front();
        }
        pending_ = std::move(out);
        SendPending();
        return;
      }
      if (state_->context.hub->closed()) {
        Close();
        return;
      }
      // The hub holds the waker until it wakes it; false: the log grew
      // meanwhile, read again.
      if (state_->context.hub->WaitBeyond(waker_, after_)) return;
    }
  }

  void SendPending() {
    writing_ = true;
    auto text = std::make_shared<std::string>(std::move(pending_));
    pending_.clear();
    asio::async_write(stream_, asio::buffer(*text),
                      [self = this->shared_from_this(), text](
                          beast::error_code error, size_t) {
                        self->writing_ = false;
                        if (error || self->ending_) {
                          self->Close();
                          return;
                        }
                        self->PumpEvents();
                      });
  }

  void Heartbeat() {
    if (!timer_.has_value()) timer_.emplace(stream_.get_executor());
    timer_->expires_after(kHeartbeat);
    timer_->async_wait(
        [self = this->shared_from_this()](beast::error_code error) {
          if (error || self->closed_) return;
          if (!self->writing_) {
            self->pending_ = ": ping\n\n";
            self->SendPending();
          }
          self->Heartbeat();
        });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    if (timer_.has_value()) timer_->cancel();
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

  Console::State* const state_;
  Stream stream_;
  std::shared_ptr<Connection> answering_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  bool closed_ = false;

  // An event stream's.
  std::optional<server::WatchScope> scope_;
  int64_t after_ = 0;
  std::deque<v1::Event> events_;
  std::string pending_;
  bool writing_ = false;
  bool ending_ = false;
  StreamWaker* waker_ = nullptr;
  std::optional<asio::steady_timer> timer_;
};

void Accept(Console::State* state) {
  state->acceptor.async_accept(
      asio::make_strand(state->io),
      [state](beast::error_code error, tcp::socket socket) {
        if (error == asio::error::operation_aborted) return;
        if (!error) {
          if (state->tls.has_value()) {
            std::make_shared<Connection<TlsStream>>(state, std::move(socket),
                                                    *state->tls)
                ->Start();
          } else {
            std::make_shared<Connection<PlainStream>>(state, std::move(socket))
                ->Start();
          }
        }
        Accept(state);
      });
}

}  // namespace

absl::StatusOr<std::unique_ptr<Console>> Console::Start(
    const ConsoleOptions& options, const server::ServiceContext& context) {
  auto state = std::make_shared<State>(context, options.session_idle);
  if (!options.cert_file.empty() || !options.key_file.empty()) {
    state->tls.emplace(ssl::context::tls_server);
    state->tls->set_options(ssl::context::default_workarounds |
                            ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                            ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    beast::error_code error;
    state->tls->use_certificate_chain_file(options.cert_file, error);
    if (error) {
      return absl::InvalidArgumentError(
          absl::StrCat("tls.cert_file: ", options.cert_file,
                       " cannot be used for the console: ", error.message()));
    }
    state->tls->use_private_key_file(options.key_file, ssl::context::pem,
                                     error);
    if (error) {
      return absl::InvalidArgumentError(
          absl::StrCat("tls.key_file: ", options.key_file,
                       " cannot be used for the console: ", error.message()));
    }
  }
  if (absl::Status listening = motcua::http::Listen(
          "console_listen", options.listen, state->acceptor);
      !listening.ok()) {
    return listening;
  }
  Accept(state.get());
  std::unique_ptr<Console> console(new Console(state));
  for (int i = 0; i < std::max(1, options.threads); ++i) {
    console->threads_.emplace_back([raw = state.get()] { raw->io.run(); });
  }
  return console;
}

Console::Console(std::shared_ptr<State> state) : state_(std::move(state)) {}

Console::~Console() {
  state_->poster->Stop();
  state_->io.stop();
  for (std::thread& thread : threads_) thread.join();
  beast::error_code ignored;
  state_->acceptor.close(ignored);
  // The io_context goes with the state, and the handlers it still holds
  // (connections, event streams) with it.
  state_.reset();
}

int Console::port() const { return state_->acceptor.local_endpoint().port(); }

}  // namespace motcua::console
