#include "llmload/sim/sim_server.hpp"

#include "llmload/core/clock.hpp"
#include "llmload/core/json_writer.hpp"
#include "llmload/net/stream.hpp"
#include "llmload/net/tls.hpp"
#include "llmload/sim/sim_responses.hpp"

#include <boost/asio/as_tuple.hpp>
#include <fmt/ranges.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <atomic>
#include <array>
#include <cmath>
#include <unordered_map>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace llmload::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kMalformedEvent = "{\"choices\": [";
constexpr std::string_view kErrorEvent =
    "{\"error\":{\"message\":\"simulated failure\",\"type\":\"internal_error\",\"param\":null,"
    "\"code\":500}}";

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class Session;

// Exact mode's batched chunk writer, one per server thread. Every plain-socket stream that
// waits for its next chunk sits in a min-heap by deadline; one timer wake-up writes every
// chunk that is due (stamp, then a non-blocking send) and queues each stream's next chunk,
// so a chunk costs a heap push/pop and a send instead of a timer, a completion handler and a
// coroutine resumption. Streams leave the heap (and their coroutine wakes) only when they are
// done, their socket is full or failed. Used on its worker's thread only.
class Pacer final {
 public:
  void add(core::Clock::time_point due, Session* session) {
    heap_.push_back({due, session});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
    // A deadline before the armed one re-arms the timer (not needed inside a round: the loop
    // re-arms after it).
    if (timer_ != nullptr && !in_round_ && due < armed_) timer_->cancel();
  }

  asio::awaitable<void> loop();

 private:
  struct Entry {
    core::Clock::time_point due;
    Session* session;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const { return a.due > b.due; }
  };
  std::vector<Entry> heap_;
  asio::steady_timer* timer_ = nullptr;  // the loop's, while it runs
  core::Clock::time_point armed_ = core::Clock::time_point::max();
  bool in_round_ = false;
};

// Exact mode's /metrics share of one server thread: written by that thread only, read by
// whichever thread serves a scrape. Single-writer relaxed atomics (a load and a store, no
// read-modify-write, no lock), so the pacer's per-chunk update costs plain stores.
struct ExactMetrics {
  using Counter = std::atomic<std::uint64_t>;
  std::atomic<std::int64_t> running{0};
  Counter prompt_tokens{0}, generation_tokens{0};
  std::array<Counter, 3> success{};  // by FinishReason
  SingleWriterPromHistogram ttft{ttft_buckets_s()}, itl{inter_token_buckets_s()},
      e2e{request_latency_buckets_s()}, queue{request_latency_buckets_s()},
      prefill{request_latency_buckets_s()}, decode{request_latency_buckets_s()};

  template <typename T>
  static void add(std::atomic<T>& a, T n) {
    a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void finished(FinishReason reason) { add(success[static_cast<std::size_t>(reason)], std::uint64_t{1}); }

  // Any thread: adds this thread's share to `m`.
  void add_to(EngineMetrics& m) const {
    m.num_requests_running += running.load(std::memory_order_relaxed);
    m.prompt_tokens += prompt_tokens.load(std::memory_order_relaxed);
    m.generation_tokens += generation_tokens.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < success.size(); ++i) m.request_success[i] += success[i].load(std::memory_order_relaxed);
    ttft.add_to(m.time_to_first_token);
    itl.add_to(m.inter_token_latency);
    e2e.add_to(m.e2e_request_latency);
    queue.add_to(m.request_queue_time);
    prefill.add_to(m.request_prefill_time);
    decode.add_to(m.request_decode_time);
  }
};

// One server thread: its own io_context, its own connections, its own counters.
struct Worker {
  std::unique_ptr<asio::io_context> ioc = std::make_unique<asio::io_context>(1);
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::thread thread;
  // Each counter is written by this worker's thread only; alignment keeps two workers'
  // counters off one cache line.
  alignas(64) std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> chunks{0};
  std::uint64_t id_state = 0;  // response-id generator, this worker's thread only
  Pacer pacer;                 // exact mode's streams, this worker's thread only
  ExactMetrics metrics;        // exact mode's share of /metrics, written by this worker's thread

  std::uint64_t next_id() {
    std::uint64_t z = (id_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
};

// One engine-mode request's delivery state. Lives in its session's coroutine frame; the host
// bumps `emitted` at each step's end and cancels `wake` (a timer the session waits on).
struct Delivery {
  std::int64_t emitted = 0;  // tokens due so far
  bool done = false;         // the last token is among them
  asio::steady_timer* wake = nullptr;
};

// Drives the Engine from the engine thread (worker 0): maps engine time to real time with the
// time scale, sleeps until each step's end and hands the step's tokens to the sessions. Every
// member is used on the engine thread only.
class EngineHost final {
 public:
  EngineHost(const EngineConfig& config, double time_scale)
      : engine_(config), scale_(time_scale), origin_ns_(core::now_ns()) {}

  Engine& engine() { return engine_; }

  core::Nanos engine_now() const {
    return static_cast<core::Nanos>(static_cast<double>(core::now_ns() - origin_ns_) * scale_);
  }
  core::Clock::time_point real_time(core::Nanos engine_ns) const {
    return core::to_time_point(origin_ns_ + static_cast<core::Nanos>(static_cast<double>(engine_ns) / scale_));
  }

  ApiResult<SubmitInfo> submit(EngineRequest request, Delivery* delivery) {
    const std::uint64_t id = request.id;
    last_submit_ns_ = engine_now();
    auto info = engine_.submit(std::move(request), last_submit_ns_);
    if (info) {
      live_[id] = delivery;
      if (idle_timer_ != nullptr) idle_timer_->cancel();
    }
    return info;
  }

  void release(std::uint64_t id) {
    if (live_.erase(id) > 0) engine_.abort(id, engine_now());
  }

  std::uint64_t next_id() { return ++last_id_; }

  asio::awaitable<void> loop() {
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
      for (const TokenEvent& e : events) {
        const auto it = live_.find(e.id);
        if (it == live_.end()) continue;
        Delivery* d = it->second;
        d->emitted = e.index + 1;
        if (e.last) {
          d->done = true;
          live_.erase(it);
        }
        if (d->wake != nullptr) d->wake->cancel();
      }
    }
  }

 private:
  Engine engine_;
  double scale_;
  core::Nanos origin_ns_;
  std::unordered_map<std::uint64_t, Delivery*> live_;
  asio::steady_timer* idle_timer_ = nullptr;
  std::uint64_t last_id_ = 0;
  core::Nanos last_submit_ns_ = 0;
};

// Read-only after start() (the engine host is used on the engine thread only).
struct Shared {
  SimOptions options;
  std::shared_ptr<asio::ssl::context> tls;  // set with --tls-cert/--tls-key
  std::string model_json;
  std::int64_t started_unix = 0;
  EngineHost* host = nullptr;  // engine mode only
  const std::vector<std::unique_ptr<Worker>>* workers = nullptr;  // exact mode's /metrics sums them
  std::vector<std::string_view> fault_kinds;  // --fault-kinds resolved (all when empty)
};

// What to do with the connection after a response.
enum class Next { kKeepAlive, kClose, kGone };

// Where a fault cuts a stream short.
enum class Cut { kNone, kReset, kError };

/// Where a stream of `n` chunks ends early because of a fault (reset or error event after k
/// chunks, whichever comes first), or {kNone, n}.
std::pair<Cut, std::int64_t> stream_cut(const FaultPlan& fault, std::int64_t n) {
  Cut cut = Cut::kNone;
  std::int64_t cut_at = n;
  if (fault.reset_after >= 0) {
    cut = Cut::kReset;
    cut_at = std::min(fault.reset_after, n);
  }
  if (fault.error_after >= 0 && (cut == Cut::kNone || std::min(fault.error_after, n) < cut_at)) {
    cut = Cut::kError;
    cut_at = std::min(fault.error_after, n);
  }
  return {cut, cut_at};
}

// One client connection: reads requests one after another and answers each. Runs on its
// worker's thread only; all buffers are reused across requests and chunks.
class Session final {
 public:
  Session(tcp::socket socket, Worker& worker, const Shared& shared)
      : stream_(std::move(socket)), timer_(stream_.get_executor()), worker_(worker), shared_(shared) {
    identity_.model_json = shared_.model_json;
  }

  asio::awaitable<void> run();

 private:
  using Request = http::request<http::string_body>;

  asio::awaitable<Next> serve(const Request& request, core::Clock::time_point t_recv);
  asio::awaitable<Next> generate(api::Flavor flavor, const Request& request,
                                 core::Clock::time_point t_recv, bool keep_alive);
  asio::awaitable<Next> stream(const GenerationRequest& r, const FaultPlan& fault,
                               core::Clock::time_point t_recv, bool keep_alive);
  asio::awaitable<Next> complete(const GenerationRequest& r, const FaultPlan& fault,
                                 core::Clock::time_point t_recv, bool keep_alive);
  asio::awaitable<Next> engine_generate(GenerationRequest r, const FaultPlan& fault, bool keep_alive);
  // Waits for the engine to deliver more tokens (or finish).
  asio::awaitable<void> wait_delivery(Delivery& d, std::int64_t seen);
  // Writes out_ and says what follows.
  asio::awaitable<Next> send_out(bool keep_alive);
  // Writes `bytes`, in 7-byte pieces with `split`; false if the connection failed.
  asio::awaitable<bool> write_bytes(std::string_view bytes, bool split);
  asio::awaitable<Next> send_error(ApiError error, bool keep_alive, std::string_view extra = {});
  // A non-streaming response's reset or error fault, at the time the response is due; nullopt
  // when neither was asked for.
  asio::awaitable<std::optional<Next>> whole_response_fault(const FaultPlan& fault, bool keep_alive);
  // Waits until `deadline` unless it has passed; false if the wait was cancelled.
  asio::awaitable<bool> wait_until(core::Clock::time_point deadline);
  // Engine mode: waits until `deadline` even though the engine's wake-ups cancel timer_.
  asio::awaitable<void> sleep_until(core::Clock::time_point deadline);
  void append_stream_tail(Cut cut, const FaultPlan& fault, const GenerationRequest& r);
  void reset_connection();
  // Exact-mode streaming, shared by the coroutine and the pacer: formats token chunk k of
  // exact_ into batch_ (with the stream's tail after the last token), and says when it is due.
  void prepare_chunk(std::int64_t k);
  core::Clock::time_point chunk_deadline(std::int64_t k) const;
  // Exact mode's /metrics: token chunk exact_.k goes out with send stamp `stamp` (TTFT for the
  // first, an inter-token gap after), and the stream is over (finished or cut short).
  void count_token_sent(core::Nanos stamp);
  void count_stream_end();
  // The sum of every worker's exact-mode metrics.
  EngineMetrics exact_metrics() const;

 public:
  // Called by the pacer when chunk exact_.k is due: writes it, then queues the next chunk or
  // wakes the coroutine (done, socket full, or failed).
  void pace_due();

 private:
  // The exact-mode stream in flight.
  struct ExactStream {
    enum class Wake { kPending, kDone, kBlocked, kFailed };
    const GenerationRequest* request = nullptr;
    const FaultPlan* fault = nullptr;
    core::Clock::time_point t_recv;
    std::int64_t k = 0;       // the next token chunk to write
    std::int64_t cut_at = 0;  // token chunks before the stream ends or a fault cuts it
    Cut cut = Cut::kNone;
    Wake wake = Wake::kPending;
    std::string_view rest;    // kBlocked: the bytes of chunk k the socket did not take
    core::Nanos first_ns = 0, last_ns = 0;  // send stamps of the first and latest token chunk
    std::int64_t max_tokens = 0, prompt_tokens = 0;  // the request's, for the metrics
  };
  ExactStream exact_;

  net::Stream stream_;  // plain, or TLS with --tls-cert/--tls-key
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::string out_;
  SseBatch batch_;
  ChunkFormatter formatter_;
  ResponseIdentity identity_;
  Worker& worker_;
  const Shared& shared_;
  std::uint64_t pending_random_fault_ = 0;  // non-zero: draw for a --fault-rate fault
};

asio::awaitable<void> Session::run() {
  if (shared_.tls) {
    auto& tls = stream_.enable_tls(*shared_.tls);
    auto [hec] = co_await tls.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (hec) co_return;  // the client gave up or refused our certificate
  }
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(shared_.options.max_body_bytes);
    parser.header_limit(64 * 1024);
    auto [hec, hn] = co_await http::async_read_header(stream_, buffer_, parser, kTuple);
    if (!hec && beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [wec, wn] = co_await asio::async_write(stream_, asio::buffer(kContinue), kTuple);
      if (wec) co_return;
    }
    if (!hec && !parser.is_done()) {
      auto [bec, bn] = co_await http::async_read(stream_, buffer_, parser, kTuple);
      hec = bec;
    }
    if (hec) {
      // A clean close between requests, or a dead socket, needs no answer; a bad request
      // gets one, and the connection closes since the stream position is lost.
      if (hec.category() == http::make_error_code(http::error::end_of_stream).category() &&
          hec != http::error::end_of_stream && hec != http::error::partial_message) {
        ApiError error{400, fmt::format("Malformed HTTP request: {}.", hec.message())};
        if (hec == http::error::body_limit) {
          error = {413, fmt::format("The request body exceeds the simulator's limit of {} bytes.",
                                    shared_.options.max_body_bytes)};
        } else if (hec == http::error::header_limit) {
          error = {431, "The request header exceeds 64 KiB."};
        }
        co_await send_error(std::move(error), false);
      }
      co_return;
    }
    const auto t_recv = core::Clock::now();
    worker_.requests.fetch_add(1, std::memory_order_relaxed);
    const Next next = co_await serve(parser.get(), t_recv);
    if (next == Next::kGone) co_return;
    if (next == Next::kClose) {
      boost::system::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
  }
}

asio::awaitable<Next> Session::serve(const Request& request, core::Clock::time_point t_recv) {
  std::string_view target(request.target().data(), request.target().size());
  target = target.substr(0, target.find('?'));
  const bool keep_alive = request.keep_alive();
  const auto method = request.method();

  if (target == "/v1/completions" || target == "/v1/chat/completions") {
    if (method != http::verb::post) {
      co_return co_await send_error({405, "Method Not Allowed: use POST."}, keep_alive,
                                    "Allow: POST\r\n");
    }
    const api::Flavor flavor = target == "/v1/chat/completions" ? api::Flavor::kChat : api::Flavor::kCompletions;
    co_return co_await generate(flavor, request, t_recv, keep_alive);
  }
  if (target == "/tokenize" || target == "/detokenize") {
    if (method != http::verb::post) {
      co_return co_await send_error({405, "Method Not Allowed: use POST."}, keep_alive,
                                    "Allow: POST\r\n");
    }
    const auto max_len = shared_.host != nullptr ? shared_.options.engine.max_model_len : 32768;
    auto body = target == "/tokenize"
                    ? tokenize_body(request.body(), shared_.options.model, max_len)
                    : detokenize_body(request.body(), shared_.options.model);
    if (!body) co_return co_await send_error(body.error(), keep_alive);
    out_.clear();
    append_response(out_, 200, "application/json", *body, keep_alive);
    co_return co_await send_out(keep_alive);
  }
  if (target == "/metrics") {
    if (method != http::verb::get) {
      co_return co_await send_error({405, "Method Not Allowed: use GET."}, keep_alive,
                                    "Allow: GET\r\n");
    }
    std::string body;
    if (shared_.host != nullptr) {
      append_prometheus(body, shared_.host->engine().metrics(), shared_.options.model);
    } else {
      append_prometheus(body, exact_metrics(), shared_.options.model);
    }
    out_.clear();
    append_response(out_, 200, "text/plain; version=0.0.4; charset=utf-8", body, keep_alive);
    co_return co_await send_out(keep_alive);
  }
  if (target == "/v1/models" || target == "/health") {
    if (method != http::verb::get) {
      co_return co_await send_error({405, "Method Not Allowed: use GET."}, keep_alive,
                                    "Allow: GET\r\n");
    }
    out_.clear();
    if (target == "/health") {
      append_response(out_, 200, {}, {}, keep_alive);
    } else {
      std::string body;
      append_models_body(body, shared_.options.model, shared_.started_unix,
                         shared_.host != nullptr ? shared_.options.engine.max_model_len : 32768);
      append_response(out_, 200, "application/json", body, keep_alive);
    }
    co_return co_await send_out(keep_alive);
  }
  co_return co_await send_error(
      {404, fmt::format("Not Found: {} {}", std::string_view(request.method_string().data(),
                                                              request.method_string().size()),
                        target)},
      keep_alive);
}

asio::awaitable<Next> Session::generate(api::Flavor flavor, const Request& request,
                                        core::Clock::time_point t_recv, bool keep_alive) {
  const auto fault_header = request["x-llmload-fault"];
  auto fault = parse_fault_header(std::string_view(fault_header.data(), fault_header.size()));
  if (!fault) co_return co_await send_error(fault.error(), keep_alive);
  if (fault->status != 0) {
    co_return co_await send_error(
        {fault->status, fmt::format("Simulated HTTP {} (x-llmload-fault).", fault->status)},
        keep_alive);
  }
  if (fault->status == 0 && fault_header.empty() && shared_.options.fault_rate > 0) {
    // A random fault for a request that asked for none: probability --fault-rate, kind drawn
    // uniformly from --fault-kinds. Status faults are answered below, after the parse.
    const std::uint64_t draw = worker_.next_id();
    if (static_cast<double>(draw >> 11) * 0x1.0p-53 < shared_.options.fault_rate) {
      pending_random_fault_ = worker_.next_id();
    }
  }
  ParseOptions parse_options;
  // Exact mode counts text words and image tokens (the same Qwen2-VL rule as the engine), but
  // no chat template and no token ids (it has no prefix cache to feed).
  parse_options.chat_template = parse_options.token_ids = shared_.host != nullptr;
  parse_options.image_tokens = true;
  auto parsed = parse_generation_request(flavor, request.body(), shared_.options.model,
                                         shared_.options.default_max_tokens, parse_options);
  if (!parsed) co_return co_await send_error(parsed.error(), keep_alive);
  if (pending_random_fault_ != 0) {
    const auto& kinds = shared_.fault_kinds;
    const std::uint64_t draw = std::exchange(pending_random_fault_, 0);
    fault = fault_of_kind(kinds[draw % kinds.size()], draw / kinds.size(), parsed->max_tokens);
    if (!fault) co_return co_await send_error(fault.error(), keep_alive);
    if (fault->status != 0) {
      co_return co_await send_error(
          {fault->status, fmt::format("Simulated HTTP {} (--fault-rate).", fault->status)}, keep_alive);
    }
  }

  identity_.id = make_response_id(flavor, worker_.next_id(), worker_.next_id());
  identity_.created = unix_now();
  if (shared_.host != nullptr) co_return co_await engine_generate(std::move(*parsed), *fault, keep_alive);
  // Exact mode: running from here until the answer is out (or the client is gone).
  struct Running {
    ExactMetrics& m;
    explicit Running(ExactMetrics& metrics) : m(metrics) { ExactMetrics::add(m.running, std::int64_t{1}); }
    ~Running() { ExactMetrics::add(m.running, std::int64_t{-1}); }
  } running(worker_.metrics);
  if (parsed->stream) co_return co_await stream(*parsed, *fault, t_recv, keep_alive);
  co_return co_await complete(*parsed, *fault, t_recv, keep_alive);
}

asio::awaitable<Next> Session::stream(const GenerationRequest& r, const FaultPlan& fault,
                                      core::Clock::time_point t_recv, bool keep_alive) {
  out_.clear();
  append_stream_head(out_, keep_alive);
  if (fault.slow_headers_ms > 0 &&
      !co_await wait_until(core::Clock::now() + std::chrono::milliseconds(fault.slow_headers_ms))) {
    co_return Next::kGone;
  }
  if (!co_await write_bytes(out_, fault.split_writes)) co_return Next::kGone;
  formatter_.reset(identity_, r);
  const std::int64_t n = r.max_tokens;

  // The earliest fault that cuts the stream wins; it strikes when token `cut_at` was due.
  exact_ = ExactStream{};
  exact_.request = &r;
  exact_.fault = &fault;
  exact_.t_recv = t_recv;
  exact_.max_tokens = n;
  exact_.prompt_tokens = r.prompt_tokens;
  const auto [cut, cut_at] = stream_cut(fault, n);
  exact_.cut = cut;
  exact_.cut_at = cut_at;
  struct CountEnd {
    Session& session;
    ~CountEnd() { session.count_stream_end(); }
  } count_end{*this};

  // Plain sockets go through the pacer (batched, non-blocking sends); TLS, split writes and
  // --no-batch-writes write from this coroutine, one timer wait per chunk.
  bool paced = shared_.options.batch_writes && !stream_.tls() && !fault.split_writes;
  if (paced && !stream_.socket().non_blocking()) {
    boost::system::error_code ec;
    stream_.socket().non_blocking(true, ec);
    paced = !ec;
  }
  while (exact_.k < cut_at) {
    // Everything is formatted before the wait, so the deadline is followed by only the
    // stamp, a copy and the write.
    prepare_chunk(exact_.k);
    if (paced) {
      exact_.wake = ExactStream::Wake::kPending;
      worker_.pacer.add(chunk_deadline(exact_.k), this);
      while (exact_.wake == ExactStream::Wake::kPending) {
        // The pacer cancels this wait to wake us; it carries the stream on meanwhile.
        timer_.expires_at(core::Clock::time_point::max());
        co_await timer_.async_wait(kTuple);
      }
      if (exact_.wake == ExactStream::Wake::kFailed) co_return Next::kGone;
      if (exact_.wake == ExactStream::Wake::kDone) break;
      // The socket's buffer is full: the rest of chunk k goes out asynchronously.
      auto [wec, written] = co_await asio::async_write(
          stream_, asio::buffer(exact_.rest.data(), exact_.rest.size()), kTuple);
      if (wec) co_return Next::kGone;
      ++exact_.k;
      continue;
    }
    if (!co_await wait_until(chunk_deadline(exact_.k))) co_return Next::kGone;
    const core::Nanos stamp = core::now_ns();
    const std::string_view bytes = batch_.finalize(stamp);
    count_token_sent(stamp);
    // Counted before the write so that a client which has read the chunk sees it counted.
    worker_.chunks.fetch_add(1, std::memory_order_relaxed);
    if (!co_await write_bytes(bytes, fault.split_writes)) co_return Next::kGone;
    ++exact_.k;
  }

  if (cut_at < n) {
    if (!co_await wait_until(chunk_deadline(cut_at))) co_return Next::kGone;
    batch_.clear();
    append_stream_tail(cut, fault, r);
  }
  if (cut == Cut::kReset) {
    reset_connection();
    co_return Next::kGone;
  }
  if (cut_at < n) {
    const std::string_view bytes = batch_.finalize(core::now_ns());
    if (!co_await write_bytes(bytes, fault.split_writes)) co_return Next::kGone;
  }
  co_return keep_alive ? Next::kKeepAlive : Next::kClose;
}

void Session::prepare_chunk(std::int64_t k) {
  const GenerationRequest& r = *exact_.request;
  const FaultPlan& fault = *exact_.fault;
  const bool stamp = shared_.options.stamp_send_time;
  batch_.clear();
  if (r.flavor == api::Flavor::kChat && k == 0) {
    formatter_.append_role(batch_.data());
    batch_.commit_event(stamp);
  }
  if (fault.malformed_after == k) batch_.add_event(kMalformedEvent);
  formatter_.append_token(batch_.data(), k, r.max_tokens);
  batch_.commit_event(stamp);
  if (k + 1 == r.max_tokens) append_stream_tail(exact_.cut, fault, r);
}

core::Clock::time_point Session::chunk_deadline(std::int64_t k) const {
  const auto& o = shared_.options;
  const FaultPlan& fault = *exact_.fault;
  const auto stall = k >= fault.stall_after ? std::chrono::milliseconds(fault.stall_ms) : std::chrono::milliseconds(0);
  return exact_.t_recv + o.ttft + o.itl * k + stall;
}

void Session::count_token_sent(core::Nanos stamp) {
  // Each token counts as generated when it is stamped for sending (as vLLM counts it at the
  // step that produced it, so the counter grows along the stream), a failed write included.
  ExactMetrics& m = worker_.metrics;
  ExactMetrics::add(m.generation_tokens, std::uint64_t{1});
  if (exact_.k == 0) {
    m.ttft.observe(core::ns_to_s(stamp - core::to_ns(exact_.t_recv)));
    ExactMetrics::add(m.prompt_tokens, static_cast<std::uint64_t>(exact_.prompt_tokens));
    exact_.first_ns = stamp;
  } else {
    m.itl.observe(core::ns_to_s(stamp - exact_.last_ns));
  }
  exact_.last_ns = stamp;
}

void Session::count_stream_end() {
  // The request succeeded when every token went out and no fault cut it short.
  ExactMetrics& m = worker_.metrics;
  if (exact_.last_ns == 0 || exact_.cut != Cut::kNone || exact_.k < exact_.max_tokens) {
    m.finished(FinishReason::kAbort);
    return;
  }
  const core::Nanos recv_ns = core::to_ns(exact_.t_recv);
  m.finished(FinishReason::kLength);
  m.e2e.observe(core::ns_to_s(exact_.last_ns - recv_ns));
  m.queue.observe(0.0);
  m.prefill.observe(core::ns_to_s(exact_.first_ns - recv_ns));
  m.decode.observe(core::ns_to_s(exact_.last_ns - exact_.first_ns));
}

EngineMetrics Session::exact_metrics() const {
  EngineMetrics total;
  for (const auto& worker : *shared_.workers) worker->metrics.add_to(total);
  return total;
}

void Session::pace_due() {
  const core::Nanos stamp = core::now_ns();
  const std::string_view bytes = batch_.finalize(stamp);
  count_token_sent(stamp);
  worker_.chunks.fetch_add(1, std::memory_order_relaxed);
  boost::system::error_code ec;
  const std::size_t written = stream_.socket().write_some(asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    exact_.wake = ExactStream::Wake::kFailed;
  } else if (ec || written < bytes.size()) {
    exact_.rest = bytes.substr(ec ? 0 : written);
    exact_.wake = ExactStream::Wake::kBlocked;
  } else if (++exact_.k < exact_.cut_at) {
    prepare_chunk(exact_.k);
    worker_.pacer.add(chunk_deadline(exact_.k), this);
    return;
  } else {
    exact_.wake = ExactStream::Wake::kDone;
  }
  timer_.cancel();
}

asio::awaitable<void> Pacer::loop() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer_ = &timer;
  struct Unhook {
    Pacer* pacer;
    ~Unhook() { pacer->timer_ = nullptr; }
  } unhook{this};
  const auto executor = co_await asio::this_coro::executor;
  for (;;) {
    if (!heap_.empty() && heap_.front().due <= core::Clock::now()) {
      // Still behind (or ITL 0): let the other handlers and the reactor run once, without
      // the timer's system calls, then carry on.
      co_await asio::post(executor, asio::use_awaitable);
    } else {
      armed_ = heap_.empty() ? core::Clock::time_point::max() : heap_.front().due;
      timer.expires_at(armed_);
      co_await timer.async_wait(kTuple);
    }
    // A round serves at most the streams queued when it began (at least 64 chunks): a stream
    // with ITL 0 comes straight back due, and the bound lets the reactor run between rounds.
    in_round_ = true;
    for (std::size_t budget = std::max<std::size_t>(heap_.size(), 64); budget > 0 && !heap_.empty(); --budget) {
      if (heap_.front().due > core::Clock::now()) break;
      std::pop_heap(heap_.begin(), heap_.end(), Later{});
      Session* session = heap_.back().session;
      heap_.pop_back();
      session->pace_due();
    }
    in_round_ = false;
  }
}

void Session::append_stream_tail(Cut cut, const FaultPlan& fault, const GenerationRequest& r) {
  if (cut == Cut::kReset) return;
  if (cut == Cut::kNone && fault.malformed_after >= r.max_tokens) batch_.add_event(kMalformedEvent);
  if (cut == Cut::kError) {
    batch_.add_event(kErrorEvent);
  } else if (r.include_usage) {
    formatter_.append_usage(batch_.data(), r.max_tokens);
    batch_.commit_event(shared_.options.stamp_send_time);
  }
  if (!fault.no_done) batch_.add_event("[DONE]");
  batch_.add_last_chunk();
}

asio::awaitable<std::optional<Next>> Session::whole_response_fault(const FaultPlan& fault, bool keep_alive) {
  if (fault.reset_after >= 0) {
    reset_connection();
    co_return Next::kGone;
  }
  if (fault.error_after >= 0) co_return co_await send_error({500, "simulated failure"}, keep_alive);
  co_return std::nullopt;
}

asio::awaitable<Next> Session::complete(const GenerationRequest& r, const FaultPlan& fault,
                                        core::Clock::time_point t_recv, bool keep_alive) {
  const auto& o = shared_.options;
  const auto delay = std::chrono::milliseconds(fault.stall_ms + fault.slow_headers_ms);
  if (!co_await wait_until(t_recv + o.ttft + o.itl * (r.max_tokens - 1) + delay)) co_return Next::kGone;
  if (auto ended = co_await whole_response_fault(fault, keep_alive)) co_return *ended;
  out_.clear();
  if (fault.malformed_after >= 0) {
    append_response(out_, 200, "application/json", kMalformedEvent, keep_alive);
  } else {
    std::string body;
    append_completion_body(body, identity_, r);
    append_response(out_, 200, "application/json", body, keep_alive);
  }
  // The whole answer goes out at once; inside, its tokens followed the configured times.
  const double ttft_s = std::chrono::duration<double>(o.ttft).count();
  const double e2e_s = core::ns_to_s(core::now_ns() - core::to_ns(t_recv));
  ExactMetrics& m = worker_.metrics;
  m.ttft.observe(ttft_s);
  m.itl.observe(std::chrono::duration<double>(o.itl).count(), static_cast<std::uint64_t>(r.max_tokens - 1));
  m.e2e.observe(e2e_s);
  m.queue.observe(0.0);
  m.prefill.observe(ttft_s);
  m.decode.observe(e2e_s - ttft_s);
  ExactMetrics::add(m.prompt_tokens, static_cast<std::uint64_t>(r.prompt_tokens));
  ExactMetrics::add(m.generation_tokens, static_cast<std::uint64_t>(r.max_tokens));
  m.finished(FinishReason::kLength);
  co_return co_await send_out(keep_alive);
}

asio::awaitable<void> Session::wait_delivery(Delivery& d, std::int64_t seen) {
  if (d.done || d.emitted > seen) co_return;
  timer_.expires_at(core::Clock::time_point::max());
  // The host cancels the wait when tokens are due; a cancelled wait is the wake-up.
  co_await timer_.async_wait(kTuple);
}

asio::awaitable<Next> Session::engine_generate(GenerationRequest r, const FaultPlan& fault,
                                               bool keep_alive) {
  EngineHost& host = *shared_.host;
  Delivery delivery;
  delivery.wake = &timer_;
  EngineRequest request;
  request.id = host.next_id();
  request.prompt = std::move(r.prompt_ids);
  request.max_tokens = r.max_tokens;
  request.ignore_eos = r.ignore_eos;
  const std::uint64_t id = request.id;
  auto info = host.submit(std::move(request), &delivery);
  if (!info) co_return co_await send_error(info.error(), keep_alive);
  // Whatever ends this coroutine (client gone, fault, server stop) takes the request out.
  struct Release {
    EngineHost& host;
    std::uint64_t id;
    ~Release() { host.release(id); }
  } release{host, id};

  const std::int64_t n = info->output_tokens;
  const std::string_view reason = finish_reason_name(info->finish_reason);
  if (!r.stream) {
    while (!delivery.done) co_await wait_delivery(delivery, delivery.emitted);
    const auto delay = std::chrono::milliseconds(fault.stall_ms + fault.slow_headers_ms);
    if (delay.count() > 0) co_await sleep_until(core::Clock::now() + delay);
    if (auto ended = co_await whole_response_fault(fault, keep_alive)) co_return *ended;
    out_.clear();
    if (fault.malformed_after >= 0) {
      append_response(out_, 200, "application/json", kMalformedEvent, keep_alive);
    } else {
      std::string body;
      append_completion_body(body, identity_, r, n, reason);
      append_response(out_, 200, "application/json", body, keep_alive);
    }
    co_return co_await send_out(keep_alive);
  }

  out_.clear();
  append_stream_head(out_, keep_alive);
  if (fault.slow_headers_ms > 0) {
    co_await sleep_until(core::Clock::now() + std::chrono::milliseconds(fault.slow_headers_ms));
  }
  if (!co_await write_bytes(out_, fault.split_writes)) co_return Next::kGone;
  formatter_.reset(identity_, r);
  const bool stamp = shared_.options.stamp_send_time;
  bool stalled = fault.stall_ms <= 0;
  const auto [cut, cut_at] = stream_cut(fault, n);
  std::int64_t sent = 0;
  while (sent < n) {
    co_await wait_delivery(delivery, sent);
    if (!stalled && sent == fault.stall_after) {
      // The stream pauses before token stall_after; the engine carries on meanwhile.
      stalled = true;
      co_await sleep_until(core::Clock::now() + std::chrono::milliseconds(fault.stall_ms));
    }
    std::int64_t due = std::min(delivery.emitted, cut_at);
    if (!stalled) due = std::min(due, fault.stall_after);
    batch_.clear();
    for (; sent < due; ++sent) {
      if (r.flavor == api::Flavor::kChat && sent == 0) {
        formatter_.append_role(batch_.data());
        batch_.commit_event(stamp);
      }
      if (fault.malformed_after == sent) batch_.add_event(kMalformedEvent);
      formatter_.append_token(batch_.data(), sent, sent + 1 == n ? reason : std::string_view());
      batch_.commit_event(stamp);
    }
    const bool cut_now = cut != Cut::kNone && sent >= cut_at;
    if (sent == n || cut_now) {
      if (cut == Cut::kReset && cut_now) {
        if (!batch_.empty()) {
          const std::string_view bytes = batch_.finalize(core::now_ns());
          worker_.chunks.fetch_add(1, std::memory_order_relaxed);
          // The reset follows whatever happened to this write.
          (void)co_await asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), kTuple);
        }
        reset_connection();
        co_return Next::kGone;
      }
      if (cut == Cut::kNone && fault.malformed_after >= n) batch_.add_event(kMalformedEvent);
      if (cut == Cut::kError && cut_now) {
        batch_.add_event(kErrorEvent);
      } else if (r.include_usage) {
        formatter_.append_usage(batch_.data(), n);
        batch_.commit_event(stamp);
      }
      if (!fault.no_done) batch_.add_event("[DONE]");
      batch_.add_last_chunk();
    }
    if (batch_.empty()) continue;
    const std::string_view bytes = batch_.finalize(core::now_ns());
    worker_.chunks.fetch_add(1, std::memory_order_relaxed);
    if (!co_await write_bytes(bytes, fault.split_writes)) co_return Next::kGone;
    if (cut_now) break;
  }
  co_return keep_alive ? Next::kKeepAlive : Next::kClose;
}

asio::awaitable<bool> Session::write_bytes(std::string_view bytes, bool split) {
  const std::size_t piece = split ? 7 : bytes.size();
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    const std::size_t size = std::min(piece, bytes.size() - at);
    auto [ec, written] = co_await asio::async_write(stream_, asio::buffer(bytes.data() + at, size), kTuple);
    if (ec) co_return false;
  }
  co_return true;
}

asio::awaitable<Next> Session::send_out(bool keep_alive) {
  auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(out_), kTuple);
  if (ec) co_return Next::kGone;
  co_return keep_alive ? Next::kKeepAlive : Next::kClose;
}

asio::awaitable<Next> Session::send_error(ApiError error, bool keep_alive, std::string_view extra) {
  out_.clear();
  append_error_response(out_, error, keep_alive, extra);
  co_return co_await send_out(keep_alive);
}

asio::awaitable<bool> Session::wait_until(core::Clock::time_point deadline) {
  if (core::Clock::now() >= deadline) co_return true;
  timer_.expires_at(deadline);
  auto [ec] = co_await timer_.async_wait(kTuple);
  co_return !ec;
}

asio::awaitable<void> Session::sleep_until(core::Clock::time_point deadline) {
  while (core::Clock::now() < deadline) {
    timer_.expires_at(deadline);
    co_await timer_.async_wait(kTuple);
  }
}

void Session::reset_connection() {
  boost::system::error_code ignored;
  stream_.socket().set_option(asio::socket_base::linger(true, 0), ignored);
  stream_.socket().close(ignored);
}

asio::awaitable<void> serve_connection(tcp::socket socket, Worker* worker, const Shared* shared) {
  Session session(std::move(socket), *worker, *shared);
  co_await session.run();
}

asio::awaitable<void> accept_loop(tcp::acceptor* acceptor,
                                  const std::vector<std::unique_ptr<Worker>>* workers,
                                  const Shared* shared) {
  asio::steady_timer backoff(acceptor->get_executor());
  std::size_t next = 0;
  for (;;) {
    // Engine mode serves every connection on the engine's thread (worker 0).
    Worker& worker = *(*workers)[shared->host != nullptr ? 0 : next];
    auto [ec, socket] = co_await acceptor->async_accept(*worker.ioc, kTuple);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors and the like: give the system a moment instead of spinning.
      backoff.expires_after(std::chrono::milliseconds(10));
      co_await backoff.async_wait(kTuple);
      continue;
    }
    next = (next + 1) % workers->size();
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(*worker.ioc, serve_connection(std::move(socket), &worker, shared),
                   asio::detached);
  }
}

std::string host_port(const std::string& host, std::uint16_t port) {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                             : fmt::format("{}:{}", host, port);
}

}  // namespace

struct SimServer::Impl {
  std::unique_ptr<EngineHost> host;  // outlives the workers' contexts (see stop())
  Shared shared;
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<tcp::acceptor> acceptor;
  tcp::endpoint local;
  bool started = false;
  bool stopped = false;
};

SimServer::SimServer(SimOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->shared.options = std::move(options);
}

SimServer::~SimServer() { stop(); }

core::Result<void> SimServer::start() {
  Impl& s = *impl_;
  const SimOptions& o = s.shared.options;
  if (s.started) return core::fail("the simulator was already started");
  if (o.threads < 1) return core::fail("the simulator needs at least 1 thread, got {}", o.threads);
  if (o.ttft.count() < 0 || o.itl.count() < 0) {
    return core::fail("the simulator's TTFT and ITL must not be negative");
  }
  if (o.default_max_tokens < 1) {
    return core::fail("the simulator's default max tokens must be at least 1, got {}",
                      o.default_max_tokens);
  }
  if (o.mode == SimMode::kEngine) {
    if (auto valid = validate_engine_config(o.engine); !valid) return valid.error();
    if (!(o.time_scale > 0) || !std::isfinite(o.time_scale)) {
      return core::fail("--time-scale must be a positive number, got {}", o.time_scale);
    }
  }
  if (!(o.fault_rate >= 0 && o.fault_rate <= 1)) {
    return core::fail("--fault-rate must be in [0, 1], got {}", o.fault_rate);
  }
  s.shared.fault_kinds.clear();
  for (const auto& kind : o.fault_kinds) {
    const auto known = fault_kinds();
    const auto it = std::find(known.begin(), known.end(), kind);
    if (it == known.end()) {
      return core::fail("unknown --fault-kinds entry '{}'; known: {}", kind, fmt::join(known, ", "));
    }
    s.shared.fault_kinds.push_back(*it);
  }
  if (s.shared.fault_kinds.empty()) {
    for (const auto kind : fault_kinds()) s.shared.fault_kinds.push_back(kind);
  }
  const std::string where = host_port(o.host, o.port);

  boost::system::error_code ec;
  tcp::endpoint endpoint;
  const auto address = asio::ip::make_address(o.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, o.port);
  } else {
    asio::io_context resolver_ioc;
    tcp::resolver resolver(resolver_ioc);
    const auto results = resolver.resolve(o.host, std::to_string(o.port),
                                          tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) {
      return core::fail("cannot listen on {}: cannot resolve host '{}': {}", where, o.host,
                        ec ? ec.message() : "no address");
    }
    endpoint = results.begin()->endpoint();
  }

  for (int i = 0; i < o.threads; ++i) {
    auto worker = std::make_unique<Worker>();
    worker->id_state = static_cast<std::uint64_t>(core::now_ns()) ^
                       (static_cast<std::uint64_t>(i + 1) << 56) ^
                       reinterpret_cast<std::uintptr_t>(worker.get());
    s.workers.push_back(std::move(worker));
  }
  asio::io_context& accept_ioc = *s.workers.front()->ioc;
  auto acceptor = std::make_unique<tcp::acceptor>(accept_ioc);
  const auto listen_error = [&](std::string_view step) {
    acceptor.reset();
    s.workers.clear();
    return core::fail("cannot listen on {}: {} failed: {}", where, step, ec.message());
  };
  acceptor->open(endpoint.protocol(), ec);
  if (ec) return listen_error("socket");
  acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return listen_error("SO_REUSEADDR");
  acceptor->bind(endpoint, ec);
  if (ec) return listen_error("bind");
  acceptor->listen(tcp::socket::max_listen_connections, ec);
  if (ec) return listen_error("listen");
  s.local = acceptor->local_endpoint(ec);
  if (ec) return listen_error("getsockname");
  s.acceptor = std::move(acceptor);

  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
      return core::fail("the simulator needs both --tls-cert and --tls-key for https");
    }
    auto context = net::make_server_tls_context(o.tls_cert_file, o.tls_key_file);
    if (!context) return context.error();
    s.shared.tls = std::move(*context);
  }
  s.shared.model_json.clear();
  core::append_json_string(s.shared.model_json, o.model);
  s.shared.started_unix = unix_now();

  if (o.mode == SimMode::kEngine) {
    s.host = std::make_unique<EngineHost>(o.engine, o.time_scale);
    s.shared.host = s.host.get();
    asio::co_spawn(accept_ioc, s.host->loop(), asio::detached);
  }
  asio::co_spawn(accept_ioc, accept_loop(s.acceptor.get(), &s.workers, &s.shared), asio::detached);
  if (o.mode == SimMode::kExact) {
    s.shared.workers = &s.workers;
    for (auto& worker : s.workers) asio::co_spawn(*worker->ioc, worker->pacer.loop(), asio::detached);
  }
  for (auto& worker : s.workers) {
    worker->guard.emplace(worker->ioc->get_executor());
    worker->thread = std::thread([ioc = worker->ioc.get()] { ioc->run(); });
  }
  s.started = true;
  return {};
}

std::uint16_t SimServer::port() const { return impl_->local.port(); }

std::string SimServer::base_url() const {
  auto address = impl_->local.address();
  if (address.is_unspecified()) {
    address = address.is_v6() ? asio::ip::address(asio::ip::address_v6::loopback())
                              : asio::ip::address(asio::ip::address_v4::loopback());
  }
  return (impl_->shared.tls ? "https://" : "http://") + host_port(address.to_string(), port());
}

void SimServer::stop() {
  Impl& s = *impl_;
  if (!s.started || s.stopped) {
    s.stopped = true;
    return;
  }
  s.stopped = true;
  for (auto& worker : s.workers) worker->ioc->stop();
  for (auto& worker : s.workers) {
    if (worker->thread.joinable()) worker->thread.join();
  }
  // With every thread joined nothing runs: close the listener, then destroy each context,
  // which destroys its pending coroutines and so closes their connections. The accepting
  // context goes first because its pending accept refers to the others.
  s.acceptor.reset();
  for (auto& worker : s.workers) {
    worker->guard.reset();
    worker->ioc.reset();
  }
}

SimServer::Stats SimServer::stats() const {
  Stats total;
  for (const auto& worker : impl_->workers) {
    total.requests += worker->requests.load(std::memory_order_relaxed);
    total.chunks += worker->chunks.load(std::memory_order_relaxed);
  }
  return total;
}

}  // namespace llmload::sim
