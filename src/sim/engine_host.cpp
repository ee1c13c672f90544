#include "llmload/sim/engine_host.hpp"

#include "llmload/net/await.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>

namespace llmload::sim {

namespace asio = boost::asio;

namespace {
using net::kTuple;
}  // namespace

EngineHost::EngineHost(const EngineConfig& config, double time_scale)
    : engine_(config), scale_(time_scale), origin_ns_(core::now_ns()) {}

core::Nanos EngineHost::engine_now() const {
  return static_cast<core::Nanos>(static_cast<double>(core::now_ns() - origin_ns_) * scale_);
}

core::Clock::time_point EngineHost::real_time(core::Nanos engine_ns) const {
  return core::to_time_point(real_ns(engine_ns));
}

core::Nanos EngineHost::real_ns(core::Nanos engine_ns) const {
  return origin_ns_ + static_cast<core::Nanos>(static_cast<double>(engine_ns) / scale_);
}

ApiResult<SubmitInfo> EngineHost::submit(EngineRequest request, Delivery* delivery) {
  const std::uint64_t id = request.id;
  last_submit_ns_ = engine_now();
  auto info = engine_.submit(std::move(request), last_submit_ns_);
  if (info) {
    live_[id] = delivery;
    if (idle_timer_ != nullptr) idle_timer_->cancel();
  }
  return info;
}

void EngineHost::release(std::uint64_t id) {
  if (live_.erase(id) > 0) engine_.abort(id, engine_now());
}

asio::awaitable<void> EngineHost::loop() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  struct Unhook {
    EngineHost* host;
    ~Unhook() { host->idle_timer_ = nullptr; }
  } unhook{this};
  core::Nanos last_end = 0;
  bool was_idle = true;
  std::vector<TokenEvent> events;
  for (;;) {
    if (!engine_.has_work()) {
      was_idle = true;
      idle_timer_ = &timer;
      timer.expires_at(core::Clock::time_point::max());
      co_await timer.async_wait(kTuple);
      idle_timer_ = nullptr;
      continue;
    }
    // Back-to-back steps chain on the engine's timeline (absolute deadlines, so wake-up
    // latency does not accumulate: a late step is followed by an early one). After idling,
    // or when this thread fell behind by more than 20 ms of real time, start from now. A
    // step never starts before the latest arrival it may admit.
    const core::Nanos now = engine_now();
    const core::Nanos slack = static_cast<core::Nanos>(20e6 * scale_);
    const core::Nanos start =
        was_idle || now > last_end + slack ? now : std::max(last_end, last_submit_ns_);
    was_idle = false;
    const StepResult& step = engine_.step(start);
    if (step.num_seqs == 0) {  // cannot happen with work queued; never spin
      last_end = start;
      timer.expires_after(std::chrono::milliseconds(1));
      co_await timer.async_wait(kTuple);
      continue;
    }
    events = step.events;
    last_end = step.end_ns;
    timer.expires_at(real_time(step.end_ns));
    co_await timer.async_wait(kTuple);
    deliver(events);
    // The woken streams write their tokens (first tokens first) before the next step is
    // planned: its start is on the engine's timeline, so yielding here does not delay it.
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  }
}

void EngineHost::deliver(const std::vector<TokenEvent>& events) {
  const core::Nanos now = core::now_ns();  // when the tokens leave the engine, in real time
  // First tokens first: each wake-up resumes its stream's coroutine in the order woken, and
  // every stream writes its tokens on this one thread, so a new request's first chunk would
  // otherwise wait behind the step's other streams' writes (its client TTFT then exceeds the
  // span's by that wait, 1-3 ms with ~16 streams on a loaded host).
  for (const bool first_tokens : {true, false}) {
    for (const TokenEvent& e : events) {
      if ((e.index == 0) != first_tokens) continue;
      const auto it = live_.find(e.id);
      if (it == live_.end()) continue;
      Delivery* d = it->second;
      d->emitted = e.index + 1;
      if (e.index == 0) d->first_token_ns = now;
      if (e.last) {
        d->done = true;
        d->arrival_ns = real_ns(e.arrival_ns);
        d->scheduled_ns = real_ns(e.scheduled_ns);
        d->finished_ns = now;
        live_.erase(it);
      }
      if (d->wake != nullptr) d->wake->cancel();
    }
  }
}

}  // namespace llmload::sim
