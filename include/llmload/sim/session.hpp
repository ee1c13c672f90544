#pragma once
/// One simulator connection: reads HTTP requests one after another and answers each
/// (generation in exact or engine mode, /tokenize, /metrics, /v1/models, /health, faults).

#include "llmload/core/clock.hpp"
#include "llmload/sim/chunk_writer.hpp"
#include "llmload/sim/engine_host.hpp"
#include "llmload/sim/engine_metrics.hpp"
#include "llmload/sim/exact_streamer.hpp"
#include "llmload/sim/faults.hpp"
#include "llmload/sim/request_parser.hpp"
#include "llmload/sim/session_io.hpp"
#include "llmload/sim/span_exporter.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmload::sim {

struct ServerShared;
struct Worker;

/// One client connection. Runs on its worker's thread only (not thread-safe); all buffers
/// are reused across requests and chunks. `worker` and `shared` must outlive it.
class Session final {
 public:
  /// Takes the accepted socket (TCP_NODELAY already set).
  Session(boost::asio::ip::tcp::socket socket, Worker& worker, const ServerShared& shared);

  /// Serves requests until the client closes, a response closes the connection, or the
  /// server stops (the coroutine is then destroyed with its io_context). Never throws.
  boost::asio::awaitable<void> run();

  /// A simulated restart: shuts the connection down both ways (the client sees it closed;
  /// this session's next read or write fails and it ends). Its worker's thread only.
  void shut_down();

 private:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  boost::asio::awaitable<Next> serve(const Request& request, core::Clock::time_point t_recv);
  boost::asio::awaitable<Next> generate(api::Flavor flavor, const Request& request,
                                        core::Clock::time_point t_recv, bool keep_alive);
  // Exact mode, not streamed: the whole answer when its last token is due (ttft_ after t_recv
  // for the first).
  boost::asio::awaitable<Next> complete(const GenerationRequest& r, const FaultPlan& fault,
                                        core::Clock::time_point t_recv, bool keep_alive);
  // A pooling endpoint (/v1/embeddings, /pooling, /embeddings): the whole answer after the
  // request's exact-mode TTFT (prefill only; the engine mode answers on the same timing).
  boost::asio::awaitable<Next> pool(api::Flavor flavor, const Request& request, core::Clock::time_point t_recv,
                                    bool keep_alive);
  boost::asio::awaitable<Next> engine_generate(GenerationRequest r, const FaultPlan& fault, bool keep_alive);
  // Waits for the engine to deliver more tokens (or finish).
  boost::asio::awaitable<void> wait_delivery(Delivery& d, std::int64_t seen);
  boost::asio::awaitable<Next> send_error(ApiError error, bool keep_alive, std::string_view extra = {});
  // POST /llmload/sim/KIND?for=5s[&rate=30%]: a simulated disruption (loopback clients only).
  boost::asio::awaitable<Next> control(const Request& request, std::string_view path, bool keep_alive);
  // A non-streaming response's reset or error fault, at the time the response is due; nullopt
  // when neither was asked for.
  boost::asio::awaitable<std::optional<Next>> whole_response_fault(const FaultPlan& fault, bool keep_alive);
  // out_ = a non-streaming 200 carrying `body`, or the malformed JSON a fault asks for.
  void fill_whole_response(const FaultPlan& fault, bool keep_alive, std::string_view body);
  // The sum of every worker's exact-mode metrics.
  EngineMetrics exact_metrics() const;
  // With --otlp-traces-endpoint: the request's `llm_request` span, to the exporter.
  void export_span(const GenerationRequest& r, std::int64_t completion_tokens, const RequestTimes& times);

  SessionIo io_;
  boost::beast::flat_buffer buffer_;
  std::string out_;
  SseBatch batch_;
  ChunkFormatter formatter_;
  ResponseIdentity identity_;
  Worker& worker_;
  const ServerShared& shared_;
  ExactStreamer exact_;
  std::uint64_t pending_random_fault_ = 0;  // non-zero: draw for a --fault-rate fault
  std::chrono::nanoseconds ttft_{};          // exact mode: the request's time to first token
  std::string traceparent_, request_id_;     // the request's headers, for its span
};

/// Runs one Session over `socket` on `worker`'s thread (a coroutine to co_spawn there).
boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket, Worker* worker,
                                              const ServerShared* shared);

}  // namespace llmload::sim
