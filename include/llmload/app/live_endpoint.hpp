#pragma once
/// --metrics-port (a profile's outputs.metrics_port) for the length of one command: the live
/// figures and their HTTP server, started before the first run and stopped after the last,
/// once whatever scraped them during the run has scraped the final figures (at most 5 s).

#include "llmload/core/error.hpp"
#include "llmload/live/live_metrics.hpp"
#include "llmload/live/metrics_server.hpp"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>

namespace llmload::app {

class LiveEndpoint final {
 public:
  /// Starts the server on 127.0.0.1:port when `port` is set (says where on `err`).
  core::Result<void> start(std::optional<std::uint16_t> port, std::FILE* err);
  /// The figures to feed (null when not serving).
  live::LiveMetrics* metrics() noexcept { return metrics_.get(); }
  /// Waits for a last scrape (when something scraped during the run) and stops the server.
  void finish(std::FILE* err);
  ~LiveEndpoint();

 private:
  std::unique_ptr<live::LiveMetrics> metrics_;
  std::unique_ptr<live::MetricsServer> server_;
};

}  // namespace llmload::app
