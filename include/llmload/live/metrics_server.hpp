#pragma once
/// The small HTTP server of --metrics-port: GET /metrics answers LiveMetrics::render() on its
/// own thread (Boost.Beast), loopback only; anything else gets 404. Each connection is read
/// with a 5 s limit and closed after one answer.

#include "llmload/core/error.hpp"
#include "llmload/live/live_metrics.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>

namespace llmload::live {

class MetricsServer final {
 public:
  explicit MetricsServer(const LiveMetrics& metrics);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  /// Listens on 127.0.0.1:`port` (0: any free port) and starts the thread.
  core::Result<void> start(std::uint16_t port);
  /// The port listened on (after start()).
  std::uint16_t port() const noexcept { return port_; }
  /// /metrics answers served so far.
  std::int64_t scrapes() const noexcept { return scrapes_.load(); }
  /// When something scraped during the run, waits until it scrapes once more after the final
  /// figures (at most `limit`), so the last values reach it. Returns true when it did.
  bool wait_for_final_scrape(std::chrono::milliseconds limit);
  /// Stops the thread (idempotent).
  void stop();

 private:
  struct Impl;
  const LiveMetrics& metrics_;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  std::atomic<std::int64_t> scrapes_{0};
};

}  // namespace llmload::live
