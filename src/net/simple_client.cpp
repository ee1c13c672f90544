#include "llmload/net/simple_client.hpp"

#include "llmload/net/await.hpp"
#include "llmload/net/stream.hpp"
#include "llmload/net/tls.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace llmload::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {


// One deadline for a whole exchange: when it passes, the socket is closed and whatever was
// pending fails; expired() tells that apart from other errors. A timer that fired just as the
// exchange ended does nothing once the Deadline is gone (single-threaded io_context).
class Deadline {
 public:
  Deadline(const asio::any_io_executor& executor, Stream& stream, std::chrono::milliseconds timeout)
      : timer_(executor), state_(std::make_shared<State>(State{&stream})) {
    timer_.expires_after(timeout);
    timer_.async_wait([state = state_](boost::system::error_code ec) {
      if (ec || state->stream == nullptr) return;
      state->expired = true;
      boost::system::error_code ignored;
      state->stream->socket().close(ignored);
    });
  }
  ~Deadline() {
    state_->stream = nullptr;
    timer_.cancel();
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;
  bool expired() const { return state_->expired; }
  std::string describe(std::string_view step, const boost::system::error_code& ec) const {
    return expired() ? fmt::format("timed out {}", step) : ec.message();
  }

 private:
  struct State {
    Stream* stream;
    bool expired = false;
  };
  asio::steady_timer timer_;
  std::shared_ptr<State> state_;
};

// Connects `stream` (and shakes hands over TLS when `tls`); false with `error` set on failure.
asio::awaitable<bool> open_stream(Stream& stream, const std::vector<asio::ip::tcp::endpoint>& endpoints,
                                  const Url& base, asio::ssl::context* tls, bool verify,
                                  const Deadline& deadline, std::string& error) {
  auto [cec, endpoint] = co_await asio::async_connect(stream.socket(), endpoints, kTuple);
  if (cec) {
    error = deadline.describe("connecting", cec);
    co_return false;
  }
  if (tls != nullptr) {
    auto& layer = stream.enable_tls(*tls);
    if (auto prepared = prepare_client_tls(layer, base.host, verify); !prepared) {
      error = prepared.error().message;
      co_return false;
    }
    auto [hec] = co_await layer.async_handshake(asio::ssl::stream_base::client, kTuple);
    if (hec) {
      error = deadline.describe("in the TLS handshake", hec);
      co_return false;
    }
  }
  co_return true;
}

// What one request/response exchange on an open stream came to.
struct Exchange {
  bool ok = false;
  bool keep_alive = false;    // the connection may carry the next request
  bool no_response = false;   // failed before any response byte (a reused connection the
                              // server had closed: safe to send again)
  std::string error;
};

asio::awaitable<Exchange> exchange(Stream& stream, beast::flat_buffer& buffer, const std::string& request,
                                   const Deadline& deadline, SimpleResponse& out) {
  Exchange result;
  auto [wec, written] = co_await asio::async_write(stream, asio::buffer(request), kTuple);
  if (wec) {
    result.no_response = true;
    result.error = deadline.describe("sending", wec);
    co_return result;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  auto [rec, read] = co_await http::async_read(stream, buffer, parser, kTuple);
  if (rec) {
    result.no_response = read == 0 && !deadline.expired();
    result.error = deadline.describe("waiting for the response", rec);
    co_return result;
  }
  out.status = static_cast<int>(parser.get().result_int());
  out.reason = std::string(parser.get().reason());
  out.body = std::move(parser.get().body());
  result.ok = true;
  result.keep_alive = parser.get().keep_alive();
  co_return result;
}

asio::awaitable<void> do_fetch(std::vector<asio::ip::tcp::endpoint> endpoints, std::string request,
                               std::chrono::milliseconds timeout, const Url* base,
                               asio::ssl::context* tls, bool verify, SimpleResponse* out,
                               std::string* error) {
  auto executor = co_await asio::this_coro::executor;
  Stream stream(executor);
  const Deadline deadline(executor, stream, timeout);
  if (!co_await open_stream(stream, endpoints, *base, tls, verify, deadline, *error)) co_return;
  beast::flat_buffer buffer;
  const Exchange result = co_await exchange(stream, buffer, request, deadline, *out);
  if (!result.ok) {
    *error = result.error;
    co_return;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
}

}  // namespace

core::Result<SimpleResponse> fetch(const Url& base,
                                   const std::vector<asio::ip::tcp::endpoint>& endpoints,
                                   std::string_view method, std::string_view path,
                                   const HeaderList& headers, std::string_view body,
                                   std::chrono::milliseconds timeout, asio::ssl::context* tls,
                                   bool verify) {
  std::string request;
  HeaderList all = headers;
  set_header(all, "Connection", "close");
  append_request(request, method, path, base.host_header(), all, body);
  asio::io_context ioc(1);
  SimpleResponse response;
  std::string error;
  asio::co_spawn(ioc, do_fetch(endpoints, std::move(request), timeout, &base, tls, verify, &response, &error),
                 asio::detached);
  ioc.run();
  if (!error.empty()) {
    return core::fail("{} {}{}: {}", method, base.to_string(), path, error);
  }
  return response;
}

struct KeepAliveClient::Impl {
  Impl(Url b, std::vector<asio::ip::tcp::endpoint> e, asio::ssl::context* t, bool v)
      : base(std::move(b)), endpoints(std::move(e)), tls(t), verify(v) {}

  Url base;
  std::vector<asio::ip::tcp::endpoint> endpoints;
  asio::ssl::context* tls;
  bool verify;
  asio::io_context ioc{1};
  std::unique_ptr<Stream> stream;  // open connection, or none
  beast::flat_buffer buffer;
  int opened = 0;

  // Sends `request` on the open connection, or a new one; a reused connection found dead
  // before any response byte gets one retry on a fresh one.
  asio::awaitable<void> run(const std::string& request, std::chrono::milliseconds timeout,
                            SimpleResponse* out, std::string* error) {
    auto executor = co_await asio::this_coro::executor;
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool reused = stream != nullptr;
      if (!reused) {
        stream = std::make_unique<Stream>(executor);
        buffer.clear();
      }
      const Deadline deadline(executor, *stream, timeout);
      if (!reused) {
        ++opened;
        if (!co_await open_stream(*stream, endpoints, base, tls, verify, deadline, *error)) {
          stream.reset();
          co_return;
        }
      }
      const Exchange result = co_await exchange(*stream, buffer, request, deadline, *out);
      if (result.ok) {
        if (!result.keep_alive) stream.reset();
        co_return;
      }
      stream.reset();
      if (!(reused && result.no_response)) {
        *error = result.error;
        co_return;
      }
    }
  }
};

KeepAliveClient::KeepAliveClient(Url base, std::vector<asio::ip::tcp::endpoint> endpoints,
                                 asio::ssl::context* tls, bool verify)
    : impl_(std::make_unique<Impl>(std::move(base), std::move(endpoints), tls, verify)) {}

KeepAliveClient::~KeepAliveClient() = default;

int KeepAliveClient::connections_opened() const noexcept { return impl_->opened; }

core::Result<SimpleResponse> KeepAliveClient::request(std::string_view method, std::string_view path,
                                                      const HeaderList& headers, std::string_view body,
                                                      std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  std::string request;
  append_request(request, method, path, s.base.host_header(), headers, body);
  SimpleResponse response;
  std::string error;
  asio::co_spawn(s.ioc, s.run(request, timeout, &response, &error), asio::detached);
  s.ioc.restart();
  s.ioc.run();
  if (!error.empty()) return core::fail("{} {}{}: {}", method, s.base.to_string(), path, error);
  return response;
}

}  // namespace llmload::net
