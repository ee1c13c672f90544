// End-to-end overhead bench: how exact and how light is the client at 200 … 5000 open
// streams? The simulator runs in a child process pinned to one core (fixed timing: TTFT
// 50 ms, 20 ms between tokens, 200 tokens per stream, each chunk stamped with its send time
// on the shared steady clock); the client runs in this process, one worker thread, pinned to
// the other core. Per level it reports receive delay (chunk arrival − server send), measured
// TTFT and ITL against the configured values, client CPU per chunk and client memory per open
// stream; then the schedule lag of an open-loop run at 1000 requests/s.
//
//   build/bench/llmload_overhead_bench [--levels 200,1000,2000,5000] [--rate-run 1] [--interval-ms N]
//
// Figures and the machine they came from are in BENCHMARKS.md.
#include "llmload/metrics/run_summary.hpp"
#include "llmload/net/connection.hpp"
#include "llmload/schedule/arrival_schedule.hpp"
#include "llmload/runtime/runner.hpp"
#include "llmload/sim/sim_server.hpp"
#include "llmload/workload/random_dataset.hpp"

#include <fmt/format.h>

#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

int g_interval_ms = 0;  // --interval-ms: interval recording on, with this interval

using namespace llmload;
using namespace std::chrono_literals;

constexpr auto kTtft = 50ms;
constexpr auto kItl = 20ms;
constexpr int kTokens = 200;

void pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    fmt::print(stderr, "warning: cannot pin to CPU {}: {}\n", cpu, std::strerror(errno));
  }
}

void raise_file_limit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

/// User and system CPU seconds of this process (the client; the simulator is a child).
std::pair<double, double> cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return {seconds(usage.ru_utime), seconds(usage.ru_stime)};
}

/// Starts the simulator in a child pinned to `cpu`; returns its pid and base URL.
std::pair<pid_t, std::string> start_simulator(int cpu, std::chrono::nanoseconds ttft,
                                              std::chrono::nanoseconds itl) {
  int fds[2];
  if (pipe(fds) != 0) std::abort();
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    pin_to_cpu(cpu);
    raise_file_limit();
    sim::SimOptions options;
    options.ttft = ttft;
    options.itl = itl;
    options.threads = 1;
    sim::SimServer server(options);
    if (!server.start()) _exit(1);
    const std::string url = server.base_url() + "\n";
    if (write(fds[1], url.data(), url.size()) < 0) _exit(1);
    close(fds[1]);
    pause();  // until the parent kills us
    _exit(0);
  }
  close(fds[1]);
  char buffer[128] = {};
  const auto n = read(fds[0], buffer, sizeof buffer - 1);
  close(fds[0]);
  if (n <= 0) {
    fmt::print(stderr, "the simulator did not start\n");
    std::exit(1);
  }
  std::string url(buffer, static_cast<std::size_t>(n));
  url.pop_back();
  return {pid, url};
}

runtime::Target target_for(const std::string& url) {
  runtime::Target t;
  t.base = net::parse_url(url).value();
  t.path = "/v1/completions";
  t.endpoints = net::resolve(t.base.host, t.base.port).value();
  return t;
}

runtime::RequestTemplate request_template() {
  runtime::RequestTemplate r;
  r.body.model = "llmload-sim";
  r.body.ignore_eos = true;
  return r;
}

double pct(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double rank = p / 100.0 * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(rank);
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

void run_level(const std::string& url, int streams) {
  // Starts spread over a ramp (at most 2000 connects/s), so every stream is open together
  // from the end of the ramp until the first one finishes (50 ms + 199 x 20 ms = 4.03 s).
  const double ramp_s = std::max(1.0, streams / 2000.0);
  workload::RandomDatasetOptions data;
  data.input_len = 32;
  data.output_len = kTokens;
  const auto specs = workload::make_random_dataset(static_cast<std::size_t>(streams), data).value();
  std::vector<core::Nanos> offsets;
  for (int i = 0; i < streams; ++i) {
    offsets.push_back(static_cast<core::Nanos>(ramp_s * 1e9 * i / streams));
  }
  runtime::RunnerOptions options;
  options.threads = 1;
  options.keep_text = false;
  long peak_rss = 0;
  std::int64_t peak_open = 0;
  options.progress_interval = 50ms;
  options.on_progress = [&](const runtime::ProgressSnapshot& s) {
    peak_rss = std::max(peak_rss, rss_kib());
    peak_open = std::max(peak_open, s.started - s.finished);
  };
  std::int64_t interval_completed = 0;
  if (g_interval_ms > 0) {
    // Interval recording on, as `llmload run` uses it (the reports themselves are dropped).
    options.interval = std::chrono::milliseconds(g_interval_ms);
    options.on_interval = [&](const runtime::IntervalReport& r) { interval_completed += r.recorded.completed; };
  }
  runtime::Runner runner(target_for(url), request_template(), options);
  const long rss_before = rss_kib();
  const auto cpu_before = cpu_seconds();
  const auto out = runner.run(specs, offsets);
  const auto cpu_after = cpu_seconds();
  const double user = cpu_after.first - cpu_before.first, sys = cpu_after.second - cpu_before.second;

  std::vector<double> delays_ms, ttft_ms, itl_ms;
  std::int64_t chunks = 0, ok = 0;
  for (const auto& r : out.records) {
    if (!r.ok()) continue;
    ++ok;
    chunks += static_cast<std::int64_t>(r.chunk_ns.size());
    for (auto d : r.receive_delay_ns) delays_ms.push_back(core::ns_to_ms(d));
    ttft_ms.push_back(core::ns_to_ms(r.chunk_ns.front() - r.start_ns));
    for (std::size_t i = 1; i < r.chunk_ns.size(); ++i) {
      itl_ms.push_back(core::ns_to_ms(r.chunk_ns[i] - r.chunk_ns[i - 1]));
    }
  }
  const auto summary = metrics::summarize(out.records, out.bench_start_ns, out.bench_end_ns, {});
  if (g_interval_ms > 0 && interval_completed != ok) {
    fmt::print(stderr, "interval reports counted {} completions, the records {}\n", interval_completed, ok);
  }
  const double per_stream_kib =
      peak_open > 0 ? static_cast<double>(peak_rss - rss_before) / static_cast<double>(peak_open) : 0;
  const double per_chunk = chunks > 0 ? 1e6 / static_cast<double>(chunks) : 0.0;
  const double delay_p50 = pct(delays_ms, 50), delay_p99 = pct(delays_ms, 99);
  const double delay_max = delays_ms.empty() ? 0.0 : delays_ms.back();  // sorted by pct()
  const double ttft_p50 = pct(ttft_ms, 50), ttft_p99 = pct(ttft_ms, 99);
  const double itl_p50 = pct(itl_ms, 50), itl_p99 = pct(itl_ms, 99);
  fmt::print("| {:5d} | {:4d}/{:<4d} | {:5d} | {:7.3f} | {:7.3f} | {:7.3f} | {:7.2f} / {:7.2f} | {:6.2f} / {:6.2f} | "
             "{:5.2f} ({:4.2f} user + {:5.2f} sys) | {:6.1f} |\n",
             streams, ok, streams, summary.peak_concurrency_exact, delay_p50, delay_p99, delay_max,
             ttft_p50, ttft_p99, itl_p50, itl_p99, (user + sys) * per_chunk, user * per_chunk,
             sys * per_chunk, per_stream_kib);
  std::fflush(stdout);
}

void run_schedule_lag(int rate, int count) {
  auto [pid, url] = start_simulator(1, 5ms, 5ms);
  workload::RandomDatasetOptions data;
  data.input_len = 16;
  data.output_len = 4;
  const auto specs = workload::make_random_dataset(static_cast<std::size_t>(count), data).value();
  schedule::ArrivalOptions arrivals;
  arrivals.request_rate = rate;
  const auto offsets = schedule::make_arrival_offsets(specs.size(), arrivals).value();
  runtime::RunnerOptions options;
  options.threads = 1;
  options.keep_text = false;
  runtime::Runner runner(target_for(url), request_template(), options);
  const auto out = runner.run(specs, offsets);
  std::vector<double> lag;
  std::int64_t ok = 0;
  for (const auto& r : out.records) {
    lag.push_back(core::ns_to_ms(r.dispatch_ns - r.scheduled_ns));
    ok += r.ok() ? 1 : 0;
  }
  const double p50 = pct(lag, 50), p99 = pct(lag, 99), max = lag.back();  // sorted by pct()
  fmt::print("\nOpen loop, Poisson arrivals at {} requests/s, {} requests ({} ok): schedule lag "
             "(dispatch - scheduled) p50 {:.3f} ms, p99 {:.3f} ms, max {:.3f} ms\n",
             rate, count, ok, p50, p99, max);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> levels{200, 1000, 2000, 5000};
  bool rate_run = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--levels") {
      levels.clear();
      std::string list = argv[i + 1];
      for (std::size_t pos = 0; pos < list.size();) {
        const auto comma = list.find(',', pos);
        levels.push_back(std::atoi(list.substr(pos, comma - pos).c_str()));
        pos = comma == std::string::npos ? list.size() : comma + 1;
      }
    } else if (flag == "--rate-run") {
      rate_run = std::atoi(argv[i + 1]) != 0;
    } else if (flag == "--interval-ms") {
      g_interval_ms = std::atoi(argv[i + 1]);
    } else {
      fmt::print(stderr, "usage: {} [--levels 200,1000,2000,5000] [--rate-run 0|1] [--interval-ms N]\n", argv[0]);
      return 2;
    }
  }
  raise_file_limit();
  auto [pid, url] = start_simulator(1, kTtft, kItl);
  pin_to_cpu(0);
  fmt::print("Client: 1 worker thread on CPU 0; simulator: 1 thread on CPU 1 (TTFT {} ms, ITL {} ms, "
             "{} tokens per stream)\n\n",
             kTtft.count(), kItl.count(), kTokens);
  fmt::print("| streams | ok | peak open | recv delay p50 ms | p99 ms | max ms | TTFT p50 / p99 ms | "
             "ITL p50 / p99 ms | client CPU us/chunk | client KiB/stream |\n");
  fmt::print("|---|---|---|---|---|---|---|---|---|---|\n");
  for (const int n : levels) run_level(url, n);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  if (rate_run) run_schedule_lag(1000, 5000);
  return 0;
}
