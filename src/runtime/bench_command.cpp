#include "llmload/runtime/bench_command.hpp"

#include "llmload/core/atomic_file.hpp"
#include "llmload/core/json_writer.hpp"
#include "llmload/metrics/category_breakdown.hpp"
#include "llmload/metrics/run_summary.hpp"
#include "llmload/net/connection.hpp"
#include "llmload/net/port_budget.hpp"
#include "llmload/net/simple_client.hpp"
#include "llmload/net/tls.hpp"
#include "llmload/report/console_table.hpp"
#include "llmload/report/interval_report.hpp"
#include "llmload/report/json_result.hpp"
#include "llmload/report/report_writer.hpp"
#include "llmload/runtime/chunk_tokens.hpp"
#include "llmload/runtime/runner.hpp"
#include "llmload/scrape/scraper.hpp"
#include "llmload/workload/conversations.hpp"
#include "llmload/sim/engine.hpp"
#include "llmload/sim/sim_server.hpp"
#include "llmload/workload/dataset.hpp"
#include "llmload/tokenizer/tokenizer.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <cmath>
#include <ctime>
#include <optional>
#include <filesystem>
#include <thread>
#include <atomic>
#include <csignal>
#include <sys/resource.h>
#include <unistd.h>

namespace llmload::runtime {
namespace {

/// One "llmload bench: error: ..." line on stderr, then the exit code.
int error_exit(std::FILE* err, int code, std::string_view message) {
  fmt::print(err, "llmload bench: error: {}\n", message);
  return code;
}

std::string local_date() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d-%H%M%S", &tm);
  return text;
}

double ms(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }

/// vLLM asks the server for its first model when --model is not given.
core::Result<std::string> discover_model(const Target& target, const net::HeaderList& headers) {
  auto response = net::fetch(target.base, target.endpoints, "GET", target.base.path + "/v1/models",
                             headers, "", std::chrono::seconds(30), target.tls.get(), target.tls_verify);
  if (!response) return response.error();
  if (response->status != 200) {
    return core::fail("GET {}/v1/models answered HTTP {}; pass --model NAME",
                      target.base.to_string(), response->status);
  }
  boost::system::error_code ec;
  const auto doc = boost::json::parse(response->body, ec);
  const auto* obj = doc.if_object();
  const auto* data = obj != nullptr ? obj->if_contains("data") : nullptr;
  if (ec || data == nullptr || !data->is_array() || data->as_array().empty() ||
      !data->as_array()[0].is_object() || !data->as_array()[0].as_object().contains("id") ||
      !data->as_array()[0].as_object().at("id").is_string()) {
    return core::fail("GET {}/v1/models did not list a model; pass --model NAME",
                      target.base.to_string());
  }
  return core::Result<std::string>(boost::system::in_place_value,
                                   std::string(data->as_array()[0].as_object().at("id").as_string()));
}

/// The target's own token count of a prompt, from vLLM's `POST /tokenize` ({"model", "prompt"}
/// → {"count", "tokens"}), every count on one kept-alive connection. `target` and `headers`
/// must outlive the counter.
workload::TokenCounter server_token_counter(const Target& target, std::string model,
                                            const net::HeaderList& headers) {
  auto client = std::make_shared<net::KeepAliveClient>(target.base, target.endpoints, target.tls.get(),
                                                       target.tls_verify);
  return [&target, model = std::move(model), &headers, client](std::string_view text) -> core::Result<std::int64_t> {
    std::string body = "{\"model\":";
    core::append_json_string(body, model);
    body += ",\"prompt\":";
    core::append_json_string(body, text);
    body += '}';
    auto response = client->request("POST", target.base.path + "/tokenize", headers, body, std::chrono::seconds(30));
    if (!response) return response.error();
    if (response->status != 200) return core::fail("POST /tokenize answered HTTP {}", response->status);
    boost::system::error_code ec;
    const auto doc = boost::json::parse(response->body, ec);
    const auto* obj = doc.if_object();
    const auto* count = obj != nullptr ? obj->if_contains("count") : nullptr;
    const auto* tokens = obj != nullptr ? obj->if_contains("tokens") : nullptr;
    if (!ec && count != nullptr && count->is_int64()) return count->as_int64();
    if (!ec && tokens != nullptr && tokens->is_array()) return static_cast<std::int64_t>(tokens->as_array().size());
    return core::fail("POST /tokenize answered without a 'count' or 'tokens' array");
  };
}

/// vLLM's "initial single prompt test run": the first request must succeed before the load
/// starts. A server that is still starting (connection refused, 503) is retried once a second
/// until the ready-check timeout; any other failure stops at once (a wrong model name should
/// not take ten minutes to report).
core::Result<void> ready_check(Runner& runner, const workload::RequestSpec& spec,
                               std::chrono::seconds timeout) {
  const auto give_up = core::Clock::now() + timeout;
  while (true) {
    const auto record = runner.send_one(spec);
    if (record.ok()) return {};
    const bool starting = record.outcome == metrics::Outcome::kConnectError ||
                          (record.outcome == metrics::Outcome::kHttpStatus && record.http_status == 503);
    if (!starting || core::Clock::now() + std::chrono::seconds(1) >= give_up) {
      return core::fail("Initial test run failed - Please make sure benchmark arguments are "
                        "correctly specified. Error: {} ({})",
                        record.error, metrics::outcome_name(record.outcome));
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

/// Progress on stderr: a redrawn line on a terminal, a plain line every 10 s otherwise.
class ProgressPrinter {
 public:
  ProgressPrinter(std::FILE* err, bool enabled)
      : err_(err), enabled_(enabled), tty_(isatty(fileno(err)) != 0) {}

  void operator()(const ProgressSnapshot& s) {
    if (s.stopping != stopping_) {  // always said, even with --disable-tqdm
      stopping_ = s.stopping;
      if (tty_ && enabled_) fmt::print(err_, "\n");
      if (s.stopping == 1 && s.duration_reached) {
        fmt::print(err_, "llmload bench: --duration reached: no new requests; {} in flight finish\n",
                   s.started - s.finished);
      } else if (s.stopping == 1) {
        fmt::print(err_, "llmload bench: stopping: no new requests; {} in flight may finish within "
                         "the grace period (Ctrl-C again to cancel them now)\n", s.started - s.finished);
      } else {
        fmt::print(err_, "llmload bench: cancelling {} requests in flight\n", s.started - s.finished);
      }
      std::fflush(err_);
    }
    if (!enabled_) return;
    const double elapsed = core::ns_to_s(std::max<core::Nanos>(s.elapsed_ns, 0));
    const bool final_line = s.finished == s.total;
    if (!tty_ && !final_line && elapsed < next_plain_s_) return;
    next_plain_s_ = elapsed + 10.0;
    const int pct = s.total > 0 ? static_cast<int>(100 * s.finished / s.total) : 100;
    const double rate = elapsed > 0 ? static_cast<double>(s.finished) / elapsed : 0.0;
    const std::string eta = rate > 0 && !final_line
                                ? fmt::format("<{:.0f}s", static_cast<double>(s.total - s.finished) / rate)
                                : "";
    std::string line = fmt::format(
        "{:3d}%| {}/{} [{:.1f}s{}, {:.2f} req/s, {:.0f} chunks/s] in flight {}, failed {}", pct,
        s.finished, s.total, elapsed, eta, rate,
        elapsed > 0 ? static_cast<double>(s.chunks) / elapsed : 0.0, s.started - s.finished, s.failed);
    if (recent_) {
      const auto& r = *recent_;
      line += fmt::format(" | last {:.0f}s: {:.0f} tok/s, TTFT p50 {:.1f} p99 {:.1f} ms, ITL p50 {:.1f} p99 {:.1f} ms",
                          r.end_s - r.start_s, r.output_token_rate, r.ttft_p50_ms, r.ttft_p99_ms,
                          r.itl_p50_ms, r.itl_p99_ms);
    }
    if (tty_) fmt::print(err_, "\r{}\x1b[K{}", line, final_line ? "\n" : "");
    else fmt::print(err_, "{}\n", line);
    std::fflush(err_);
  }

  /// The latest interval with completions: its figures join the progress line (the live
  /// view's current percentiles). Called on the same thread as operator().
  void interval(const report::IntervalRow& row) {
    if (row.completed > 0) recent_ = row;
  }
  /// An interval's own console line (--interval), on a line of its own even on a terminal.
  void line(const std::string& text) {
    fmt::print(err_, "{}{}", tty_ && enabled_ ? "\r\x1b[K" : "", text);
    std::fflush(err_);
  }

 private:
  std::optional<report::IntervalRow> recent_;
  std::FILE* err_;
  bool enabled_, tty_;
  double next_plain_s_ = 0;
  int stopping_ = 0;
};

/// SIGINT/SIGTERM count while the load runs (the runner polls it). A third signal falls back
/// to the default action, so a stuck process can always be killed.
std::atomic<int> g_stop_signals{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_stop_signal(int signo) {
  if (g_stop_signals.fetch_add(1) + 1 >= 2) std::signal(signo, SIG_DFL);
}

/// Installs on_stop_signal for SIGINT and SIGTERM for its lifetime.
class StopSignals {
 public:
  StopSignals() {
    g_stop_signals = 0;
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {}, old_term_ {};
};

/// Every stream holds a socket (two with the in-process simulator): raise the soft limit on
/// open files as far as the hard limit allows, and refuse a run that cannot fit.
core::Result<void> ensure_file_limit(std::int64_t streams, std::FILE* err) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
  const auto needed = static_cast<rlim_t>(streams + 64);
  if (limit.rlim_cur >= needed) return {};
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? needed : std::min(limit.rlim_max, std::max(needed, limit.rlim_cur));
  if (setrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != before) {
    fmt::print(err, "llmload bench: raised the open-file limit from {} to {} for {} concurrent streams\n",
               before, limit.rlim_cur, streams);
  }
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < needed) {
    return core::fail("{} concurrent streams need about {} open files, but the limit is {} (hard "
                      "limit {}); raise it (ulimit -n {}) or lower --max-concurrency / --num-prompts",
                      streams, needed, limit.rlim_cur, limit.rlim_max, needed);
  }
  return {};
}

}  // namespace

/// What the scraper reads during the load: the target's /metrics (the built-in simulator's
/// too, in either mode) and every --metrics-url. Unresolvable extras become notes.
std::vector<scrape::ScrapeSource> scrape_sources(const config::BenchPlan& plan, const Target& target,
                                                 std::vector<std::string>& notes) {
  std::vector<scrape::ScrapeSource> sources;
  if (plan.scrape_interval.count() == 0) return sources;
  scrape::ScrapeSource source{target.base, target.endpoints, target.base.path + "/metrics",
                              plan.headers, target.tls, target.tls_verify};
  source.base.path.clear();  // `path` is the whole path; the base only names the server
  sources.push_back(std::move(source));
  for (const auto& url : plan.metrics_urls) {
    auto endpoints = net::resolve(url.host, url.port);
    if (!endpoints) {
      notes.push_back(fmt::format("{} not scraped: {}", url.to_string(), endpoints.error().message));
      continue;
    }
    scrape::ScrapeSource source{url, std::move(*endpoints), url.path, {}, nullptr, !plan.insecure};
    source.base.path.clear();
    if (url.tls()) {
      auto context = net::make_client_tls_context({plan.insecure, plan.ca_bundle});
      if (!context) {
        notes.push_back(fmt::format("{} not scraped: {}", url.to_string(), context.error().message));
        continue;
      }
      source.tls = std::move(*context);
    }
    sources.push_back(std::move(source));
  }
  return sources;
}

int run_bench_command(const config::BenchOptions& options, std::FILE* out, std::FILE* err,
                      const BenchHooks& hooks) {
  auto resolved = config::resolve_bench_plan(options);
  if (!resolved) return error_exit(err, kExitUsage, resolved.error().message);
  config::BenchPlan plan = std::move(*resolved);

  // ---- workload, before anything is sent (bad input must not cost a request); its notes are
  // printed once the target is announced ----
  std::vector<std::string> workload_notes;
  std::optional<tokenizer::Tokenizer> tokenizer;
  if (!plan.tokenizer_path.empty()) {
    auto loaded = tokenizer::Tokenizer::load(plan.tokenizer_path);
    if (!loaded) return error_exit(err, kExitUsage, "--tokenizer: " + loaded.error().message);
    tokenizer = std::move(*loaded);
    workload_notes.push_back(fmt::format("tokenizer loaded from {} ({} tokens)", plan.tokenizer_path,
                                         tokenizer->vocab_size()));
  } else if (!plan.tokenizer_id.empty()) {
    workload_notes.push_back(fmt::format(
        "note: --tokenizer {} is not a file or folder here, so it is only recorded in the results "
        "and no tokenizer is loaded (llmload does not download from the Hugging Face Hub; pass the "
        "path of a tokenizer.json or its folder for exact token counts)", plan.tokenizer_id));
  }
  auto dataset = workload::make_dataset(plan.dataset, tokenizer ? &*tokenizer : nullptr);
  if (!dataset) return error_exit(err, kExitUsage, dataset.error().message);
  // Without a tokenizer the random dataset's word prompts are made exact by the server's
  // /tokenize once the target is known; these word prompts are the fallback.
  const bool count_on_server = !tokenizer && plan.dataset.name == "random";
  if (plan.turns > 1 && !dataset->send_offsets_ns.empty()) {
    return error_exit(err, kExitUsage, fmt::format("--turns {}: a trace ({}) gives every request its own send "
                                                   "time; multi-turn conversations need --turns 1 with it",
                                                   plan.turns, plan.dataset.name));
  }

  // ---- target: the built-in simulator unless one was named ----
  std::unique_ptr<sim::SimServer> simulator;
  if (plan.use_simulator) {
    sim::SimOptions sim_options;
    sim_options.ttft = plan.sim_ttft;
    sim_options.itl = plan.sim_itl;
    if (!plan.body.model.empty()) sim_options.model = plan.body.model;
    std::string timing = fmt::format("fixed timing: TTFT {:g} ms, ITL {:g} ms", ms(plan.sim_ttft), ms(plan.sim_itl));
    if (!plan.sim_preset.empty()) {
      auto preset = sim::find_engine_preset(plan.sim_preset);
      if (!preset) return error_exit(err, kExitUsage, "--sim-preset: " + preset.error().message);
      sim_options.mode = sim::SimMode::kEngine;
      sim_options.engine = *preset;
      sim_options.time_scale = plan.sim_time_scale;
      timing = fmt::format("continuous-batching engine, preset {}{}", plan.sim_preset,
                           plan.sim_time_scale == 1.0 ? std::string()
                                                      : fmt::format(", time scale {:g}", plan.sim_time_scale));
    }
    simulator = std::make_unique<sim::SimServer>(sim_options);
    if (auto started = simulator->start(); !started) {
      return error_exit(err, kExitCannotRun, "cannot start the built-in simulator: " + started.error().message);
    }
    auto url = net::parse_url(simulator->base_url(), "simulator URL");
    if (!url) return error_exit(err, kExitCannotRun, url.error().message);
    plan.base = *url;
    fmt::print(out,
               "llmload bench: no target given (--base-url/--host/--port), benchmarking the "
               "built-in simulator at {} (model '{}', {})\n",
               plan.base.to_string(), sim_options.model, timing);
    std::fflush(out);
  }

  // vLLM sends OPENAI_API_KEY as a bearer token. Its value is never printed or saved.
  if (const char* key = std::getenv("OPENAI_API_KEY"); key != nullptr && *key != '\0') {
    const bool given = std::any_of(plan.headers.begin(), plan.headers.end(), [](const auto& h) {
      return boost::algorithm::iequals(h.first, "authorization");
    });
    if (!given) net::set_header(plan.headers, "Authorization", std::string("Bearer ") + key);
  }

  Target target;
  target.base = plan.base;
  target.path = plan.base.path + plan.endpoint;
  auto endpoints = net::resolve(plan.base.host, plan.base.port);
  if (!endpoints) return error_exit(err, kExitCannotRun, endpoints.error().message);
  target.endpoints = std::move(*endpoints);
  if (plan.base.tls()) {
    auto context = net::make_client_tls_context({plan.insecure, plan.ca_bundle});
    if (!context) return error_exit(err, kExitUsage, context.error().message);
    target.tls = std::move(*context);
    target.tls_verify = !plan.insecure;
  }

  if (plan.model.empty()) {
    auto model = discover_model(target, plan.headers);
    if (!model) return error_exit(err, kExitCannotRun, model.error().message);
    plan.model = *model;
  }
  if (plan.body.model.empty()) plan.body.model = plan.served_model_name.empty() ? plan.model : plan.served_model_name;

  if (count_on_server) {
    auto counted = workload::make_random_dataset(plan.dataset.num_prompts, plan.dataset.random,
                                                 server_token_counter(target, plan.body.model, plan.headers));
    if (counted) {
      dataset = std::move(*counted);
    } else {
      dataset->notes = {fmt::format(
          "random dataset: no tokenizer loaded and the server's /tokenize did not answer ({}), so input "
          "lengths are APPROXIMATE (prompts are words from a built-in list); give --tokenizer PATH for "
          "exact token counts", counted.error().message)};
    }
  }
  workload_notes.insert(workload_notes.end(), dataset->notes.begin(), dataset->notes.end());
  for (const auto& note : workload_notes) fmt::print(out, "llmload bench: {}\n", note);
  std::fflush(out);
  workload::link_conversations(dataset->specs, plan.turns, plan.think_time.count());
  const std::vector<workload::RequestSpec> specs = std::move(dataset->specs);

  // With --duration the dataset is a pool of at most kDurationPool prompts, sent in turn.
  const auto requests = plan.duration.count() > 0 ? plan.num_prompts : static_cast<std::int64_t>(specs.size());
  const std::int64_t streams = std::min(requests, plan.max_concurrency.value_or(requests));
  if (const auto ports = net::read_local_port_range()) {
    if (auto fits = net::check_local_ports(streams, *ports); !fits) {
      return error_exit(err, kExitUsage, fits.error().message);
    }
  }
  if (auto fits = ensure_file_limit(plan.use_simulator ? 2 * streams : streams, err); !fits) {
    return error_exit(err, kExitUsage, fits.error().message);
  }

  // ---- workload and schedule, all before the first request ----
  // A trace carries its own send times; every other dataset follows the arrival schedule,
  // which for multi-turn conversations releases first turns (later turns follow answers).
  auto offsets = dataset->send_offsets_ns.empty()
                     ? schedule::make_arrival_offsets(plan.duration.count() > 0 ? static_cast<std::size_t>(requests)
                                                                                 : workload::conversation_count(specs),
                                                      plan.arrivals)
                     : core::Result<std::vector<core::Nanos>>(std::move(dataset->send_offsets_ns));
  if (!offsets) return error_exit(err, kExitUsage, offsets.error().message);
  if (plan.turns > 1) {
    offsets = workload::conversation_offsets(specs, *offsets);
    if (!offsets) return error_exit(err, kExitUsage, offsets.error().message);
  }

  RequestTemplate request;
  request.flavor = plan.flavor;
  request.body = plan.body;
  request.headers = plan.headers;
  request.request_id_prefix = plan.request_id_prefix;
  RunnerOptions runner_options;
  runner_options.threads = plan.threads;
  runner_options.max_concurrency = plan.max_concurrency;
  runner_options.duration = plan.duration;
  runner_options.request_timeout = plan.request_timeout;
  runner_options.connect_timeout = plan.connect_timeout;
  runner_options.first_byte_timeout = plan.first_byte_timeout;
  runner_options.idle_timeout = plan.idle_timeout;
  runner_options.grace_period = plan.grace_period;
  runner_options.max_sse_event_bytes = plan.max_sse_event_bytes;
  runner_options.keep_text = plan.results.save_detailed;
  // With a tokenizer, tokens per chunk for servers without continuous usage (after the run).
  runner_options.chunk_text_offsets = tokenizer.has_value();
  // Ctrl-C from here on: before the load, it cancels the initial test run or the warm-ups
  // and ends the command; during the load, it stops the run gracefully (see Runner).
  StopSignals signals;
  RunnerOptions setup_options = runner_options;
  setup_options.stop_signal = &g_stop_signals;
  setup_options.grace_period = std::chrono::nanoseconds(0);
  Runner runner(target, request, setup_options);
  auto interrupted_early = [&] {
    return error_exit(err, kExitCannotRun, "interrupted before the benchmark started; nothing was measured");
  };

  fmt::print(out, "Starting initial single prompt test run...\n");
  std::fflush(out);
  if (auto ready = ready_check(runner, specs.front(), plan.ready_check_timeout); !ready) {
    if (g_stop_signals > 0) return interrupted_early();
    return error_exit(err, kExitCannotRun, ready.error().message);
  }
  fmt::print(out, "Initial test run completed.\n");
  if (plan.num_warmups > 0) {
    // vLLM's warm-up: copies of the first request, all at once within --max-concurrency.
    fmt::print(out, "Warming up with {} requests...\n", plan.num_warmups);
    std::fflush(out);
    const std::vector<workload::RequestSpec> warm(static_cast<std::size_t>(plan.num_warmups), specs.front());
    const std::vector<core::Nanos> at_once(warm.size(), 0);
    const auto warm_out = runner.run(warm, at_once);
    if (g_stop_signals > 0) return interrupted_early();
    const auto warm_failed = std::count_if(warm_out.records.begin(), warm_out.records.end(),
                                           [](const auto& r) { return !r.ok(); });
    fmt::print(out, "Warmup run completed.{}\n",
               warm_failed > 0 ? fmt::format(" ({} of {} warm-up requests failed)", warm_failed, warm.size()) : "");
  }
  fmt::print(out, "Starting main benchmark run...\n");
  fmt::print(out, "{}", config::describe_plan(plan));
  std::fflush(out);

  ProgressPrinter progress(err, plan.progress);
  runner_options.on_progress = [&progress](const ProgressSnapshot& s) { progress(s); };
  runner_options.stop_signal = &g_stop_signals;
  // Interval reports: llmload run's soak outputs, else --interval's console lines, else (with
  // the progress display on) a 5 s window whose percentiles the progress line shows.
  constexpr auto kLiveWindow = std::chrono::seconds(5);
  const auto show = [&progress](const IntervalReport& r) {
    const auto row = report::interval_row(r.recorded, r.start_ns, r.end_ns, r.in_flight);
    progress.interval(row);
    return row;
  };
  if (hooks.on_interval && hooks.interval.count() > 0) {
    runner_options.interval = hooks.interval;
    runner_options.on_interval = [&hooks, show](const IntervalReport& r) {
      show(r);
      hooks.on_interval(r);
    };
  } else if (plan.interval.count() > 0) {
    runner_options.interval = plan.interval;
    runner_options.on_interval = [&progress, show](const IntervalReport& r) {
      progress.line(report::interval_console_line(show(r), "interval"));
    };
  } else if (plan.progress) {
    runner_options.interval = kLiveWindow;
    runner_options.on_interval = [show](const IntervalReport& r) { show(r); };
  }
  RunOutput result;
  std::vector<std::string> scrape_notes;
  auto sources = scrape_sources(plan, target, scrape_notes);
  std::optional<scrape::ScrapeSeries> scraped;
  {
    std::optional<scrape::Scraper> scraper;
    if (!sources.empty()) {
      scraper.emplace(std::move(sources), plan.scrape_interval);
      scraper->start();
    }
    Runner load(target, request, runner_options);
    result = load.run(specs, *offsets);
    if (scraper) scraped = scraper->stop();
  }
  if (simulator) simulator->stop();
  std::optional<scrape::ServerMetricsSummary> server_metrics;
  if (scraped || !scrape_notes.empty()) {
    if (!scraped) scraped.emplace();
    scraped->interval_s = static_cast<double>(plan.scrape_interval.count()) / 1000.0;
    scraped->notes.insert(scraped->notes.end(), scrape_notes.begin(), scrape_notes.end());
    server_metrics = scrape::summarize(*scraped);
  }
  if (result.interrupted || result.duration_reached) {
    // Requests never sent are not part of the measurement (as if --num-prompts were smaller).
    std::erase_if(result.records, [](const metrics::RequestRecord& r) { return r.start_ns == 0; });
    if (result.interrupted) {
      fmt::print(out, "Run stopped early: {} of {} requests were sent; results cover those.\n",
                 result.records.size(), requests);
    } else {
      fmt::print(out, "Duration limit reached after {} s: {} of {} planned requests were sent; results cover those.\n",
                 core::python_float_str(core::ns_to_s(plan.duration.count())), result.records.size(), requests);
    }
  } else if (plan.duration.count() > 0) {
    fmt::print(out, "note: all {} planned requests were sent before the --duration of {} s ended; raise "
                    "--num-prompts to keep the load up for the whole duration\n",
               requests, core::python_float_str(core::ns_to_s(plan.duration.count())));
  }

  // ---- summary, table, result file ----
  metrics::SummaryOptions summary_options;
  summary_options.percentiles = plan.results.percentiles;
  summary_options.percentile_metrics = plan.results.percentile_metrics;
  summary_options.goodput_ttft_ms = plan.results.goodput_ttft_ms;
  summary_options.goodput_tpot_ms = plan.results.goodput_tpot_ms;
  summary_options.goodput_e2el_ms = plan.results.goodput_e2el_ms;
  const std::size_t counted_by_tokenizer = tokenizer ? count_chunk_tokens(result.records, *tokenizer) : 0;
  auto summary = metrics::summarize(result.records, result.bench_start_ns, result.bench_end_ns,
                                    summary_options);
  if (counted_by_tokenizer > 0) summary.chunk_tokens_source = "tokenizer";
  summary.per_category = metrics::category_breakdown(result.records, specs);
  summary.per_turn = metrics::turn_breakdown(result.records, specs);
  metrics::label_timelines(summary, result.records, specs);
  report::TableContext context;
  context.request_rate = plan.arrivals.ramp_up ? INFINITY : plan.arrivals.request_rate;
  context.max_concurrency = plan.max_concurrency;
  context.goodput_configured = summary_options.goodput_configured();
  fmt::print(out, "{}{}{}", report::format_failures(summary),
             report::format_result_table(summary, context), report::format_extensions(summary));
  if (server_metrics) fmt::print(out, "{}", report::format_server_metrics(*server_metrics));
  std::fflush(out);

  int exit_code = kExitOk;
  const bool want_reports = !plan.results.report_formats.empty();
  if (plan.results.save_result || want_reports) {
    report::RunInfo info;
    info.date = local_date();
    info.backend = plan.backend;
    info.label = plan.results.label;
    info.model_id = plan.model;
    info.tokenizer_id = plan.tokenizer_id.empty() ? plan.model : plan.tokenizer_id;
    info.num_prompts = plan.num_prompts;
    info.request_rate = plan.arrivals.request_rate;
    info.burstiness = plan.arrivals.burstiness;
    info.max_concurrency = plan.max_concurrency;
    info.metadata = plan.results.metadata;
    info.goodput_configured = summary_options.goodput_configured();
    if (plan.arrivals.ramp_up) {
      info.ramp_up_strategy =
          plan.arrivals.ramp_up->strategy == schedule::RampUp::Strategy::kLinear ? "linear" : "exponential";
      info.ramp_up_start_rps = static_cast<std::int64_t>(plan.arrivals.ramp_up->start_rps);
      info.ramp_up_end_rps = static_cast<std::int64_t>(plan.arrivals.ramp_up->end_rps);
    }
    info.target = plan.base.to_string();
    info.simulator = plan.use_simulator;
    info.plan_json = config::plan_to_json(plan);
    info.interrupted = result.interrupted;
    info.requests_not_sent = result.not_sent;
    if (server_metrics) {
      info.server_metrics_json = scrape::server_metrics_json(*scraped, *server_metrics, result.bench_start_ns);
    }
    std::filesystem::path path = plan.results.result_filename.empty()
                                     ? std::filesystem::path(report::result_file_name(info))
                                     : std::filesystem::path(plan.results.result_filename);
    if (!plan.results.result_dir.empty()) path = std::filesystem::path(plan.results.result_dir) / path;
    const std::string json = report::result_json(summary, info, plan.results.save_detailed);
    if (plan.results.save_result) {
      auto written = plan.results.append_result ? core::append_file_atomic(path, json)
                                                : core::write_file_atomic(path, json);
      if (!written) {
        fmt::print(err, "llmload bench: error: cannot save the result: {}\n", written.error().message);
        exit_code = kExitCannotRun;
      } else {
        fmt::print(err, "llmload bench: result saved to {}\n", path.string());
      }
    }
    if (want_reports) {
      // The reports read the result as a file reader would, so `llmload report` on the saved
      // file gives the same pages.
      auto run = report::parse_report_run(json, path.string());
      auto outputs = report::outputs_beside(path, plan.results.report_formats, plan.results.report_interval_s);
      outputs.intervals_csv = !hooks.on_interval;  // llmload run's soak outputs wrote it live
      auto written = run ? report::write_reports({*run}, outputs, report::local_environment())
                         : core::Result<std::vector<std::filesystem::path>>(run.error());
      if (!written) {
        fmt::print(err, "llmload bench: error: cannot write the report: {}\n", written.error().message);
        exit_code = kExitCannotRun;
      } else {
        for (const auto& file : *written) fmt::print(err, "llmload bench: report saved to {}\n", file.string());
      }
    }
  }
  if (result.interrupted) exit_code = kExitCannotRun;
  if (summary.completed == 0) {
    fmt::print(err, "llmload bench: error: no request succeeded ({} failed); see the errors above\n",
               summary.failed);
    exit_code = kExitCannotRun;
  }
  return exit_code;
}

}  // namespace llmload::runtime
