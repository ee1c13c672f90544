#include "llmload/app/disruption.hpp"

#include "llmload/core/json_writer.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <atomic>
#include <cmath>
#include <thread>

extern char** environ;

namespace llmload::app {

/// One command on its thread: output read from a pipe, exit status from waitpid.
struct EventRunner::Running {
  EventOutcome outcome;
  pid_t pid = -1;
  std::atomic<bool> done{false};
  std::thread thread;

  /// A simulated disruption: handed to the simulator at once (it runs on the server's threads).
  void disrupt(const sim::SimDisruption& d, sim::SimServer* simulator, double at_s) {
    outcome.command = "sim: " + sim::describe_disruption(d);
    outcome.sim = d;
    outcome.at_s = at_s;
    const auto applied = simulator != nullptr ? simulator->disrupt(d)
                                              : core::Result<void>(core::fail("no built-in simulator runs"));
    outcome.exit_status = applied ? 0 : -1;
    outcome.output = applied ? "the built-in simulator: " + sim::describe_disruption(d) : applied.error().message;
    done = true;
  }

  void start(const std::string& command, double at_s) {
    outcome.command = command;
    outcome.at_s = at_s;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
    const int spawned = posix_spawn(&pid, "/bin/sh", &actions, nullptr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (spawned != 0) {
      close(fds[0]);
      outcome.output = fmt::format("could not start /bin/sh: {}", std::strerror(spawned));
      done = true;
      return;
    }
    thread = std::thread([this, fd = fds[0], started = core::now_ns()] { collect(fd, started); });
  }

  void collect(int fd, core::Nanos started) {
    char buffer[4096];
    for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR);) {
      if (n > 0 && outcome.output.size() < kEventOutputBytes) {
        outcome.output.append(buffer, std::min<std::size_t>(static_cast<std::size_t>(n), kEventOutputBytes - outcome.output.size()));
      }
    }
    close(fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    outcome.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    outcome.seconds = core::ns_to_s(core::now_ns() - started);
    done = true;
  }
};

EventRunner::EventRunner(std::vector<config::ProfileEvent> events, sim::SimServer* simulator)
    : events_(std::move(events)), simulator_(simulator) {
  std::stable_sort(events_.begin(), events_.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
}

EventRunner::~EventRunner() { finish(); }

void EventRunner::tick(core::Nanos elapsed_ns) {
  while (running_.size() < events_.size() && events_[running_.size()].at.count() <= elapsed_ns) {
    auto r = std::make_unique<Running>();
    const auto& e = events_[running_.size()];
    if (e.sim) r->disrupt(*e.sim, simulator_, core::ns_to_s(elapsed_ns));
    else r->start(e.run, core::ns_to_s(elapsed_ns));
    running_.push_back(std::move(r));
  }
}

std::vector<EventOutcome> EventRunner::finish() {
  const auto give_up = std::chrono::steady_clock::now() + kEventGrace;
  std::vector<EventOutcome> out;
  for (auto& r : running_) {
    while (!r->done && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!r->done && r->pid > 0) kill(r->pid, SIGKILL);  // its thread then sees the pipe close
    if (r->thread.joinable()) r->thread.join();
    out.push_back(r->outcome);
  }
  running_.clear();
  events_.clear();
  return out;
}

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// The p99 limits of a recovered interval: within the tolerance of the baseline, or no worse
/// than the worst interval before the event (short intervals have noisy p99s).
struct Limits {
  double ttft_ms = 0, itl_ms = 0;
};

bool recovered_at(std::span<const report::IntervalRow> rows, std::size_t i, const Limits& limits) {
  if (i + kRecoveryIntervals > rows.size()) return false;
  for (std::size_t j = i; j < i + kRecoveryIntervals; ++j) {
    const auto& r = rows[j];
    if (r.completed <= 0 || r.ttft_p99_ms > limits.ttft_ms || r.itl_p99_ms > limits.itl_ms) return false;
  }
  return true;
}

}  // namespace

Disruption analyse_disruption(std::span<const report::IntervalRow> rows, double at_s) {
  Disruption d;
  d.at_s = at_s;
  std::vector<double> ttft, itl;
  Limits limits;
  for (const auto& r : rows) {
    if (r.end_s <= at_s && r.completed > 0) {
      ttft.push_back(r.ttft_p99_ms);
      itl.push_back(r.itl_p99_ms);
      limits.ttft_ms = std::max(limits.ttft_ms, r.ttft_p99_ms);
      limits.itl_ms = std::max(limits.itl_ms, r.itl_p99_ms);
    }
    if (r.end_s > at_s) {
      d.peak_ttft_p99_ms = std::max(d.peak_ttft_p99_ms, r.ttft_p99_ms);
      d.peak_itl_p99_ms = std::max(d.peak_itl_p99_ms, r.itl_p99_ms);
    }
  }
  d.baseline_ttft_p99_ms = median(ttft);
  d.baseline_itl_p99_ms = median(itl);
  limits.ttft_ms = std::max(limits.ttft_ms, d.baseline_ttft_p99_ms * (1 + kRecoveryTolerance));
  limits.itl_ms = std::max(limits.itl_ms, d.baseline_itl_p99_ms * (1 + kRecoveryTolerance));
  double until = INFINITY;
  for (std::size_t i = 0; i < rows.size() && !std::isnan(d.baseline_ttft_p99_ms); ++i) {
    if (rows[i].start_s >= at_s && recovered_at(rows, i, limits)) {
      d.recovery_s = rows[i].start_s - at_s;
      until = rows[i].start_s;
      break;
    }
  }
  for (const auto& r : rows) {
    if (r.end_s > at_s && r.start_s < until) d.failed += r.failed;
  }
  return d;
}

std::string disruptions_json(const std::vector<EventOutcome>& events, const std::vector<Disruption>& found) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_array();
  for (std::size_t i = 0; i < events.size() && i < found.size(); ++i) {
    const auto& e = events[i];
    const auto& d = found[i];
    w.begin_object();
    w.field("at_s", e.at_s);
    if (e.sim) {
      w.field("sim", sim::disruption_kind_name(e.sim->kind));
      w.field("for_s", std::chrono::duration<double>(e.sim->duration).count());
      if (e.sim->kind == sim::DisruptionKind::kFail) w.field("rate", e.sim->fraction);
    } else {
      w.field("run", e.command);
    }
    w.field("exit_status", static_cast<std::int64_t>(e.exit_status));
    w.field("output", e.output);
    w.field("seconds", e.seconds);
    w.field("failed", d.failed);
    w.field("baseline_ttft_p99_ms", d.baseline_ttft_p99_ms);
    w.field("peak_ttft_p99_ms", d.peak_ttft_p99_ms);
    w.field("baseline_itl_p99_ms", d.baseline_itl_p99_ms);
    w.field("peak_itl_p99_ms", d.peak_itl_p99_ms);
    w.key("recovery_s");
    if (d.recovery_s) w.value(*d.recovery_s);
    else w.null();
    w.end_object();
  }
  w.end_array();
  return out;
}

std::string format_disruptions(const std::vector<EventOutcome>& events, const std::vector<Disruption>& found) {
  std::string out;
  for (std::size_t i = 0; i < events.size() && i < found.size(); ++i) {
    const auto& e = events[i];
    const auto& d = found[i];
    out += fmt::format("== disruption at {:.1f} s: `{}` (exit {}, {:.1f} s) ==\n", e.at_s, e.command, e.exit_status,
                       e.seconds);
    out += fmt::format("  failed or cut requests: {}\n", d.failed);
    out += fmt::format("  TTFT p99: baseline {:.1f} ms, peak {:.1f} ms; ITL p99: baseline {:.1f} ms, peak {:.1f} ms\n",
                       d.baseline_ttft_p99_ms, d.peak_ttft_p99_ms, d.baseline_itl_p99_ms, d.peak_itl_p99_ms);
    out += d.recovery_s ? fmt::format("  recovered after {:.1f} s (p99 within {:.0f}% of the baseline for {} intervals)\n",
                                      *d.recovery_s, kRecoveryTolerance * 100, kRecoveryIntervals)
                        : std::string("  did not recover before the run ended\n");
  }
  return out;
}

}  // namespace llmload::app
