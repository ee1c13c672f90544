#include "llmload/sim/engine_metrics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace llmload::sim {

namespace {

// vLLM's buckets (vllm/v1/metrics/loggers.py).
constexpr double kTtft[] = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,  0.25, 0.5,   0.75,
                            1.0,   2.5,   5.0,  7.5,  10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
constexpr double kInterToken[] = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,  0.3,  0.4, 0.5,
                                  0.75, 1.0,   2.5,  5.0,   7.5, 10.0, 20.0, 40.0, 80.0};
constexpr double kRequestLatency[] = {0.3,  0.5,  0.8,  1.0,  1.5,   2.0,   2.5,   5.0,   10.0,  15.0, 20.0,
                                      30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};

void append_escaped_label(std::string& out, std::string_view value) {
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

struct Writer {
  std::string& out;
  std::string labels;  // engine="0",model_name="..."

  void header(std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void sample(std::string_view name, std::string_view extra_labels, double value) {
    out += name;
    out += '{';
    if (!extra_labels.empty()) {
      out += extra_labels;
      out += ',';
    }
    out += labels;
    fmt::format_to(std::back_inserter(out), "}} {}\n", value);
  }
  void gauge(std::string_view name, std::string_view help, double value) {
    header(name, "gauge", help);
    sample(name, {}, value);
  }
  void counter(std::string_view name, std::string_view help, double value) {
    header(name, "counter", help);
    sample(fmt::format("{}_total", name), {}, value);
  }
  void histogram(std::string_view name, std::string_view help, const PromHistogram& h) {
    header(name, "histogram", help);
    const std::string bucket = fmt::format("{}_bucket", name);
    std::uint64_t cumulative = 0;
    const auto bounds = h.bounds();
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      cumulative += h.counts()[i];
      sample(bucket, fmt::format("le=\"{}\"", bounds[i]), static_cast<double>(cumulative));
    }
    sample(bucket, "le=\"+Inf\"", static_cast<double>(h.count()));
    sample(fmt::format("{}_sum", name), {}, h.sum());
    sample(fmt::format("{}_count", name), {}, static_cast<double>(h.count()));
  }
};

}  // namespace

PromHistogram::PromHistogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()), counts_(bounds.size() + 1, 0) {}

void PromHistogram::observe(double value_s) {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value_s);
  ++counts_[static_cast<std::size_t>(it - bounds_.begin())];
  ++count_;
  sum_ += value_s;
}

void PromHistogram::observe(double value_s, std::uint64_t times) {
  if (times == 0) return;
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value_s);
  counts_[static_cast<std::size_t>(it - bounds_.begin())] += times;
  count_ += times;
  sum_ += value_s * static_cast<double>(times);
}

bool PromHistogram::merge(const PromHistogram& other) {
  if (other.bounds_ != bounds_) return false;
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  return true;
}

bool PromHistogram::add_counts(std::span<const std::uint64_t> bucket_counts, double sum) {
  if (bucket_counts.size() != counts_.size()) return false;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    counts_[i] += bucket_counts[i];
    count_ += bucket_counts[i];
  }
  sum_ += sum;
  return true;
}

SingleWriterPromHistogram::SingleWriterPromHistogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {}

void SingleWriterPromHistogram::observe(double value_s, std::uint64_t times) {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value_s);
  auto& slot = counts_[static_cast<std::size_t>(it - bounds_.begin())];
  slot.store(slot.load(std::memory_order_relaxed) + times, std::memory_order_relaxed);
  sum_.store(sum_.load(std::memory_order_relaxed) + value_s * static_cast<double>(times),
             std::memory_order_relaxed);
}

void SingleWriterPromHistogram::add_to(PromHistogram& into) const {
  std::vector<std::uint64_t> counts(bounds_.size() + 1);
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] = counts_[i].load(std::memory_order_relaxed);
  into.add_counts(counts, sum_.load(std::memory_order_relaxed));
}

void merge_metrics(EngineMetrics& into, const EngineMetrics& from) {
  into.num_requests_running += from.num_requests_running;
  into.num_requests_waiting += from.num_requests_waiting;
  into.kv_cache_usage_perc = std::max(into.kv_cache_usage_perc, from.kv_cache_usage_perc);
  into.prefix_cache_queries += from.prefix_cache_queries;
  into.prefix_cache_hits += from.prefix_cache_hits;
  into.prompt_tokens += from.prompt_tokens;
  into.generation_tokens += from.generation_tokens;
  into.num_preemptions += from.num_preemptions;
  into.engine_steps += from.engine_steps;
  for (std::size_t i = 0; i < into.request_success.size(); ++i) into.request_success[i] += from.request_success[i];
  into.spec_positions = std::max(into.spec_positions, from.spec_positions);
  into.spec_drafts += from.spec_drafts;
  into.spec_draft_tokens += from.spec_draft_tokens;
  into.spec_accepted += from.spec_accepted;
  into.spec_accepted_per_pos.resize(std::max(into.spec_accepted_per_pos.size(), from.spec_accepted_per_pos.size()));
  for (std::size_t i = 0; i < from.spec_accepted_per_pos.size(); ++i) {
    into.spec_accepted_per_pos[i] += from.spec_accepted_per_pos[i];
  }
  into.time_to_first_token.merge(from.time_to_first_token);
  into.inter_token_latency.merge(from.inter_token_latency);
  into.e2e_request_latency.merge(from.e2e_request_latency);
  into.request_queue_time.merge(from.request_queue_time);
  into.request_prefill_time.merge(from.request_prefill_time);
  into.request_decode_time.merge(from.request_decode_time);
}

std::span<const double> ttft_buckets_s() { return kTtft; }
std::span<const double> inter_token_buckets_s() { return kInterToken; }
std::span<const double> request_latency_buckets_s() { return kRequestLatency; }

std::string_view finish_reason_name(FinishReason reason) noexcept {
  switch (reason) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kAbort: return "abort";
  }
  return "stop";
}

namespace {

/// vLLM's spec-decode counters (vllm/v1/spec_decode/metrics.py names).
void append_spec_decode(Writer& w, const EngineMetrics& m) {
  w.counter("vllm:spec_decode_num_drafts", "Number of spec decoding drafts.", static_cast<double>(m.spec_drafts));
  w.counter("vllm:spec_decode_num_draft_tokens", "Number of draft tokens.", static_cast<double>(m.spec_draft_tokens));
  w.counter("vllm:spec_decode_num_accepted_tokens", "Number of accepted tokens.",
            static_cast<double>(m.spec_accepted));
  w.header("vllm:spec_decode_num_accepted_tokens_per_pos", "counter", "Accepted tokens per draft position.");
  for (std::size_t i = 0; i < m.spec_accepted_per_pos.size(); ++i) {
    w.sample("vllm:spec_decode_num_accepted_tokens_per_pos_total", fmt::format("position=\"{}\"", i),
             static_cast<double>(m.spec_accepted_per_pos[i]));
  }
}

}  // namespace

void append_prometheus(std::string& out, const EngineMetrics& m, std::string_view model) {
  Writer w{out, "engine=\"0\",model_name=\""};
  append_escaped_label(w.labels, model);
  w.labels += '"';

  w.gauge("vllm:num_requests_running", "Number of requests in model execution batches.",
          static_cast<double>(m.num_requests_running));
  w.gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.",
          static_cast<double>(m.num_requests_waiting));
  w.gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.",
          m.kv_cache_usage_perc);
  w.counter("vllm:prefix_cache_queries",
            "Prefix cache queries, in terms of number of queried tokens.",
            static_cast<double>(m.prefix_cache_queries));
  w.counter("vllm:prefix_cache_hits", "Prefix cache hits, in terms of number of cached tokens.",
            static_cast<double>(m.prefix_cache_hits));
  w.counter("vllm:num_preemptions", "Cumulative number of preemption from the engine.",
            static_cast<double>(m.num_preemptions));
  w.counter("vllm:prompt_tokens", "Number of prefill tokens processed.",
            static_cast<double>(m.prompt_tokens));
  w.counter("vllm:generation_tokens", "Number of generation tokens processed.",
            static_cast<double>(m.generation_tokens));
  w.header("vllm:request_success", "counter", "Count of successfully processed requests.");
  for (const auto reason : {FinishReason::kStop, FinishReason::kLength, FinishReason::kAbort}) {
    w.sample("vllm:request_success_total",
             fmt::format("finished_reason=\"{}\"", finish_reason_name(reason)),
             static_cast<double>(m.request_success[static_cast<std::size_t>(reason)]));
  }
  w.counter("llmload_sim:engine_steps", "Scheduler steps run by the simulated engine.",
            static_cast<double>(m.engine_steps));
  if (m.spec_positions > 0) append_spec_decode(w, m);
  w.histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.",
              m.time_to_first_token);
  w.histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.",
              m.inter_token_latency);
  w.histogram("vllm:e2e_request_latency_seconds",
              "Histogram of e2e request latency in seconds.", m.e2e_request_latency);
  w.histogram("vllm:request_queue_time_seconds",
              "Histogram of time spent in WAITING phase for request.", m.request_queue_time);
  w.histogram("vllm:request_prefill_time_seconds",
              "Histogram of time spent in PREFILL phase for request.", m.request_prefill_time);
  w.histogram("vllm:request_decode_time_seconds",
              "Histogram of time spent in DECODE phase for request.", m.request_decode_time);
}

}  // namespace llmload::sim
