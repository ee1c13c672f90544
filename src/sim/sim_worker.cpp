#include "llmload/sim/sim_worker.hpp"
#include "llmload/core/rng.hpp"

#include <algorithm>

#include <chrono>

namespace llmload::sim {

void ExactMetrics::add_to(EngineMetrics& m) const {
  m.num_requests_running += running.load(std::memory_order_relaxed);
  m.prompt_tokens += prompt_tokens.load(std::memory_order_relaxed);
  m.generation_tokens += generation_tokens.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < success.size(); ++i) m.request_success[i] += success[i].load(std::memory_order_relaxed);
  if (spec_positions > 0) {
    m.spec_positions = std::max(m.spec_positions, spec_positions);
    m.spec_drafts += spec_drafts.load(std::memory_order_relaxed);
    m.spec_draft_tokens += spec_draft_tokens.load(std::memory_order_relaxed);
    m.spec_accepted += spec_accepted.load(std::memory_order_relaxed);
    m.spec_accepted_per_pos.resize(static_cast<std::size_t>(m.spec_positions));
    for (std::int64_t i = 0; i < spec_positions; ++i) {
      m.spec_accepted_per_pos[static_cast<std::size_t>(i)] +=
          spec_accepted_per_pos[static_cast<std::size_t>(i)].load(std::memory_order_relaxed);
    }
  }
  ttft.add_to(m.time_to_first_token);
  itl.add_to(m.inter_token_latency);
  e2e.add_to(m.e2e_request_latency);
  queue.add_to(m.request_queue_time);
  prefill.add_to(m.request_prefill_time);
  decode.add_to(m.request_decode_time);
}

namespace {
// The next value of a splitmix64 sequence whose state is `state`.
std::uint64_t splitmix64(std::uint64_t& state) {
  const std::uint64_t z = state;
  state += 0x9E3779B97F4A7C15ULL;
  return core::mix64(z);
}
}  // namespace

std::uint64_t Worker::next_id() { return splitmix64(id_state); }

std::chrono::nanoseconds Worker::request_ttft(const SimOptions& o) {
  if (o.ttft_jitter.count() <= 0) return o.ttft;
  const double u = static_cast<double>(splitmix64(ttft_state) >> 11) * 0x1.0p-53;  // [0, 1)
  const auto span = static_cast<double>(2 * o.ttft_jitter.count());
  return o.ttft - o.ttft_jitter + std::chrono::nanoseconds(static_cast<std::int64_t>(u * span));
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace llmload::sim
