// The naive streaming client llmload is compared with (bench/e2e/side_by_side.sh): one
// thread, one Asio coroutine per stream, all started at once; each connects, sends one
// streaming completion, stamps every read and counts the `data: {` events in it. TTFT = first
// event − start (connect included, as vLLM); ITL = gaps between events. Nothing else. Also
// the first event from the burst's start (all streams are due then), llmload's "TTFT from
// schedule" counterpart.
//   reference_client HOST PORT STREAMS MAX_TOKENS [REQUEST_FILE]
//     → "ttft_p50_ms X itl_p99_ms Y ok N from_burst_p50_ms Z"
// REQUEST_FILE: the exact bytes (head and body) to send on every stream instead of the small
// built-in completion; side_by_side.sh passes the request llmload itself sends, so that the
// server does the same work for both clients.
#include <boost/asio.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Stream { Clock::time_point start; std::vector<Clock::time_point> events; bool done = false; };

asio::awaitable<void> run_stream(tcp::endpoint at, int tokens, const std::string& fixed, Stream& s) {
  s.start = Clock::now();
  tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect(at, asio::use_awaitable);
  socket.set_option(tcp::no_delay(true));
  const std::string body = "{\"model\":\"llmload-sim\",\"prompt\":\"hello world\",\"max_tokens\":" +
                           std::to_string(tokens) + ",\"stream\":true,\"ignore_eos\":true}";
  const std::string request = "POST /v1/completions HTTP/1.1\r\nHost: " + at.address().to_string() +
                              "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                              "\r\n\r\n" + body;
  co_await asio::async_write(socket, asio::buffer(fixed.empty() ? request : fixed), asio::use_awaitable);
  std::string seen;  // the response so far; events are searched from `scanned` on
  std::size_t scanned = 0;
  char buffer[4096];
  while (!s.done) {
    const std::size_t n = co_await socket.async_read_some(asio::buffer(buffer), asio::use_awaitable);
    const auto now = Clock::now();
    seen.append(buffer, n);
    for (std::size_t at_event; (at_event = seen.find("data: ", scanned)) != std::string::npos;) {
      if (seen.size() < at_event + 7) break;  // wait for the event's first byte
      if (seen[at_event + 6] == '{') s.events.push_back(now);
      if (seen.compare(at_event + 6, 6, "[DONE]") == 0) s.done = true;
      scanned = at_event + 6;
    }
  }
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double rank = p / 100 * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(rank);
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) return std::fprintf(stderr, "usage: %s HOST PORT STREAMS MAX_TOKENS [REQUEST_FILE]\n", argv[0]), 2;
  std::string fixed;
  if (argc == 6) {
    std::ifstream in(argv[5], std::ios::binary);
    fixed.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (fixed.empty()) return std::fprintf(stderr, "%s: no request in it\n", argv[5]), 2;
  }
  const tcp::endpoint at(asio::ip::make_address(argv[1]), static_cast<unsigned short>(std::atoi(argv[2])));
  std::vector<Stream> streams(static_cast<std::size_t>(std::max(1, std::atoi(argv[3]))));
  asio::io_context io(1);
  const auto burst = Clock::now();
  for (auto& s : streams) asio::co_spawn(io, run_stream(at, std::atoi(argv[4]), fixed, s), asio::detached);
  io.run();
  std::vector<double> ttft, itl, from_burst;
  auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  int ok = 0;
  for (const auto& s : streams) {
    if (!s.done || s.events.empty()) continue;
    ++ok;
    ttft.push_back(ms(s.events.front() - s.start));
    from_burst.push_back(ms(s.events.front() - burst));
    for (std::size_t i = 1; i < s.events.size(); ++i) itl.push_back(ms(s.events[i] - s.events[i - 1]));
  }
  std::printf("ttft_p50_ms %.2f itl_p99_ms %.2f ok %d from_burst_p50_ms %.2f\n", percentile(ttft, 50),
              percentile(itl, 99), ok, percentile(from_burst, 50));
  return ok == static_cast<int>(streams.size()) ? 0 : 1;
}
