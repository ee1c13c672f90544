#include "llmload/sim/session.hpp"

#include "llmload/net/await.hpp"
#include "llmload/sim/transcription_request.hpp"

#include "llmload/core/json_writer.hpp"
#include "llmload/sim/pooling_answer.hpp"

#include "llmload/sim/sim_responses.hpp"
#include "llmload/sim/sim_worker.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <fmt/format.h>

#include <chrono>
#include <utility>

namespace llmload::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
using net::kTuple;

/// The context length the simulator answers with (/v1/models, /tokenize) and enforces
/// (--max-model-len, 32768 by default, in both modes).
std::int64_t max_model_len(const ServerShared& shared) { return shared.options.engine.max_model_len; }

/// vLLM's rerank routes (Jina's and Cohere's shapes of one API) and its score routes.
bool is_rerank_path(std::string_view target) {
  return target == "/rerank" || target == "/v1/rerank" || target == "/v2/rerank";
}
bool is_score_path(std::string_view target) { return target == "/score" || target == "/v1/score"; }
}  // namespace

Session::Session(tcp::socket socket, Worker& worker, const ServerShared& shared)
    : io_(std::move(socket)), worker_(worker), shared_(shared), exact_(io_, worker, shared, batch_, formatter_) {
  identity_.model_json = shared_.model_json;
}

asio::awaitable<void> Session::run() {
  if (shared_.tls) {
    auto& tls = io_.stream().enable_tls(*shared_.tls);
    io_.guard_read(nullptr, core::Clock::now() + shared_.options.request_read_timeout, core::Clock::time_point::max());
    auto [hec] = co_await tls.async_handshake(asio::ssl::stream_base::server, kTuple);
    io_.end_read_guard();
    if (hec) co_return;  // the client gave up or refused our certificate
  }
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(shared_.options.max_body_bytes);
    parser.header_limit(64 * 1024);
    const auto read_start = core::Clock::now();
    io_.guard_read(&parser, read_start + shared_.options.keep_alive_timeout,
                   read_start + shared_.options.request_read_timeout);
    auto [hec, hn] = co_await http::async_read_header(io_.stream(), buffer_, parser, kTuple);
    if (!hec && beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [wec, wn] = co_await asio::async_write(io_.stream(), asio::buffer(kContinue), kTuple);
      if (wec) co_return;
    }
    if (!hec && !parser.is_done()) {
      auto [bec, bn] = co_await http::async_read(io_.stream(), buffer_, parser, kTuple);
      hec = bec;
    }
    io_.end_read_guard();
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
      io_.stream().socket().shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
  }
}

asio::awaitable<Next> Session::serve(const Request& request, core::Clock::time_point t_recv) {
  std::string_view target(request.target().data(), request.target().size());
  target = target.substr(0, target.find('?'));
  const bool keep_alive = request.keep_alive();
  const auto method = request.method();

  const bool audio = target == "/v1/audio/transcriptions" || target == "/v1/audio/translations";
  if (target == "/v1/completions" || target == "/v1/chat/completions" || target == "/v1/responses" || audio) {
    if (method != http::verb::post) {
      co_return co_await send_error({405, "Method Not Allowed: use POST."}, keep_alive,
                                    "Allow: POST\r\n");
    }
    const api::Flavor flavor = audio                                ? api::Flavor::kAudio
                               : target == "/v1/chat/completions" ? api::Flavor::kChat
                               : target == "/v1/responses"      ? api::Flavor::kResponses
                                                                : api::Flavor::kCompletions;
    co_return co_await generate(flavor, request, t_recv, keep_alive);
  }
  if (target.starts_with("/llmload/sim/")) co_return co_await control(request, target, keep_alive);
  if (target == "/v1/embeddings" || target == "/pooling" || target == "/embeddings" || is_rerank_path(target) ||
      is_score_path(target)) {
    if (method != http::verb::post) {
      co_return co_await send_error({405, "Method Not Allowed: use POST."}, keep_alive,
                                    "Allow: POST\r\n");
    }
    const api::Flavor flavor = target == "/pooling"      ? api::Flavor::kPooling
                               : target == "/embeddings" ? api::Flavor::kInfinityEmbeddings
                               : is_rerank_path(target)  ? api::Flavor::kRerank
                                                         : api::Flavor::kEmbeddings;
    co_return co_await pool(flavor, request, t_recv, keep_alive);
  }
  if (target == "/tokenize" || target == "/detokenize") {
    if (method != http::verb::post) {
      co_return co_await send_error({405, "Method Not Allowed: use POST."}, keep_alive,
                                    "Allow: POST\r\n");
    }
    const auto max_len = max_model_len(shared_);
    auto body = target == "/tokenize"
                    ? tokenize_body(request.body(), shared_.options.model, max_len)
                    : detokenize_body(request.body(), shared_.options.model);
    if (!body) co_return co_await send_error(body.error(), keep_alive);
    out_.clear();
    append_response(out_, 200, "application/json", *body, keep_alive);
    co_return co_await io_.send(out_, keep_alive);
  }
  if (target == "/start_profile" || target == "/stop_profile") {
    // vLLM's profiler endpoints (a server started with a profiler config): 200, empty body.
    if (method != http::verb::post) {
      co_return co_await send_error({405, "Method Not Allowed: use POST."}, keep_alive,
                                    "Allow: POST\r\n");
    }
    out_.clear();
    append_response(out_, 200, {}, {}, keep_alive);
    co_return co_await io_.send(out_, keep_alive);
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
    co_return co_await io_.send(out_, keep_alive);
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
                         max_model_len(shared_));
      append_response(out_, 200, "application/json", body, keep_alive);
    }
    co_return co_await io_.send(out_, keep_alive);
  }
  co_return co_await send_error(
      {404, fmt::format("Not Found: {} {}", std::string_view(request.method_string().data(),
                                                              request.method_string().size()),
                        target)},
      keep_alive);
}

asio::awaitable<Next> Session::generate(api::Flavor flavor, const Request& request,
                                        core::Clock::time_point t_recv, bool keep_alive) {
  if (const auto now = core::now_ns(); shared_.fail->open_at(now) && shared_.fail->fails(now, worker_.next_id())) {
    co_return co_await send_error({503, "Service Unavailable: the simulator is failing (a simulated disruption)."},
                                  keep_alive);
  }
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
  const AnswerKey* answers = shared_.options.answer_key.get();
  parse_options.question = answers != nullptr;
  parse_options.lora_modules = shared_.options.lora_modules;
  const auto content_type = request[http::field::content_type];
  auto parsed = flavor == api::Flavor::kAudio
                    ? parse_transcription_request(std::string_view(content_type.data(), content_type.size()),
                                                  request.body(), shared_.options.model,
                                                  shared_.options.default_max_tokens, parse_options)
                    : parse_generation_request(flavor, request.body(), shared_.options.model,
                                               shared_.options.default_max_tokens, parse_options);
  if (!parsed) co_return co_await send_error(parsed.error(), keep_alive);
  if (shared_.host == nullptr) {
    // Exact mode answers as vLLM does for a request beyond the context (the engine checks its own).
    if (auto error = context_length_error(parsed->prompt_tokens, parsed->max_tokens, max_model_len(shared_))) {
      co_return co_await send_error(std::move(*error), keep_alive);
    }
  }
  if (answers != nullptr) answers->answer(*parsed, t_recv - shared_.started);
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

  identity_.id = make_response_id(parsed->flavor, worker_.next_id(), worker_.next_id());
  identity_.created = unix_now();
  if (shared_.spans != nullptr) {
    traceparent_.assign(request["traceparent"].data(), request["traceparent"].size());
    const auto rid = request["x-request-id"];
    // vLLM's request ids: "cmpl-<x-request-id>-<prompt index>", "chatcmpl-<x-request-id>".
    request_id_ = rid.empty() ? identity_.id
                  : flavor == api::Flavor::kChat ? fmt::format("chatcmpl-{}", std::string_view(rid.data(), rid.size()))
                                                 : fmt::format("cmpl-{}-0", std::string_view(rid.data(), rid.size()));
  }
  if (shared_.host != nullptr) co_return co_await engine_generate(std::move(*parsed), *fault, keep_alive);
  // Exact mode: running from here until the answer is out (or the client is gone).
  struct Running {
    ExactMetrics& m;
    explicit Running(ExactMetrics& metrics) : m(metrics) { ExactMetrics::add(m.running, std::int64_t{1}); }
    ~Running() { ExactMetrics::add(m.running, std::int64_t{-1}); }
  } running(worker_.metrics);
  ttft_ = worker_.request_ttft(shared_.options);
  Next next = Next::kGone;
  if (parsed->stream) {
    out_.clear();
    append_stream_head(out_, keep_alive);
    next = co_await exact_.stream(*parsed, *fault, identity_, t_recv, ttft_, out_, keep_alive);
  } else {
    next = co_await complete(*parsed, *fault, t_recv, keep_alive);
  }
  if (next != Next::kGone) {
    // Fixed timing: no queue, the whole TTFT is prefill. A stream's span carries its chunks'
    // send stamps, so a late send shows as the server's time, not as the wire's.
    const core::Nanos recv = core::to_ns(t_recv);
    const bool sent = parsed->stream && exact_.first_token_ns() != 0;
    const core::Nanos first = sent ? exact_.first_token_ns() : recv + ttft_.count();
    const core::Nanos last = sent ? exact_.last_token_ns() : core::now_ns();
    export_span(*parsed, parsed->max_tokens, {recv, recv, first, std::max(first, last)});
  }
  co_return next;
}

asio::awaitable<Next> Session::pool(api::Flavor flavor, const Request& request, core::Clock::time_point t_recv,
                                    bool keep_alive) {
  std::string_view target(request.target().data(), request.target().size());
  const bool score = is_score_path(target.substr(0, target.find('?')));
  auto parsed = parse_pooling_request(flavor, request.body(), shared_.options.model, shared_.options.lora_modules, score);
  if (!parsed) co_return co_await send_error(parsed.error(), keep_alive);
  ttft_ = worker_.request_ttft(shared_.options);
  if (!co_await io_.wait_until(t_recv + ttft_)) co_return Next::kGone;
  const std::string_view kind = score                              ? "score"
                                : flavor == api::Flavor::kRerank   ? "rerank"
                                : flavor == api::Flavor::kPooling  ? "pool"
                                                                   : "embd";
  const std::string id = fmt::format("{}-{:016x}", kind, worker_.next_id());
  const std::string body = pooling_answer_body(*parsed, shared_.options.model, id, unix_now());
  ExactMetrics::add(worker_.metrics.prompt_tokens, static_cast<std::uint64_t>(parsed->prompt_tokens));
  out_.clear();
  append_response(out_, 200, "application/json", body, keep_alive);
  co_return co_await io_.send(out_, keep_alive);
}

void Session::export_span(const GenerationRequest& r, std::int64_t completion_tokens, const RequestTimes& times) {
  if (shared_.spans == nullptr) return;
  const RequestFacts facts{traceparent_, request_id_, shared_.options.model, r.max_tokens, r.prompt_tokens,
                           completion_tokens};
  shared_.spans->submit(make_request_span(facts, times, worker_.next_id()));
}

EngineMetrics Session::exact_metrics() const {
  EngineMetrics total;
  for (const auto& worker : *shared_.workers) worker->metrics.add_to(total);
  return total;
}

asio::awaitable<std::optional<Next>> Session::whole_response_fault(const FaultPlan& fault, bool keep_alive) {
  if (fault.reset_after >= 0) {
    io_.reset_connection();
    co_return Next::kGone;
  }
  if (fault.error_after >= 0) co_return co_await send_error({500, "simulated failure"}, keep_alive);
  co_return std::nullopt;
}

void Session::fill_whole_response(const FaultPlan& fault, bool keep_alive, std::string_view body) {
  out_.clear();
  append_response(out_, 200, "application/json", fault.malformed_after >= 0 ? kMalformedEvent : body, keep_alive);
}

asio::awaitable<Next> Session::complete(const GenerationRequest& r, const FaultPlan& fault,
                                        core::Clock::time_point t_recv, bool keep_alive) {
  const auto& o = shared_.options;
  const auto delay = std::chrono::milliseconds(fault.stall_ms + fault.slow_headers_ms);
  if (!co_await io_.wait_until(t_recv + ttft_ + o.itl * (r.max_tokens - 1) + delay)) co_return Next::kGone;
  if (auto ended = co_await whole_response_fault(fault, keep_alive)) co_return *ended;
  std::string body;
  append_completion_body(body, identity_, r);
  fill_whole_response(fault, keep_alive, body);
  // The whole answer goes out at once; inside, its tokens followed the configured times.
  const double ttft_s = std::chrono::duration<double>(ttft_).count();
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
  m.finished(r.stop ? FinishReason::kStop : FinishReason::kLength);
  co_return co_await io_.send(out_, keep_alive);
}

asio::awaitable<void> Session::wait_delivery(Delivery& d, std::int64_t seen) {
  if (d.done || d.emitted > seen) co_return;
  io_.timer().expires_at(core::Clock::time_point::max());
  // The host cancels the wait when tokens are due; a cancelled wait is the wake-up.
  co_await io_.timer().async_wait(kTuple);
}

asio::awaitable<Next> Session::engine_generate(GenerationRequest r, const FaultPlan& fault,
                                               bool keep_alive) {
  EngineHost& host = *shared_.host;
  Delivery delivery;
  delivery.wake = &io_.timer();
  EngineRequest request;
  request.id = host.next_id();
  request.prompt = std::move(r.prompt_ids);
  request.max_tokens = r.max_tokens;
  // An answer ends the response after its words: the engine generates exactly those.
  request.ignore_eos = r.ignore_eos || r.stop;
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
  const std::string_view reason = r.stop ? "stop" : finish_reason_name(info->finish_reason);
  if (!r.stream) {
    while (!delivery.done) co_await wait_delivery(delivery, delivery.emitted);
    const auto delay = std::chrono::milliseconds(fault.stall_ms + fault.slow_headers_ms);
    if (delay.count() > 0) co_await io_.sleep_until(core::Clock::now() + delay);
    if (auto ended = co_await whole_response_fault(fault, keep_alive)) co_return *ended;
    std::string body;
    append_completion_body(body, identity_, r, n, reason);
    fill_whole_response(fault, keep_alive, body);
    export_span(r, n, {delivery.arrival_ns, delivery.scheduled_ns, delivery.first_token_ns, delivery.finished_ns});
    co_return co_await io_.send(out_, keep_alive);
  }

  out_.clear();
  append_stream_head(out_, keep_alive);
  if (fault.slow_headers_ms > 0) {
    co_await io_.sleep_until(core::Clock::now() + std::chrono::milliseconds(fault.slow_headers_ms));
  }
  if (!co_await io_.write_bytes(out_, fault.split_writes)) co_return Next::kGone;
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
      co_await io_.sleep_until(core::Clock::now() + std::chrono::milliseconds(fault.stall_ms));
    }
    std::int64_t due = std::min(delivery.emitted, cut_at);
    if (!stalled) due = std::min(due, fault.stall_after);
    batch_.clear();
    for (; sent < due; ++sent) {
      if (opens_with_role(r.flavor) && sent == 0) {
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
          (void)co_await asio::async_write(io_.stream(), asio::buffer(bytes.data(), bytes.size()), kTuple);
        }
        io_.reset_connection();
        co_return Next::kGone;
      }
      if (cut == Cut::kNone && fault.malformed_after >= n) batch_.add_event(kMalformedEvent);
      if (cut == Cut::kError && cut_now) {
        batch_.add_event(ends_with_completed_event(r.flavor) ? kResponsesErrorEvent : kErrorEvent);
      } else if (r.include_usage || ends_with_completed_event(r.flavor)) {
        formatter_.append_usage(batch_.data(), n);
        batch_.commit_event(stamp);
      }
      if (!fault.no_done && !ends_with_completed_event(r.flavor)) batch_.add_event("[DONE]");
      batch_.add_last_chunk();
    }
    if (batch_.empty()) continue;
    const std::string_view bytes = batch_.finalize(core::now_ns());
    worker_.chunks.fetch_add(1, std::memory_order_relaxed);
    if (!co_await io_.write_bytes(bytes, fault.split_writes)) co_return Next::kGone;
    if (cut_now) break;
  }
  if (delivery.done) {
    export_span(r, n, {delivery.arrival_ns, delivery.scheduled_ns, delivery.first_token_ns, delivery.finished_ns});
  }
  co_return keep_alive ? Next::kKeepAlive : Next::kClose;
}

asio::awaitable<Next> Session::send_error(ApiError error, bool keep_alive, std::string_view extra) {
  out_.clear();
  append_error_response(out_, error, keep_alive, extra);
  co_return co_await io_.send(out_, keep_alive);
}

namespace {

/// Whether `peer` is a loopback address (IPv4-mapped IPv6 included).
bool loopback(const asio::ip::address& peer) {
  if (peer.is_v6() && peer.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, peer.to_v6()).is_loopback();
  }
  return peer.is_loopback();
}

}  // namespace

asio::awaitable<Next> Session::control(const Request& request, std::string_view path, bool keep_alive) {
  if (request.method() != http::verb::post) {
    co_return co_await send_error({405, "Method Not Allowed: use POST."}, keep_alive, "Allow: POST\r\n");
  }
  boost::system::error_code ec;
  const auto peer = io_.stream().socket().remote_endpoint(ec);
  if (ec || !loopback(peer.address())) {
    co_return co_await send_error({403, "Forbidden: the simulator's control endpoint answers loopback clients only."},
                                  keep_alive);
  }
  auto kind = parse_disruption_kind(path.substr(std::string_view("/llmload/sim/").size()));
  if (!kind) co_return co_await send_error({404, "Not Found: " + kind.error().message}, keep_alive);
  const std::string_view full(request.target().data(), request.target().size());
  const auto mark = full.find('?');
  auto d = parse_disruption_query(*kind, mark == std::string_view::npos ? std::string_view() : full.substr(mark + 1));
  if (!d) co_return co_await send_error({400, d.error().message}, keep_alive);
  if (auto applied = shared_.server->disrupt(*d); !applied) {
    co_return co_await send_error({503, applied.error().message}, keep_alive);
  }
  std::string body;
  core::JsonWriter w(body);
  w.begin_object();
  w.field("disruption", disruption_kind_name(d->kind));
  w.field("for_s", std::chrono::duration<double>(d->duration).count());
  if (d->kind == DisruptionKind::kFail) w.field("rate", d->fraction);
  w.field("description", describe_disruption(*d));
  w.end_object();
  out_.clear();
  append_response(out_, 200, "application/json", body, keep_alive);
  co_return co_await io_.send(out_, keep_alive);  // written before this thread pauses
}

void Session::shut_down() {
  boost::system::error_code ignored;
  io_.stream().socket().shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> serve_connection(tcp::socket socket, Worker* worker, const ServerShared* shared) {
  Session session(std::move(socket), *worker, *shared);
  // Listed while open, for a simulated restart.
  struct Listed {
    Worker* worker;
    Session* session;
    ~Listed() { worker->sessions.erase(session); }
  } listed{worker, &session};
  worker->sessions.insert(&session);
  co_await session.run();
}

}  // namespace llmload::sim
