#include "llmload/app/sim.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>

#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
#include <string>
#include <vector>
#include <cstdio>

namespace llmload::app {

using sim::EngineConfig;
using sim::SimMode;
using sim::SimOptions;
using sim::SimServer;
using sim::engine_presets;
using sim::fault_kinds;
using sim::find_engine_preset;

namespace {

std::chrono::nanoseconds from_ms(double ms) {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(ms * 1e6 + 0.5));
}

double to_ms(std::chrono::nanoseconds ns) {
  return std::chrono::duration<double, std::milli>(ns).count();
}

// The address as a user would type it into a URL.
std::string url_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// Every connection is a file descriptor: raise the soft open-file limit to the hard limit so
// that thousands of streams fit (the server cannot know how many will come). Where the
// limit still runs out, the acceptor backs off and retries (see accept_loop).
void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  (void)setrlimit(RLIMIT_NOFILE, &limit);  // quietly: the banner and errors stay unchanged
}

}  // namespace

void add_answer_options(CLI::App& app, sim::AnswerSettings& a, const std::string& prefix) {
  app.add_option("--" + prefix + "answers", a.path,
                 "Answers mode: a custom/image-qa JSONL file of questions and reference answers; a "
                 "request asking one of them gets a right answer with probability "
                 "--" + prefix + "answer-accuracy, else a wrong one")
      ->check(CLI::ExistingFile);
  app.add_option("--" + prefix + "answer-accuracy", a.accuracy,
                 "Answers mode: probability of a right answer")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  app.add_option_function<std::string>(
      "--" + prefix + "answer-accuracy-by-category",
      [&a, prefix](const std::string& text) {
        auto parsed = sim::parse_accuracy_by_category(text);
        if (!parsed) throw CLI::ValidationError("--" + prefix + "answer-accuracy-by-category", parsed.error().message);
        a.by_category = std::move(*parsed);
      },
      "Answers mode: CATEGORY=P,... for the file's categories (others get --" + prefix + "answer-accuracy)");
  app.add_option_function<std::string>(
      "--" + prefix + "answer-accuracy-after",
      [&a, prefix](const std::string& text) {
        auto parsed = sim::parse_accuracy_changes(text);
        if (!parsed) throw CLI::ValidationError("--" + prefix + "answer-accuracy-after", parsed.error().message);
        a.changes = std::move(*parsed);
      },
      "Answers mode: TIME=P,... from TIME after the simulator's start on, every question is answered "
      "right with probability P (e.g. 30s=0.2; at most 16)");
}

namespace {

/// The continuous-batching engine's settings and cost model (engine mode).
void add_engine_options(CLI::App& app, SimOptions& o) {
  EngineConfig& e = o.engine;
  app.add_option("--max-num-seqs", e.max_num_seqs, "Engine: sequences per step")
      ->capture_default_str()->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20));
  app.add_option("--max-num-batched-tokens", e.max_num_batched_tokens, "Engine: token budget per step")
      ->capture_default_str()->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30));
  app.add_option("--kv-cache-tokens", e.kv_cache_tokens, "Engine: KV-cache capacity in tokens")
      ->capture_default_str()->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 34));
  app.add_option("--block-size", e.block_size, "Engine: tokens per KV-cache block")
      ->capture_default_str()->check(CLI::Range(std::int64_t{1}, std::int64_t{4096}));
  app.add_option("--max-model-len", e.max_model_len, "Prompt + output limit (400 above), both modes")
      ->capture_default_str()->check(CLI::Range(std::int64_t{2}, std::int64_t{1} << 34));
  app.add_option("--max-waiting", e.max_waiting, "Engine: waiting-queue limit, 429 beyond it (0: none)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_flag_callback(
      "--no-enable-prefix-caching", [&e] { e.prefix_caching = false; }, "Engine: turn the prefix cache off");
  app.add_option("--mean-output-tokens", e.mean_output_tokens,
                 "Engine: mean output length of requests without ignore_eos (geometric)")
      ->capture_default_str()->check(CLI::Range(1.0, 1e9));
  app.add_option_function<std::uint64_t>(
         "--seed", [&o](std::uint64_t seed) { o.engine.seed = o.answers.seed = seed; },
         "Seed of the engine's output-length draws and of the answers' right/wrong draws")
      ->default_str(std::to_string(e.seed));
  app.add_option("--step-overhead-us", e.cost.step_overhead_us, "Engine cost model: fixed time per step")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--per-prefill-token-us", e.cost.per_prefill_token_us, "Engine cost model: per prefill token")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--per-decode-seq-us", e.cost.per_decode_seq_us, "Engine cost model: per decoding sequence")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--per-context-token-us", e.cost.per_context_token_us,
                 "Engine cost model: per token already in the KV cache of each scheduled sequence")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
}

/// The server itself: address, threads, model names, fixed timing, speculative decoding,
/// limits and TLS.
void add_server_options(CLI::App& app, SimOptions& o) {
  app.add_option("--host", o.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", o.port, "Port to listen on (0: any free port)")->capture_default_str();
  app.add_option("--threads", o.threads, "Server threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--model", o.model, "Served model name")->capture_default_str();
  app.add_option("--lora-modules", o.lora_modules,
                 "LoRA adapter names also served (requests may name them as their model)")->expected(1, -1);
  app.add_option("--spec-tokens", o.spec_tokens,
                 "Exact mode: speculative decoding with K draft tokens per step (0: off): each step after the "
                 "first emits 1 + Binomial(K, --spec-acceptance) tokens in one chunk, and /metrics has vLLM's "
                 "spec-decode counters")
      ->check(CLI::Range(std::int64_t{0}, sim::kMaxSpecTokens))->capture_default_str();
  app.add_option("--spec-acceptance", o.spec_acceptance,
                 "Speculative decoding: the fraction of draft tokens accepted (vLLM's acceptance rate; the "
                 "acceptance length is then 1 + K x this)")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  app.add_option_function<double>(
         "--ttft-ms", [&o](double ms) { o.ttft = from_ms(ms); },
         "Fixed time to first token, ms, from the moment the request is read")
      ->default_str(fmt::format("{:g}", to_ms(o.ttft)))
      ->check(CLI::NonNegativeNumber);
  app.add_option_function<double>(
         "--ttft-jitter-ms", [&o](double ms) { o.ttft_jitter = from_ms(ms); },
         "Exact mode: each request's time to first token drawn uniformly within this many ms of --ttft-ms "
         "(the mean stays --ttft-ms; seeded by --seed; at most --ttft-ms); 0: every request gets --ttft-ms")
      ->default_str("0")
      ->check(CLI::NonNegativeNumber);
  app.add_option_function<double>(
         "--itl-ms", [&o](double ms) { o.itl = from_ms(ms); },
         "Fixed gap between consecutive tokens, ms")
      ->default_str(fmt::format("{:g}", to_ms(o.itl)))
      ->check(CLI::NonNegativeNumber);
  app.add_option("--default-max-tokens", o.default_max_tokens,
                 "Output tokens when a request names no max_tokens")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
  app.add_option_function<double>(
         "--keep-alive-timeout", [&o](double s) { o.keep_alive_timeout = from_ms(s * 1000); },
         "Seconds a kept-alive connection may stay idle before the server closes it (as uvicorn)")
      ->default_str(fmt::format("{:g}", to_ms(o.keep_alive_timeout) / 1000))
      ->check(CLI::Range(0.001, 86400.0));
  app.add_option_function<double>(
         "--request-read-timeout", [&o](double s) { o.request_read_timeout = from_ms(s * 1000); },
         "Seconds a request (header and body) may take to arrive; slower ones are dropped")
      ->default_str(fmt::format("{:g}", to_ms(o.request_read_timeout) / 1000))
      ->check(CLI::Range(0.001, 86400.0));
  app.add_option("--otlp-traces-endpoint", o.otlp_traces_endpoint,
                 "Export an OpenTelemetry `llm_request` span per request, as vLLM does, to this OTLP "
                 "endpoint (gRPC; OTLP/HTTP protobuf when OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf)");
  app.add_option("--tls-cert", o.tls_cert_file, "PEM certificate chain: serve https (with --tls-key)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", o.tls_key_file, "PEM private key for --tls-cert")
      ->check(CLI::ExistingFile);
  app.add_flag_callback(
      "--no-send-stamp", [&o] { o.stamp_send_time = false; },
      "Leave \"llmload_send_ns\" out of streamed chunks");
  app.add_flag_callback(
      "--no-batch-writes", [&o] { o.batch_writes = false; },
      "Exact mode: one timer wait and write per chunk per stream instead of each thread's batched "
      "writer (for comparison)");
}

}  // namespace

void add_sim_options(CLI::App& app, SimOptions& o) {
  // CLI11 runs option callbacks in definition order: --preset first, so that explicit engine
  // flags override the preset's values, and --mode after it.
  std::vector<std::string> preset_names;
  for (const auto& p : engine_presets()) preset_names.emplace_back(p.name);
  app.add_option_function<std::string>(
         "--preset",
         [&o](const std::string& name) {
           o.engine = find_engine_preset(name).value();
           o.mode = SimMode::kEngine;
         },
         "Engine mode with a calibrated configuration (implies --mode engine; see docs/simulator.md)")
      ->check(CLI::IsMember(preset_names));
  app.add_option_function<std::string>(
         "--mode", [&o](const std::string& mode) { o.mode = mode == "engine" ? SimMode::kEngine : SimMode::kExact; },
         "exact: fixed TTFT/ITL per stream; engine: continuous-batching engine model")
      ->default_str("exact")
      ->check(CLI::IsMember({"exact", "engine"}));
  add_engine_options(app, o);
  app.add_option("--fault-rate", o.fault_rate,
                 "Probability that a request without an x-llmload-fault header gets a random fault")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  std::vector<std::string> kinds(fault_kinds().begin(), fault_kinds().end());
  app.add_option("--fault-kinds", o.fault_kinds,
                 "Comma-separated fault kinds for --fault-rate (default: all)")
      ->delimiter(',')->check(CLI::IsMember(kinds));
  app.add_option("--time-scale", o.time_scale,
                 "Engine: run simulated time this many times faster than real time")
      ->capture_default_str()->check(CLI::Range(1e-3, 1e6));
  add_answer_options(app, o.answers);
  add_server_options(app, o);
}

namespace {

/// The OpenTelemetry SDK's environment, as vLLM's exporter reads it: the protocol
/// (grpc or http/protobuf) and the batch processor's schedule delay in ms.
core::Result<void> read_otel_environment(SimOptions& o) {
  if (o.otlp_traces_endpoint.empty()) return {};
  const char* protocol = std::getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
  const std::string_view p = protocol != nullptr ? protocol : "grpc";
  if (p != "grpc" && p != "http/protobuf") {
    return core::fail("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL={}: unsupported OTLP protocol (grpc or http/protobuf)", p);
  }
  o.otlp_http_protobuf = p == "http/protobuf";
  if (const char* delay = std::getenv("OTEL_BSP_SCHEDULE_DELAY")) {
    char* end = nullptr;
    const long ms = std::strtol(delay, &end, 10);
    if (end == delay || *end != '\0' || ms < 0 || ms > 3600000) {
      return core::fail("OTEL_BSP_SCHEDULE_DELAY={}: expected milliseconds from 0 to 3600000", delay);
    }
    o.otlp_schedule_delay = std::chrono::milliseconds(ms);
  }
  return {};
}

}  // namespace

int run_sim(const SimOptions& given) {
  SimOptions options = given;
  if (auto valid = sim::validate_options(options); !valid) {
    fmt::print(stderr, "llmload sim: error: {}\n", valid.error().message);
    return 2;
  }
  if (auto env = read_otel_environment(options); !env) {
    fmt::print(stderr, "llmload sim: error: {}\n", env.error().message);
    return 2;
  }
  // The handlers go in before the server listens, so a signal sent as soon as the server
  // answers is always caught.
  boost::asio::io_context signals_ioc(1);
  boost::asio::signal_set signals(signals_ioc, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code&, int) {});

  SimOptions with_key = options;
  if (!options.answers.path.empty()) {
    auto key = sim::AnswerKey::load(options.answers);
    if (!key) {
      fmt::print(stderr, "llmload sim: error: --answers: {}\n", key.error().message);
      return 2;
    }
    with_key.answer_key = std::move(*key);
  }
  raise_open_file_limit();
  SimServer server(with_key);
  if (auto started = server.start(); !started) {
    fmt::print(stderr, "llmload sim: error: {}\n", started.error().message);
    return 1;
  }
  const std::string timing =
      options.mode == SimMode::kExact
          ? fmt::format("fixed timing: TTFT {:g} ms{}, ITL {:g} ms", to_ms(options.ttft),
                        options.ttft_jitter.count() > 0 ? fmt::format(" +/- {:g} (uniform, seed {})", to_ms(options.ttft_jitter),
                                                                      options.engine.seed)
                                                        : "",
                        to_ms(options.itl))
          : fmt::format("engine: max-num-seqs {}, max-num-batched-tokens {}, kv-cache-tokens {}, "
                        "block-size {}, step {:g} us + {:g} us/prefill token + {:g} us/decode seq + "
                        "{:g} us/context token, time scale {:g}",
                        options.engine.max_num_seqs, options.engine.max_num_batched_tokens,
                        options.engine.kv_cache_tokens, options.engine.block_size,
                        options.engine.cost.step_overhead_us, options.engine.cost.per_prefill_token_us,
                        options.engine.cost.per_decode_seq_us, options.engine.cost.per_context_token_us,
                        options.time_scale);
  fmt::print("llmload sim: serving model '{}' at {}://{}:{} ({})\n", options.model,
             options.tls_cert_file.empty() ? "http" : "https", url_host(options.host), server.port(),
             timing);
  if (with_key.answer_key) {
    const auto& key = *with_key.answer_key;
    fmt::print("llmload sim: answers mode: {} questions from {}{}, right with probability {:g}{}{}\n",
               key.questions(), options.answers.path,
               key.without_references() > 0 ? fmt::format(" ({} lines without answers left out)", key.without_references()) : "",
               options.answers.accuracy,
               options.answers.by_category.empty() ? "" : fmt::format(" ({} categories set apart)", options.answers.by_category.size()),
               options.answers.changes.empty() ? "" : fmt::format(", {} timed changes", options.answers.changes.size()));
  }
  std::fflush(stdout);
  signals_ioc.run();
  server.stop();
  return 0;
}

}  // namespace llmload::app
