#include "llmload/runtime/stop_signals.hpp"

#include <csignal>

namespace llmload::runtime {
namespace {

std::atomic<int> g_stop_signals{0};
static_assert(std::atomic<int>::is_always_lock_free);

struct sigaction g_old_int {}, g_old_term {};

// Every signal is only counted, however many arrive: the run stops (first), cancels what is in
// flight (second and later) and still prints and saves what it measured. SIGKILL remains for a
// process that must die at once.
extern "C" void on_stop_signal(int) { g_stop_signals.fetch_add(1, std::memory_order_relaxed); }

}  // namespace

const std::atomic<int>& stop_signal_count() { return g_stop_signals; }

StopSignals::StopSignals() {
  g_stop_signals = 0;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &g_old_int);
  sigaction(SIGTERM, &action, &g_old_term);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
}

}  // namespace llmload::runtime
