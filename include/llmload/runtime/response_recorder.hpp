#pragma once
/// One response's bytes into its RequestRecord: body bytes → SSE parser → chunk decoder →
/// the record's stamps, token counts, text and outcome. Synchronous and socket-free: the
/// caller feeds (arrival stamp, bytes) pieces split anywhere, so a captured stream can be
/// replayed in any split.

#include "llmload/api/chunk_decoder.hpp"
#include "llmload/core/clock.hpp"
#include "llmload/metrics/request_record.hpp"
#include "llmload/runtime/interval_harvester.hpp"
#include "llmload/sse/sse_parser.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmload::runtime {

/// What a ResponseRecorder keeps.
struct ResponseRecorderOptions {
  bool keep_text = true;            ///< keep generated and reasoning text in the record
  /// Keep the text and where each token chunk's text ends (RequestRecord::chunk_text_end).
  bool chunk_text_offsets = false;
  std::size_t max_sse_event_bytes = sse::kDefaultMaxEventBytes;  ///< SSE event cap
  std::uint64_t max_response_bytes = 0;  ///< body bytes read before response_too_large (0: none)
  /// A pooling backend's whole JSON answer (api::is_pooling) instead of an event stream: the
  /// body is kept (up to max_response_bytes, else kMaxPoolingAnswerBytes) and read when it is
  /// complete. Its one "token chunk" is stamped when the last body bytes arrived (vLLM: TTFT =
  /// latency = the time to read the answer); input tokens = usage.prompt_tokens, else 0 (as
  /// vLLM); output tokens 0.
  bool pooling = false;
};

/// The largest pooling answer kept when --max-response-bytes sets no limit (a float
/// embedding of 8192 dimensions is about 200 KB of JSON).
inline constexpr std::uint64_t kMaxPoolingAnswerBytes = 64ull << 20;

/// Records one response into one RequestRecord. Every token chunk is stamped with the arrival
/// stamp of the piece whose bytes completed its event (set_arrival()), never with a clock read
/// of its own. Not thread-safe; one per request, on the request's thread. Per chunk: no lock,
/// no allocation beyond the record's own vectors, one relaxed single-writer store to
/// `chunk_counter`. References must outlive the recorder.
class ResponseRecorder final {
 public:
  /// `decoder`: the thread's reused chunk decoder. `chunk_counter`: a progress counter bumped
  /// per token chunk, written only by this thread (a load and a store, no read-modify-write).
  ResponseRecorder(metrics::RequestRecord& record, api::ChunkDecoder& decoder,
                   const ResponseRecorderOptions& options, std::atomic<std::int64_t>& chunk_counter);

  /// The response's status code (once its head is parsed). A non-200 body is kept (its first
  /// 2 KiB) for the error message instead of being parsed as events.
  void on_status(int status) noexcept;
  /// The arrival stamp (steady-clock ns) of the bytes fed from now on.
  void set_arrival(core::Nanos arrival_ns) noexcept { arrival_ns_ = arrival_ns; }
  /// The next body bytes (de-chunked), any split. Ignored once the response has failed.
  void on_body(std::string_view bytes);
  /// set_arrival() then on_body().
  void feed(core::Nanos arrival_ns, std::string_view bytes) {
    set_arrival(arrival_ns);
    on_body(bytes);
  }
  /// Counts every token chunk's output tokens, at its arrival stamp, into `slot`'s current
  /// interval recorder (null: none): the chunk's growth of usage.completion_tokens when it
  /// carries usage, else 1. A successful response's finish() adds the difference to its final
  /// count (usage.completion_tokens, else its token chunks) at its end stamp, so that the
  /// intervals' arrived tokens add up to the completion-based count. On the slot's thread.
  void count_arrivals_in(IntervalHarvester::Slot* slot) noexcept { arrivals_ = slot; }
  /// Records a failure seen by the caller (transport, timeout); the first failure wins.
  void fail(metrics::Outcome outcome, std::string text);
  /// Sets the record's end stamp (the response completed or failed at `end_ns`).
  void set_end(core::Nanos end_ns) noexcept { record_.end_ns = end_ns; }

  /// Ends the record: its outcome and error from everything seen (a failure, a non-200
  /// status, no token chunk, else kOk), and end_ns = `now_ns` if none was set.
  void finish(core::Nanos now_ns);

  bool failed() const noexcept { return failure_.has_value(); }
  int status() const noexcept { return status_; }
  core::Nanos arrival_ns() const noexcept { return arrival_ns_; }
  metrics::RequestRecord& record() noexcept { return record_; }

 private:
  void on_event(std::string_view data);
  void on_token_chunk(const api::Chunk& chunk);
  void on_usage(const api::Chunk& chunk);
  void finish_pooling();
  // Why a 200 carried no chunk, when its body was no event stream at all (gzip, plain JSON).
  std::string no_stream_reason() const;

  metrics::RequestRecord& record_;
  api::ChunkDecoder& decoder_;
  std::atomic<std::int64_t>& chunk_counter_;
  sse::Parser sse_;
  core::Nanos arrival_ns_ = 0;         // stamp of the read whose bytes are being parsed
  std::optional<metrics::Outcome> failure_;
  std::string failure_text_;
  std::string error_body_;             // start of a non-200 body (for the error message)
  std::int64_t completion_so_far_ = 0; // usage.completion_tokens at the last token chunk
  IntervalHarvester::Slot* arrivals_ = nullptr;  // where arrived tokens are counted (or none)
  std::int64_t arrived_counted_ = 0;   // output tokens counted into arrivals_ so far
  std::uint64_t body_bytes_ = 0;       // body bytes fed so far
  std::string body_head_;              // first bytes of a 200 body
  bool saw_event_ = false;             // an SSE event (even an empty one) was parsed
  std::uint64_t max_body_bytes_;       // response_too_large beyond (0: none)
  int status_ = 0;
  bool keep_text_;
  bool text_offsets_;
  bool track_chunk_tokens_ = true;     // every token chunk so far carried usage
  bool pooling_;
  std::string pooling_body_;           // a pooling backend's answer, read at finish()
};

}  // namespace llmload::runtime
