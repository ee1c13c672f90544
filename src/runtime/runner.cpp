#include "llmload/runtime/runner.hpp"

#include "llmload/api/chunk_decoder.hpp"
#include "llmload/net/connection.hpp"
#include "llmload/net/sink_body.hpp"
#include "llmload/net/tls.hpp"
#include "llmload/sse/sse_parser.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/ssl/error.hpp>
#include <openssl/ssl.h>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <fmt/format.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <limits>
#include <memory>
#include <thread>
#include <unordered_set>

namespace llmload::runtime {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using metrics::Outcome;
using metrics::RequestRecord;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// Bytes asked per socket read: a token chunk is ~0.3 KiB, so a page is plenty, and it keeps each
// connection's read buffer to one page of memory (16 KiB cost ~1.5 KiB more RSS per open stream).
constexpr std::size_t kReadSize = 4 * 1024;
constexpr std::size_t kErrorBodyCap = 2 * 1024;  // bytes of a non-200 body kept in the error
// Lead time between computing the schedule's origin and the first due request, so that every
// worker thread is running before anything is due (a late start would show as schedule lag).
constexpr core::Nanos kStartLeadNs = 5'000'000;

/// vLLM's --max-concurrency across all worker threads: a FIFO semaphore. A waiting request is
/// resumed on its own worker's executor. Thread-safe.
class ConcurrencyGate final {
 public:
  explicit ConcurrencyGate(std::int64_t limit) : available_(limit) {}

  /// Takes a slot, waiting in FIFO order when none is free. The wait is a timer of the
  /// caller's own executor that release() cancels through that executor, so every handler
  /// runs on the waiting request's thread.
  asio::awaitable<void> acquire() {
    std::unique_lock lock(mutex_);
    if (available_ > 0) {
      --available_;
      co_return;
    }
    asio::steady_timer wake(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
    bool granted = false;
    waiters_.push_back(Waiter{wake.get_executor(), &wake, &granted});
    lock.unlock();
    while (!granted) co_await wake.async_wait(kUseTuple);  // `granted` is set on our executor
  }

  void release() {
    std::unique_lock lock(mutex_);
    if (waiters_.empty()) {
      ++available_;
      return;
    }
    const Waiter next = waiters_.front();  // the slot passes to the waiter
    waiters_.pop_front();
    lock.unlock();
    asio::post(next.executor, [next] {
      *next.granted = true;
      next.timer->cancel();
    });
  }

 private:
  struct Waiter {
    asio::any_io_executor executor;
    asio::steady_timer* timer;  // lives in the waiting coroutine's frame until granted
    bool* granted;
  };
  std::mutex mutex_;
  std::int64_t available_;
  std::deque<Waiter> waiters_;
};

/// One worker's counters for the progress reporter: written only by the worker's thread,
/// read by the coordinator. Single-writer relaxed atomics on the worker's own
/// cache line: a load and a store per count, no read-modify-write, no contention
/// (CONVENTIONS.md: no contended atomic per token).
struct alignas(64) Counters {
  std::atomic<std::int64_t> started{0}, finished{0}, failed{0}, chunks{0};

  static void bump(std::atomic<std::int64_t>& a) {
    a.store(a.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
};

/// Everything the workers share; read-only during the run except the gate and the stop level.
struct RunContext {
  const Target& target;
  const RequestTemplate& request;
  const RunnerOptions& options;
  std::span<const workload::RequestSpec> specs;
  std::span<const core::Nanos> offsets;
  /// The spec of request `index` (specs are sent in turn when there are more requests).
  const workload::RequestSpec& spec(std::size_t index) const { return specs[index % specs.size()]; }
  /// Multi-turn: the index of each request's next turn, -1 when none. Every turn of a
  /// conversation runs on the worker of its first turn, so the chain needs no locking.
  std::span<const std::int32_t> next_turn;
  core::Nanos origin = 0;
  std::vector<RequestRecord>& records;
  ConcurrencyGate* gate = nullptr;
  std::atomic<int> stop{0};  // 0 run, 1 send nothing more, 2 cancel in-flight requests
};

class Watchdog;

/// One worker thread: its own io_context (share-nothing), connection pool and chunk decoder.
struct Worker {
  explicit Worker(RunContext& run)
      : run(run), executor(context.get_executor()), guard(asio::make_work_guard(context)) {}

  RunContext& run;
  asio::io_context context{1};
  asio::any_io_executor executor;  // every handler of this worker runs here
  asio::executor_work_guard<asio::io_context::executor_type> guard;
  net::ConnectionPool pool;
  api::ChunkDecoder decoder;
  Counters counters;
  std::vector<std::uint32_t> assigned;  // request indices, in schedule order
  std::size_t remaining = 0;            // assigned requests not finished yet
  std::int64_t not_sent = 0;            // requests dropped by a stop before they started
  asio::steady_timer* dispatch_timer = nullptr;  // the dispatcher's, while it waits
  std::unordered_set<asio::steady_timer*> think_timers;  // next turns waiting to be sent
  std::unordered_set<Watchdog*> in_flight;
  // Interval reports (null when off): written only on this worker's thread; swapped by a
  // handler posted from the coordinator, or read by it once `finished`.
  std::unique_ptr<metrics::IntervalRecorder> recorder;
  bool accepting = true;  // guarded by the run's done mutex: posts still reach io.run()/poll()
  bool finished = false;  // guarded by the run's done mutex: the thread is done with everything

  void request_finished() {
    if (--remaining == 0) {
      guard.reset();
      pool.clear();
    }
  }
  /// Marks a request, and the later turns of its conversation, as never sent.
  void drop(std::uint32_t index, std::string_view why = "not sent: the run was stopped") {
    for (std::int32_t i = static_cast<std::int32_t>(index); i >= 0; i = run.next_turn[static_cast<std::size_t>(i)]) {
      RequestRecord& r = run.records[static_cast<std::size_t>(i)];
      r.outcome = Outcome::kCancelled;
      r.error = std::string(why);
      ++not_sent;
      request_finished();
    }
  }
  // Stop handlers, run on this worker's thread.
  void stop_dispatching() {
    if (dispatch_timer != nullptr) dispatch_timer->cancel();
    for (auto* timer : think_timers) timer->cancel();
  }
  void cancel_in_flight();
};

/// The time limits of one request, enforced by one timer that is re-armed only when a phase
/// begins (connect, waiting for the first byte, reading); the idle limit is checked lazily,
/// so a read costs one store. Shared by the request coroutine and the timer's handler.
class Watchdog final : public std::enable_shared_from_this<Watchdog> {
 public:
  enum class Phase { kConnect, kFirstByte, kReading };

  Watchdog(asio::any_io_executor executor, const RunnerOptions& options, core::Nanos start_ns)
      : timer_(std::move(executor)), options_(options),
        whole_deadline_(start_ns + options.request_timeout.count()) {}

  /// Enters a phase at `now`: its limit starts counting.
  void enter(Phase phase, core::Nanos now) {
    phase_ = phase;
    last_read_ns_ = now;
    const auto limit = phase == Phase::kConnect     ? options_.connect_timeout
                       : phase == Phase::kFirstByte ? options_.first_byte_timeout
                                                    : std::chrono::nanoseconds{};
    phase_deadline_ = limit.count() > 0 ? now + limit.count() : kNever;
    arm();
  }
  /// A response read completed at `now` (one store; the timer looks at it when it fires).
  void on_read(core::Nanos now) noexcept { last_read_ns_ = now; }

  /// The connection to close when a limit expires (null between connections).
  net::Connection* connection = nullptr;
  /// Which limit ended the request (kCancelled when the run was stopped), if any.
  std::optional<Outcome> fired;

  /// Ends the request now with `outcome` (closing its connection).
  void expire(Outcome outcome) {
    if (fired) return;
    fired = outcome;
    if (connection != nullptr) connection->close();
  }
  /// The request is over: drop the timer.
  void done() {
    armed_at_ = kNever;
    timer_.cancel();
  }

 private:
  static constexpr core::Nanos kNever = std::numeric_limits<core::Nanos>::max();

  core::Nanos next_deadline() const noexcept {
    core::Nanos d = std::min(whole_deadline_, phase_deadline_);
    if (phase_ == Phase::kReading && options_.idle_timeout.count() > 0) {
      d = std::min(d, last_read_ns_ + options_.idle_timeout.count());
    }
    return d;
  }

  void arm() {
    const core::Nanos due = next_deadline();
    if (due >= armed_at_ || fired) return;
    armed_at_ = due;
    timer_.expires_at(core::to_time_point(due));
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->on_timer();
    });
  }

  void on_timer() {
    armed_at_ = kNever;
    const core::Nanos now = core::now_ns();
    if (now >= whole_deadline_) {
      expire(Outcome::kTimeout);
    } else if (now >= phase_deadline_) {
      expire(phase_ == Phase::kConnect ? Outcome::kConnectTimeout : Outcome::kFirstByteTimeout);
    } else if (phase_ == Phase::kReading && options_.idle_timeout.count() > 0 &&
               now >= last_read_ns_ + options_.idle_timeout.count()) {
      expire(Outcome::kIdleTimeout);
    } else {
      arm();  // woke for a limit that moved later (a read came in): sleep until the new one
    }
  }

  asio::steady_timer timer_;
  const RunnerOptions& options_;
  core::Nanos whole_deadline_;
  core::Nanos phase_deadline_ = kNever;
  core::Nanos last_read_ns_ = 0;
  core::Nanos armed_at_ = kNever;
  Phase phase_ = Phase::kConnect;
};

std::string_view timeout_text(Outcome outcome) {
  switch (outcome) {
    case Outcome::kConnectTimeout: return "connect timed out (--connect-timeout)";
    case Outcome::kFirstByteTimeout: return "no response byte within --first-byte-timeout";
    case Outcome::kIdleTimeout: return "response stalled longer than --idle-timeout";
    case Outcome::kCancelled: return "cancelled: the run was stopped";
    default: return "request timed out (--request-timeout)";
  }
}

/// Per-response parsing state: the arrival stamp of the current read, the SSE parser and the
/// outcome as soon as something goes wrong.
struct StreamState {
  StreamState(Worker& worker, RequestRecord& record, bool keep_text, std::size_t max_event)
      : worker(worker), record(record), keep_text(keep_text || worker.run.options.chunk_text_offsets),
        text_offsets(worker.run.options.chunk_text_offsets), sse(max_event) {}

  Worker& worker;
  RequestRecord& record;
  bool keep_text;
  bool text_offsets;
  sse::Parser sse;
  core::Nanos arrival_ns = 0;  // stamp of the socket read whose bytes are being parsed
  int status = 0;
  const http::response_header<>* head = nullptr;  // the parser's, once the head is parsed
  std::string error_body;      // start of a non-200 body (for the error message)
  std::optional<Outcome> failure;
  std::string failure_text;
  bool keep_alive = false;     // the response ended cleanly and the connection may be reused
  bool track_chunk_tokens = true;     // every token chunk so far carried usage
  std::int64_t completion_so_far = 0; // usage.completion_tokens at the last token chunk

  void fail(Outcome outcome, std::string text) {
    if (!failure) {
      failure = outcome;
      failure_text = std::move(text);
    }
  }

  static void on_bytes(void* self, std::string_view bytes) {
    static_cast<StreamState*>(self)->body(bytes);
  }

  void body(std::string_view bytes) {
    if (failure) return;
    // One put() may parse the head and the first body bytes together: read the status here.
    if (status == 0 && head != nullptr) {
      status = static_cast<int>(head->result_int());
      record.http_status = status;
    }
    if (status != 200) {
      const auto room = kErrorBodyCap - std::min(kErrorBodyCap, error_body.size());
      error_body.append(bytes.substr(0, room));
      return;
    }
    auto fed = sse.feed(bytes, [this](const sse::Event& event) { on_event(event); });
    if (!fed) fail(Outcome::kEventTooLarge, fed.error().message);
  }

  void on_event(const sse::Event& event) {
    if (failure || event.data.empty()) return;
    auto decoded = worker.decoder.decode(event.data);
    if (!decoded) {
      fail(Outcome::kMalformedChunk, decoded.error().message);
      return;
    }
    const api::Chunk& chunk = *decoded;
    if (chunk.done) {
      record.saw_done = true;
      return;
    }
    if (chunk.error) {
      fail(Outcome::kServerError,
           fmt::format("server error in stream: {}{}{}", chunk.error->message,
                       chunk.error->type.empty() ? "" : " (type ",
                       chunk.error->type.empty() ? "" : chunk.error->type + ")"));
      return;
    }
    if (chunk.has_choices) {
      // vLLM counts every chunk with non-empty choices as a token chunk (also chat's first
      // chunk that carries only the role).
      record.chunk_ns.push_back(arrival_ns);
      if (chunk.server_send_ns) {
        if (record.receive_delay_ns.empty()) record.receive_delay_ns.reserve(record.chunk_ns.capacity());
        record.receive_delay_ns.push_back(arrival_ns - *chunk.server_send_ns);
      }
      Counters::bump(worker.counters.chunks);
      if (keep_text) {
        record.generated_text.append(chunk.text);
        record.reasoning_text.append(chunk.reasoning);
        if (text_offsets) {
          record.chunk_text_end.push_back({static_cast<std::uint32_t>(record.generated_text.size()),
                                           static_cast<std::uint32_t>(record.reasoning_text.size())});
        }
      }
      if (!chunk.finish_reason.empty()) record.finish_reason.assign(chunk.finish_reason);
    }
    if (chunk.has_choices && track_chunk_tokens) {
      // Tokens in this chunk = growth of the running completion count (continuous usage).
      if (chunk.usage && chunk.usage->completion_tokens >= 0) {
        record.chunk_tokens.push_back(
            static_cast<std::int32_t>(chunk.usage->completion_tokens - completion_so_far));
        completion_so_far = chunk.usage->completion_tokens;
      } else {
        track_chunk_tokens = false;  // not every chunk says: per-chunk counts are unknown
        record.chunk_tokens.clear();
      }
    }
    if (chunk.usage) {
      if (chunk.usage->prompt_tokens >= 0) {
        record.usage_prompt_tokens = static_cast<std::int32_t>(chunk.usage->prompt_tokens);
      }
      if (chunk.usage->completion_tokens >= 0) {
        record.usage_completion_tokens = static_cast<std::int32_t>(chunk.usage->completion_tokens);
      }
    }
  }
};

std::string describe(const boost::system::error_code& ec) {
  return fmt::format("{} ({})", ec.message(), ec.category().name());
}

/// OpenSSL's words for a failed handshake, with the verification result when that failed.
std::string tls_reason(const boost::system::error_code& ec) {
  std::string text = ec.message();
  if (ec.category() == asio::error::get_ssl_category()) {
    const auto reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
    if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
      text += " (use --ca-bundle FILE to trust the server's CA, or --insecure to skip verification)";
    }
  }
  return text;
}

/// Reads one response on `connection`, stamping every read before parsing it. Returns true
/// when the exchange may be retried on a fresh connection (a kept-alive connection the server
/// had closed before any response byte came back).
asio::awaitable<bool> read_response(net::Connection& connection, StreamState& state,
                                    Watchdog& watchdog, bool reused) {
  RequestRecord& record = state.record;
  http::response_parser<net::SinkBody> parser;
  parser.eager(true);
  parser.body_limit(boost::none);
  parser.get().body().on_bytes = &StreamState::on_bytes;
  parser.get().body().context = &state;
  state.head = &parser.get();
  auto& buffer = connection.buffer();
  bool need_read = buffer.size() == 0;
  std::size_t received = 0;
  while (true) {
    if (need_read) {
      auto [ec, n] = co_await connection.stream().async_read_some(buffer.prepare(kReadSize), kUseTuple);
      const core::Nanos now = core::now_ns();  // the arrival stamp, before any parsing
      if (ec) {
        record.end_ns = now;
        if (watchdog.fired) {
          state.fail(*watchdog.fired, std::string(timeout_text(*watchdog.fired)));
        } else if (reused && received == 0 &&
                   (ec == asio::error::eof || ec == asio::error::connection_reset ||
                    ec == asio::ssl::error::stream_truncated)) {
          co_return true;
        } else if ((ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) &&
                   !parser.is_header_done() && received == 0) {
          state.fail(Outcome::kConnectionClosed, "server closed the connection before responding");
        } else if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
          // Bodies delimited by connection close end here normally.
          boost::system::error_code eof_ec;
          parser.put_eof(eof_ec);
          if (!eof_ec && parser.is_done()) break;
          state.fail(Outcome::kConnectionClosed,
                     fmt::format("server closed the connection mid-response after {} bytes", received));
        } else {
          state.fail(Outcome::kConnectionClosed,
                     fmt::format("connection failed after {} response bytes: {}", received, describe(ec)));
        }
        co_return false;
      }
      buffer.commit(n);
      if (received == 0) {
        record.first_byte_ns = now;
        watchdog.enter(Watchdog::Phase::kReading, now);
      } else {
        watchdog.on_read(now);
      }
      received += n;
      state.arrival_ns = now;
      need_read = false;
    }
    boost::system::error_code ec;
    const std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (parser.is_header_done() && state.status == 0) {
      state.status = static_cast<int>(parser.get().result_int());
      record.http_status = state.status;
    }
    if (ec == http::error::need_more) {
      need_read = true;
      continue;
    }
    if (ec) {
      record.end_ns = state.arrival_ns;
      state.fail(Outcome::kProtocolError, fmt::format("invalid HTTP response: {}", ec.message()));
      co_return false;
    }
    if (parser.is_done()) break;
    if (state.failure) {  // stop reading a stream we already gave up on
      record.end_ns = state.arrival_ns;
      co_return false;
    }
    need_read = buffer.size() == 0 || used == 0;
  }
  record.end_ns = state.arrival_ns;
  state.keep_alive = parser.keep_alive() && buffer.size() == 0 && !state.failure;
  ++connection.responses;
  co_return false;
}

/// Fills in the record's outcome from what the exchange saw.
void classify(StreamState& state) {
  RequestRecord& record = state.record;
  if (state.failure) {
    record.outcome = *state.failure;
    record.error = std::move(state.failure_text);
  } else if (state.status != 200) {
    record.outcome = Outcome::kHttpStatus;
    std::string body = std::move(state.error_body);
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
    record.error = fmt::format("HTTP {}{}{}", state.status, body.empty() ? "" : ": ", body);
  } else if (record.chunk_ns.empty()) {
    record.outcome = Outcome::kNoContent;
    record.error = "Never received a valid chunk to calculate TTFT.";  // vLLM's wording
  } else {
    record.outcome = Outcome::kOk;
  }
  if (record.end_ns == 0) record.end_ns = core::now_ns();
}

asio::awaitable<void> exchange(Worker& worker, std::uint32_t index) {
  RunContext& run = worker.run;
  RequestRecord& record = run.records[index];
  const auto& spec = run.spec(index);
  std::vector<api::ChatTurn> history;
  for (std::int32_t i = spec.previous_turn; i >= 0; i = run.specs[static_cast<std::size_t>(i)].previous_turn) {
    const auto at = static_cast<std::size_t>(i);
    history.push_back({run.specs[at].prompt, run.records[at].generated_text});
  }
  std::reverse(history.begin(), history.end());
  const std::string wire = build_http_request(run.target, run.request, spec, index, history);
  auto executor = co_await asio::this_coro::executor;
  auto watchdog = std::make_shared<Watchdog>(executor, run.options, record.start_ns);
  worker.in_flight.insert(watchdog.get());
  if (run.stop.load(std::memory_order_relaxed) >= 2) watchdog->expire(Outcome::kCancelled);

  // One arrival stamp per token chunk at most, plus a role chunk: room for them up front spares
  // the copies and the slack of growth by doubling (capped for very long outputs).
  record.chunk_ns.reserve(static_cast<std::size_t>(std::clamp<std::int64_t>(spec.expected_output_len + 2, 2, 4096)));
  // A turn's answer is the next turn's history, so it is kept whatever keep_text says.
  StreamState state(worker, record, run.options.keep_text || run.next_turn[index] >= 0,
                    run.options.max_sse_event_bytes);
  for (int attempt = 0; !watchdog->fired; ++attempt) {
    std::unique_ptr<net::Connection> connection = attempt == 0 ? worker.pool.take() : nullptr;
    const bool reused = connection != nullptr;
    if (!connection) {
      connection = std::make_unique<net::Connection>(executor);
      watchdog->connection = connection.get();
      const core::Nanos t0 = core::now_ns();
      watchdog->enter(Watchdog::Phase::kConnect, t0);
      const auto ec = co_await net::async_connect(*connection, run.target.endpoints);
      if (ec || watchdog->fired) {
        record.end_ns = core::now_ns();
        watchdog->connection = nullptr;
        if (watchdog->fired) state.fail(*watchdog->fired, std::string(timeout_text(*watchdog->fired)));
        else state.fail(Outcome::kConnectError,
                        fmt::format("cannot connect to {}: {}", run.target.base.host_header(), describe(ec)));
        break;
      }
      if (run.target.tls) {
        // The TLS handshake is part of connecting (and, as in vLLM, of TTFT).
        auto& tls = connection->stream().enable_tls(*run.target.tls);
        auto prepared = net::prepare_client_tls(tls, run.target.base.host, run.target.tls_verify);
        boost::system::error_code hec;
        if (prepared) std::tie(hec) = co_await tls.async_handshake(asio::ssl::stream_base::client, kUseTuple);
        if (!prepared || hec || watchdog->fired) {
          record.end_ns = core::now_ns();
          watchdog->connection = nullptr;
          if (watchdog->fired) state.fail(*watchdog->fired, std::string(timeout_text(*watchdog->fired)));
          else state.fail(Outcome::kTlsError,
                          fmt::format("TLS handshake with {} failed: {}", run.target.base.host_header(),
                                      prepared ? tls_reason(hec) : prepared.error().message));
          break;
        }
      }
      record.connect_ns = core::now_ns() - t0;
    }
    watchdog->connection = connection.get();
    auto [wec, written] = co_await asio::async_write(connection->stream(), asio::buffer(wire), kUseTuple);
    if (wec || watchdog->fired) {
      watchdog->connection = nullptr;
      if (reused && !watchdog->fired) continue;  // stale kept-alive connection: retry once
      record.end_ns = core::now_ns();
      if (watchdog->fired) state.fail(*watchdog->fired, std::string(timeout_text(*watchdog->fired)));
      else state.fail(Outcome::kConnectionClosed, fmt::format("cannot send the request: {}", describe(wec)));
      break;
    }
    record.sent_ns = core::now_ns();
    watchdog->enter(Watchdog::Phase::kFirstByte, record.sent_ns);
    const bool retry = co_await read_response(*connection, state, *watchdog, reused);
    state.head = nullptr;  // it pointed into read_response's parser
    watchdog->connection = nullptr;
    if (retry) continue;
    // A response that ended cleanly with keep-alive leaves its connection for the next request.
    if (state.keep_alive && !watchdog->fired) {
      worker.pool.put(std::move(connection));
    } else {
      connection->close();
    }
    break;
  }
  if (watchdog->fired && !state.failure) state.fail(*watchdog->fired, std::string(timeout_text(*watchdog->fired)));
  watchdog->done();
  worker.in_flight.erase(watchdog.get());
  classify(state);
}

void Worker::cancel_in_flight() {
  // expire() closes sockets; the coroutines finish (and erase themselves) later.
  for (Watchdog* w : in_flight) w->expire(Outcome::kCancelled);
}

asio::awaitable<void> next_turn_coroutine(Worker& worker, std::uint32_t index, core::Nanos after_ns);

asio::awaitable<void> request_coroutine(Worker& worker, std::uint32_t index) {
  RunContext& run = worker.run;
  RequestRecord& record = run.records[index];
  if (run.gate != nullptr) co_await run.gate->acquire();
  if (run.stop.load(std::memory_order_relaxed) >= 1) {  // stopped while waiting for a slot
    if (run.gate != nullptr) run.gate->release();
    worker.drop(index);
    co_return;
  }
  record.start_ns = core::now_ns();
  Counters::bump(worker.counters.started);
  co_await exchange(worker, index);
  if (run.gate != nullptr) run.gate->release();
  if (worker.recorder) worker.recorder->record(record);
  if (!record.ok()) Counters::bump(worker.counters.failed);
  Counters::bump(worker.counters.finished);
  if (const std::int32_t next = run.next_turn[index]; next >= 0) {
    const auto next_index = static_cast<std::uint32_t>(next);
    if (run.stop.load(std::memory_order_relaxed) >= 1) {
      worker.drop(next_index);
    } else if (!record.ok()) {
      worker.drop(next_index, "not sent: an earlier turn of its conversation failed");
    } else {
      asio::co_spawn(worker.executor, next_turn_coroutine(worker, next_index, record.end_ns), asio::detached);
    }
  }
  worker.request_finished();
}

/// Sends the next turn of a conversation its think time after the previous answer ended
/// (that moment is its scheduled time). A stop during the wait drops it and the turns after.
asio::awaitable<void> next_turn_coroutine(Worker& worker, std::uint32_t index, core::Nanos after_ns) {
  RunContext& run = worker.run;
  RequestRecord& record = run.records[index];
  record.scheduled_ns = after_ns + run.spec(index).think_time_ns;
  if (core::now_ns() < record.scheduled_ns) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_at(core::to_time_point(record.scheduled_ns));
    worker.think_timers.insert(&timer);
    co_await timer.async_wait(kUseTuple);
    worker.think_timers.erase(&timer);
  }
  if (run.stop.load(std::memory_order_relaxed) >= 1) {
    worker.drop(index);
    co_return;
  }
  record.dispatch_ns = core::now_ns();
  co_await request_coroutine(worker, index);
}

/// Releases the worker's requests at their scheduled times (absolute deadlines, so timer
/// latency never accumulates). A stop ends it; requests not yet released are dropped.
asio::awaitable<void> dispatcher(Worker& worker) {
  RunContext& run = worker.run;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  worker.dispatch_timer = &timer;
  std::size_t next = 0;
  for (; next < worker.assigned.size(); ++next) {
    const std::uint32_t index = worker.assigned[next];
    RequestRecord& record = run.records[index];
    record.scheduled_ns = run.origin + run.offsets[index];
    if (run.stop.load(std::memory_order_relaxed) >= 1) break;
    if (core::now_ns() < record.scheduled_ns) {
      timer.expires_at(core::to_time_point(record.scheduled_ns));
      co_await timer.async_wait(kUseTuple);
      if (run.stop.load(std::memory_order_relaxed) >= 1) break;
    }
    record.dispatch_ns = core::now_ns();
    asio::co_spawn(worker.executor, request_coroutine(worker, index), asio::detached);
  }
  worker.dispatch_timer = nullptr;
  for (; next < worker.assigned.size(); ++next) worker.drop(worker.assigned[next]);
}

}  // namespace

std::string build_http_request(const Target& target, const RequestTemplate& request,
                               const workload::RequestSpec& spec, std::uint32_t index,
                               std::span<const api::ChatTurn> history) {
  const std::string body = history.empty() ? api::build_body(request.flavor, spec, request.body)
                                           : api::build_chat_body(spec, history, request.body);
  std::string out;
  out.reserve(body.size() + 256);
  if (request.request_id_prefix.empty()) {
    net::append_request(out, "POST", target.path, target.base.host_header(), request.headers, body);
  } else {
    net::HeaderList headers = request.headers;
    net::set_header(headers, "x-request-id", fmt::format("{}{}", request.request_id_prefix, index));
    net::append_request(out, "POST", target.path, target.base.host_header(), headers, body);
  }
  return out;
}

Runner::Runner(Target target, RequestTemplate request, RunnerOptions options)
    : target_(std::move(target)), request_(std::move(request)), options_(std::move(options)) {}

RunOutput Runner::run(std::span<const workload::RequestSpec> specs,
                      std::span<const core::Nanos> offsets) {
  RunOutput output;
  // One request per send offset; the specs in turn when there are fewer of them (never for
  // conversations, whose turns refer to each other by position).
  const bool conversations = std::any_of(specs.begin(), specs.end(), [](const auto& s) { return s.previous_turn >= 0; });
  const std::size_t count = specs.empty() ? 0 : conversations ? std::min(specs.size(), offsets.size()) : offsets.size();
  output.records.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    output.records[i].index = static_cast<std::uint32_t>(i % specs.size());  // the spec it sent
    output.records[i].dataset_prompt_len = specs[i % specs.size()].prompt_len;
  }
  std::optional<ConcurrencyGate> gate;
  if (options_.max_concurrency) gate.emplace(*options_.max_concurrency);
  // Multi-turn: link each turn to the next; later turns are not scheduled, they follow.
  std::vector<std::int32_t> next_turn(count, -1);
  for (std::size_t i = 0; conversations && i < count; ++i) {
    const auto previous = specs[i].previous_turn;
    if (previous >= 0 && static_cast<std::size_t>(previous) < i) next_turn[static_cast<std::size_t>(previous)] = static_cast<std::int32_t>(i);
  }

  RunContext run{target_, request_, options_, specs.first(std::min(count, specs.size())), offsets.first(count), next_turn, 0,
                 output.records, gate ? &*gate : nullptr, {}};
  const int threads = std::max(1, std::min<int>(options_.threads, static_cast<int>(std::max<std::size_t>(count, 1))));
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) workers.push_back(std::make_unique<Worker>(run));
  // Round robin in schedule order: each worker's list stays sorted by due time. A
  // conversation's later turns belong to the worker of its first turn.
  std::size_t scheduled = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const auto previous = conversations ? specs[i].previous_turn : -1;
    if (previous >= 0 && static_cast<std::size_t>(previous) < i) continue;
    Worker& w = *workers[scheduled++ % static_cast<std::size_t>(threads)];
    w.assigned.push_back(static_cast<std::uint32_t>(i));
    for (std::int32_t t = static_cast<std::int32_t>(i); t >= 0; t = next_turn[static_cast<std::size_t>(t)]) ++w.remaining;
  }
  // Interval reports swap recorders through each worker's own io_context.
  const bool intervals = options_.interval.count() > 0 && options_.on_interval;
  for (auto& w : workers) {
    if (w->remaining == 0) w->guard.reset();
    if (intervals) w->recorder = std::make_unique<metrics::IntervalRecorder>();
  }

  run.origin = core::now_ns() + kStartLeadNs;
  output.bench_start_ns = run.origin;
  const auto origin_wall = std::chrono::system_clock::now() + std::chrono::nanoseconds(kStartLeadNs);
  std::mutex done_mutex;
  std::condition_variable done_cv;
  int running = threads;
  std::vector<std::unique_ptr<metrics::IntervalRecorder>> harvest;  // guarded by done_mutex
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  for (auto& w : workers) {
    pool.emplace_back([&, worker = w.get()] {
      asio::co_spawn(worker->executor, dispatcher(*worker), asio::detached);
      worker->context.run();
      {
        std::lock_guard lock(done_mutex);
        worker->accepting = false;
      }
      // A recorder swap posted just before run() returned still runs here.
      worker->context.restart();
      worker->context.poll();
      std::lock_guard lock(done_mutex);
      worker->finished = true;
      --running;
      done_cv.notify_all();
    });
  }
  // Closes interval `index`, ending at offset `end_ns`: every worker still running swaps in an
  // empty recorder on its own thread and hands the filled one over; a finished worker's is
  // read directly (its thread is done with it).
  std::int64_t interval_index = 0;
  auto close_interval = [&](core::Nanos end_ns, bool last) {
    IntervalReport report;
    report.index = interval_index;
    report.start_ns = interval_index * options_.interval.count();
    report.end_ns = end_ns;
    report.last = last;
    report.origin_wall = origin_wall;
    {
      std::unique_lock lock(done_mutex);
      std::size_t posted = 0;
      for (auto& w : workers) {
        if (w->accepting) {
          ++posted;
          asio::post(w->executor, [worker = w.get(), fresh = std::make_unique<metrics::IntervalRecorder>(),
                             &harvest, &done_mutex, &done_cv]() mutable {
            fresh.swap(worker->recorder);
            std::lock_guard handed(done_mutex);
            harvest.push_back(std::move(fresh));
            done_cv.notify_all();
          });
        } else {
          done_cv.wait(lock, [&] { return w->finished; });
          report.recorded.merge(*w->recorder);
          w->recorder->reset();
        }
      }
      done_cv.wait(lock, [&] { return harvest.size() == posted; });
      for (const auto& filled : harvest) report.recorded.merge(*filled);
      harvest.clear();
    }
    report.in_flight = 0;
    for (const auto& w : workers) {
      report.in_flight += w->counters.started.load(std::memory_order_relaxed) -
                          w->counters.finished.load(std::memory_order_relaxed);
    }
    ++interval_index;
    options_.on_interval(report);
  };
  auto interval_due = [&] {
    return core::to_time_point(run.origin + (interval_index + 1) * options_.interval.count());
  };
  auto snapshot = [&] {
    ProgressSnapshot s;
    s.total = static_cast<std::int64_t>(count);
    for (const auto& w : workers) {
      s.started += w->counters.started.load(std::memory_order_relaxed);
      s.finished += w->counters.finished.load(std::memory_order_relaxed);
      s.failed += w->counters.failed.load(std::memory_order_relaxed);
      s.chunks += w->counters.chunks.load(std::memory_order_relaxed);
    }
    s.elapsed_ns = core::now_ns() - run.origin;
    s.stopping = run.stop.load(std::memory_order_relaxed);
    s.duration_reached = output.duration_reached;
    return s;
  };
  // Tell every worker, on its own thread.
  auto broadcast = [&](void (Worker::*action)()) {
    for (auto& w : workers) asio::post(w->executor, [worker = w.get(), action] { (worker->*action)(); });
  };
  constexpr auto kPoll = std::chrono::milliseconds(20);
  auto next_progress = core::Clock::now() + options_.progress_interval;
  core::Clock::time_point grace_end{};
  const auto deadline = options_.duration.count() > 0 ? core::to_time_point(run.origin + options_.duration.count())
                                                      : core::Clock::time_point::max();
  {
    std::unique_lock lock(done_mutex);
    while (running > 0) {
      auto wake = options_.stop_signal != nullptr ? std::min(next_progress, core::Clock::now() + kPoll)
                                                   : next_progress;
      if (intervals) wake = std::min(wake, interval_due());
      if (!output.duration_reached) wake = std::min(wake, deadline);
      done_cv.wait_until(lock, wake, [&] { return running == 0; });
      if (running == 0) break;
      lock.unlock();
      const int level = run.stop.load(std::memory_order_relaxed);
      const int asked = options_.stop_signal != nullptr ? options_.stop_signal->load() : 0;
      bool changed = false;
      if (level == 0 && core::Clock::now() >= deadline) {
        // The duration is over: nothing more is sent; requests in flight finish (a Ctrl-C
        // from here on starts the grace period).
        run.stop.store(1);
        output.duration_reached = true;
        grace_end = core::Clock::time_point::max();
        broadcast(&Worker::stop_dispatching);
        changed = true;
      } else if (level == 0 && asked >= 1) {
        run.stop.store(1);
        grace_end = core::Clock::now() + std::chrono::duration_cast<core::Clock::duration>(options_.grace_period);
        broadcast(&Worker::stop_dispatching);
        changed = true;
      }
      if (output.duration_reached && asked >= 1 && grace_end == core::Clock::time_point::max()) {
        grace_end = core::Clock::now() + std::chrono::duration_cast<core::Clock::duration>(options_.grace_period);
      }
      if (run.stop.load() == 1 && (asked >= 2 || core::Clock::now() >= grace_end)) {
        run.stop.store(2);
        broadcast(&Worker::cancel_in_flight);
        changed = true;
      }
      if (options_.on_progress && (changed || core::Clock::now() >= next_progress)) {
        options_.on_progress(snapshot());
      }
      if (core::Clock::now() >= next_progress) next_progress = core::Clock::now() + options_.progress_interval;
      if (intervals && core::Clock::now() >= interval_due()) {
        close_interval((interval_index + 1) * options_.interval.count(), false);
      }
      lock.lock();
    }
  }
  for (auto& t : pool) t.join();
  // vLLM's benchmark duration ends when the last request completes.
  output.bench_end_ns = output.bench_start_ns;
  for (const auto& r : output.records) output.bench_end_ns = std::max(output.bench_end_ns, r.end_ns);
  if (intervals) {
    close_interval(std::max(interval_index * options_.interval.count(), output.bench_end_ns - run.origin), true);
  }
  if (options_.on_progress) options_.on_progress(snapshot());
  output.interrupted = options_.stop_signal != nullptr && options_.stop_signal->load() > 0 && run.stop.load() > 0;
  for (const auto& w : workers) output.not_sent += w->not_sent;
  return output;
}

metrics::RequestRecord Runner::send_one(const workload::RequestSpec& spec) {
  RunnerOptions single = options_;
  single.threads = 1;
  single.max_concurrency.reset();
  single.on_progress = nullptr;
  single.on_interval = nullptr;
  Runner runner(target_, request_, std::move(single));
  const core::Nanos offset = 0;
  auto out = runner.run(std::span(&spec, 1), std::span(&offset, 1));
  return std::move(out.records.front());
}

}  // namespace llmload::runtime
