#include "llmload/otlp/http_receiver.hpp"

#include "llmload/net/await.hpp"
#include "llmload/otlp/wire.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

#include <thread>

namespace llmload::otlp {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {

constexpr std::size_t kBodyLimit = 64 * 1024 * 1024;
using net::kTuple;
// google.rpc.Code values.
constexpr std::int32_t kInvalidArgument = 3;
constexpr std::int32_t kUnimplemented = 12;

HttpAnswer status_answer(int status, std::int32_t code, std::string_view message) {
  return {status, "application/x-protobuf", encode_rpc_status(code, message)};
}

std::string_view media_type(std::string_view content_type) {
  const auto semicolon = content_type.find(';');
  std::string_view type = content_type.substr(0, semicolon);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type;
}

}  // namespace

HttpAnswer answer_http_export(std::string_view method, std::string_view target, std::string_view content_type,
                              std::string_view body, SpanStore& store) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != "/v1/traces") {
    return status_answer(404, kUnimplemented, fmt::format("no such path {}: OTLP traces go to POST /v1/traces", path));
  }
  if (method != "POST") return status_answer(405, kUnimplemented, "OTLP traces are sent with POST");
  if (media_type(content_type) != "application/x-protobuf") {
    store.malformed("an OTLP/HTTP body that is not application/x-protobuf");
    return status_answer(415, kInvalidArgument,
                         "this receiver reads application/x-protobuf bodies (OTLP/HTTP protobuf); "
                         "set OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf");
  }
  std::vector<Span> spans;
  std::string error;
  if (!decode_export_request(body, spans, error)) {
    store.malformed(error);
    return status_answer(400, kInvalidArgument, error);
  }
  store.add(std::move(spans));
  return {200, "application/x-protobuf", encode_export_response()};
}

struct HttpTraceServer::Impl {
  explicit Impl(SpanStore& s) : store(s), acceptor(context) {}

  SpanStore& store;
  asio::io_context context{1};
  tcp::acceptor acceptor;
  std::thread thread;
  int port = 0;

  asio::awaitable<void> serve(tcp::socket socket) {
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(kBodyLimit);
      parser.header_limit(64 * 1024);
      auto [ec, n] = co_await http::async_read(socket, buffer, parser, kTuple);
      HttpAnswer answer;
      bool keep_alive = false;
      if (ec == http::error::body_limit) {
        store.malformed("an OTLP/HTTP body over 64 MiB");
        answer = status_answer(413, kInvalidArgument, "the body exceeds 64 MiB");
      } else if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::operation_aborted) {
        co_return;
      } else if (ec) {
        store.malformed(fmt::format("a bad HTTP request: {}", ec.message()));
        answer = status_answer(400, kInvalidArgument, fmt::format("bad HTTP request: {}", ec.message()));
      } else {
        const auto& request = parser.get();
        keep_alive = request.keep_alive();
        answer = answer_http_export(std::string_view(request.method_string().data(), request.method_string().size()),
                                    std::string_view(request.target().data(), request.target().size()),
                                    std::string_view(request[http::field::content_type].data(),
                                                     request[http::field::content_type].size()),
                                    request.body(), store);
      }
      http::response<http::string_body> response{static_cast<http::status>(answer.status), 11};
      response.set(http::field::content_type, answer.content_type);
      response.keep_alive(keep_alive);
      response.body() = std::move(answer.body);
      response.prepare_payload();
      auto [wec, written] = co_await http::async_write(socket, response, kTuple);
      if (wec || !keep_alive) co_return;
    }
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kTuple);
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) continue;
      asio::co_spawn(context, serve(std::move(socket)), asio::detached);
    }
  }
};

core::Result<std::unique_ptr<HttpTraceServer>> HttpTraceServer::start(const std::string& host, int port,
                                                                      SpanStore& store) {
  auto impl = std::make_unique<Impl>(store);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return core::fail("cannot listen on {}: not an IP address", host);
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return core::fail("cannot listen on {}:{}: {}", host, port, ec.message());
  impl->port = impl->acceptor.local_endpoint().port();
  asio::co_spawn(impl->context, impl->accept_loop(), asio::detached);
  impl->thread = std::thread([raw = impl.get()] { raw->context.run(); });
  return std::unique_ptr<HttpTraceServer>(new HttpTraceServer(std::move(impl)));
}

HttpTraceServer::HttpTraceServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpTraceServer::~HttpTraceServer() { stop(); }

int HttpTraceServer::port() const noexcept { return impl_->port; }

void HttpTraceServer::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->context.stop();
  impl_->thread.join();
}

}  // namespace llmload::otlp
