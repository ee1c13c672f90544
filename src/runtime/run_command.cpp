#include "llmload/runtime/run_command.hpp"

#include "llmload/config/bench_options.hpp"
#include "llmload/core/atomic_file.hpp"
#include "llmload/core/json_writer.hpp"
#include "llmload/metrics/hdr_log.hpp"
#include "llmload/report/interval_report.hpp"
#include "llmload/report/report_writer.hpp"
#include "llmload/report/svg_chart.hpp"
#include "llmload/runtime/bench_command.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace llmload::runtime {
namespace {

bool is_latency(const std::string& metric) {
  return metric == "ttft" || metric == "tpot" || metric == "itl" || metric == "e2el";
}

std::string describe_slo(const config::ProfileSlo& s) {
  auto value = [&](double v) {
    if (is_latency(s.metric)) return fmt::format("{:g} ms", v);
    if (s.metric == "error_rate") return fmt::format("{:g}%", v * 100);
    return fmt::format("{:g}/s", v);
  };
  std::string text = s.metric + (s.stat.empty() ? "" : " " + s.stat);
  if (s.max) text += " <= " + value(*s.max);
  if (s.min) text += " >= " + value(*s.min);
  return text;
}

std::string slug(const std::string& name) {
  std::string out;
  for (const char c : name) {
    out += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '-';
  }
  return out;
}

// The HTML escape is also valid XML (&#39; for ').
std::string xml_escape(std::string_view s) { return report::html_escape(s); }

/// Requests a closed-loop stage bounded only by its duration plans at most (bench --duration
/// stops it in time; the records of planned requests are allocated up front).
constexpr std::int64_t kClosedLoopMaxPlanned = 200000;

/// The stage as `llmload bench` flags.
config::BenchOptions bench_options_for(const config::Profile& p, const config::ProfileStage& s,
                                       const std::string& result_dir, const std::string& result_file) {
  config::BenchOptions o;
  if (p.target.base_url) o.base_url = *p.target.base_url;
  o.backend = p.target.backend;
  o.endpoint = p.target.endpoint;
  o.model = p.target.model;
  o.served_model_name = p.target.served_model_name;
  for (const auto& [name, value] : p.target.headers) o.headers.push_back(name + "=" + value);
  o.insecure = p.target.insecure;
  o.ca_bundle = p.target.ca_bundle;
  o.sim_preset = p.target.sim_preset;
  o.sim_time_scale = p.target.sim_time_scale;
  o.ready_check_timeout_sec = std::chrono::duration_cast<std::chrono::seconds>(p.target.ready_check_timeout).count();
  o.tokenizer = p.workload.tokenizer;
  o.dataset_name = p.workload.dataset;
  o.dataset_path = p.workload.dataset_path;
  o.random_input_len = p.workload.input_len;
  o.random_output_len = p.request.max_tokens.value_or(p.workload.output_len);
  if (p.workload.dataset != "random" && p.workload.dataset != "random-mm") {
    // File datasets keep their own lengths unless the profile names one.
    if (p.workload.input_len_given) o.input_len = p.workload.input_len;
    if (p.workload.output_len_given || p.request.max_tokens) o.output_len = o.random_output_len;
  }
  o.random_mm_base_items_per_request = p.workload.images_per_request;
  if (!p.workload.image_sizes.empty()) o.random_mm_bucket_config = p.workload.image_sizes;
  o.random_prefix_len = p.workload.prefix_len;
  if (p.workload.dataset == "prefix_repetition") {
    if (p.workload.prefix_len_given) o.prefix_repetition_prefix_len = p.workload.prefix_len;
    if (p.workload.suffix_len) o.prefix_repetition_suffix_len = *p.workload.suffix_len;
    if (p.workload.num_prefixes) o.prefix_repetition_num_prefixes = *p.workload.num_prefixes;
    if (p.workload.output_len_given || p.request.max_tokens) o.prefix_repetition_output_len = o.random_output_len;
  }
  o.random_range_ratio = p.workload.range_ratio;
  o.seed = p.workload.seed;
  o.turns = p.workload.turns;
  o.think_time_sec = std::chrono::duration<double>(p.workload.think_time).count();
  o.trace_time_scale = p.workload.trace_time_scale;
  o.temperature = p.request.temperature;
  o.top_p = p.request.top_p;
  o.top_k = p.request.top_k;
  o.min_p = p.request.min_p;
  o.frequency_penalty = p.request.frequency_penalty;
  o.presence_penalty = p.request.presence_penalty;
  o.repetition_penalty = p.request.repetition_penalty;
  o.ignore_eos = p.request.ignore_eos.value_or(false);
  o.extra_body = p.request.extra_body_json;

  double mean_rate = INFINITY;
  if (s.ramp_from && s.ramp_to) {
    o.ramp_up_strategy = s.ramp_strategy;
    o.ramp_up_start_rps = *s.ramp_from;
    o.ramp_up_end_rps = *s.ramp_to;
    mean_rate = (*s.ramp_from + *s.ramp_to) / 2;
  } else if (s.rate) {
    o.request_rate = std::isinf(*s.rate) ? "inf" : core::python_float_str(*s.rate);
    mean_rate = *s.rate;
  }
  o.burstiness = core::python_float_str(s.burstiness);
  o.max_concurrency = s.concurrency;
  if (s.duration && !s.rate && !s.ramp_from) {
    // A closed loop for a time: bench --duration stops sending when it is over; the plan
    // allows one request per 10 ms per slot (or the stage's own `requests`).
    const double seconds = std::chrono::duration<double>(*s.duration).count();
    o.duration_sec = seconds;
    o.num_prompts = s.requests.value_or(std::clamp<std::int64_t>(
        static_cast<std::int64_t>(std::ceil(seconds * 100.0)) * s.concurrency.value_or(1), 1000, kClosedLoopMaxPlanned));
  } else if (s.requests) {
    o.num_prompts = *s.requests;
  } else if (s.duration && std::isfinite(mean_rate)) {
    // An open-loop stage bounded by time sends what its rate plans for that time.
    o.num_prompts = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::ceil(mean_rate * std::chrono::duration<double>(*s.duration).count())));
  }
  std::set<std::string> percentiles{"50", "90", "99"};
  for (const auto& slo : p.slos) {
    if (slo.stat.size() > 1 && slo.stat[0] == 'p') percentiles.insert(slo.stat.substr(1));
  }
  o.metric_percentiles.clear();
  for (const auto& q : percentiles) o.metric_percentiles += (o.metric_percentiles.empty() ? "" : ",") + q;
  o.percentile_metrics = "ttft,tpot,itl,e2el";
  for (const auto& slo : p.slos) {
    if (slo.metric != "goodput") continue;
    if (slo.good_ttft_ms) o.goodput.push_back(fmt::format("ttft:{}", *slo.good_ttft_ms));
    if (slo.good_tpot_ms) o.goodput.push_back(fmt::format("tpot:{}", *slo.good_tpot_ms));
    if (slo.good_e2el_ms) o.goodput.push_back(fmt::format("e2el:{}", *slo.good_e2el_ms));
  }
  o.save_result = true;
  o.result_dir = result_dir;
  o.result_filename = result_file;
  o.label = slug(s.name);
  for (const auto& format : p.outputs.formats) {
    if (format == "html" || format == "md" || format == "csv") o.report += (o.report.empty() ? "" : ",") + format;
  }
  o.report_interval_sec = std::chrono::duration<double>(p.outputs.interval).count();
  return o;
}

}  // namespace

SloVerdict check_slo(const config::ProfileSlo& slo, const std::string& result_json) {
  SloVerdict v;
  v.slo = describe_slo(slo);
  boost::system::error_code ec;
  const auto doc = boost::json::parse(result_json, ec);
  if (ec || !doc.is_object()) {
    v.detail = "the result file could not be read";
    return v;
  }
  const auto& o = doc.as_object();
  auto number = [&](const std::string& key) -> std::optional<double> {
    const auto* value = o.if_contains(key);
    if (value == nullptr) return std::nullopt;
    if (value->is_double()) return value->as_double();
    if (value->is_int64()) return static_cast<double>(value->as_int64());
    return std::nullopt;
  };
  std::optional<double> measured;
  std::string unit;
  if (is_latency(slo.metric)) {
    const std::string key = slo.stat == "mean"     ? fmt::format("mean_{}_ms", slo.metric)
                            : slo.stat == "median" ? fmt::format("median_{}_ms", slo.metric)
                                                   : fmt::format("{}_{}_ms", slo.stat, slo.metric);
    measured = number(key);
    unit = " ms";
  } else if (slo.metric == "error_rate") {
    const auto completed = number("completed"), failed = number("failed");
    if (completed && failed && *completed + *failed > 0) measured = *failed / (*completed + *failed);
  } else if (slo.metric == "request_throughput" || slo.metric == "output_throughput") {
    measured = number(slo.metric);
    unit = "/s";
  } else if (slo.metric == "goodput") {
    measured = number("request_goodput");
    unit = "/s";
  }
  if (!measured) {
    v.detail = "the result has no value for it";
    return v;
  }
  auto show = [&](double x) {
    return slo.metric == "error_rate" ? fmt::format("{:.3g}%", x * 100) : fmt::format("{:.2f}{}", x, unit);
  };
  v.measured = measured;
  v.passed = (!slo.max || *measured <= *slo.max) && (!slo.min || *measured >= *slo.min);
  std::optional<double> margin;
  // Relative to the limit; a limit of 0 (e.g. no errors allowed) has no relative margin.
  if (slo.max && *slo.max != 0) margin = (*slo.max - *measured) / std::abs(*slo.max);
  if (slo.min && *slo.min != 0) {
    const double m = (*measured - *slo.min) / std::abs(*slo.min);
    margin = margin ? std::min(*margin, m) : m;
  }
  v.margin = margin;
  if (slo.max && *measured > *slo.max) {
    v.detail = fmt::format("measured {}, {} over the limit", show(*measured), show(*measured - *slo.max));
  } else if (slo.min && *measured < *slo.min) {
    v.detail = fmt::format("measured {}, {} under the limit", show(*measured), show(*slo.min - *measured));
  } else {
    const double margin = slo.max ? *slo.max - *measured : *measured - slo.min.value_or(*measured);
    v.detail = fmt::format("measured {}, margin {}", show(*measured), show(margin));
  }
  return v;
}

std::string junit_xml(const std::string& suite, const std::vector<SloVerdict>& verdicts) {
  std::size_t failures = 0;
  for (const auto& v : verdicts) failures += v.passed ? 0 : 1;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites tests=\"{}\" failures=\"{}\">\n", verdicts.size(), failures);
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">\n", xml_escape(suite),
                     verdicts.size(), failures);
  for (const auto& v : verdicts) {
    const std::string where = v.point.empty() ? v.stage : v.stage + " [" + v.point + "]";
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\">", xml_escape(where), xml_escape(v.slo));
    if (v.passed) {
      out += fmt::format("<system-out>{}</system-out></testcase>\n", xml_escape(v.detail));
    } else {
      out += fmt::format("<failure message=\"{}\"/></testcase>\n", xml_escape(v.detail));
    }
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

SloVerdict check_drift(const config::ProfileSlo& slo, const std::vector<std::string>& intervals) {
  SloVerdict v;
  v.slo = fmt::format("{} {} drift <= {:g}%", slo.metric, slo.stat, slo.max_drift.value_or(0) * 100);
  std::vector<metrics::HdrHistogram> kept;
  for (const auto& text : intervals) {
    auto h = metrics::HdrHistogram::decode_compressed_base64(text);
    if (!h) {
      v.detail = "an interval histogram could not be decoded: " + h.error().message;
      return v;
    }
    if (h->total_count() > 0) kept.push_back(std::move(*h));
  }
  const std::size_t n = kept.size();
  if (n < 2) {
    v.detail = fmt::format("needs at least 2 intervals with samples, the stage had {}; run it longer or "
                           "shorten outputs.interval", n);
    return v;
  }
  const std::size_t k = std::max<std::size_t>(1, n / 4);
  metrics::HdrHistogram early(metrics::interval_histogram_config()), late(metrics::interval_histogram_config());
  for (std::size_t i = 0; i < k; ++i) {
    early.merge(kept[i]);
    late.merge(kept[n - k + i]);
  }
  auto stat_ms = [&](const metrics::HdrHistogram& h) {
    if (slo.stat == "mean") return h.mean() / 1000.0;
    const double q = slo.stat == "median" ? 50.0 : std::strtod(slo.stat.c_str() + 1, nullptr);
    return static_cast<double>(h.value_at_percentile(q)) / 1000.0;
  };
  const double e = stat_ms(early), l = stat_ms(late);
  const double drift = e > 0 ? (l - e) / e : (l > 0 ? INFINITY : 0.0);
  const double limit = slo.max_drift.value_or(0);
  v.measured = drift;
  v.margin = limit - drift;
  v.passed = drift <= limit;
  v.detail = fmt::format("early {:.2f} ms (intervals 1-{}), late {:.2f} ms (intervals {}-{}), drift {:+.1f}%, {} {:.1f} points",
                         e, k, l, n - k + 1, n, drift * 100, v.passed ? "margin" : "over the limit by",
                         std::abs(limit - drift) * 100);
  return v;
}

namespace {

constexpr std::array<const char*, 4> kIntervalTags{"ttft", "tpot", "itl", "e2el"};

const metrics::HdrHistogram& tagged(const metrics::IntervalRecorder& r, std::size_t tag) {
  switch (tag) {
    case 0: return r.ttft_us;
    case 1: return r.tpot_us;
    case 2: return r.itl_us;
    default: return r.e2el_us;
  }
}

/// The soak outputs of one stage: appends to `<base>.hlog` and `<base>.intervals.csv` (flushed
/// each interval), prints a console line and rewrites `<base>.json` with the cumulative
/// figures, atomically. Keeps each interval's encoded histograms (a few KiB) for drift checks.
class SoakOutputs {
 public:
  SoakOutputs(std::filesystem::path dir, std::string base, std::string label, core::Nanos interval_ns,
              std::FILE* out, std::FILE* err)
      : dir_(std::move(dir)), base_(std::move(base)), label_(std::move(label)), interval_ns_(interval_ns),
        out_(out), err_(err) {}
  ~SoakOutputs() {
    if (hlog_ != nullptr) std::fclose(hlog_);
    if (csv_ != nullptr) std::fclose(csv_);
  }
  SoakOutputs(const SoakOutputs&) = delete;
  SoakOutputs& operator=(const SoakOutputs&) = delete;

  void add(const IntervalReport& r) {
    if (failed_) return;
    if (hlog_ == nullptr && !open(r)) return;
    metrics::HdrLogWriter log(metrics::HdrLogOptions{.max_value_unit_ratio = 1000.0});  // µs -> ms
    std::array<std::string, 4> encoded;
    for (std::size_t t = 0; t < kIntervalTags.size(); ++t) {
      const auto& h = tagged(r.recorded, t);
      encoded[t] = h.encode_compressed_base64();
      if (auto ok = log.write_interval(h, std::chrono::nanoseconds(r.start_ns),
                                       std::chrono::nanoseconds(r.end_ns - r.start_ns), kIntervalTags[t]);
          !ok) {
        return fail(ok.error().message);
      }
    }
    encoded_.push_back(std::move(encoded));
    last_short_ = r.last && 2 * (r.end_ns - r.start_ns) < interval_ns_;
    const auto row = report::interval_row(r.recorded, r.start_ns, r.end_ns, r.in_flight);
    const std::string lines = log.take(), csv_line = report::interval_csv_line(row);
    if (std::fputs(lines.c_str(), hlog_) < 0 || std::fflush(hlog_) != 0 ||
        std::fputs(csv_line.c_str(), csv_) < 0 || std::fflush(csv_) != 0) {
      return fail(fmt::format("cannot write the interval logs in {}: {}", dir_.string(), std::strerror(errno)));
    }
    fmt::print(out_, "{}", report::interval_console_line(row, label_));
    std::fflush(out_);
    cumulative_.merge(r.recorded);
    if (auto ok = core::write_file_atomic(dir_ / (base_ + ".json"), cumulative_json(r)); !ok) {
      return fail(ok.error().message);
    }
  }

  /// The encoded histograms of metric `metric` (ttft, tpot, itl, e2el), one per interval; the
  /// last one is left out when it lasted less than half an interval (the drain at the end).
  std::vector<std::string> intervals_of(const std::string& metric) const {
    std::vector<std::string> out;
    const auto t = static_cast<std::size_t>(std::find(kIntervalTags.begin(), kIntervalTags.end(), metric) - kIntervalTags.begin());
    if (t >= kIntervalTags.size()) return out;
    const std::size_t n = encoded_.size() - (last_short_ && encoded_.size() > 1 ? 1 : 0);
    for (std::size_t i = 0; i < n; ++i) out.push_back(encoded_[i][t]);
    return out;
  }
  bool failed() const { return failed_; }

 private:
  bool open(const IntervalReport& r) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    hlog_ = std::fopen((dir_ / (base_ + ".hlog")).c_str(), "w");
    csv_ = std::fopen((dir_ / (base_ + ".intervals.csv")).c_str(), "w");
    if (hlog_ == nullptr || csv_ == nullptr) {
      fail(fmt::format("cannot create the interval logs in {}: {}", dir_.string(), std::strerror(errno)));
      return false;
    }
    metrics::HdrLogWriter header;
    header.write_header(r.origin_wall);
    header.write_comment(fmt::format("llmload run: stage '{}', interval histograms of ttft, tpot, itl, e2el in "
                                     "microseconds (Interval_Max in milliseconds)", label_));
    const std::string text = header.take(), csv_header = report::interval_csv_header();
    std::fputs(text.c_str(), hlog_);
    std::fputs(csv_header.c_str(), csv_);
    return true;
  }

  void fail(const std::string& message) {
    failed_ = true;
    fmt::print(err_, "llmload run: error: {}\n", message);
  }

  std::string cumulative_json(const IntervalReport& r) const {
    std::string json;
    core::JsonWriter w(json);
    const double duration = core::ns_to_s(r.end_ns);
    w.begin_object();
    w.field("partial", true);
    w.field("intervals", static_cast<std::int64_t>(encoded_.size()));
    w.field("duration", duration);
    w.field("completed", cumulative_.completed);
    w.field("failed", cumulative_.failed);
    w.field("total_output_tokens", cumulative_.output_tokens);
    w.field("request_throughput", duration > 0 ? static_cast<double>(cumulative_.completed) / duration : 0.0);
    w.field("output_throughput", duration > 0 ? static_cast<double>(cumulative_.output_tokens) / duration : 0.0);
    for (std::size_t t = 0; t < kIntervalTags.size(); ++t) {
      const auto& h = tagged(cumulative_, t);
      const bool any = h.total_count() > 0;
      w.field(fmt::format("mean_{}_ms", kIntervalTags[t]), any ? h.mean() / 1000.0 : 0.0);
      for (const double q : {50.0, 90.0, 99.0}) {
        const double value = any ? static_cast<double>(h.value_at_percentile(q)) / 1000.0 : 0.0;
        w.field(q == 50.0 ? fmt::format("median_{}_ms", kIntervalTags[t]) : fmt::format("p{:g}_{}_ms", q, kIntervalTags[t]), value);
      }
    }
    w.key("llmload").begin_object();
    w.field("note", "cumulative figures from HdrHistograms (3 significant digits), rewritten every interval "
                    "while the stage runs; the exact result replaces this file when the stage ends");
    w.end_object();
    w.end_object();
    json += "\n";
    return json;
  }

  std::filesystem::path dir_;
  std::string base_, label_;
  core::Nanos interval_ns_;
  bool last_short_ = false;
  std::FILE* out_;
  std::FILE* err_;
  std::FILE* hlog_ = nullptr;
  std::FILE* csv_ = nullptr;
  bool failed_ = false;
  metrics::IntervalRecorder cumulative_;
  std::vector<std::array<std::string, 4>> encoded_;
};

/// One profile (a sweep point, or a search probe) run stage by stage.
struct PointRun {
  int code = kExitOk;                 ///< kExitOk, kExitUsage or kExitCannotRun
  std::vector<SloVerdict> verdicts;   ///< of the measured stages
  std::vector<std::string> files;     ///< result files of the measured stages
};

/// Runs every stage of `profile` with the soak outputs and checks the SLOs. Result files are
/// named `<prefix>-<stage number>-<stage>`.
PointRun run_point(const config::Profile& profile, const std::string& prefix, const std::string& point_name,
                   const std::string& heading, std::FILE* out, std::FILE* err) {
  PointRun run;
  const auto& stages = profile.stages;
  for (std::size_t j = 0; j < stages.size(); ++j) {
    const auto& stage = stages[j];
    fmt::print(out, "\n== llmload run: {}stage {}/{} '{}'{} ==\n", heading, j + 1, stages.size(), stage.name,
               stage.cooldown ? " (cool-down, not checked)" : stage.warmup ? " (warm-up, not checked)" : "");
    std::fflush(out);
    const std::string base = fmt::format("{}-{:02}-{}", prefix, j + 1, slug(stage.name));
    const auto options = bench_options_for(profile, stage, profile.outputs.dir, base + ".json");
    SoakOutputs soak(profile.outputs.dir, base, stage.name, profile.outputs.interval.count(), out, err);
    BenchHooks hooks;
    if (!stage.warmup) {
      hooks.interval = profile.outputs.interval;
      hooks.on_interval = [&soak](const IntervalReport& r) { soak.add(r); };
    }
    const int code = run_bench_command(options, out, err, hooks);
    if (code == kExitUsage) {
      run.code = kExitUsage;
      return run;
    }
    if (code != kExitOk || soak.failed()) {
      fmt::print(err, "llmload run: stage '{}' could not complete (exit {})\n", stage.name, code);
      run.code = kExitCannotRun;
      return run;
    }
    if (stage.warmup) continue;
    run.files.push_back((std::filesystem::path(profile.outputs.dir) / (base + ".json")).string());
    std::ifstream in(std::filesystem::path(profile.outputs.dir) / (base + ".json"));
    std::stringstream json;
    json << in.rdbuf();
    for (const auto& slo : profile.slos) {
      std::vector<SloVerdict> found;
      if (slo.max || slo.min) found.push_back(check_slo(slo, json.str()));
      if (slo.max_drift) found.push_back(check_drift(slo, soak.intervals_of(slo.metric)));
      for (auto& verdict : found) {
        verdict.point = point_name;
        verdict.stage = stage.name;
        run.verdicts.push_back(std::move(verdict));
      }
    }
  }
  return run;
}

void print_verdicts(const std::vector<SloVerdict>& verdicts, std::FILE* out) {
  for (const auto& v : verdicts) {
    fmt::print(out, "{} {}{}: {} ({})\n", v.passed ? "PASS" : "FAIL", v.stage,
               v.point.empty() ? "" : " [" + v.point + "]", v.slo, v.detail);
  }
}

bool all_passed(const PointRun& run) {
  return run.code == kExitOk &&
         std::all_of(run.verdicts.begin(), run.verdicts.end(), [](const SloVerdict& v) { return v.passed; });
}

/// One probe of a capacity search.
struct Probe {
  double value = 0;
  PointRun run;
  bool passed = false;
};

std::string value_text(double value, bool rate) {
  return rate ? fmt::format("{:.4g}/s", value) : fmt::format("{:.0f}", value);
}

/// The tightest SLO margin of a probe (relative), if any.
std::optional<double> worst_margin(const Probe& p) {
  std::optional<double> worst;
  for (const auto& v : p.run.verdicts) {
    if (v.margin) worst = worst ? std::min(*worst, *v.margin) : *v.margin;
  }
  return worst;
}

/// The capacity search: both ends of [from, to], then bisection (geometric for rates, integer
/// for concurrency) between the highest passing and the lowest failing value, until they are
/// within the tolerance or the runs are used up. Returns the exit code.
int run_search(const std::string& path, const std::vector<std::string>& overrides, const config::Profile& profile,
               std::vector<SloVerdict>& verdicts, std::FILE* out, std::FILE* err) {
  const config::ProfileSearch& search = *profile.search;
  const bool rate = search.over == "rate";
  std::vector<Probe> probes;
  auto probe = [&](double value) -> const Probe* {
    auto with = overrides;
    with.push_back(fmt::format("load.stages.{}.{}={}", search.stage, search.over,
                               rate ? fmt::format("{:.6g}", value) : fmt::format("{:.0f}", value)));
    const auto loaded = config::load_profile(path, with);
    if (!loaded.profile) {
      fmt::print(err, "{}", config::format_problems(loaded.problems));
      return nullptr;
    }
    Probe p;
    p.value = value;
    const std::string name = fmt::format("{}={}", search.over, value_text(value, rate));
    p.run = run_point(*loaded.profile, fmt::format("search-{:02}", probes.size() + 1), name,
                      fmt::format("search run {}/{} ({}), ", probes.size() + 1, search.max_runs, name), out, err);
    if (p.run.code == kExitUsage) return nullptr;
    p.passed = all_passed(p.run);
    fmt::print(out, "search: {} {}\n", name, p.passed ? "meets every SLO" : "misses an SLO");
    print_verdicts(p.run.verdicts, out);
    probes.push_back(std::move(p));
    return &probes.back();
  };

  const Probe* low = probe(search.from);
  if (low == nullptr) return kExitUsage;
  if (low->run.code == kExitCannotRun) return kExitCannotRun;
  std::optional<double> pass, fail;
  if (low->passed) pass = search.from;
  else fail = search.from;
  if (pass) {
    const Probe* high = probe(search.to);
    if (high == nullptr) return kExitUsage;
    if (high->passed) pass = search.to;
    else fail = search.to;
  }
  auto close_enough = [&] {
    return rate ? (*fail - *pass) / *pass <= search.tolerance : *fail - *pass <= 1;
  };
  while (pass && fail && static_cast<std::int64_t>(probes.size()) < search.max_runs && !close_enough()) {
    const double mid = rate ? std::sqrt(*pass * *fail) : std::floor((*pass + *fail) / 2);
    const Probe* p = probe(mid);
    if (p == nullptr) return kExitUsage;
    if (p->passed) pass = mid;
    else fail = mid;
  }

  // Report: every probe in the order tried, the curve by value, the answer.
  fmt::print(out, "\n== capacity search: {} of stage '{}' ==\n", search.over, profile.stages[search.stage].name);
  fmt::print(out, "{:>4}  {:>12}  {:<6}  {}\n", "run", search.over, "result", "tightest SLO margin");
  for (std::size_t i = 0; i < probes.size(); ++i) {
    const auto m = worst_margin(probes[i]);
    fmt::print(out, "{:>4}  {:>12}  {:<6}  {}\n", i + 1, value_text(probes[i].value, rate),
               probes[i].passed ? "pass" : (probes[i].run.code != kExitOk ? "error" : "fail"),
               m ? fmt::format("{:+.1f}%", *m * 100) : "-");
  }
  std::vector<const Probe*> curve;
  for (const auto& p : probes) curve.push_back(&p);
  std::sort(curve.begin(), curve.end(), [](const Probe* a, const Probe* b) { return a->value < b->value; });
  fmt::print(out, "curve (by {}):\n", search.over);
  for (const Probe* p : curve) {
    std::string measured;
    for (const auto& v : p->run.verdicts) {
      if (!v.measured) continue;
      std::string name = v.slo.substr(0, v.slo.find_first_of("<>"));
      while (!name.empty() && name.back() == ' ') name.pop_back();
      measured += fmt::format("  {} = {:.4g}", name, *v.measured);
    }
    fmt::print(out, "  {:>12}  {}{}\n", value_text(p->value, rate), p->passed ? "pass" : "fail", measured);
  }

  std::string json;
  core::JsonWriter w(json);
  w.begin_object();
  w.field("over", search.over);
  w.field("stage", profile.stages[search.stage].name);
  w.field("from", search.from);
  w.field("to", search.to);
  w.field("max_runs", search.max_runs);
  w.field("tolerance", search.tolerance);
  auto write_probe = [&](const Probe& p, std::size_t order) {
    w.begin_object();
    w.field("run", static_cast<std::int64_t>(order));
    w.field("value", p.value);
    w.field("passed", p.passed);
    w.field("exit_code", static_cast<std::int64_t>(p.run.code));
    w.key("slos").begin_array();
    for (const auto& v : p.run.verdicts) {
      w.begin_object();
      w.field("stage", v.stage);
      w.field("slo", v.slo);
      w.field("passed", v.passed);
      if (v.measured) w.field("measured", *v.measured);
      if (v.margin) w.field("margin", *v.margin);
      w.field("detail", v.detail);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  };
  w.key("points").begin_array();
  for (std::size_t i = 0; i < probes.size(); ++i) write_probe(probes[i], i + 1);
  w.end_array();
  w.key("curve").begin_array();
  for (const Probe* p : curve) write_probe(*p, static_cast<std::size_t>(p - probes.data()) + 1);
  w.end_array();
  const Probe* answer = nullptr;
  for (const auto& p : probes) {
    if (pass && p.value == *pass) answer = &p;
  }
  w.key("answer");
  if (answer != nullptr) {
    const auto margin = worst_margin(*answer);
    w.begin_object();
    w.field("value", answer->value);
    if (fail) w.field("first_failing", *fail);
    else w.key("first_failing").null();
    if (fail) w.field("resolution", rate ? (*fail - answer->value) / answer->value : *fail - answer->value);
    if (margin) w.field("slo_margin", *margin);
    w.end_object();
    fmt::print(out, "answer: the highest {} meeting every SLO is {}", search.over, value_text(answer->value, rate));
    if (fail) {
      fmt::print(out, " ({} missed one: the answer lies within {})", value_text(*fail, rate),
                 rate ? fmt::format("{:.1f}%", (*fail - answer->value) / answer->value * 100)
                      : fmt::format("{:.0f} streams", *fail - answer->value));
    } else {
      fmt::print(out, " (the top of the range; the capacity may be higher)");
    }
    if (margin) fmt::print(out, "; tightest SLO margin there {:+.1f}%", *margin * 100);
    fmt::print(out, "\n");
    verdicts = answer->run.verdicts;
  } else {
    w.null();
    fmt::print(out, "answer: none; even {} misses an SLO\n", value_text(search.from, rate));
    if (!probes.empty()) verdicts = probes.front().run.verdicts;
  }
  w.end_object();
  json += "\n";
  const auto json_path = std::filesystem::path(profile.outputs.dir) / "search.json";
  if (auto written = core::write_file_atomic(json_path, json); !written) {
    fmt::print(err, "llmload run: {}\n", written.error().message);
    return kExitCannotRun;
  }
  fmt::print(out, "search results: {}\n", json_path.string());
  return kExitOk;
}

}  // namespace

int run_profile_command(const std::string& path, const std::vector<std::string>& overrides,
                        std::FILE* out, std::FILE* err) {
  const auto loaded = config::load_profile(path, overrides);
  if (!loaded.profile) {
    fmt::print(err, "{}{} problem{} found; nothing was run.\n", config::format_problems(loaded.problems),
               loaded.problems.size(), loaded.problems.size() == 1 ? "" : "s");
    return kExitUsage;
  }
  const config::Profile& profile = *loaded.profile;
  fmt::print(out, "{}", config::describe_profile(profile));

  std::vector<SloVerdict> verdicts;
  std::vector<std::string> measured_files;
  int exit_code = kExitOk;
  if (profile.search) {
    exit_code = run_search(path, overrides, profile, verdicts, out, err);
    if (exit_code == kExitUsage) return exit_code;
  } else {
    const auto points = config::sweep_points(profile);
    for (std::size_t i = 0; i < points.size(); ++i) {
      auto with = overrides;
      with.insert(with.end(), points[i].begin(), points[i].end());
      const auto point_profile = config::load_profile(path, with);
      if (!point_profile.profile) {
        fmt::print(err, "{}", config::format_problems(point_profile.problems));
        return kExitUsage;
      }
      std::string point_name;
      for (const auto& assignment : points[i]) point_name += (point_name.empty() ? "" : ", ") + assignment;
      auto run = run_point(*point_profile.profile, fmt::format("{:02}", i + 1), point_name,
                           point_name.empty() ? "" : fmt::format("point {}/{} ({}), ", i + 1, points.size(), point_name),
                           out, err);
      if (run.code == kExitUsage) return kExitUsage;
      verdicts.insert(verdicts.end(), run.verdicts.begin(), run.verdicts.end());
      measured_files.insert(measured_files.end(), run.files.begin(), run.files.end());
      if (run.code == kExitCannotRun) {
        exit_code = kExitCannotRun;
        break;
      }
    }
  }

  if (!verdicts.empty()) {
    fmt::print(out, "\n== SLOs ==\n");
    print_verdicts(verdicts, out);
    for (const auto& v : verdicts) {
      if (!v.passed && exit_code == kExitOk) exit_code = kExitSloFailed;
    }
  }
  if (measured_files.size() > 1 && exit_code != kExitCannotRun) {
    // Every measured stage in one report: sweep curves, scenarios side by side.
    std::vector<report::ReportRun> runs;
    for (const auto& file : measured_files) {
      auto run = report::read_report_run(file);
      if (run) runs.push_back(std::move(*run));
    }
    const auto outputs = report::outputs_beside(std::filesystem::path(profile.outputs.dir) / "report.json",
                                                profile.outputs.formats,
                                                std::chrono::duration<double>(profile.outputs.interval).count());
    if (!outputs.html.empty() || !outputs.md.empty() || !outputs.csv.empty()) {
      if (auto written = report::write_reports(runs, outputs, report::local_environment()); !written) {
        fmt::print(err, "llmload run: {}\n", written.error().message);
        if (exit_code == kExitOk) exit_code = kExitCannotRun;
      } else {
        for (const auto& f : *written) fmt::print(out, "Report of all stages: {}\n", f.string());
      }
    }
  }
  if (std::find(profile.outputs.formats.begin(), profile.outputs.formats.end(), "junit") !=
      profile.outputs.formats.end()) {
    const auto junit_path = std::filesystem::path(profile.outputs.dir) / "junit.xml";
    if (auto written = core::write_file_atomic(junit_path, junit_xml(path, verdicts)); !written) {
      fmt::print(err, "llmload run: {}\n", written.error().message);
      if (exit_code == kExitOk) exit_code = kExitCannotRun;
    } else {
      fmt::print(out, "JUnit XML: {}\n", junit_path.string());
    }
  }
  return exit_code;
}

}  // namespace llmload::runtime
