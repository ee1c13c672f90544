// Fuzz target of the Prometheus text parser and the server-metrics extraction: any bytes give
// samples or counted bad lines, never a crash; every value extracted is finite or NaN.
#include "llmload/scrape/prometheus.hpp"
#include "llmload/scrape/server_metrics.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<llmload::scrape::Exposition> expositions{llmload::scrape::parse_exposition(text)};
  const auto point = llmload::scrape::extract_point(1, expositions);
  for (const double v : point.values) {
    if (std::isinf(v)) std::abort();  // an implausible value must have been left out
  }
  llmload::scrape::ScrapeSeries series;
  series.points = {point, point};
  (void)llmload::scrape::summarize(series);
  return 0;
}
