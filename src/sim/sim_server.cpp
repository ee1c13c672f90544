#include "llmload/sim/sim_server.hpp"

#include "llmload/core/clock.hpp"
#include "llmload/core/json_writer.hpp"
#include "llmload/net/await.hpp"
#include "llmload/net/tls.hpp"
#include "llmload/sim/engine_host.hpp"
#include "llmload/sim/faults.hpp"
#include "llmload/sim/session.hpp"
#include "llmload/sim/sim_worker.hpp"
#include "llmload/sim/span_exporter.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace llmload::sim {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

using net::kTuple;

asio::awaitable<void> accept_loop(tcp::acceptor* acceptor,
                                  const std::vector<std::unique_ptr<Worker>>* workers,
                                  const ServerShared* shared) {
  asio::steady_timer backoff(acceptor->get_executor());
  std::size_t next = 0;
  for (;;) {
    // Engine mode serves every connection on the engine's thread (worker 0).
    Worker& worker = *(*workers)[shared->host != nullptr ? 0 : next];
    auto [ec, socket] = co_await acceptor->async_accept(*worker.ioc, kTuple);
    // Closed: the server stops, or a simulated restart closed it (and reopens it later with
    // a loop of its own).
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) {
      // Out of descriptors and the like: give the system a moment instead of spinning.
      backoff.expires_after(std::chrono::milliseconds(10));
      co_await backoff.async_wait(kTuple);
      continue;
    }
    next = (next + 1) % workers->size();
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(*worker.ioc, serve_connection(std::move(socket), &worker, shared),
                   asio::detached);
  }
}

std::string host_port(const std::string& host, std::uint16_t port) {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                             : fmt::format("{}:{}", host, port);
}

core::Result<void> validate(const SimOptions& o) {
  if (o.threads < 1) return core::fail("the simulator needs at least 1 thread, got {}", o.threads);
  if (o.ttft.count() < 0 || o.itl.count() < 0) {
    return core::fail("the simulator's TTFT and ITL must not be negative");
  }
  if (o.ttft_jitter.count() < 0 || o.ttft_jitter > o.ttft) {
    return core::fail("--ttft-jitter-ms must be between 0 and --ttft-ms ({:g} ms), got {:g} ms",
                      std::chrono::duration<double, std::milli>(o.ttft).count(),
                      std::chrono::duration<double, std::milli>(o.ttft_jitter).count());
  }
  if (o.default_max_tokens < 1) {
    return core::fail("the simulator's default max tokens must be at least 1, got {}",
                      o.default_max_tokens);
  }
  if (o.mode == SimMode::kEngine) {
    if (auto valid = validate_engine_config(o.engine); !valid) return valid.error();
    if (!(o.time_scale > 0) || !std::isfinite(o.time_scale)) {
      return core::fail("--time-scale must be a positive number, got {}", o.time_scale);
    }
  }
  if (o.keep_alive_timeout.count() <= 0 || o.request_read_timeout.count() <= 0) {
    return core::fail("the simulator's keep-alive and request read timeouts must be above 0");
  }
  if (!(o.fault_rate >= 0 && o.fault_rate <= 1)) {
    return core::fail("--fault-rate must be in [0, 1], got {}", o.fault_rate);
  }
  if (o.spec_tokens < 0 || o.spec_tokens > kMaxSpecTokens) {
    return core::fail("--spec-tokens must be from 0 to {}, got {}", kMaxSpecTokens, o.spec_tokens);
  }
  if (!(o.spec_acceptance >= 0 && o.spec_acceptance <= 1)) {
    return core::fail("--spec-acceptance must be in [0, 1], got {}", o.spec_acceptance);
  }
  if (o.spec_tokens > 0 && o.mode == SimMode::kEngine) {
    return core::fail("--spec-tokens applies to the exact mode; leave out --mode engine / --preset");
  }
  return {};
}

// --fault-kinds as views of fault_kinds()' names; all of them when none is given.
core::Result<std::vector<std::string_view>> resolve_fault_kinds(const std::vector<std::string>& given) {
  const auto known = fault_kinds();
  std::vector<std::string_view> kinds;
  for (const auto& kind : given) {
    const auto it = std::find(known.begin(), known.end(), kind);
    if (it == known.end()) {
      return core::fail("unknown --fault-kinds entry '{}'; known: {}", kind, fmt::join(known, ", "));
    }
    kinds.push_back(*it);
  }
  if (kinds.empty()) kinds.assign(known.begin(), known.end());
  return kinds;
}

// The address to listen on: an IP literal, else the host resolved for a passive socket.
core::Result<tcp::endpoint> listen_endpoint(const SimOptions& o, const std::string& where) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(o.host, ec);
  if (!ec) return tcp::endpoint(address, o.port);
  asio::io_context resolver_ioc;
  tcp::resolver resolver(resolver_ioc);
  const auto results = resolver.resolve(o.host, std::to_string(o.port),
                                        tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return core::fail("cannot listen on {}: cannot resolve host '{}': {}", where, o.host,
                      ec ? ec.message() : "no address");
  }
  return results.begin()->endpoint();
}

std::vector<std::unique_ptr<Worker>> make_workers(int threads, std::uint64_t seed) {
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < threads; ++i) {
    auto worker = std::make_unique<Worker>();
    worker->ttft_state = seed ^ (static_cast<std::uint64_t>(i + 1) << 56);
    worker->id_state = static_cast<std::uint64_t>(core::now_ns()) ^
                       (static_cast<std::uint64_t>(i + 1) << 56) ^
                       reinterpret_cast<std::uintptr_t>(worker.get());
    workers.push_back(std::move(worker));
  }
  return workers;
}

// A listening acceptor on `endpoint`, run by `ioc`; errors name the failing step.
core::Result<std::unique_ptr<tcp::acceptor>> open_acceptor(asio::io_context& ioc, const tcp::endpoint& endpoint,
                                                           const std::string& where) {
  boost::system::error_code ec;
  auto acceptor = std::make_unique<tcp::acceptor>(ioc);
  const auto listen_error = [&](std::string_view step) {
    return core::fail("cannot listen on {}: {} failed: {}", where, step, ec.message());
  };
  acceptor->open(endpoint.protocol(), ec);
  if (ec) return listen_error("socket");
  acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return listen_error("SO_REUSEADDR");
  acceptor->bind(endpoint, ec);
  if (ec) return listen_error("bind");
  acceptor->listen(tcp::socket::max_listen_connections, ec);
  if (ec) return listen_error("listen");
  return acceptor;
}

}  // namespace

core::Result<void> validate_options(const SimOptions& o) { return validate(o); }

struct SimServer::Impl {
  std::unique_ptr<SpanExporter> spans;  // flushed once the workers are stopped
  std::unique_ptr<EngineHost> host;  // outlives the workers' contexts (see stop())
  ServerShared shared;
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<tcp::acceptor> acceptor;
  tcp::endpoint local;
  bool started = false;
  std::atomic<bool> stopped{false};
  FailWindow fail;  // a simulated fail's window
  // A simulated pause holds every thread on this until its end (or stop()).
  std::mutex freeze_mutex;
  std::condition_variable freeze_cv;
  bool stopping = false;  // under freeze_mutex
  std::optional<asio::steady_timer> reopen_timer;  // a simulated restart's, on worker 0

  // Binds the listener on worker 0's context; on failure no worker is left.
  core::Result<void> listen(const tcp::endpoint& endpoint, const std::string& where);
  // Starts the engine host, the accept loop, the pacers and the threads.
  void spawn();
  // A simulated pause, on each server thread: blocks it until `until` (or stop()).
  void freeze_until(core::Clock::time_point until);
  // A simulated restart, on worker 0's thread: closes the listener, shuts down every
  // connection and reopens the listener at `until`.
  void restart_until(core::Clock::time_point until);
  // Listens again on the bound address (retried every 100 ms while the port is taken).
  void reopen();
};

void SimServer::Impl::freeze_until(core::Clock::time_point until) {
  std::unique_lock lock(freeze_mutex);
  freeze_cv.wait_until(lock, until, [this] { return stopping; });
}

void SimServer::Impl::restart_until(core::Clock::time_point until) {
  boost::system::error_code ignored;
  acceptor->close(ignored);
  for (auto& worker : workers) {
    asio::post(*worker->ioc, [w = worker.get()] {
      for (Session* session : w->sessions) session->shut_down();
    });
  }
  if (!reopen_timer) reopen_timer.emplace(*workers.front()->ioc);
  reopen_timer->expires_at(until);  // a later restart moves the reopening
  reopen_timer->async_wait([this](boost::system::error_code ec) {
    if (!ec) reopen();
  });
}

void SimServer::Impl::reopen() {
  boost::system::error_code ec;
  acceptor->open(local.protocol(), ec);
  if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor->bind(local, ec);
  if (!ec) acceptor->listen(tcp::socket::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor->close(ignored);
    reopen_timer->expires_after(std::chrono::milliseconds(100));
    reopen_timer->async_wait([this](boost::system::error_code wec) {
      if (!wec) reopen();
    });
    return;
  }
  asio::co_spawn(*workers.front()->ioc, accept_loop(acceptor.get(), &workers, &shared), asio::detached);
}

core::Result<void> SimServer::Impl::listen(const tcp::endpoint& endpoint, const std::string& where) {
  auto opened = open_acceptor(*workers.front()->ioc, endpoint, where);
  if (!opened) {
    workers.clear();
    return opened.error();
  }
  boost::system::error_code ec;
  local = (*opened)->local_endpoint(ec);
  if (ec) {
    opened->reset();  // before the context it runs on
    workers.clear();
    return core::fail("cannot listen on {}: getsockname failed: {}", where, ec.message());
  }
  acceptor = std::move(*opened);
  return {};
}

void SimServer::Impl::spawn() {
  const SimOptions& o = shared.options;
  asio::io_context& accept_ioc = *workers.front()->ioc;
  if (o.mode == SimMode::kEngine) {
    host = std::make_unique<EngineHost>(o.engine, o.time_scale);
    shared.host = host.get();
    asio::co_spawn(accept_ioc, host->loop(), asio::detached);
  }
  asio::co_spawn(accept_ioc, accept_loop(acceptor.get(), &workers, &shared), asio::detached);
  if (o.mode == SimMode::kExact) {
    shared.workers = &workers;
    for (auto& worker : workers) asio::co_spawn(*worker->ioc, worker->pacer.loop(), asio::detached);
  }
  for (auto& worker : workers) {
    worker->guard.emplace(worker->ioc->get_executor());
    worker->thread = std::thread([ioc = worker->ioc.get()] { ioc->run(); });
  }
}

SimServer::SimServer(SimOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->shared.options = std::move(options);
}

SimServer::~SimServer() { stop(); }

core::Result<void> SimServer::start() {
  Impl& s = *impl_;
  const SimOptions& o = s.shared.options;
  if (s.started) return core::fail("the simulator was already started");
  if (auto valid = validate(o); !valid) return valid.error();
  auto kinds = resolve_fault_kinds(o.fault_kinds);
  if (!kinds) return kinds.error();
  s.shared.fault_kinds = std::move(*kinds);
  if (!o.answers.path.empty() && !o.answer_key) {
    auto key = AnswerKey::load(o.answers);
    if (!key) return core::fail("--answers: {}", key.error().message);
    s.shared.options.answer_key = std::move(*key);
  }
  const std::string where = host_port(o.host, o.port);
  auto endpoint = listen_endpoint(o, where);
  if (!endpoint) return endpoint.error();
  s.workers = make_workers(o.threads, o.engine.seed);
  for (auto& worker : s.workers) worker->metrics.spec_positions = o.spec_tokens;
  if (auto listening = s.listen(*endpoint, where); !listening) return listening.error();

  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
      return core::fail("the simulator needs both --tls-cert and --tls-key for https");
    }
    auto context = net::make_server_tls_context(o.tls_cert_file, o.tls_key_file);
    if (!context) return context.error();
    s.shared.tls = std::move(*context);
  }
  if (!o.otlp_traces_endpoint.empty()) {
    auto exporter = SpanExporter::start({o.otlp_traces_endpoint, o.otlp_http_protobuf, o.otlp_schedule_delay});
    if (!exporter) return exporter.error();
    s.spans = std::move(*exporter);
    s.shared.spans = s.spans.get();
  }
  s.shared.model_json.clear();
  core::append_json_string(s.shared.model_json, o.model);
  s.shared.started_unix = unix_now();
  s.shared.started = core::Clock::now();
  s.shared.server = this;
  s.shared.fail = &s.fail;
  s.spawn();
  s.started = true;
  return {};
}
std::uint16_t SimServer::port() const { return impl_->local.port(); }

std::string SimServer::base_url() const {
  auto address = impl_->local.address();
  if (address.is_unspecified()) {
    address = address.is_v6() ? asio::ip::address(asio::ip::address_v6::loopback())
                              : asio::ip::address(asio::ip::address_v4::loopback());
  }
  return (impl_->shared.tls ? "https://" : "http://") + host_port(address.to_string(), port());
}

void SimServer::stop() {
  Impl& s = *impl_;
  if (!s.started || s.stopped) {
    s.stopped = true;
    return;
  }
  s.stopped = true;
  {
    std::lock_guard lock(s.freeze_mutex);  // a pause in progress ends now
    s.stopping = true;
  }
  s.freeze_cv.notify_all();
  for (auto& worker : s.workers) worker->ioc->stop();
  for (auto& worker : s.workers) {
    if (worker->thread.joinable()) worker->thread.join();
  }
  // With every thread joined nothing runs: close the listener, then destroy each context,
  // which destroys its pending coroutines and so closes their connections. The accepting
  // context goes first because its pending accept refers to the others.
  s.acceptor.reset();
  s.reopen_timer.reset();
  for (auto& worker : s.workers) {
    worker->guard.reset();
    worker->ioc.reset();
  }
  if (s.spans) s.spans->stop();  // sends the spans still queued
}

core::Result<void> SimServer::disrupt(const SimDisruption& d) {
  if (auto checked = check_disruption(d); !checked) return checked.error();
  Impl& s = *impl_;
  if (!s.started || s.stopped) return core::fail("the simulator is not running");
  const auto until = core::Clock::now() + d.duration;
  switch (d.kind) {
    case DisruptionKind::kPause:
      for (auto& worker : s.workers) asio::post(*worker->ioc, [&s, until] { s.freeze_until(until); });
      break;
    case DisruptionKind::kFail: s.fail.open(core::to_ns(until), d.fraction); break;
    case DisruptionKind::kRestart:
      asio::post(*s.workers.front()->ioc, [&s, until] { s.restart_until(until); });
      break;
  }
  return {};
}

SimServer::Stats SimServer::stats() const {
  Stats total;
  for (const auto& worker : impl_->workers) {
    total.requests += worker->requests.load(std::memory_order_relaxed);
    total.chunks += worker->chunks.load(std::memory_order_relaxed);
  }
  return total;
}

}  // namespace llmload::sim
