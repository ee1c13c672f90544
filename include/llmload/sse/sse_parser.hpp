#pragma once
/// Incremental server-sent-events parser (WHATWG HTML "Server-sent events", interpretation of
/// an event stream). Accepts the body of one stream in pieces split at any byte, handles
/// CR/LF/CRLF line ends (also a CRLF split across pieces), a leading UTF-8 BOM, comments,
/// multi-line data and the `event`, `data`, `id` and `retry` fields. Zero-copy when an event's
/// single `data:` line lies inside one piece; no allocation per event in steady state.

#include "llmload/core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace llmload::sse {

/// One dispatched event. The views point into the bytes passed to `Parser::feed` or into the
/// parser's own buffers: they are valid only during the callback that receives the event.
struct Event {
  std::string_view type;  ///< value of the last `event:` field; empty means the default "message"
  std::string_view data;  ///< the `data:` values joined with '\n', no trailing newline
  std::string_view id;    ///< last event id seen on the stream (persists across events, per spec)
};

/// Default cap on one event's data and on one field value, in bytes (16 MiB).
inline constexpr std::size_t kDefaultMaxEventBytes = 16 * 1024 * 1024;

/// Parser state of one event stream. Not thread-safe: one parser per stream, used by one
/// thread at a time. Holds no reference to fed bytes between calls. Movable and copyable.
///
/// The cap (`max_event_bytes`) bounds what the parser buffers: an event's data (the joined
/// `data:` values, as dispatched) and any single `event:`, `id:` or `retry:` value may be at
/// most that many bytes. Comments and unknown fields are skipped without buffering, whatever
/// their length. Whether the cap is exceeded does not depend on how the stream is split.
class Parser final {
 public:
  /// `max_event_bytes`: the cap described above (bytes, >= 1; 0 is treated as 1).
  explicit Parser(std::size_t max_event_bytes = kDefaultMaxEventBytes);

  /// Feeds the next bytes of the stream (split anywhere). Calls `on_event(const Event&)` for
  /// each event completed by these bytes, in order, before returning. Returns an error, after
  /// dispatching the events that precede the offending one, when an event's data or a field
  /// value would exceed the cap; the message names the cap and the `--max-sse-event-bytes`
  /// flag that raises it. Once failed, every later call returns the same error until reset().
  /// The callback must not call back into this parser.
  template <class OnEvent>
  core::Result<void> feed(std::string_view bytes, OnEvent&& on_event) {
    if (!begin_feed(bytes)) return failure();
    Event event;
    while (next_event(event)) on_event(std::as_const(event));
    return end_feed();
  }

  /// End of stream. Returns true if bytes had arrived after the last blank line (an incomplete
  /// event, a partial line, or a trailing comment or field), which the caller may report as a
  /// truncated stream. Per the spec that pending event is discarded. The last event id and
  /// retry value stay readable; call reset() before feeding another stream.
  bool finish();

  /// Returns to the initial state for a new stream (clears last event id, retry and a failure).
  /// Keeps buffers up to 64 KiB each for reuse (no allocation on the next stream); releases
  /// larger ones, so an idle parser never pins a huge event's memory.
  void reset();

  /// The last valid `retry:` value (reconnection time, milliseconds), if any.
  std::optional<std::uint64_t> retry_ms() const noexcept { return retry_ms_; }

  /// The last event id buffer (what the next event's `id` will be). Valid until the next call.
  std::string_view last_event_id() const noexcept { return id_; }

  /// The configured cap in bytes.
  std::size_t max_event_bytes() const noexcept { return max_event_bytes_; }

  /// True once feed() has returned an error (until reset()).
  bool failed() const noexcept { return failed_; }

 private:
  enum class DataState : std::uint8_t { kNone, kView, kBuffer };
  enum class Field : std::uint8_t { kData, kEvent, kId, kRetry, kOther };

  // Non-template internals (sse_parser.cpp); feed() only loops over next_event so that the
  // callback is inlined at the call site. Forcing everything inline into feed() measured
  // within 5% of this (bench/sse_parser_bench.cpp), so the scanner stays out of the header.
  bool begin_feed(std::string_view bytes);
  bool next_event(Event& out);
  core::Result<void> end_feed();
  core::Result<void> failure() const;

  static Field classify(std::string_view name) noexcept;
  std::size_t data_size() const noexcept;
  bool complete_line(const char* line, std::size_t size, bool in_input);
  bool apply_field(Field field, std::string_view value, bool in_input);
  bool append_data(std::string_view value, bool in_input);
  bool append_partial(std::string_view piece);
  bool fail_too_large(Field field);
  void clear_dispatched() noexcept;
  void discard_event() noexcept;

  std::size_t max_event_bytes_;

  // Bytes of the current feed not yet parsed.
  const char* cur_ = nullptr;
  const char* end_ = nullptr;

  std::string data_;                     // joined data values (DataState::kBuffer)
  std::string_view data_view_;           // single data value inside the fed bytes (kView)
  std::string type_;                     // event type buffer
  std::string id_;                       // last event id buffer
  std::string line_;                     // partial line: its name, then a non-data value
  Field partial_field_ = Field::kOther;  // field of the partial line, when partial_has_colon_
  std::optional<std::uint64_t> retry_ms_;
  std::string error_;

  DataState data_state_ = DataState::kNone;
  std::uint8_t bom_matched_ = 0;  // bytes of a leading BOM matched so far
  bool at_stream_start_ = true;   // still deciding whether the stream starts with a BOM
  bool pending_cr_ = false;       // last feed ended with CR: a leading LF belongs to it
  bool in_line_ = false;          // a partial line is pending (in line_ or skipped)
  bool skipping_line_ = false;    // the partial line is a comment or unknown field
  bool partial_has_colon_ = false;
  bool partial_value_started_ = false;  // a byte after the partial line's colon has arrived
  bool event_pending_ = false;          // bytes seen since the last blank line
  bool dispatched_ = false;             // data_/type_ still back the last dispatched event
  bool failed_ = false;
};

}  // namespace llmload::sse
