// End-to-end overhead bench: how exact and how light is the client at 200 … 5000 open
// streams? The simulator runs in a child process pinned to one core (fixed timing: TTFT
// 50 ms, 20 ms between tokens, 200 tokens per stream, each chunk stamped with its send time
// on the shared steady clock); the client runs in this process (one worker thread unless
// --client-threads says otherwise), pinned to
// the other core. Per level it reports receive delay (chunk arrival − server send), measured
// TTFT and ITL against the configured values, client CPU per chunk and client memory per open
// stream, the simulator's own send lag (its stamp against its schedule) and how much CPU it
// got (on CPU / waiting runnable, % of wall time, from /proc schedstat); then the schedule
// lag of an open-loop run at 1000 requests/s.
//
//   build/bench/llmload_overhead_bench [--levels 200,1000,2000,5000] [--rate-run 1]
//       [--sim-threads 1] [--sim-batch 1] [--sim-cpus 1] [--client-cpus 0] [--interval-ms N]
//       [--client-threads 1] [--traceparent 0|1] [--probe-ms MS]
//
// --sim-threads: the simulator's server threads (exact mode, one io_context each);
// --sim-batch 0: the simulator writes one chunk per timer wake-up (SimOptions::batch_writes);
// --sim-cpus / --client-cpus: comma-separated CPUs each side is pinned to ("all": no pinning);
// --interval-ms N: the client records interval histograms every N ms (as `llmload run` does);
// --traceparent 1: every request carries its own W3C traceparent header, as `llmload bench`
// sends them (the A/B of its cost);
// --probe-ms MS: the period of the self-check's event-loop probe (0: off), for its A/B;
// --client-threads N: the client's worker threads (an io_context each). The --shared-io
// option (one io_context run by every thread, a strand per worker) went with the runner's
// shared_io_context model; its figures are in BENCHMARKS.md.
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
#include <dirent.h>
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
int g_client_threads = 1;  // --client-threads
bool g_traceparent = false;  // --traceparent 1: every request carries a W3C traceparent (as llmload bench)
double g_probe_ms = -1;  // --probe-ms: the self-check's event-loop probe period (0: off; default: the runner's)

using namespace llmload;
using namespace std::chrono_literals;

constexpr auto kTtft = 50ms;
constexpr auto kItl = 20ms;
constexpr int kTokens = 200;

std::vector<int> parse_list(const std::string& list) {
  std::vector<int> out;
  for (std::size_t pos = 0; pos < list.size();) {
    const auto comma = list.find(',', pos);
    out.push_back(std::atoi(list.substr(pos, comma - pos).c_str()));
    pos = comma == std::string::npos ? list.size() : comma + 1;
  }
  return out;
}

/// Pins this process to `cpus` (a comma-separated list; "all" leaves it unpinned).
void pin_to_cpus(const std::string& cpus) {
  if (cpus == "all") return;
  cpu_set_t set;
  CPU_ZERO(&set);
  for (const int cpu : parse_list(cpus)) CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    fmt::print(stderr, "warning: cannot pin to CPUs {}: {}\n", cpus, std::strerror(errno));
  }
}

struct SimSide {
  int threads = 1;
  bool batch_writes = true;
  std::string cpus = "1";
};

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

/// Nanoseconds the threads of process `pid` ran on a CPU and waited runnable for one
/// (/proc/PID/task/*/schedstat), summed: how much CPU the simulator got, and how much it was
/// kept from by other processes on its cores.
std::pair<double, double> sched_ns(pid_t pid) {
  double run = 0, wait = 0;
  const std::string tasks = fmt::format("/proc/{}/task", pid);
  if (DIR* dir = opendir(tasks.c_str())) {
    while (const dirent* entry = readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      std::ifstream stat(tasks + "/" + entry->d_name + "/schedstat");
      double r = 0, w = 0;
      if (stat >> r >> w) {
        run += r;
        wait += w;
      }
    }
    closedir(dir);
  }
  return {run, wait};
}

/// User and system CPU seconds of this process (the client; the simulator is a child).
std::pair<double, double> cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return {seconds(usage.ru_utime), seconds(usage.ru_stime)};
}

/// Starts the simulator in a child pinned to `cpu`; returns its pid and base URL.
std::pair<pid_t, std::string> start_simulator(const SimSide& side, std::chrono::nanoseconds ttft,
                                              std::chrono::nanoseconds itl) {
  int fds[2];
  if (pipe(fds) != 0) std::abort();
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    pin_to_cpus(side.cpus);
    raise_file_limit();
    sim::SimOptions options;
    options.ttft = ttft;
    options.itl = itl;
    options.threads = side.threads;
    options.batch_writes = side.batch_writes;
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

void run_level(const std::string& url, pid_t sim_pid, int streams) {
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
  options.threads = g_client_threads;
  options.keep_text = false;
  if (g_probe_ms >= 0) options.loop_probe_period = std::chrono::nanoseconds(static_cast<std::int64_t>(g_probe_ms * 1e6));
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
  runtime::RequestTemplate request = request_template();
  // Built before the run, as runtime::prepare_workload does.
  const auto parents = g_traceparent ? api::make_trace_parents(0, "traceparent", specs.size())
                                     : std::vector<api::TraceParent>{};
  request.trace_parents = parents;
  runtime::Runner runner(target_for(url), request, options);
  const long rss_before = rss_kib();
  const auto cpu_before = cpu_seconds();
  const auto sim_before = sched_ns(sim_pid);
  const auto t_before = core::now_ns();
  const auto out = runner.run(specs, offsets);
  const auto cpu_after = cpu_seconds();
  const auto sim_after = sched_ns(sim_pid);
  const double wall_ns = static_cast<double>(core::now_ns() - t_before);
  const double sim_cpu_pct = 100 * (sim_after.first - sim_before.first) / wall_ns;
  const double sim_wait_pct = 100 * (sim_after.second - sim_before.second) / wall_ns;
  const double user = cpu_after.first - cpu_before.first, sys = cpu_after.second - cpu_before.second;

  std::vector<double> delays_ms, ttft_ms, itl_ms, send_lag_ms;
  std::int64_t chunks = 0, ok = 0;
  for (const auto& r : out.records) {
    if (!r.ok()) continue;
    ++ok;
    chunks += static_cast<std::int64_t>(r.chunk_ns.size());
    for (auto d : r.receive_delay_ns) delays_ms.push_back(core::ns_to_ms(d));
    // The simulator's own lateness: its send stamp (arrival - receive delay) against the
    // schedule it keeps from the moment it read the request (~ when the client sent it).
    if (r.receive_delay_ns.size() == r.chunk_ns.size()) {
      for (std::size_t k = 0; k < r.chunk_ns.size(); ++k) {
        const core::Nanos due =
            r.sent_ns + std::chrono::nanoseconds(kTtft + kItl * static_cast<std::int64_t>(k)).count();
        send_lag_ms.push_back(core::ns_to_ms(r.chunk_ns[k] - r.receive_delay_ns[k] - due));
      }
    }
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
  const double lag_p50 = pct(send_lag_ms, 50), lag_p99 = pct(send_lag_ms, 99);
  const double lag_max = send_lag_ms.empty() ? 0.0 : send_lag_ms.back();
  fmt::print("| {:5d} | {:4d}/{:<4d} | {:5d} | {:7.3f} | {:7.3f} | {:7.3f} | {:7.2f} / {:7.2f} | {:6.2f} / {:6.2f} | "
             "{:5.2f} ({:4.2f} user + {:5.2f} sys) | {:3.0f}% | {:6.1f} | {:6.3f} / {:6.3f} / {:7.3f} | {:3.0f}% / {:3.0f}% |\n",
             streams, ok, streams, summary.peak_concurrency_exact, delay_p50, delay_p99, delay_max,
             ttft_p50, ttft_p99, itl_p50, itl_p99, (user + sys) * per_chunk, user * per_chunk,
             sys * per_chunk, 100 * (user + sys) * 1e9 / wall_ns, per_stream_kib, lag_p50, lag_p99, lag_max, sim_cpu_pct, sim_wait_pct);
  std::fflush(stdout);
}

void run_schedule_lag(const SimSide& side, int rate, int count) {
  auto [pid, url] = start_simulator(side, 5ms, 5ms);
  workload::RandomDatasetOptions data;
  data.input_len = 16;
  data.output_len = 4;
  const auto specs = workload::make_random_dataset(static_cast<std::size_t>(count), data).value();
  schedule::ArrivalOptions arrivals;
  arrivals.request_rate = rate;
  const auto offsets = schedule::make_arrival_offsets(specs.size(), arrivals).value();
  runtime::RunnerOptions options;
  options.threads = g_client_threads;
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

// The command line's usage, on stderr; returns the exit status 2.
int usage(const char* self) {
  fmt::print(stderr, "usage: {} [--levels 200,1000,2000,5000] [--rate-run 0|1] [--sim-threads N] [--sim-batch 0|1] "
                     "[--sim-cpus LIST|all] [--client-cpus LIST|all] [--interval-ms N] [--client-threads N] "
                     "[--traceparent 0|1] [--probe-ms MS]\n",
             self);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> levels{200, 1000, 2000, 5000};
  bool rate_run = true;
  SimSide sim_side;
  std::string client_cpus = "0";
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    // A flag without a value (--help, say) gets the usage rather than a run with the defaults.
    const std::string value = i + 1 < argc ? argv[i + 1] : "";
    if (value.empty()) {
      return usage(argv[0]);
    } else if (flag == "--levels") {
      levels = parse_list(value);
    } else if (flag == "--rate-run") {
      rate_run = std::atoi(value.c_str()) != 0;
    } else if (flag == "--interval-ms") {
      g_interval_ms = std::atoi(value.c_str());
    } else if (flag == "--traceparent") {
      g_traceparent = std::atoi(value.c_str()) != 0;
    } else if (flag == "--probe-ms") {
      g_probe_ms = std::atof(value.c_str());
    } else if (flag == "--client-threads") {
      g_client_threads = std::max(1, std::atoi(value.c_str()));
    } else if (flag == "--sim-threads") {
      sim_side.threads = std::max(1, std::atoi(value.c_str()));
    } else if (flag == "--sim-batch") {
      sim_side.batch_writes = std::atoi(value.c_str()) != 0;
    } else if (flag == "--sim-cpus") {
      sim_side.cpus = value;
    } else if (flag == "--client-cpus") {
      client_cpus = value;
    } else {
      return usage(argv[0]);
    }
  }
  raise_file_limit();
  auto [pid, url] = start_simulator(sim_side, kTtft, kItl);
  pin_to_cpus(client_cpus);
  fmt::print("Client: {} worker thread(s) (an io_context each) on CPUs {}; simulator: {} thread(s) on CPUs {}, {} writes (TTFT {} ms, "
             "ITL {} ms, {} tokens per stream)\n\n",
             g_client_threads, client_cpus, sim_side.threads, sim_side.cpus, sim_side.batch_writes ? "batched" : "per-chunk",
             kTtft.count(), kItl.count(), kTokens);
  fmt::print("| streams | ok | peak open | recv delay p50 ms | p99 ms | max ms | TTFT p50 / p99 ms | "
             "ITL p50 / p99 ms | client CPU us/chunk | client on CPU | client KiB/stream | sim send lag p50 / p99 / max ms | "
             "sim on CPU / runnable waiting |\n");
  fmt::print("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const int n : levels) run_level(url, pid, n);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  if (rate_run) run_schedule_lag(sim_side, 1000, 5000);
  return 0;
}
