// The simulator's own capacity: engine-mode scheduler steps per second (pure, no sockets) at
// several batch sizes, and exact-mode token chunks per second from one server thread to a raw
// loopback reader (the reader only drains bytes, so the server thread is the bottleneck).
#include "llmload/sim/engine.hpp"
#include "llmload/sim/sim_server.hpp"

#include <benchmark/benchmark.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <string>
#include <utility>
#include <sstream>
#include <fstream>
#include <vector>

namespace {

using namespace llmload;

// Steps of an engine whose `seqs` sequences all decode (long outputs), refilled as they end.
void BM_EngineDecodeStep(benchmark::State& state) {
  const auto seqs = state.range(0);
  sim::EngineConfig config;
  config.max_num_seqs = seqs;
  config.max_num_batched_tokens = std::max<std::int64_t>(2048, seqs);
  config.kv_cache_tokens = seqs * 4096;
  sim::Engine engine(config);
  std::uint64_t next_id = 1;
  auto refill = [&] {
    while (engine.num_running() + engine.num_waiting() < seqs) {
      sim::EngineRequest r;
      r.id = next_id++;
      r.prompt.resize(128);
      std::iota(r.prompt.begin(), r.prompt.end(), r.id * 1000);
      r.max_tokens = 1024;
      r.ignore_eos = true;
      (void)engine.submit(std::move(r), 0);
    }
  };
  refill();
  core::Nanos now = 0;
  std::int64_t tokens = 0;
  for (auto _ : state) {
    const auto& step = engine.step(now);
    now = step.end_ns;
    tokens += static_cast<std::int64_t>(step.events.size());
    if (engine.num_running() < seqs) refill();
  }
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EngineDecodeStep)->Arg(16)->Arg(256)->Arg(1024)->Unit(benchmark::kMicrosecond);

// Busy and total jiffies of one CPU from /proc/stat (busy = all but idle and iowait; softirq
// and steal count as busy: whatever ran on that core). {0, 0} when unreadable.
std::pair<double, double> cpu_jiffies(int cpu) {
  std::ifstream in("/proc/stat");
  const std::string want = "cpu" + std::to_string(cpu);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name;
    fields >> name;
    if (name != want) continue;
    double value = 0, total = 0, idle = 0;
    for (int i = 0; fields >> value; ++i) {
      total += value;
      if (i == 3 || i == 4) idle += value;  // idle, iowait
    }
    return {total - idle, total};
  }
  return {0, 0};
}

double cpu_seconds(int who) {
  rusage usage{};
  getrusage(who, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

// Puts a one-thread simulator on CPU 1 and the calling (reader) thread on CPU 0 when this
// process may use both: construct it before SimServer::start() (the server's threads inherit
// CPU 1), call reader_side() after. Counts what CPU 1 did between begin() and end(), whoever
// the kernel charged it to (the server's threads, the softirqs its sends raise, ksoftirqd), so
// a server that waits on its reader is not credited with idle time. Restores the affinity.
class ServerCore {
 public:
  explicit ServerCore(int server_threads) {
    CPU_ZERO(&saved_);
    sched_getaffinity(0, sizeof saved_, &saved_);
    pinned_ = server_threads == 1 && CPU_ISSET(0, &saved_) && CPU_ISSET(1, &saved_);
    if (pinned_) pin(1);
  }
  ~ServerCore() { sched_setaffinity(0, sizeof saved_, &saved_); }
  ServerCore(const ServerCore&) = delete;
  ServerCore& operator=(const ServerCore&) = delete;

  void reader_side() const {
    if (pinned_) pin(0);
  }
  void begin() { before_ = cpu_jiffies(1); }
  void end() {
    const auto after = cpu_jiffies(1);
    busy_ += after.first - before_.first;
    total_ += after.second - before_.second;
  }
  /// Adds server-core-busy (CPU 1's busy share) and chunks/server-core-s when pinned.
  void report(benchmark::State& state, double chunks, double wall_s) const {
    if (!pinned_ || total_ <= 0 || busy_ <= 0) return;
    state.counters["server-core-busy"] = busy_ / total_;
    state.counters["chunks/server-core-s"] = chunks / (wall_s * busy_ / total_);
  }

 private:
  static void pin(int cpu) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    sched_setaffinity(0, sizeof one, &one);
  }
  cpu_set_t saved_;
  bool pinned_ = false;
  std::pair<double, double> before_{0, 0};
  double busy_ = 0, total_ = 0;
};

// What one exact-mode bench measured over all its iterations.
struct Measured {
  double chunks = 0, wall_s = 0, server_cpu_s = 0;
};

// Each benchmark iteration runs `drain` (the reader, on this thread) for `period`, counting the
// server's chunks, the wall time, the server threads' CPU (the process's minus this thread's)
// and what CPU 1 did; then sets chunks/s, chunks/server-cpu-s and ServerCore's figures.
template <typename Drain>
Measured measure(benchmark::State& state, const sim::SimServer& server, ServerCore& core, Drain&& drain,
                 std::chrono::milliseconds period) {
  Measured m;
  for (auto _ : state) {
    const auto before = server.stats().chunks;
    const double cpu_before = cpu_seconds(RUSAGE_SELF) - cpu_seconds(RUSAGE_THREAD);
    core.begin();
    const auto t0 = std::chrono::steady_clock::now();
    drain(period);
    m.wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    core.end();
    m.server_cpu_s += cpu_seconds(RUSAGE_SELF) - cpu_seconds(RUSAGE_THREAD) - cpu_before;
    m.chunks += static_cast<double>(server.stats().chunks - before);
  }
  state.counters["chunks/s"] = m.chunks / m.wall_s;
  state.counters["chunks/server-cpu-s"] = m.chunks / std::max(m.server_cpu_s, 1e-9);
  core.report(state, m.chunks, m.wall_s);
  return m;
}

// Opens `streams` loopback connections to the simulator, each asking for an endless streamed
// completion; empty if any connect or write fails (the open-file limit, most likely).
std::vector<int> open_streams(std::uint16_t port, int streams) {
  const std::string body = R"({"prompt":"hello","max_tokens":100000000,"stream":true})";
  const std::string request = "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::vector<int> fds;
  for (int i = 0; i < streams; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
      ::close(fd);
      break;
    }
    fds.push_back(fd);
  }
  if (fds.size() != static_cast<std::size_t>(streams)) {
    for (const int fd : fds) ::close(fd);
    fds.clear();
  }
  return fds;
}

// Exact mode, TTFT = ITL = 0: the server thread writes chunks as fast as it can to `streams`
// connections, each asking for a long completion; one raw reader drains them. The server runs
// on CPU 1 and the reader on CPU 0 (ServerCore).
void BM_ExactModeChunks(benchmark::State& state) {
  const int streams = static_cast<int>(state.range(0));
  sim::SimOptions options;
  options.ttft = std::chrono::nanoseconds(0);
  options.itl = std::chrono::nanoseconds(0);
  ServerCore core(options.threads);
  sim::SimServer server(options);
  if (!server.start()) {
    state.SkipWithError("cannot start the simulator");
    return;
  }
  core.reader_side();
  const std::vector<int> fds = open_streams(server.port(), streams);
  if (fds.empty()) {
    state.SkipWithError("cannot connect");
    return;
  }
  std::vector<pollfd> polls;
  for (const int fd : fds) polls.push_back({fd, POLLIN, 0});
  std::vector<char> buffer(1 << 16);
  const auto drain = [&](std::chrono::milliseconds for_how_long) {
    const auto until = std::chrono::steady_clock::now() + for_how_long;
    while (std::chrono::steady_clock::now() < until) {
      if (::poll(polls.data(), polls.size(), 10) <= 0) continue;
      for (auto& p : polls) {
        if (p.revents & POLLIN) (void)::read(p.fd, buffer.data(), buffer.size());
      }
    }
  };
  drain(std::chrono::milliseconds(200));  // warm up
  measure(state, server, core, drain, std::chrono::milliseconds(500));
  for (const int fd : fds) ::close(fd);
  server.stop();
}
BENCHMARK(BM_ExactModeChunks)->Arg(1)->Arg(64)->Iterations(4)->Unit(benchmark::kMillisecond)->UseRealTime();

// Exact mode at the overhead bench's pace (TTFT 50 ms, 20 ms between tokens): `streams`
// long streams over `threads` server threads, drained by one epoll reader. "pace" is the
// chunks written per second over the 50 x streams the schedule asks for (1.0: keeping pace);
// chunks/server-cpu-s is what one server core would sustain at this connection count (the
// server threads' own CPU time); with one server thread, chunks/server-core-s divides by all
// that CPU 1 did instead (ServerCore).
void BM_ExactModePaced(benchmark::State& state) {
  const int streams = static_cast<int>(state.range(0));
  sim::SimOptions options;
  options.threads = static_cast<int>(state.range(1));
  ServerCore core(options.threads);
  sim::SimServer server(options);
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < static_cast<rlim_t>(2 * streams + 64)) {
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 2 * streams + 64);
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (!server.start()) {
    state.SkipWithError("cannot start the simulator");
    return;
  }
  core.reader_side();
  const std::vector<int> fds = open_streams(server.port(), streams);
  if (fds.empty()) {
    state.SkipWithError("cannot connect (open-file limit?)");
    return;
  }
  const int ep = ::epoll_create1(0);
  for (const int fd : fds) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  std::vector<epoll_event> events(1024);
  std::vector<char> buffer(1 << 16);
  const auto drain = [&](std::chrono::milliseconds for_how_long) {
    const auto until = std::chrono::steady_clock::now() + for_how_long;
    while (std::chrono::steady_clock::now() < until) {
      const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 10);
      for (int i = 0; i < n; ++i) (void)::read(events[i].data.fd, buffer.data(), buffer.size());
    }
  };
  drain(std::chrono::milliseconds(500));  // every stream past its first token
  const Measured m = measure(state, server, core, drain, std::chrono::milliseconds(1000));
  state.counters["pace"] = m.chunks / m.wall_s / (50.0 * streams);
  state.counters["server-cpu-us/chunk"] = m.server_cpu_s * 1e6 / std::max(m.chunks, 1.0);
  for (const int fd : fds) ::close(fd);
  ::close(ep);
  server.stop();
}
BENCHMARK(BM_ExactModePaced)
    ->ArgNames({"streams", "threads"})
    ->Args({1000, 1})->Args({2000, 1})->Args({5000, 1})->Args({5000, 2})
    ->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
