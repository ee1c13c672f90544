#pragma once
/// Engine mode's host: drives the Engine (engine.hpp) on the engine thread, in real time.

#include "llmload/core/clock.hpp"
#include "llmload/sim/api_error.hpp"
#include "llmload/sim/engine.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <unordered_map>

namespace llmload::sim {

/// One engine-mode request's delivery state. Lives in its session's coroutine frame; the host
/// bumps `emitted` at each step's end and cancels `wake` (a timer the session waits on).
struct Delivery {
  std::int64_t emitted = 0;  ///< tokens due so far
  bool done = false;         ///< the last token is among them
  boost::asio::steady_timer* wake = nullptr;  ///< cancelled when tokens are due (not owned)
  /// The request's arrival and first scheduling (the engine's times mapped to real time, once
  /// done) and when its first and last token were handed over (real time: a host running
  /// late shows in them), as steady-clock ns.
  core::Nanos arrival_ns = 0, scheduled_ns = 0, first_token_ns = 0, finished_ns = 0;
};

/// Maps engine time to real time with the time scale, sleeps until each step's end and hands
/// the step's tokens to the sessions. Every member is used on the engine thread only.
class EngineHost final {
 public:
  /// An idle engine with `config`; engine time runs `time_scale` times faster than real time
  /// (> 0), from now.
  EngineHost(const EngineConfig& config, double time_scale);

  /// The engine (its metrics are read for /metrics).
  Engine& engine() { return engine_; }

  /// Engine time now, in ns since the host was made.
  core::Nanos engine_now() const;
  /// The real (steady-clock) time of engine time `engine_ns`.
  core::Clock::time_point real_time(core::Nanos engine_ns) const;
  /// The same as steady-clock ns.
  core::Nanos real_ns(core::Nanos engine_ns) const;

  /// Submits `request` now; the host updates `delivery` (which must outlive the request, see
  /// release()) as its tokens come due. Errors are the engine's (e.g. a prompt too long).
  ApiResult<SubmitInfo> submit(EngineRequest request, Delivery* delivery);
  /// Forgets request `id` and aborts it in the engine if it is still live.
  void release(std::uint64_t id);
  /// A fresh request id.
  std::uint64_t next_id() { return ++last_id_; }

  /// Steps the engine whenever it has work; runs until destroyed with its io_context.
  boost::asio::awaitable<void> loop();

 private:
  // Wakes the sessions of the step's tokens.
  void deliver(const std::vector<TokenEvent>& events);

  Engine engine_;
  double scale_;
  core::Nanos origin_ns_;
  std::unordered_map<std::uint64_t, Delivery*> live_;
  boost::asio::steady_timer* idle_timer_ = nullptr;
  std::uint64_t last_id_ = 0;
  core::Nanos last_submit_ns_ = 0;
};

}  // namespace llmload::sim
