#pragma once
/// The periodic scraper: GET /metrics from the server (and any device exporters) every
/// interval on its own thread while the load runs, into a ScrapeSeries. It never touches the
/// load path; a source that does not answer is dropped with a note, never an error.

#include "llmload/net/request_head.hpp"
#include "llmload/net/url.hpp"
#include "llmload/scrape/server_metrics.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace llmload::scrape {

/// One Prometheus endpoint. Plain value.
struct ScrapeSource {
  net::Url base;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  std::string path = "/metrics";
  net::HeaderList headers;  ///< e.g. the run's Authorization; never printed
  std::shared_ptr<boost::asio::ssl::context> tls;  ///< null for http
  bool verify = true;
  /// The target this is the /metrics of (its index among the run's targets); -1 for the
  /// other sources (--metrics-url). With several targets each one's series is kept apart too.
  int target = -1;
};

class Scraper {
 public:
  /// `interval` > 0. Each fetch is bounded by min(interval, 5 s).
  Scraper(std::vector<ScrapeSource> sources, std::chrono::milliseconds interval);
  ~Scraper();
  Scraper(const Scraper&) = delete;
  Scraper& operator=(const Scraper&) = delete;

  /// Takes the first scrape now (the baseline before the load; sources that fail it are
  /// dropped with a note) and starts the loop thread when a source is left.
  void start();
  /// Stops the loop, takes a last scrape, and returns everything. Call once.
  ScrapeSeries stop();

 private:
  struct Active {
    ScrapeSource source;
    bool dropped = false;
    bool noted_parse_problem = false;
  };
  void scrape_once(bool first);
  void loop();

  std::vector<Active> sources_;
  std::chrono::milliseconds interval_;
  ScrapeSeries series_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace llmload::scrape
