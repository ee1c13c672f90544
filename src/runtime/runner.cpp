#include "llmload/runtime/runner.hpp"

#include "llmload/api/chunk_decoder.hpp"
#include "llmload/net/await.hpp"
#include "llmload/net/connection.hpp"
#include "llmload/net/tls.hpp"
#include "llmload/runtime/concurrency_gate.hpp"
#include "llmload/runtime/http_response_reader.hpp"
#include "llmload/runtime/response_recorder.hpp"
#include "llmload/runtime/stop_policy.hpp"
#include "llmload/runtime/target_balance.hpp"
#include "llmload/runtime/watchdog.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_set>

namespace llmload::runtime {
namespace asio = boost::asio;
using metrics::Outcome;
using metrics::RequestRecord;

namespace {

using net::kTuple;
// Bytes asked per socket read: a token chunk is ~0.3 KiB, so a page is plenty, and it keeps each
// connection's read buffer to one page of memory (16 KiB cost ~1.5 KiB more RSS per open stream).
constexpr std::size_t kReadSize = 4 * 1024;
// Lead time between computing the schedule's origin and the first due request, so that every
// worker thread is running before anything is due (a late start would show as schedule lag).
constexpr core::Nanos kStartLeadNs = 5'000'000;
// How often the supervisor looks at RunnerOptions::stop_signal.
constexpr core::Nanos kStopPollNs = 20'000'000;
// Requests serialized before the clock starts, at most this many bytes in all (the rest are
// serialized when sent): 64 KiB of body each for 1000 requests.
constexpr std::size_t kPrebuiltBytes = std::size_t{64} << 20;

/// One worker's counters for the progress reporter: written only by the worker's thread, read
/// by the supervisor. Single-writer relaxed atomics on the worker's own cache line: a load and
/// a store per count, no read-modify-write, no contention (CONVENTIONS.md: no contended atomic
/// per token).
struct alignas(64) Counters {
  std::atomic<std::int64_t> started{0}, finished{0}, failed{0}, chunks{0};

  static void bump(std::atomic<std::int64_t>& a) {
    a.store(a.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
};

/// Which requests a run sends: one per send offset, the specs in turn when there are fewer of
/// them (never for conversations, whose turns refer to each other by position).
struct RequestPlan {
  std::size_t count = 0;
  bool conversations = false;
  /// Multi-turn: the index of each request's next turn, -1 when none.
  std::vector<std::int32_t> next_turn;
};

RequestPlan plan_requests(std::span<const workload::RequestSpec> specs, std::span<const core::Nanos> offsets) {
  RequestPlan plan;
  plan.conversations = std::any_of(specs.begin(), specs.end(), [](const auto& s) { return s.previous_turn >= 0; });
  plan.count = specs.empty()        ? 0
               : plan.conversations ? std::min(specs.size(), offsets.size())
                                    : offsets.size();
  plan.next_turn.assign(plan.count, -1);
  for (std::size_t i = 0; plan.conversations && i < plan.count; ++i) {
    const auto previous = specs[i].previous_turn;
    if (previous >= 0 && static_cast<std::size_t>(previous) < i) {
      plan.next_turn[static_cast<std::size_t>(previous)] = static_cast<std::int32_t>(i);
    }
  }
  return plan;
}

/// A later turn of a conversation: it follows its previous turn instead of being scheduled.
bool is_later_turn(const RequestPlan& plan, std::span<const workload::RequestSpec> specs, std::size_t i) {
  const auto previous = plan.conversations ? specs[i].previous_turn : -1;
  return previous >= 0 && static_cast<std::size_t>(previous) < i;
}

/// Everything the workers share; read-only during the run except the gate and the stop level.
struct RunContext {
  RunContext(std::span<const Target> targets, const RequestTemplate& request, const RunnerOptions& options,
             std::vector<RequestRecord>& records)
      : targets(targets), request(request), options(options), records(records) {
    limits.whole = options.request_timeout;
    limits.connect = options.connect_timeout;
    limits.first_byte = options.first_byte_timeout;
    limits.idle = options.idle_timeout;
    recording.keep_text = options.keep_text;
    recording.chunk_text_offsets = options.chunk_text_offsets;
    recording.max_sse_event_bytes = options.max_sse_event_bytes;
    recording.max_response_bytes = options.max_response_bytes;
    recording.pooling = api::is_pooling(request.flavor);
  }

  std::span<const Target> targets;  ///< one, or several replicas (RequestRecord::target)
  const RequestTemplate& request;
  const RunnerOptions& options;
  RequestLimits limits;
  ResponseRecorderOptions recording;
  std::span<const workload::RequestSpec> specs;
  std::span<const core::Nanos> offsets;
  /// Every turn of a conversation runs on the worker of its first turn: no locking.
  std::span<const std::int32_t> next_turn;
  core::Nanos origin = 0;
  std::vector<RequestRecord>& records;
  /// Request i's bytes when serialized before the clock (moved out when it is sent); empty
  /// for those serialized when sent (later turns, and any beyond kPrebuiltBytes).
  std::vector<std::string> wires;
  ConcurrencyGate* gate = nullptr;
  /// Several targets: the round-robin target of each request (later turns: their first
  /// turn's), and, with least-in-flight, the shared in-flight counters (null otherwise).
  std::span<const std::uint16_t> round_robin;
  TargetLoad* load = nullptr;
  bool conversations = false;
  std::atomic<StopLevel> stop{StopLevel::kRunning};  // written by the supervisor only

  /// The spec of request `index` (specs are sent in turn when there are more requests).
  const workload::RequestSpec& spec(std::size_t index) const { return specs[index % specs.size()]; }
  StopLevel level() const noexcept { return stop.load(std::memory_order_relaxed); }
  bool sending_stopped() const noexcept { return level() != StopLevel::kRunning; }
};

/// A worker's requests in flight (their watchdogs), for cancelling them all: no allocation per
/// request once reserved (each watchdog knows its slot; erasing moves the last one there).
struct InFlight {
  std::vector<Watchdog*> list;

  void insert(Watchdog& w) {
    w.in_flight_slot = list.size();
    list.push_back(&w);
  }
  void erase(Watchdog& w) {
    Watchdog* last = list.back();
    list[w.in_flight_slot] = last;
    last->in_flight_slot = w.in_flight_slot;
    list.pop_back();
  }
};

/// One worker thread: its own io_context (share-nothing), connection pool and chunk decoder.
struct Worker {
  explicit Worker(RunContext& run)
      : run(run), executor(context.get_executor()), guard(asio::make_work_guard(context)) {}

  RunContext& run;
  asio::io_context context{1};
  asio::any_io_executor executor;  // every handler of this worker runs here
  asio::executor_work_guard<asio::io_context::executor_type> guard;
  std::vector<net::ConnectionPool> pools = std::vector<net::ConnectionPool>(run.targets.size());  // one per target
  api::ChunkDecoder decoder;
  Counters counters;
  std::vector<std::uint32_t> assigned;  // request indices, in schedule order
  std::size_t remaining = 0;            // assigned requests not finished yet
  std::int64_t not_sent = 0;            // requests dropped by a stop before they started
  asio::steady_timer* dispatch_timer = nullptr;  // the dispatcher's, while it waits
  asio::steady_timer* probe_timer = nullptr;     // the event-loop probe's, while it runs
  metrics::HdrHistogram loop_delay_us{metrics::interval_histogram_config()};
  std::unordered_set<asio::steady_timer*> think_timers;  // next turns waiting to be sent
  InFlight in_flight;
  /// Connection objects made before the clock (socket open, TCP_NODELAY set, read buffer
  /// reserved), taken by the first new connections: on the clock a new connection is its connect.
  std::vector<std::unique_ptr<net::Connection>> spare_connections;
  IntervalHarvester::Slot* interval_slot = nullptr;  // null when interval reports are off

  void request_finished() {
    if (--remaining == 0) {
      guard.reset();
      for (auto& pool : pools) pool.clear();
      spare_connections.clear();
      if (probe_timer != nullptr) probe_timer->cancel();
    }
  }
  /// Marks a request, and the later turns of its conversation, as never sent.
  /// Dropped later turns name their conversation's target (rows show where it would have gone).
  void drop(std::uint32_t index, std::string_view why = "not sent: the run was stopped") {
    const std::uint16_t target = run.records[index].target;
    for (auto i = static_cast<std::int32_t>(index); i >= 0; i = run.next_turn[static_cast<std::size_t>(i)]) {
      RequestRecord& r = run.records[static_cast<std::size_t>(i)];
      r.target = target;
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
  void cancel_in_flight() {
    // expire() closes sockets; the coroutines finish (and erase themselves) later.
    for (Watchdog* w : in_flight.list) w->expire(Outcome::kCancelled);
  }
  /// A connection object for a new connection: a spare made before the clock, else a new one.
  std::unique_ptr<net::Connection> new_connection() {
    if (spare_connections.empty()) return std::make_unique<net::Connection>(executor);
    auto connection = std::move(spare_connections.back());
    spare_connections.pop_back();
    return connection;
  }
};

std::string describe(const boost::system::error_code& ec) {
  return fmt::format("{} ({})", ec.message(), ec.category().name());
}

/// OpenSSL's words for a failed handshake, with the verification result when that failed
/// (`verify_result`: SSL_get_verify_result of the connection).
std::string tls_reason(const boost::system::error_code& ec, long verify_result) {
  std::string text = ec.message();
  if (ec.category() == asio::error::get_ssl_category()) {
    const auto reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
    if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED &&
        (verify_result == X509_V_ERR_HOSTNAME_MISMATCH || verify_result == X509_V_ERR_IP_ADDRESS_MISMATCH)) {
      text += " (the certificate is trusted but does not name this host: connect by a name it lists, or use "
              "--insecure to skip verification)";
    } else if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
      text += " (use --ca-bundle FILE to trust the server's CA, or --insecure to skip verification)";
    }
  }
  return text;
}

/// When a limit (or the run's cancellation) ended the request, records that as its failure.
bool fail_if_fired(ResponseRecorder& recorder, const Watchdog& watchdog) {
  if (!watchdog.fired) return false;
  recorder.fail(*watchdog.fired, std::string(timeout_text(*watchdog.fired)));
  return true;
}

/// Room for a request's arrival stamps: one per token chunk at most, plus a role chunk. Having
/// it up front spares the copies and the slack of growth by doubling (capped for very long outputs).
std::size_t stamp_capacity(const workload::RequestSpec& spec) {
  return static_cast<std::size_t>(std::clamp<std::int64_t>(spec.expected_output_len + 2, 2, 4096));
}

/// The serialized request `index`, with the earlier turns of its conversation as history.
std::string wire_request(const RunContext& run, std::uint32_t index) {
  const auto& spec = run.spec(index);
  std::vector<api::ChatTurn> history;
  for (std::int32_t i = spec.previous_turn; i >= 0; i = run.specs[static_cast<std::size_t>(i)].previous_turn) {
    const auto at = static_cast<std::size_t>(i);
    history.push_back({run.specs[at].prompt, run.records[at].generated_text});
  }
  std::reverse(history.begin(), history.end());
  return build_http_request(run.targets[run.records[index].target], run.request, spec, index, history);
}

/// Serializes the requests that can be before the clock starts (dispatch then only sends
/// bytes), within kPrebuiltBytes; later turns wait for their history. With several targets a
/// request's target (its Host and path) is known only when it starts, so nothing is prebuilt.
void prebuild_wires(RunContext& run, const RequestPlan& plan, std::span<const workload::RequestSpec> specs) {
  run.wires.resize(plan.count);
  if (run.targets.size() > 1) return;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < plan.count && bytes < kPrebuiltBytes; ++i) {
    if (is_later_turn(plan, specs, i)) continue;
    run.wires[i] = wire_request(run, static_cast<std::uint32_t>(i));
    bytes += run.wires[i].size();
  }
}

/// The TLS handshake, part of connecting (and, as in vLLM, of TTFT). False after recording why
/// it failed.
asio::awaitable<bool> handshake(net::Connection& connection, const Target& target, Watchdog& watchdog,
                                ResponseRecorder& recorder) {
  auto& tls = connection.stream().enable_tls(*target.tls);
  auto prepared = net::prepare_client_tls(tls, target.base.host, target.tls_verify);
  boost::system::error_code ec;
  if (prepared) std::tie(ec) = co_await tls.async_handshake(asio::ssl::stream_base::client, kTuple);
  if (prepared && !ec && !watchdog.fired) co_return true;
  recorder.set_end(core::now_ns());
  watchdog.connection = nullptr;
  if (!fail_if_fired(recorder, watchdog)) {
    recorder.fail(Outcome::kTlsError, fmt::format("TLS handshake with {} failed: {}", target.base.host_header(),
                                                  prepared ? tls_reason(ec, SSL_get_verify_result(tls.native_handle()))
                                                           : prepared.error().message));
  }
  co_return false;
}

/// A new connection to the target (TCP, then TLS), under the connect limit. Null after
/// recording why it failed.
asio::awaitable<std::unique_ptr<net::Connection>> open_connection(Worker& worker, const Target& target,
                                                                  Watchdog& watchdog, ResponseRecorder& recorder) {
  auto connection = worker.new_connection();
  watchdog.connection = connection.get();
  const core::Nanos t0 = core::now_ns();
  watchdog.enter(RequestPhase::kConnect, t0);
  const auto ec = co_await net::async_connect(*connection, target.endpoints);
  if (ec || watchdog.fired) {
    recorder.set_end(core::now_ns());
    watchdog.connection = nullptr;
    if (!fail_if_fired(recorder, watchdog)) {
      recorder.fail(Outcome::kConnectError, fmt::format("cannot connect to {}: {}", target.base.host_header(), describe(ec)));
    }
    co_return nullptr;
  }
  if (target.tls) {
    const bool secured = co_await handshake(*connection, target, watchdog, recorder);
    if (!secured) co_return nullptr;
  }
  recorder.record().connect_ns = core::now_ns() - t0;
  co_return connection;
}

/// How a request write ended.
enum class SendEnd : std::uint8_t { kSent, kRetry, kFailed };

/// Writes the request; a kept-alive connection that fails the write is retried once.
asio::awaitable<SendEnd> send_request(net::Connection& connection, const std::string& wire, bool reused,
                                      Watchdog& watchdog, ResponseRecorder& recorder) {
  watchdog.connection = &connection;
  auto [ec, written] = co_await asio::async_write(connection.stream(), asio::buffer(wire), kTuple);
  if (!ec && !watchdog.fired) {
    recorder.record().sent_ns = core::now_ns();
    watchdog.enter(RequestPhase::kFirstByte, recorder.record().sent_ns);
    co_return SendEnd::kSent;
  }
  watchdog.connection = nullptr;
  if (reused && !watchdog.fired) co_return SendEnd::kRetry;  // stale kept-alive connection
  recorder.set_end(core::now_ns());
  if (!fail_if_fired(recorder, watchdog)) {
    recorder.fail(Outcome::kConnectionClosed, fmt::format("cannot send the request: {}", describe(ec)));
  }
  co_return SendEnd::kFailed;
}

/// How reading a response ended, for its connection.
enum class ReadEnd : std::uint8_t {
  kRetry,      ///< a kept-alive connection the server had closed: send again on a new one
  kKeepAlive,  ///< complete; the connection may carry the next request
  kClose,      ///< complete or failed; close the connection
};

/// A socket read failed at `now_ns` after `received` response bytes: the end of the response
/// (a body delimited by the close), a retry, or the failure to record.
ReadEnd read_failed(const boost::system::error_code& ec, core::Nanos now_ns, std::size_t received, bool reused,
                    HttpResponseReader& reader, ResponseRecorder& recorder, const Watchdog& watchdog,
                    net::Connection& connection) {
  recorder.set_end(now_ns);
  const bool closed = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
  if (fail_if_fired(recorder, watchdog)) return ReadEnd::kClose;
  if (reused && received == 0 && (closed || ec == asio::error::connection_reset)) return ReadEnd::kRetry;
  if (closed && !reader.header_done() && received == 0) {
    recorder.fail(Outcome::kConnectionClosed, "server closed the connection before responding");
  } else if (closed && reader.put_eof()) {
    ++connection.responses;  // complete: a body delimited by the close
  } else if (closed) {
    recorder.fail(Outcome::kConnectionClosed,
                  fmt::format("server closed the connection mid-response after {} bytes", received));
  } else {
    recorder.fail(Outcome::kConnectionClosed,
                  fmt::format("connection failed after {} response bytes: {}", received, describe(ec)));
  }
  return ReadEnd::kClose;
}

/// How much to read when `pending` bytes of a partial event are still in the buffer: what
/// fills the buffer to kReadSize, so that it keeps its first allocation; a whole kReadSize once
/// the pending part is past half of it (a long event). Reading a full kReadSize behind a
/// partial event reallocated the buffer on most streams, and a spare connection's first
/// buffer, allocated on the main thread before the clock, was then freed where the worker's
/// allocations never reuse it: ~4 KiB more per open stream (BENCHMARKS.md).
std::size_t read_size(std::size_t pending) {
  return pending <= kReadSize / 2 ? kReadSize - pending : kReadSize;
}

/// Reads one response on `connection`, stamping every read before parsing it.
asio::awaitable<ReadEnd> read_response(net::Connection& connection, ResponseRecorder& recorder,
                                       Watchdog& watchdog, bool reused) {
  using Step = HttpResponseReader::Step;
  HttpResponseReader reader(recorder);
  auto& buffer = connection.buffer();
  std::size_t received = 0;
  Step step = buffer.size() == 0 ? Step::kNeedMore : reader.put(buffer);
  while (step == Step::kNeedMore) {
    auto [ec, n] = co_await connection.stream().async_read_some(buffer.prepare(read_size(buffer.size())), kTuple);
    const core::Nanos now = core::now_ns();  // the arrival stamp, before any parsing
    if (ec) co_return read_failed(ec, now, received, reused, reader, recorder, watchdog, connection);
    buffer.commit(n);
    if (received == 0) {
      recorder.record().first_byte_ns = now;
      watchdog.enter(RequestPhase::kReading, now);
    } else {
      watchdog.on_read(now);
    }
    received += n;
    recorder.set_arrival(now);
    step = reader.put(buffer);
  }
  if (step == Step::kFailed) co_return ReadEnd::kClose;
  ++connection.responses;
  co_return reader.keep_alive() ? ReadEnd::kKeepAlive : ReadEnd::kClose;
}

/// One request's HTTP exchange, from a pooled or new connection to the record's outcome.
asio::awaitable<void> exchange(Worker& worker, std::uint32_t index) {
  RunContext& run = worker.run;
  RequestRecord& record = run.records[index];
  const std::string wire = run.wires[index].empty() ? wire_request(run, index) : std::move(run.wires[index]);
  auto watchdog = std::make_shared<Watchdog>(worker.executor, run.limits, record.start_ns);
  worker.in_flight.insert(*watchdog);
  if (run.level() == StopLevel::kCancelling) watchdog->expire(Outcome::kCancelled);
  record.chunk_ns.reserve(stamp_capacity(run.spec(index)));  // done before the clock for the first requests
  // A turn's answer is the next turn's history, so it is kept whatever keep_text says.
  ResponseRecorderOptions recording = run.recording;
  recording.keep_text = recording.keep_text || run.next_turn[index] >= 0;
  ResponseRecorder recorder(record, worker.decoder, recording, worker.counters.chunks);
  net::ConnectionPool& pool = worker.pools[record.target];
  recorder.count_arrivals_in(worker.interval_slot);
  for (int attempt = 0; !watchdog->fired; ++attempt) {
    std::unique_ptr<net::Connection> connection = attempt == 0 ? pool.take() : nullptr;
    const bool reused = connection != nullptr;
    if (!connection) connection = co_await open_connection(worker, run.targets[record.target], *watchdog, recorder);
    if (!connection) break;
    const SendEnd sent = co_await send_request(*connection, wire, reused, *watchdog, recorder);
    if (sent == SendEnd::kRetry) continue;
    if (sent == SendEnd::kFailed) break;
    const ReadEnd end = co_await read_response(*connection, recorder, *watchdog, reused);
    watchdog->connection = nullptr;
    if (end == ReadEnd::kRetry) continue;
    // A response that ended cleanly with keep-alive leaves its connection for the next request.
    if (end == ReadEnd::kKeepAlive && !watchdog->fired) {
      pool.put(std::move(connection));
    } else {
      connection->close();
    }
    break;
  }
  fail_if_fired(recorder, *watchdog);
  watchdog->done();
  worker.in_flight.erase(*watchdog);
  recorder.finish(core::now_ns());
}

asio::awaitable<void> next_turn_coroutine(Worker& worker, std::uint32_t index, core::Nanos after_ns);

/// After a request: its conversation's next turn follows, or is dropped with it.
void follow_turn(Worker& worker, std::uint32_t index) {
  RunContext& run = worker.run;
  const std::int32_t next = run.next_turn[index];
  if (next < 0) return;
  const auto next_index = static_cast<std::uint32_t>(next);
  const RequestRecord& record = run.records[index];
  run.records[next_index].target = record.target;  // session affinity, sent or not
  if (run.sending_stopped()) {
    worker.drop(next_index);
  } else if (!record.ok()) {
    worker.drop(next_index, "not sent: an earlier turn of its conversation failed");
  } else {
    asio::co_spawn(worker.executor, next_turn_coroutine(worker, next_index, record.end_ns), asio::detached);
  }
}

/// The target of request `index`, decided as it starts: a later turn of a conversation goes
/// where its first turn went (session affinity); otherwise the balance policy.
std::uint16_t choose_target(const RunContext& run, std::uint32_t index) {
  if (run.targets.size() <= 1) return 0;
  const auto previous = run.conversations ? run.spec(index).previous_turn : -1;
  if (previous >= 0 && static_cast<std::uint32_t>(previous) < index) return run.records[static_cast<std::size_t>(previous)].target;
  if (run.load != nullptr) return run.load->least_loaded(index);
  return run.round_robin[index];
}

/// One request: through the concurrency gate, the exchange, then its bookkeeping.
asio::awaitable<void> request_coroutine(Worker& worker, std::uint32_t index) {
  RunContext& run = worker.run;
  RequestRecord& record = run.records[index];
  if (run.gate != nullptr) co_await run.gate->acquire();
  if (run.sending_stopped()) {  // stopped while waiting for a slot
    if (run.gate != nullptr) run.gate->release();
    worker.drop(index);
    co_return;
  }
  record.target = choose_target(run, index);
  if (run.load != nullptr) run.load->started(record.target);
  record.start_ns = core::now_ns();
  Counters::bump(worker.counters.started);
  co_await exchange(worker, index);
  if (run.load != nullptr) run.load->finished(record.target);
  if (run.gate != nullptr) run.gate->release();
  if (worker.interval_slot != nullptr) {
    auto& recorder = worker.interval_slot->recorder();
    recorder.record(record);
    if (run.options.interval_answers) recorder.record_answer(record, run.spec(index), run.options.interval_score);
  }
  if (!record.ok()) Counters::bump(worker.counters.failed);
  Counters::bump(worker.counters.finished);
  follow_turn(worker, index);
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
    co_await timer.async_wait(kTuple);
    worker.think_timers.erase(&timer);
  }
  if (run.sending_stopped()) {
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
    if (run.sending_stopped()) break;
    if (core::now_ns() < record.scheduled_ns) {
      timer.expires_at(core::to_time_point(record.scheduled_ns));
      co_await timer.async_wait(kTuple);
      if (run.sending_stopped()) break;
    }
    record.dispatch_ns = core::now_ns();
    asio::co_spawn(worker.executor, request_coroutine(worker, index), asio::detached);
    // A request that started (it runs inline up to its connect or write; one waiting at the
    // concurrency gate has not) lets what is ready run before the next one starts: its connect
    // completing and its write, earlier ones' reads. Without it a burst starts every request
    // first and writes them after, so each request's TTFT would carry the client's work on all
    // the others; with it, that work shows where it belongs, as the later requests' schedule
    // lag. Requests queued at the gate are spawned without it, so a closed loop's queue is
    // filled at once and no freed slot waits for the dispatcher.
    if (record.start_ns != 0) co_await asio::post(worker.executor, kTuple);
  }
  worker.dispatch_timer = nullptr;
  for (; next < worker.assigned.size(); ++next) worker.drop(worker.assigned[next]);
}

/// The client's self-check on this worker: a timer due every loop_probe_period records how
/// late it ran (a busy or starved thread delays it, and with it every stamp). Ends with the
/// worker's last request, so it never keeps the io_context alive.
asio::awaitable<void> loop_probe(Worker& worker) {
  const core::Nanos period = std::chrono::nanoseconds(worker.run.options.loop_probe_period).count();
  asio::steady_timer timer(co_await asio::this_coro::executor);
  worker.probe_timer = &timer;
  core::Nanos due = core::now_ns() + period;
  while (worker.remaining > 0) {
    timer.expires_at(core::to_time_point(due));
    const auto [ec] = co_await timer.async_wait(kTuple);
    if (ec || worker.remaining == 0) break;
    const core::Nanos now = core::now_ns();
    worker.loop_delay_us.record(std::max<core::Nanos>(0, now - due) / 1000);
    due = std::max(due + period, now + period / 2);  // no burst after a stall
  }
  worker.probe_timer = nullptr;
}

/// One worker's --preconnect: the connects in flight, what they gave, and the limit's timer.
struct PreconnectState {
  explicit PreconnectState(const asio::any_io_executor& executor) : deadline(executor) {}
  std::int64_t pending = 0;
  std::int64_t opened = 0, failed = 0;
  std::string first_error;
  std::unordered_set<net::Connection*> connecting;  // closed when the limit passes
  asio::steady_timer deadline;
  bool deadline_done = false;
};

/// Opens one connection (TCP, then TLS) to target `t` into the worker's keep-alive pool for it.
asio::awaitable<void> preconnect_one(Worker& worker, std::size_t t, PreconnectState& state) {
  const Target& target = worker.run.targets[t];
  auto connection = std::make_unique<net::Connection>(worker.executor);
  state.connecting.insert(connection.get());
  auto ec = co_await net::async_connect(*connection, target.endpoints);
  std::string why = ec ? describe(ec) : std::string();
  if (!ec && target.tls) {
    auto& tls = connection->stream().enable_tls(*target.tls);
    auto prepared = net::prepare_client_tls(tls, target.base.host, target.tls_verify);
    if (prepared) std::tie(ec) = co_await tls.async_handshake(asio::ssl::stream_base::client, kTuple);
    if (!prepared || ec) why = fmt::format("TLS handshake failed: {}", prepared ? ec.message() : prepared.error().message);
  }
  state.connecting.erase(connection.get());
  if (why.empty() && connection->socket().is_open()) {
    ++state.opened;
    worker.pools[t].put(std::move(connection));
  } else {
    ++state.failed;
    if (state.first_error.empty()) state.first_error = why.empty() ? "not connected within the limit" : why;
    connection->close();
  }
  if (--state.pending == 0) state.deadline.cancel();
}

/// Opens `count` connections into the worker's pools, all at once, on the calling thread (before
/// the worker's thread runs its io_context), spread evenly over the targets; those not done
/// within `limit` are given up.
void preconnect_worker(Worker& worker, std::int64_t count, std::chrono::nanoseconds limit, PreconnectState& state) {
  state.pending = count;
  state.deadline.expires_after(limit);
  state.deadline.async_wait([&state](const boost::system::error_code&) {
    for (auto* connection : state.connecting) connection->close();
    state.deadline_done = true;
  });
  const std::size_t targets = worker.run.targets.size();
  for (std::int64_t i = 0; i < count; ++i) {
    asio::co_spawn(worker.executor, preconnect_one(worker, static_cast<std::size_t>(i) % targets, state), asio::detached);
  }
  if (count == 0) state.deadline.cancel();
  while (state.pending > 0 || !state.deadline_done) worker.context.run_one();
}

/// The run's workers and their threads, as the supervising thread sees them.
class WorkerSet final {
 public:
  WorkerSet(RunContext& run, std::size_t threads) {
    for (std::size_t t = 0; t < threads; ++t) workers_.push_back(std::make_unique<Worker>(run));
  }

  /// Round robin in schedule order, so each worker's list stays sorted by due time. A
  /// conversation's later turns belong to the worker of its first turn.
  void assign(const RequestPlan& plan, std::span<const workload::RequestSpec> specs) {
    std::size_t scheduled = 0;
    for (std::size_t i = 0; i < plan.count; ++i) {
      if (is_later_turn(plan, specs, i)) continue;
      Worker& w = *workers_[scheduled++ % workers_.size()];
      w.assigned.push_back(static_cast<std::uint32_t>(i));
      for (auto t = static_cast<std::int32_t>(i); t >= 0; t = plan.next_turn[static_cast<std::size_t>(t)]) ++w.remaining;
    }
    for (auto& w : workers_) {
      if (w->remaining == 0) w->guard.reset();
    }
  }

  /// Before the clock, for the `count` requests that start the run (the connections
  /// --preconnect would open), each worker its share: the stamp vectors of its first requests
  /// reserved, room in its in-flight list and, given `spare_for` (a run with one target and no
  /// --preconnect), spare connection objects with their socket open. A socket that cannot be
  /// opened ends the spares (its request opens one on the clock, and reports any error).
  void prepare_dispatch(std::int64_t count, const Target* spare_for) {
    const auto n = static_cast<std::int64_t>(workers_.size());
    for (std::int64_t w = 0; w < n; ++w) {
      Worker& worker = *workers_[static_cast<std::size_t>(w)];
      const std::int64_t even = count / n + (w < count % n ? 1 : 0);
      const auto share = static_cast<std::size_t>(std::min(even, static_cast<std::int64_t>(worker.assigned.size())));
      for (std::size_t i = 0; i < share; ++i) {
        const std::uint32_t index = worker.assigned[i];
        worker.run.records[index].chunk_ns.reserve(stamp_capacity(worker.run.spec(index)));
      }
      worker.in_flight.list.reserve(share);
      for (std::size_t i = 0; spare_for != nullptr && i < share; ++i) {
        auto connection = std::make_unique<net::Connection>(worker.executor);
        connection->buffer().reserve(kReadSize);
        if (net::open_socket(*connection, spare_for->endpoints.front())) break;
        worker.spare_connections.push_back(std::move(connection));
      }
    }
  }

  /// --preconnect: `count` connections shared out over the workers (never more to one than
  /// the requests it sends), every worker's opened at the same time by a thread of its own.
  Preconnected preconnect(std::int64_t count, std::chrono::nanoseconds limit) {
    Preconnected done;
    const core::Nanos t0 = core::now_ns();
    const auto n = static_cast<std::int64_t>(workers_.size());
    std::vector<std::unique_ptr<PreconnectState>> states;
    std::vector<std::thread> threads;
    for (std::int64_t w = 0; w < n; ++w) {
      Worker& worker = *workers_[static_cast<std::size_t>(w)];
      const std::int64_t even = count / n + (w < count % n ? 1 : 0);
      const std::int64_t share = std::min(even, static_cast<std::int64_t>(worker.remaining));
      done.wanted += share;
      states.push_back(std::make_unique<PreconnectState>(worker.executor));
      threads.emplace_back([&worker, share, limit, state = states.back().get()] {
        preconnect_worker(worker, share, limit, *state);
      });
    }
    for (auto& t : threads) t.join();
    for (const auto& s : states) {
      done.opened += s->opened;
      done.failed += s->failed;
      if (done.first_error.empty()) done.first_error = s->first_error;
    }
    done.elapsed_ns = core::now_ns() - t0;
    return done;
  }

  /// Gives every worker its interval slot.
  void attach(IntervalHarvester& intervals) {
    for (auto& w : workers_) w->interval_slot = &intervals.add_worker(w->executor);
  }

  /// Starts one thread per worker: it runs the dispatcher and everything it spawns.
  void start(IntervalHarvester* intervals) {
    running_ = static_cast<int>(workers_.size());
    threads_.reserve(workers_.size());
    for (auto& w : workers_) {
      threads_.emplace_back([this, worker = w.get(), intervals] { run_thread(*worker, intervals); });
    }
  }

  /// Waits until every worker is done (true) or `until` (false).
  bool wait_until(core::Nanos until_ns) {
    std::unique_lock lock(done_mutex_);
    return done_cv_.wait_until(lock, core::to_time_point(until_ns), [this] { return running_ == 0; });
  }

  void join() {
    for (auto& t : threads_) t.join();
  }

  /// Runs `action` on every worker's own thread.
  void broadcast(void (Worker::*action)()) {
    for (auto& w : workers_) asio::post(w->executor, [worker = w.get(), action] { (worker->*action)(); });
  }

  /// The progress counters summed over the workers (relaxed reads).
  ProgressSnapshot counts() const {
    ProgressSnapshot s;
    for (const auto& w : workers_) {
      s.started += w->counters.started.load(std::memory_order_relaxed);
      s.finished += w->counters.finished.load(std::memory_order_relaxed);
      s.failed += w->counters.failed.load(std::memory_order_relaxed);
      s.chunks += w->counters.chunks.load(std::memory_order_relaxed);
    }
    return s;
  }

  std::int64_t not_sent() const {
    std::int64_t n = 0;
    for (const auto& w : workers_) n += w->not_sent;
    return n;
  }

  /// Every worker's event-loop delays (after join()).
  void merge_loop_delays(metrics::HdrHistogram& into) const {
    for (const auto& w : workers_) into.merge(w->loop_delay_us);
  }

 private:
  void run_thread(Worker& worker, IntervalHarvester* intervals) {
    asio::co_spawn(worker.executor, dispatcher(worker), asio::detached);
    if (worker.remaining > 0 && worker.run.options.loop_probe_period.count() > 0) {
      asio::co_spawn(worker.executor, loop_probe(worker), asio::detached);
    }
    worker.context.run();
    if (intervals != nullptr) intervals->worker_done(*worker.interval_slot, worker.context);
    std::lock_guard lock(done_mutex_);
    --running_;
    done_cv_.notify_all();
  }

  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::mutex done_mutex_;
  std::condition_variable done_cv_;
  int running_ = 0;  // guarded by done_mutex_
};

/// The thread that called run() while the workers work: applies the stop policy to the clock
/// and the stop signal, reports progress and closes intervals, until every worker is done.
class Supervisor final {
 public:
  Supervisor(RunContext& run, WorkerSet& workers, IntervalHarvester* intervals, std::int64_t total)
      : run_(run), options_(run.options), workers_(workers), intervals_(intervals), total_(total),
        policy_(run.origin, options_.duration, options_.grace_period),
        judge_(options_.stop_when),
        next_progress_ns_(core::now_ns() + std::chrono::nanoseconds(options_.progress_interval).count()) {}

  void watch() {
    while (!workers_.wait_until(next_wake(core::now_ns()))) tick(core::now_ns());
  }

  ProgressSnapshot snapshot() const {
    ProgressSnapshot s = workers_.counts();
    s.total = total_;
    s.elapsed_ns = core::now_ns() - run_.origin;
    s.stopping = stop_level_number(policy_.level());
    s.duration_reached = policy_.duration_reached();
    if (stopped_early_) s.stopped_early = stopped_early_->message;
    return s;
  }

  const StopPolicy& policy() const noexcept { return policy_; }
  const std::optional<StoppedEarly>& stopped_early() const noexcept { return stopped_early_; }

 private:
  /// Stop requests: the caller's signals, plus one once an early-stop rule held.
  int signals() const {
    return (options_.stop_signal != nullptr ? options_.stop_signal->load() : 0) + (stopped_early_ ? 1 : 0);
  }

  /// The early-stop rules on the counters, while requests are still sent.
  void judge() {
    if (!options_.stop_when.any() || stopped_early_ || policy_.stop_sending()) return;
    const ProgressSnapshot s = workers_.counts();
    stopped_early_ = judge_.add({core::now_ns() - run_.origin, s.started, s.finished, s.failed});
  }

  core::Nanos next_wake(core::Nanos now) const {
    core::Nanos wake = std::min(next_progress_ns_, policy_.next_deadline_ns());
    if (options_.stop_signal != nullptr) wake = std::min(wake, now + kStopPollNs);
    if (intervals_ != nullptr) wake = std::min(wake, intervals_->next_boundary_ns());
    return wake;
  }

  void tick(core::Nanos now) {
    if (now >= next_progress_ns_) judge();
    const StopLevel before = policy_.level();
    const StopLevel after = policy_.update(now, signals());
    if (after != before) {
      run_.stop.store(after);
      if (before == StopLevel::kRunning) workers_.broadcast(&Worker::stop_dispatching);
      if (after == StopLevel::kCancelling) workers_.broadcast(&Worker::cancel_in_flight);
    }
    const bool progress_due = now >= next_progress_ns_;
    if (options_.on_progress && (after != before || progress_due)) options_.on_progress(snapshot());
    if (progress_due) next_progress_ns_ = now + std::chrono::nanoseconds(options_.progress_interval).count();
    if (intervals_ != nullptr) intervals_->close_due(now);
  }

  RunContext& run_;
  const RunnerOptions& options_;
  WorkerSet& workers_;
  IntervalHarvester* intervals_;
  std::int64_t total_;
  StopPolicy policy_;
  EarlyStopJudge judge_;
  std::optional<StoppedEarly> stopped_early_;
  core::Nanos next_progress_ns_;
};

/// How the run's requests choose among several targets: the round-robin assignment, made
/// before the run, and least-in-flight's shared counters.
class TargetChoice final {
 public:
  TargetChoice(const RequestPlan& plan, std::span<const workload::RequestSpec> specs, std::size_t targets,
               config::Balance balance)
      : conversations_(plan.conversations) {
    if (targets <= 1) return;
    std::vector<std::int32_t> previous(plan.count, -1);
    for (std::size_t i = 0; plan.conversations && i < plan.count; ++i) previous[i] = specs[i].previous_turn;
    round_robin_ = round_robin_targets(previous, targets);
    if (balance == config::Balance::kLeastInFlight) load_.emplace(targets);
  }

  void attach(RunContext& run) const {
    run.round_robin = round_robin_;
    run.load = load_ ? &*load_ : nullptr;
    run.conversations = conversations_;
  }

 private:
  bool conversations_;
  std::vector<std::uint16_t> round_robin_;
  mutable std::optional<TargetLoad> load_;
};

/// One record per request, each naming the spec it sends and the trace it carries.
std::vector<RequestRecord> blank_records(std::span<const workload::RequestSpec> specs, std::size_t count,
                                         std::span<const api::TraceParent> trace_parents) {
  std::vector<RequestRecord> records(count);
  for (std::size_t i = 0; i < count; ++i) {
    records[i].index = static_cast<std::uint32_t>(i % specs.size());
    records[i].dataset_prompt_len = specs[i % specs.size()].prompt_len;
    if (i < trace_parents.size()) records[i].trace_id = trace_parents[i].trace_id;
  }
  return records;
}

/// Worker threads for `count` requests: as asked, at least one, never more than requests.
std::size_t thread_count(int asked, std::size_t count) {
  return static_cast<std::size_t>(std::max(1, std::min<int>(asked, static_cast<int>(std::max<std::size_t>(count, 1)))));
}

/// vLLM's benchmark duration ends when the last request completes.
core::Nanos last_end(const std::vector<RequestRecord>& records, core::Nanos start_ns) {
  core::Nanos end = start_ns;
  for (const auto& r : records) end = std::max(end, r.end_ns);
  return end;
}

}  // namespace

std::string build_http_request(const Target& target, const RequestTemplate& request,
                               const workload::RequestSpec& spec, std::uint32_t index,
                               std::span<const api::ChatTurn> history) {
  const std::string body = history.empty() ? api::build_body(request.flavor, spec, request.body)
                                           : api::build_chat_body(spec, history, request.body);
  std::string out;
  out.reserve(body.size() + 256);
  std::array<std::pair<std::string_view, std::string_view>, 1> trace;
  std::span<const std::pair<std::string_view, std::string_view>> more;
  if (index < request.trace_parents.size()) {
    trace[0] = {"traceparent", request.trace_parents[index].header()};
    more = trace;
  }
  if (request.request_id_prefix.empty()) {
    net::append_request(out, "POST", target.path, target.base.host_header(), request.headers, body, more);
  } else {
    net::HeaderList headers = request.headers;
    const std::uint32_t number = index < request.global_index.size() ? request.global_index[index] : index;
    net::set_header(headers, "x-request-id", fmt::format("{}{}", request.request_id_prefix, number));
    net::append_request(out, "POST", target.path, target.base.host_header(), headers, body, more);
  }
  return out;
}

std::int64_t preconnect_count(std::optional<std::int64_t> max_concurrency, std::span<const core::Nanos> offsets) {
  const auto requests = static_cast<std::int64_t>(offsets.size());
  if (max_concurrency) return std::clamp<std::int64_t>(*max_concurrency, 0, requests);
  return std::count_if(offsets.begin(), offsets.end(), [](core::Nanos at) { return at < kPreconnectHorizonNs; });
}

Runner::Runner(Target target, RequestTemplate request, RunnerOptions options)
    : request_(std::move(request)), options_(std::move(options)) {
  targets_.push_back(std::move(target));
}

Runner::Runner(std::vector<Target> targets, RequestTemplate request, RunnerOptions options)
    : targets_(std::move(targets)), request_(std::move(request)), options_(std::move(options)) {
  if (targets_.empty() || targets_.size() > config::kMaxTargets) {
    throw std::invalid_argument(fmt::format("Runner: {} targets (1 to {})", targets_.size(), config::kMaxTargets));
  }
}

RunOutput Runner::run(std::span<const workload::RequestSpec> specs,
                      std::span<const core::Nanos> offsets) {
  // Plan: which requests, how conversations chain, which worker sends what.
  const RequestPlan plan = plan_requests(specs, offsets);
  RunOutput output;
  output.records = blank_records(specs, plan.count, request_.trace_parents);
  std::optional<ConcurrencyGate> gate;
  if (options_.max_concurrency) gate.emplace(*options_.max_concurrency);
  RunContext run(targets_, request_, options_, output.records);
  run.specs = specs.first(std::min(plan.count, specs.size()));
  run.offsets = offsets.first(plan.count);
  run.next_turn = plan.next_turn;
  run.gate = gate ? &*gate : nullptr;
  const TargetChoice choice(plan, specs, targets_.size(), options_.balance);
  choice.attach(run);
  WorkerSet workers(run, thread_count(options_.threads, plan.count));
  workers.assign(plan, specs);
  prebuild_wires(run, plan, specs);
  const std::int64_t starting = preconnect_count(options_.max_concurrency, run.offsets);
  workers.prepare_dispatch(starting, options_.preconnect || targets_.size() > 1 ? nullptr : &targets_.front());
  if (options_.preconnect) {
    const auto limit = options_.connect_timeout.count() > 0 ? options_.connect_timeout : std::chrono::seconds(30);
    output.preconnected = workers.preconnect(starting, limit);
  }

  // Start: the origin a little ahead, so every thread runs before the first request is due.
  // A sharded run's common start (RunnerOptions::origin_ns) replaces it.
  const core::Nanos now = core::now_ns();
  run.origin = options_.origin_ns != 0 ? options_.origin_ns : now + kStartLeadNs;
  output.bench_start_ns = run.origin;
  std::optional<IntervalHarvester> intervals;
  if (options_.interval.count() > 0 && options_.on_interval) {
    intervals.emplace(options_.interval, run.origin,
                      std::chrono::system_clock::now() + std::chrono::nanoseconds(run.origin - now), options_.on_interval,
                      [&workers] { const auto c = workers.counts(); return c.started - c.finished; });
    workers.attach(*intervals);
  }
  workers.start(intervals ? &*intervals : nullptr);

  // Supervise until every worker is done, then collect.
  Supervisor supervisor(run, workers, intervals ? &*intervals : nullptr, static_cast<std::int64_t>(plan.count));
  supervisor.watch();
  workers.join();
  output.bench_end_ns = last_end(output.records, output.bench_start_ns);
  if (intervals) intervals->close_last(output.bench_end_ns - run.origin);
  if (options_.on_progress) options_.on_progress(supervisor.snapshot());
  output.interrupted = options_.stop_signal != nullptr && options_.stop_signal->load() > 0 && supervisor.policy().stop_sending();
  output.duration_reached = supervisor.policy().duration_reached();
  output.stopped_early = supervisor.stopped_early();
  output.not_sent = workers.not_sent();
  workers.merge_loop_delays(output.loop_delay_us);
  return output;
}

metrics::RequestRecord Runner::send_one(const workload::RequestSpec& spec, std::size_t target) {
  RunnerOptions single = options_;
  single.threads = 1;
  single.max_concurrency.reset();
  single.on_progress = nullptr;
  single.on_interval = nullptr;
  single.preconnect = false;
  Runner runner(targets_.at(target), request_, std::move(single));
  const core::Nanos offset = 0;
  auto out = runner.run(std::span(&spec, 1), std::span(&offset, 1));
  return std::move(out.records.front());
}

}  // namespace llmload::runtime
