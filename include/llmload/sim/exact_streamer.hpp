#pragma once
/// Exact mode's streamed responses: each token chunk goes out at its fixed deadline
/// (ttft + k * itl after the request was read, plus any stall), through the worker's pacer
/// for plain sockets or one timer wait per chunk otherwise.

#include "llmload/core/clock.hpp"
#include "llmload/sim/chunk_writer.hpp"
#include "llmload/sim/faults.hpp"
#include "llmload/sim/request_parser.hpp"
#include "llmload/sim/session_io.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::sim {

struct ServerShared;
struct Worker;

/// One connection's exact-mode stream writer, reused for each streamed response of that
/// connection. Used on its worker's thread only (not thread-safe); every reference given to
/// the constructor must outlive it.
class ExactStreamer final {
 public:
  /// `batch` and `formatter` are the connection's buffers (shared with its other responses).
  ExactStreamer(SessionIo& io, Worker& worker, const ServerShared& shared, SseBatch& batch,
                ChunkFormatter& formatter);

  /// Streams the answer to `request` (received at `t_recv`, its first token due `ttft` later)
  /// with `fault` applied: the SSE
  /// head (`head`, already formatted), each token chunk at its deadline, then the tail (usage,
  /// [DONE]) or the fault's cut. Counts the stream in the worker's exact metrics. kGone when
  /// the connection failed or a reset fault closed it.
  boost::asio::awaitable<Next> stream(const GenerationRequest& request, const FaultPlan& fault,
                                      const ResponseIdentity& identity, core::Clock::time_point t_recv,
                                      std::chrono::nanoseconds ttft, std::string_view head, bool keep_alive);

  /// Called by the pacer when the current chunk is due: writes it, then queues the next chunk
  /// or wakes the stream's coroutine (done, socket full, or failed).
  void pace_due();

  /// Send stamps of the last stream's first and latest token chunk (0: none was sent): the
  /// times its span reports, late sends included.
  core::Nanos first_token_ns() const { return state_.first_ns; }
  core::Nanos last_token_ns() const { return state_.last_ns; }

 private:
  // The stream in flight.
  struct State {
    enum class Wake { kPending, kDone, kBlocked, kFailed };
    const GenerationRequest* request = nullptr;
    const FaultPlan* fault = nullptr;
    core::Clock::time_point t_recv;
    std::chrono::nanoseconds ttft{};  // this request's time to first token
    std::int64_t k = 0;       // the next token chunk to write
    std::int64_t cut_at = 0;  // token chunks before the stream ends or a fault cuts it
    Cut cut = Cut::kNone;
    Wake wake = Wake::kPending;
    std::string_view rest;    // kBlocked: the bytes of chunk k the socket did not take
    core::Nanos first_ns = 0, last_ns = 0;  // send stamps of the first and latest token chunk
    std::int64_t max_tokens = 0, prompt_tokens = 0;  // the request's, for the metrics
    std::int64_t steps = 0;   // token chunks of the whole answer (max_tokens without spec mode)
  };

  // Speculative mode (--spec-tokens): how many chunks carry the answer's tokens, and per chunk
  // its tokens, its first token's index and the drafts accepted (-1: no draft).
  void plan_steps();
  std::int64_t chunk_tokens(std::int64_t k) const { return spec_tokens_.empty() ? 1 : spec_tokens_[static_cast<std::size_t>(k)]; }
  std::int64_t chunk_first(std::int64_t k) const { return spec_first_.empty() ? k : spec_first_[static_cast<std::size_t>(k)]; }

  // Sends every token chunk before the cut; false if the connection is gone.
  boost::asio::awaitable<bool> send_tokens(bool paced, bool split);
  // Sends the tail of a stream cut short (error event, or the reset); says what follows.
  boost::asio::awaitable<Next> send_cut(bool keep_alive);
  // Plain sockets go through the pacer unless batching is off or writes are split.
  bool use_pacer(const FaultPlan& fault);
  // Formats token chunk k into batch_ (with the stream's tail after the last token).
  void prepare_chunk(std::int64_t k);
  core::Clock::time_point chunk_deadline(std::int64_t k) const;
  void append_stream_tail();
  // Exact mode's /metrics: token chunk k goes out with send stamp `stamp` (TTFT for the
  // first, an inter-token gap after), and the stream is over (finished or cut short).
  void count_token_sent(core::Nanos stamp);
  void count_stream_end();

  SessionIo& io_;
  Worker& worker_;
  const ServerShared& shared_;
  SseBatch& batch_;
  ChunkFormatter& formatter_;
  State state_;
  std::vector<std::int32_t> spec_tokens_, spec_accepted_;  // per chunk (empty without spec mode)
  std::vector<std::int64_t> spec_first_;
};

}  // namespace llmload::sim
