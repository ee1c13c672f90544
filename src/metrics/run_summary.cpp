#include "llmload/metrics/run_summary.hpp"

#include "llmload/api/trace_context.hpp"

#include <algorithm>
#include <utility>

namespace llmload::metrics {

namespace {

constexpr core::Nanos kNsPerSecond = 1'000'000'000;
constexpr std::size_t kMaxReportedErrors = 10;

double to_s(core::Nanos ns) { return static_cast<double>(ns) / 1e9; }

struct Interval {
  core::Nanos start;
  core::Nanos end;
};

// vLLM's second bins: requests and chunks are placed by int((t − min_start) in seconds), with
// int(ceil(max_end − min_start)) + 1 bins. Nanosecond integers make the floor and ceil exact.
void vllm_peaks(std::span<const RequestRecord> records, std::span<const Interval> intervals,
                RunSummary& s) {
  if (intervals.empty()) return;
  core::Nanos min_start = intervals.front().start;
  core::Nanos max_end = intervals.front().end;
  for (const auto& iv : intervals) {
    min_start = std::min(min_start, iv.start);
    max_end = std::max(max_end, iv.end);
  }
  const core::Nanos span_ns = max_end - min_start;
  const auto n_bins = static_cast<std::size_t>((span_ns + kNsPerSecond - 1) / kNsPerSecond) + 1;
  const auto bin_of = [&](core::Nanos t) -> std::ptrdiff_t {
    const core::Nanos d = t - min_start;
    return d < 0 ? -1 : static_cast<std::ptrdiff_t>(d / kNsPerSecond);
  };

  std::vector<std::int64_t> chunks_per_bin(n_bins, 0);
  for (const auto& r : records) {
    if (!r.ok() || r.chunk_ns.empty()) continue;
    for (core::Nanos t : r.chunk_ns) {
      const auto b = bin_of(t);
      if (b >= 0 && static_cast<std::size_t>(b) < n_bins) ++chunks_per_bin[b];
    }
  }
  s.max_output_tokens_per_s =
      static_cast<double>(*std::max_element(chunks_per_bin.begin(), chunks_per_bin.end()));

  // The same bins counting tokens, where the server said how many each chunk carried.
  std::vector<std::int64_t> tokens_per_bin(n_bins, 0);
  bool any_tokens = false;
  for (const auto& r : records) {
    if (!r.ok() || r.chunk_tokens.size() != r.chunk_ns.size()) continue;
    for (std::size_t k = 0; k < r.chunk_ns.size(); ++k) {
      const auto b = bin_of(r.chunk_ns[k]);
      if (b >= 0 && static_cast<std::size_t>(b) < n_bins) tokens_per_bin[b] += r.chunk_tokens[k];
      any_tokens = true;
    }
  }
  if (any_tokens) {
    s.max_output_tokens_per_s_tokens =
        static_cast<double>(*std::max_element(tokens_per_bin.begin(), tokens_per_bin.end()));
  }

  // Every bin from the start's to the end's, inclusive, gets +1: a difference array keeps
  // this linear however long the requests are.
  std::vector<std::int64_t> delta(n_bins + 1, 0);
  for (const auto& iv : intervals) {
    const auto first = static_cast<std::size_t>(bin_of(iv.start));
    const auto last = std::min(static_cast<std::size_t>(bin_of(iv.end)), n_bins - 1);
    ++delta[first];
    --delta[last + 1];
  }
  std::int64_t running = 0;
  std::int64_t peak = 0;
  for (std::size_t b = 0; b < n_bins; ++b) {
    running += delta[b];
    peak = std::max(peak, running);
  }
  s.max_concurrent_requests = peak;
}

// Sweep line over half-open [start, end) intervals; at equal times departures (−1) sort before
// arrivals (+1), so back-to-back requests do not overlap.
std::int64_t exact_peak_concurrency(std::span<const Interval> intervals) {
  std::vector<std::pair<core::Nanos, int>> events;
  events.reserve(intervals.size() * 2);
  for (const auto& iv : intervals) {
    events.emplace_back(iv.start, +1);
    events.emplace_back(iv.end, -1);
  }
  std::sort(events.begin(), events.end());
  std::int64_t running = 0;
  std::int64_t peak = 0;
  for (const auto& [t, d] : events) {
    running += d;
    peak = std::max(peak, running);
  }
  return peak;
}


// The samples a run's statistics are computed from, gathered in one pass over the records.
struct Samples {
  std::vector<double> ttfts, tpots, itls, e2els, queue_times, e2els_with_queue, itls_per_token;
  std::vector<double> lags, queues, ttfts_from_schedule, connects, receive_delays;
  std::vector<Interval> intervals;
};

void reserve_per_request(RunSummary& s, Samples& samples, std::size_t n) {
  s.input_lens.reserve(n);
  s.output_lens.reserve(n);
  s.ttfts_s.reserve(n);
  s.itls_s.reserve(n);
  s.start_times_s.reserve(n);
  s.latencies_s.reserve(n);
  s.queue_times_s.reserve(n);
  s.generated_texts.reserve(n);
  s.errors.reserve(n);
  s.timelines.reserve(n);
  samples.ttfts.reserve(n);
  samples.e2els.reserve(n);
  samples.intervals.reserve(n);
}

// The request's row in the timeline and in vLLM's per-request arrays that every request has,
// whatever its outcome.
RequestTimeline& add_request_row(const RequestRecord& r, core::Nanos bench_start_ns, RunSummary& s) {
  const auto offset_ms = [&](core::Nanos t) { return t != 0 ? core::ns_to_ms_exact(t - bench_start_ns) : NAN; };
  RequestTimeline& tl = s.timelines.emplace_back();
  tl.scheduled_ms = offset_ms(r.scheduled_ns);
  tl.dispatch_ms = offset_ms(r.dispatch_ns);
  tl.start_ms = offset_ms(r.start_ns);
  tl.sent_ms = offset_ms(r.sent_ns);
  tl.end_ms = r.ok() && !r.chunk_ns.empty() ? offset_ms(r.chunk_ns.back()) : offset_ms(r.end_ns);
  if (r.ok() && !r.chunk_ns.empty()) tl.first_token_ms = offset_ms(r.chunk_ns.front());
  tl.outcome = std::string(outcome_name(r.outcome));
  tl.chunks = static_cast<std::int64_t>(r.chunk_ns.size());
  tl.input_tokens = r.usage_prompt_tokens >= 0 ? r.usage_prompt_tokens : r.dataset_prompt_len;
  if (r.trace_id != std::array<std::uint8_t, 16>{}) tl.trace_id = api::to_hex(r.trace_id);
  s.input_lens.push_back(r.dataset_prompt_len);
  s.start_times_s.push_back(r.start_ns != 0 ? to_s(r.start_ns - bench_start_ns) : 0.0);
  s.queue_times_s.push_back(r.start_ns != 0 && r.dispatch_ns != 0 ? to_s(r.start_ns - r.dispatch_ns) : 0.0);
  s.latencies_s.push_back(r.ok() && !r.chunk_ns.empty() ? to_s(r.chunk_ns.back() - r.start_ns) : 0.0);
  s.generated_texts.push_back(r.generated_text);
  s.errors.push_back(r.ok() ? std::string() : r.error);
  return tl;
}

// Schedule lag, client queue and connect time: the client's own figures, for every request.
void add_client_samples(const RequestRecord& r, Samples& samples) {
  if (r.dispatch_ns != 0 && r.scheduled_ns != 0) {
    samples.lags.push_back(core::ns_to_ms_exact(r.dispatch_ns - r.scheduled_ns));
  }
  if (r.start_ns != 0 && r.dispatch_ns != 0) samples.queues.push_back(core::ns_to_ms_exact(r.start_ns - r.dispatch_ns));
  if (r.connect_ns > 0 && r.outcome != Outcome::kConnectError) {
    samples.connects.push_back(core::ns_to_ms_exact(r.connect_ns));
  }
}

void add_failure(const RequestRecord& r, RunSummary& s) {
  ++s.failed;
  s.output_lens.push_back(0);
  s.ttfts_s.push_back(0.0);
  s.itls_s.emplace_back();
  if (s.first_errors.size() < kMaxReportedErrors) s.first_errors.push_back(r.error);
  const std::string_view reason = outcome_name(r.outcome);
  auto it = std::find_if(s.failures_by_reason.begin(), s.failures_by_reason.end(),
                         [&](const FailureGroup& g) { return g.reason == reason; });
  if (it == s.failures_by_reason.end()) {
    s.failures_by_reason.push_back({std::string(reason), 1, r.error});
  } else {
    ++it->count;
  }
}

// Counts a completed request's input and output tokens (from usage where the server sent it)
// and returns its output tokens.
std::int64_t add_completed_tokens(const RequestRecord& r, RunSummary& s) {
  ++s.completed;
  std::int64_t output_tokens;
  if (s.options.pooling) {
    output_tokens = 0;  // a pooling answer generates nothing
  } else if (r.usage_completion_tokens > 0) {
    output_tokens = r.usage_completion_tokens;
    ++s.output_tokens_from_usage;
  } else {
    output_tokens = static_cast<std::int64_t>(r.chunk_ns.size());
    ++s.output_tokens_from_chunks;
  }
  if (r.usage_prompt_tokens >= 0 && !s.options.input_tokens_from_dataset) {
    s.total_input_tokens += r.usage_prompt_tokens;
    ++s.input_tokens_from_usage;
  } else {
    s.total_input_tokens += r.dataset_prompt_len;
    ++s.input_tokens_from_dataset;
  }
  if (r.usage_prompt_tokens >= 0) {
    s.total_server_prompt_tokens += r.usage_prompt_tokens;
    ++s.server_prompt_reports;
  }
  s.dataset_input_tokens += r.dataset_prompt_len;
  s.total_output_tokens += output_tokens;
  s.output_lens.push_back(output_tokens);
  if (!r.saw_done && !s.options.pooling) ++s.requests_without_done;  // a pooling answer is no stream
  return output_tokens;
}

// One ITL sample per gap between chunks (vLLM), and the per-token ITL where the server said
// how many tokens each chunk carried.
void add_itl_samples(const RequestRecord& r, RunSummary& s, Samples& samples) {
  std::vector<double> request_itls;
  request_itls.reserve(r.chunk_ns.size() - 1);
  for (std::size_t k = 1; k < r.chunk_ns.size(); ++k) {
    const core::Nanos gap = r.chunk_ns[k] - r.chunk_ns[k - 1];
    request_itls.push_back(to_s(gap));
    samples.itls.push_back(core::ns_to_ms_exact(gap));
  }
  s.itls_s.push_back(std::move(request_itls));
  if (r.chunk_tokens.empty() || r.chunk_tokens.size() != r.chunk_ns.size()) return;
  ++s.requests_with_chunk_tokens;
  core::Nanos previous = -1;  // arrival of the last chunk that carried tokens
  for (std::size_t k = 0; k < r.chunk_ns.size(); ++k) {
    const std::int32_t tokens = r.chunk_tokens[k];
    if (tokens <= 0) continue;
    if (previous >= 0) {
      const double per_token = core::ns_to_ms_exact(r.chunk_ns[k] - previous) / tokens;
      samples.itls_per_token.insert(samples.itls_per_token.end(), static_cast<std::size_t>(tokens), per_token);
    }
    previous = r.chunk_ns[k];
  }
}

// TTFT, TPOT, E2EL and their extensions for a completed request with at least one chunk, and
// its goodput verdict.
void add_latency_samples(const RequestRecord& r, std::int64_t output_tokens, const SummaryOptions& options,
                         RunSummary& s, Samples& samples) {
  const core::Nanos ttft_ns = r.chunk_ns.front() - r.start_ns;
  const core::Nanos e2el_ns = r.chunk_ns.back() - r.start_ns;
  const double ttft_ms = core::ns_to_ms_exact(ttft_ns);
  const double e2el_ms = core::ns_to_ms_exact(e2el_ns);
  samples.ttfts.push_back(ttft_ms);
  samples.e2els.push_back(e2el_ms);
  // llmload's --percentile-metrics extensions: the wait for a --max-concurrency slot, and
  // the latency a caller behind that queue would see (from release by the schedule).
  const core::Nanos released = r.dispatch_ns != 0 ? r.dispatch_ns : r.start_ns;
  samples.queue_times.push_back(core::ns_to_ms_exact(r.start_ns - released));
  samples.e2els_with_queue.push_back(core::ns_to_ms_exact(r.chunk_ns.back() - released));
  // vLLM: a request with at most one output token has no TPOT sample, and counts as 0 for
  // the goodput check.
  double tpot_ms = 0.0;
  if (output_tokens > 1) {
    tpot_ms = core::ns_to_ms_exact(e2el_ns - ttft_ns) / static_cast<double>(output_tokens - 1);
    samples.tpots.push_back(tpot_ms);
  }
  if (options.goodput_configured()) {
    const bool good = (!options.goodput_ttft_ms || ttft_ms <= *options.goodput_ttft_ms) &&
                      (!options.goodput_tpot_ms || tpot_ms <= *options.goodput_tpot_ms) &&
                      (!options.goodput_e2el_ms || e2el_ms <= *options.goodput_e2el_ms);
    if (good) ++s.good_requests;
  }
  if (r.scheduled_ns != 0) {
    samples.ttfts_from_schedule.push_back(core::ns_to_ms_exact(r.chunk_ns.front() - r.scheduled_ns));
  }
  for (const core::Nanos d : r.receive_delay_ns) samples.receive_delays.push_back(core::ns_to_ms_exact(d));
  samples.intervals.push_back({r.start_ns, r.chunk_ns.back()});
}

void add_record(const RequestRecord& r, core::Nanos bench_start_ns, const SummaryOptions& options, RunSummary& s,
                Samples& samples) {
  RequestTimeline& tl = add_request_row(r, bench_start_ns, s);
  add_client_samples(r, samples);
  if (!r.ok()) {
    add_failure(r, s);
    return;
  }
  const std::int64_t output_tokens = add_completed_tokens(r, s);
  tl.output_tokens = output_tokens;
  // kOk implies at least one token chunk; a record breaking that still counts as completed
  // with its tokens, but has no timeline to measure.
  if (r.chunk_ns.empty()) {
    s.ttfts_s.push_back(0.0);
    s.itls_s.emplace_back();
    return;
  }
  s.ttfts_s.push_back(to_s(r.chunk_ns.front() - r.start_ns));
  add_itl_samples(r, s, samples);
  add_latency_samples(r, output_tokens, options, s, samples);
}

void set_throughputs(RunSummary& s) {
  s.total_input_sequences = s.completed;  // one input each; the caller that knows the workload counts more
  if (s.duration_s > 0) {
    s.request_throughput = static_cast<double>(s.completed) / s.duration_s;
    s.output_throughput = static_cast<double>(s.total_output_tokens) / s.duration_s;
    s.total_token_throughput =
        static_cast<double>(s.total_input_tokens + s.total_output_tokens) / s.duration_s;
  }
  if (s.options.goodput_configured()) {
    s.request_goodput =
        s.duration_s > 0 ? static_cast<double>(s.good_requests) / s.duration_s : 0.0;
  }
}

void set_statistics(std::span<const RequestRecord> records, const Samples& samples, RunSummary& s) {
  const auto& percentiles = s.options.percentiles;
  s.ttft_ms = compute_stats(samples.ttfts, percentiles);
  s.tpot_ms = compute_stats(samples.tpots, percentiles);
  s.itl_ms = compute_stats(samples.itls, percentiles);
  s.e2el_ms = compute_stats(samples.e2els, percentiles);
  s.client_queue_time_ms = compute_stats(samples.queue_times, percentiles);
  s.itl_per_token_ms = compute_stats(samples.itls_per_token, kExtensionPercentiles);
  s.e2el_including_client_queue_ms = compute_stats(samples.e2els_with_queue, percentiles);

  vllm_peaks(records, samples.intervals, s);
  s.peak_concurrency_exact = exact_peak_concurrency(samples.intervals);

  s.schedule_lag_ms = compute_stats(samples.lags, kExtensionPercentiles);
  s.client_queue_ms = compute_stats(samples.queues, kExtensionPercentiles);
  s.ttft_from_schedule_ms = compute_stats(samples.ttfts_from_schedule, kExtensionPercentiles);
  s.connect_ms = compute_stats(samples.connects, kExtensionPercentiles);
  s.receive_delay_ms = compute_stats(samples.receive_delays, kExtensionPercentiles);
}

}  // namespace

RunSummary summarize(std::span<const RequestRecord> records, core::Nanos bench_start_ns,
                     core::Nanos bench_end_ns, const SummaryOptions& options) {
  RunSummary s;
  s.options = options;
  s.duration_s = to_s(bench_end_ns - bench_start_ns);
  Samples samples;
  reserve_per_request(s, samples, records.size());
  for (const auto& r : records) add_record(r, bench_start_ns, options, s, samples);
  set_throughputs(s);
  set_statistics(records, samples, s);
  std::stable_sort(s.failures_by_reason.begin(), s.failures_by_reason.end(),
                   [](const FailureGroup& a, const FailureGroup& b) {
                     if (a.count != b.count) return a.count > b.count;
                     return a.reason < b.reason;
                   });
  return s;
}

}  // namespace llmload::metrics
