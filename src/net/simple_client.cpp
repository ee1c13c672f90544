#include "llmload/net/simple_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
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
                               std::chrono::milliseconds timeout, SimpleResponse* out,
                               std::string* error) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_after(timeout);
  auto [cec, endpoint] = co_await stream.async_connect(endpoints, kTuple);
  if (cec) {
    *error = cec == beast::error::timeout ? "timed out connecting" : cec.message();
    co_return;
  }
  auto [wec, written] = co_await asio::async_write(stream, asio::buffer(request), kTuple);
  if (wec) {
    *error = wec == beast::error::timeout ? "timed out sending" : wec.message();
    co_return;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  auto [rec, read] = co_await http::async_read(stream, buffer, parser, kTuple);
  if (rec) {
    *error = rec == beast::error::timeout ? "timed out waiting for the response" : rec.message();
    co_return;
  }
  out->status = static_cast<int>(parser.get().result_int());
  out->reason = std::string(parser.get().reason());
  out->body = std::move(parser.get().body());
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
}

}  // namespace

core::Result<SimpleResponse> fetch(const Url& base,
                                   const std::vector<asio::ip::tcp::endpoint>& endpoints,
                                   std::string_view method, std::string_view path,
                                   const HeaderList& headers, std::string_view body,
                                   std::chrono::milliseconds timeout) {
  std::string request;
  HeaderList all = headers;
  set_header(all, "Connection", "close");
  append_request(request, method, path, base.host_header(), all, body);
  asio::io_context ioc(1);
  SimpleResponse response;
  std::string error;
  asio::co_spawn(ioc, do_fetch(endpoints, std::move(request), timeout, &response, &error),
                 asio::detached);
  ioc.run();
  if (!error.empty()) {
    return core::fail("{} {}{}: {}", method, base.to_string(), path, error);
  }
  return response;
}

}  // namespace llmload::net
