#include "llmload/live/metrics_server.hpp"

#include "llmload/net/await.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace llmload::live {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

using net::kTuple;
constexpr auto kConnectionLimit = std::chrono::seconds(5);

/// One request, one answer, then the connection closes.
asio::awaitable<void> serve(tcp::socket socket, const LiveMetrics* metrics, std::atomic<std::int64_t>* scrapes) {
  boost::beast::tcp_stream stream(std::move(socket));
  stream.expires_after(kConnectionLimit);
  boost::beast::flat_buffer buffer(8192);
  http::request_parser<http::string_body> parser;
  parser.header_limit(8192);
  parser.body_limit(8192);
  auto [rec, rn] = co_await http::async_read(stream, buffer, parser, kTuple);
  if (rec) co_return;
  const auto& request = parser.get();
  http::response<http::string_body> response;
  response.version(request.version());
  response.keep_alive(false);
  const std::string_view target(request.target().data(), request.target().size());
  const bool metrics_path = target == "/metrics" || target.starts_with("/metrics?");
  if (metrics_path && (request.method() == http::verb::get || request.method() == http::verb::head)) {
    response.result(http::status::ok);
    response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    response.body() = metrics->render();
    scrapes->fetch_add(1);
  } else {
    response.result(http::status::not_found);
    response.set(http::field::content_type, "text/plain");
    response.body() = "llmload serves its metrics at /metrics\n";
  }
  response.prepare_payload();
  co_await http::async_write(stream, response, kTuple);
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> accept_loop(tcp::acceptor* acceptor, const LiveMetrics* metrics,
                                  std::atomic<std::int64_t>* scrapes) {
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(kTuple);
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) continue;
    asio::co_spawn(acceptor->get_executor(), serve(std::move(socket), metrics, scrapes), asio::detached);
  }
}

}  // namespace

struct MetricsServer::Impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
};

MetricsServer::MetricsServer(const LiveMetrics& metrics) : metrics_(metrics), impl_(std::make_unique<Impl>()) {}

MetricsServer::~MetricsServer() { stop(); }

core::Result<void> MetricsServer::start(std::uint16_t port) {
  boost::system::error_code ec;
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return core::fail("--metrics-port {}: cannot listen on 127.0.0.1:{}: {}", port, port, ec.message());
  port_ = acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, accept_loop(&acceptor, &metrics_, &scrapes_), asio::detached);
  thread_ = std::thread([this] { impl_->io.run(); });
  return {};
}

bool MetricsServer::wait_for_final_scrape(std::chrono::milliseconds limit) {
  const std::int64_t before = scrapes_.load();
  if (before == 0 || !thread_.joinable()) return false;  // nothing scrapes it
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < give_up) {
    if (scrapes_.load() > before) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void MetricsServer::stop() {
  if (!thread_.joinable()) return;
  asio::post(impl_->io, [this] {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  impl_->io.stop();
  thread_.join();
}

}  // namespace llmload::live
