#include "llmload/net/simple_client.hpp"

#include "llmload/net/stream.hpp"
#include "llmload/net/tls.hpp"

#include <boost/asio/as_tuple.hpp>
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

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> do_fetch(std::vector<asio::ip::tcp::endpoint> endpoints, std::string request,
                               std::chrono::milliseconds timeout, const Url* base,
                               asio::ssl::context* tls, bool verify, SimpleResponse* out,
                               std::string* error) {
  auto executor = co_await asio::this_coro::executor;
  Stream stream(executor);
  // One deadline for the whole exchange: when it passes, the socket is closed and whatever
  // was pending fails; `expired` tells that apart from other errors.
  auto expired = std::make_shared<bool>(false);
  asio::steady_timer timer(executor);
  timer.expires_after(timeout);
  timer.async_wait([expired, &stream](boost::system::error_code ec) {
    if (ec) return;
    *expired = true;
    boost::system::error_code ignored;
    stream.socket().close(ignored);
  });
  auto failed = [&](std::string_view step, const boost::system::error_code& ec) {
    *error = *expired ? fmt::format("timed out {}", step) : ec.message();
  };
  auto [cec, endpoint] = co_await asio::async_connect(stream.socket(), endpoints, kTuple);
  if (cec) {
    failed("connecting", cec);
    co_return;
  }
  if (tls != nullptr) {
    auto& layer = stream.enable_tls(*tls);
    if (auto prepared = prepare_client_tls(layer, base->host, verify); !prepared) {
      *error = prepared.error().message;
      co_return;
    }
    auto [hec] = co_await layer.async_handshake(asio::ssl::stream_base::client, kTuple);
    if (hec) {
      failed("in the TLS handshake", hec);
      co_return;
    }
  }
  auto [wec, written] = co_await asio::async_write(stream, asio::buffer(request), kTuple);
  if (wec) {
    failed("sending", wec);
    co_return;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  auto [rec, read] = co_await http::async_read(stream, buffer, parser, kTuple);
  timer.cancel();
  if (rec) {
    failed("waiting for the response", rec);
    co_return;
  }
  out->status = static_cast<int>(parser.get().result_int());
  out->reason = std::string(parser.get().reason());
  out->body = std::move(parser.get().body());
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

}  // namespace llmload::net
