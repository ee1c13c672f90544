#include "llmload/app/live_endpoint.hpp"

#include <fmt/format.h>

namespace llmload::app {

core::Result<void> LiveEndpoint::start(std::optional<std::uint16_t> port, std::FILE* err) {
  if (!port) return {};
  metrics_ = std::make_unique<live::LiveMetrics>();
  server_ = std::make_unique<live::MetricsServer>(*metrics_);
  if (auto started = server_->start(*port); !started) {
    server_.reset();
    metrics_.reset();
    return started.error();
  }
  fmt::print(err, "llmload: live metrics at http://127.0.0.1:{}/metrics\n", server_->port());
  std::fflush(err);
  return {};
}

void LiveEndpoint::finish(std::FILE* err) {
  if (!server_) return;
  if (server_->scrapes() > 0 && !server_->wait_for_final_scrape(std::chrono::seconds(5))) {
    fmt::print(err, "llmload: /metrics was not scraped again within 5 s of the end; the last figures may be missing "
                    "there\n");
  }
  server_->stop();
  server_.reset();
}

LiveEndpoint::~LiveEndpoint() {
  if (server_) server_->stop();
}

}  // namespace llmload::app
