#include "llmload/sim/exact_streamer.hpp"

#include "llmload/net/await.hpp"
#include "llmload/sim/sim_worker.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <chrono>

namespace llmload::sim {

namespace asio = boost::asio;

namespace {
using net::kTuple;
}  // namespace

ExactStreamer::ExactStreamer(SessionIo& io, Worker& worker, const ServerShared& shared, SseBatch& batch,
                             ChunkFormatter& formatter)
    : io_(io), worker_(worker), shared_(shared), batch_(batch), formatter_(formatter) {}

asio::awaitable<Next> ExactStreamer::stream(const GenerationRequest& request, const FaultPlan& fault,
                                            const ResponseIdentity& identity, core::Clock::time_point t_recv,
                                            std::chrono::nanoseconds ttft, std::string_view head, bool keep_alive) {
  if (fault.slow_headers_ms > 0 &&
      !co_await io_.wait_until(core::Clock::now() + std::chrono::milliseconds(fault.slow_headers_ms))) {
    co_return Next::kGone;
  }
  if (!co_await io_.write_bytes(head, fault.split_writes)) co_return Next::kGone;
  formatter_.reset(identity, request);

  // The earliest fault that cuts the stream wins; it strikes when token `cut_at` was due.
  state_ = State{};
  state_.request = &request;
  state_.fault = &fault;
  state_.t_recv = t_recv;
  state_.ttft = ttft;
  state_.max_tokens = request.max_tokens;
  state_.prompt_tokens = request.prompt_tokens;
  plan_steps();
  const auto [cut, cut_at] = stream_cut(fault, state_.steps);
  state_.cut = cut;
  state_.cut_at = cut_at;
  struct CountEnd {
    ExactStreamer& streamer;
    ~CountEnd() { streamer.count_stream_end(); }
  } count_end{*this};

  if (!co_await send_tokens(use_pacer(fault), fault.split_writes)) co_return Next::kGone;
  co_return co_await send_cut(keep_alive);
}

bool ExactStreamer::use_pacer(const FaultPlan& fault) {
  // Plain sockets go through the pacer (batched, non-blocking sends); TLS, split writes and
  // --no-batch-writes write from the stream's coroutine, one timer wait per chunk.
  bool paced = shared_.options.batch_writes && !io_.stream().tls() && !fault.split_writes;
  if (paced && !io_.stream().socket().non_blocking()) {
    boost::system::error_code ec;
    io_.stream().socket().non_blocking(true, ec);
    paced = !ec;
  }
  return paced;
}

asio::awaitable<bool> ExactStreamer::send_tokens(bool paced, bool split) {
  while (state_.k < state_.cut_at) {
    // Everything is formatted before the wait, so the deadline is followed by only the
    // stamp, a copy and the write.
    prepare_chunk(state_.k);
    if (paced) {
      state_.wake = State::Wake::kPending;
      worker_.pacer.add(chunk_deadline(state_.k), this);
      while (state_.wake == State::Wake::kPending) {
        // The pacer cancels this wait to wake us; it carries the stream on meanwhile.
        io_.timer().expires_at(core::Clock::time_point::max());
        co_await io_.timer().async_wait(kTuple);
      }
      if (state_.wake == State::Wake::kFailed) co_return false;
      if (state_.wake == State::Wake::kDone) co_return true;
      // The socket's buffer is full: the rest of chunk k goes out asynchronously.
      auto [wec, written] = co_await asio::async_write(
          io_.stream(), asio::buffer(state_.rest.data(), state_.rest.size()), kTuple);
      if (wec) co_return false;
      ++state_.k;
      continue;
    }
    if (!co_await io_.wait_until(chunk_deadline(state_.k))) co_return false;
    const core::Nanos stamp = core::now_ns();
    const std::string_view bytes = batch_.finalize(stamp);
    count_token_sent(stamp);
    // Counted before the write so that a client which has read the chunk sees it counted.
    worker_.chunks.fetch_add(1, std::memory_order_relaxed);
    if (!co_await io_.write_bytes(bytes, split)) co_return false;
    ++state_.k;
  }
  co_return true;
}

asio::awaitable<Next> ExactStreamer::send_cut(bool keep_alive) {
  const std::int64_t n = state_.steps;
  const FaultPlan& fault = *state_.fault;
  if (state_.cut_at < n) {
    if (!co_await io_.wait_until(chunk_deadline(state_.cut_at))) co_return Next::kGone;
    batch_.clear();
    append_stream_tail();
  }
  if (state_.cut == Cut::kReset) {
    io_.reset_connection();
    co_return Next::kGone;
  }
  if (state_.cut_at < n) {
    const std::string_view bytes = batch_.finalize(core::now_ns());
    if (!co_await io_.write_bytes(bytes, fault.split_writes)) co_return Next::kGone;
  }
  co_return keep_alive ? Next::kKeepAlive : Next::kClose;
}

void ExactStreamer::prepare_chunk(std::int64_t k) {
  const GenerationRequest& r = *state_.request;
  const FaultPlan& fault = *state_.fault;
  const bool stamp = shared_.options.stamp_send_time;
  batch_.clear();
  if (opens_with_role(r.flavor) && k == 0) {
    formatter_.append_role(batch_.data());
    batch_.commit_event(stamp);
  }
  if (fault.malformed_after == k) batch_.add_event(kMalformedEvent);
  const bool last = k + 1 == state_.steps;
  const std::string_view finish = r.stop ? "stop" : "length";  // answers mode stops after the answer
  formatter_.append_tokens(batch_.data(), chunk_first(k), chunk_tokens(k), last ? finish : "");
  batch_.commit_event(stamp);
  if (last) append_stream_tail();
}

void ExactStreamer::plan_steps() {
  spec_tokens_.clear();
  spec_accepted_.clear();
  spec_first_.clear();
  const std::int64_t k_drafts = shared_.options.spec_tokens;
  if (k_drafts <= 0) {
    state_.steps = state_.max_tokens;
    return;
  }
  // The first token comes from the prefill (no draft); each later step emits one token plus
  // the accepted prefix of K drafts, Binomial(K, p) long; the last step is cut at max_tokens.
  const double p = shared_.options.spec_acceptance;
  std::int64_t emitted = 0;
  while (emitted < state_.max_tokens) {
    std::int32_t accepted = -1;
    if (emitted > 0) {
      accepted = 0;
      for (std::int64_t i = 0; i < k_drafts; ++i) {
        if (static_cast<double>(worker_.next_id() >> 11) * 0x1.0p-53 < p) ++accepted;
      }
    }
    const auto tokens = static_cast<std::int32_t>(std::min<std::int64_t>(1 + std::max(accepted, 0), state_.max_tokens - emitted));
    spec_first_.push_back(emitted);
    spec_tokens_.push_back(tokens);
    spec_accepted_.push_back(accepted);
    emitted += tokens;
  }
  state_.steps = static_cast<std::int64_t>(spec_tokens_.size());
}

core::Clock::time_point ExactStreamer::chunk_deadline(std::int64_t k) const {
  const auto& o = shared_.options;
  const FaultPlan& fault = *state_.fault;
  const auto stall = k >= fault.stall_after ? std::chrono::milliseconds(fault.stall_ms) : std::chrono::milliseconds(0);
  return state_.t_recv + state_.ttft + o.itl * k + stall;
}

void ExactStreamer::append_stream_tail() {
  const GenerationRequest& r = *state_.request;
  const FaultPlan& fault = *state_.fault;
  if (state_.cut == Cut::kReset) return;
  if (state_.cut == Cut::kNone && fault.malformed_after >= state_.steps) batch_.add_event(kMalformedEvent);
  if (state_.cut == Cut::kError) {
    batch_.add_event(ends_with_completed_event(r.flavor) ? kResponsesErrorEvent : kErrorEvent);
  } else if (r.include_usage || ends_with_completed_event(r.flavor)) {
    formatter_.append_usage(batch_.data(), r.max_tokens);
    batch_.commit_event(shared_.options.stamp_send_time);
  }
  if (!fault.no_done && !ends_with_completed_event(r.flavor)) batch_.add_event("[DONE]");
  batch_.add_last_chunk();
}

void ExactStreamer::count_token_sent(core::Nanos stamp) {
  // Each token counts as generated when it is stamped for sending (as vLLM counts it at the
  // step that produced it, so the counter grows along the stream), a failed write included.
  ExactMetrics& m = worker_.metrics;
  ExactMetrics::add(m.generation_tokens, static_cast<std::uint64_t>(chunk_tokens(state_.k)));
  if (!spec_accepted_.empty() && spec_accepted_[static_cast<std::size_t>(state_.k)] >= 0) {
    const auto accepted = static_cast<std::size_t>(spec_accepted_[static_cast<std::size_t>(state_.k)]);
    ExactMetrics::add(m.spec_drafts, std::uint64_t{1});
    ExactMetrics::add(m.spec_draft_tokens, static_cast<std::uint64_t>(m.spec_positions));
    ExactMetrics::add(m.spec_accepted, static_cast<std::uint64_t>(accepted));
    for (std::size_t i = 0; i < accepted; ++i) ExactMetrics::add(m.spec_accepted_per_pos[i], std::uint64_t{1});
  }
  if (state_.k == 0) {
    m.ttft.observe(core::ns_to_s(stamp - core::to_ns(state_.t_recv)));
    ExactMetrics::add(m.prompt_tokens, static_cast<std::uint64_t>(state_.prompt_tokens));
    state_.first_ns = stamp;
  } else {
    m.itl.observe(core::ns_to_s(stamp - state_.last_ns));
  }
  state_.last_ns = stamp;
}

void ExactStreamer::count_stream_end() {
  // The request succeeded when every token went out and no fault cut it short.
  ExactMetrics& m = worker_.metrics;
  if (state_.last_ns == 0 || state_.cut != Cut::kNone || state_.k < state_.steps) {
    m.finished(FinishReason::kAbort);
    return;
  }
  const core::Nanos recv_ns = core::to_ns(state_.t_recv);
  m.finished(state_.request->stop ? FinishReason::kStop : FinishReason::kLength);
  m.e2e.observe(core::ns_to_s(state_.last_ns - recv_ns));
  m.queue.observe(0.0);
  m.prefill.observe(core::ns_to_s(state_.first_ns - recv_ns));
  m.decode.observe(core::ns_to_s(state_.last_ns - state_.first_ns));
}

void ExactStreamer::pace_due() {
  const core::Nanos stamp = core::now_ns();
  const std::string_view bytes = batch_.finalize(stamp);
  count_token_sent(stamp);
  worker_.chunks.fetch_add(1, std::memory_order_relaxed);
  boost::system::error_code ec;
  const std::size_t written = io_.stream().socket().write_some(asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    state_.wake = State::Wake::kFailed;
  } else if (ec || written < bytes.size()) {
    state_.rest = bytes.substr(ec ? 0 : written);
    state_.wake = State::Wake::kBlocked;
  } else if (++state_.k < state_.cut_at) {
    prepare_chunk(state_.k);
    worker_.pacer.add(chunk_deadline(state_.k), this);
    return;
  } else {
    state_.wake = State::Wake::kDone;
  }
  io_.timer().cancel();
}

}  // namespace llmload::sim
