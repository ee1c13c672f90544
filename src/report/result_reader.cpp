#include "llmload/report/result_reader.hpp"

#include "llmload/core/input_file.hpp"
#include "llmload/core/simdjson_dom.hpp"
#include "llmload/report/json_result.hpp"
#include "llmload/report/report_run.hpp"
#include "llmload/scrape/server_metrics.hpp"

#include <simdjson.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace llmload::report {
namespace {

namespace dom = simdjson::dom;
using Type = dom::element_type;

using core::as_array;
using core::as_object;

std::optional<double> number_of(dom::element v) {
  switch (v.type()) {
    case Type::INT64: return static_cast<double>(v.get_int64().value_unsafe());
    case Type::UINT64: return static_cast<double>(v.get_uint64().value_unsafe());
    case Type::DOUBLE: return v.get_double().value_unsafe();
    default: return std::nullopt;
  }
}

std::string string_of(dom::element v) {
  return v.type() == Type::STRING ? std::string(v.get_string().value_unsafe()) : std::string();
}

std::optional<dom::element> field(dom::object o, std::string_view key) {
  dom::element e;
  if (o.at_key(key).get(e) != simdjson::SUCCESS) return std::nullopt;
  return e;
}

std::optional<dom::array> array_field(dom::object o, std::string_view key) {
  const auto e = field(o, key);
  if (!e || e->type() != Type::ARRAY) return std::nullopt;
  return as_array(*e);
}

std::optional<dom::object> object_field(dom::object o, std::string_view key) {
  const auto e = field(o, key);
  if (!e || e->type() != Type::OBJECT) return std::nullopt;
  return as_object(*e);
}

std::vector<double> numbers_of(dom::array a) {
  std::vector<double> out;
  for (dom::element v : a) out.push_back(number_of(v).value_or(NAN));
  return out;
}

double stat(dom::object o, std::string_view key) {
  const auto e = field(o, key);
  return e ? number_of(*e).value_or(0) : 0;
}

/// "llmload"."per_target" (json_result's write_per_target): one row per target object.
void read_targets(dom::array targets, ReportRun& run) {
  for (dom::element e : targets) {
    if (e.type() != dom::element_type::OBJECT) continue;
    const dom::object t = as_object(e);
    TargetRow row;
    if (const auto url = field(t, "url")) row.url = string_of(*url);
    row.requests = static_cast<std::int64_t>(stat(t, "requests"));
    row.completed = static_cast<std::int64_t>(stat(t, "completed"));
    row.failed = static_cast<std::int64_t>(stat(t, "failed"));
    row.output_tokens = static_cast<std::int64_t>(stat(t, "total_output_tokens"));
    row.output_throughput = stat(t, "output_throughput");
    if (const auto failures = object_field(t, "failures")) {
      for (const auto kv : *failures) {
        row.failures.emplace_back(std::string(kv.key), static_cast<std::int64_t>(number_of(kv.value).value_or(0)));
      }
    }
    if (const auto m = object_field(t, "ttft_ms")) row.ttft_p50 = stat(*m, "median"), row.ttft_p99 = stat(*m, "p99");
    if (const auto m = object_field(t, "itl_ms")) row.itl_p50 = stat(*m, "median"), row.itl_p99 = stat(*m, "p99");
    if (const auto m = object_field(t, "e2el_ms")) row.e2el_p50 = stat(*m, "median"), row.e2el_p99 = stat(*m, "p99");
    run.targets.push_back(std::move(row));
  }
}

// llmload's rows: [scheduled, dispatch, start, sent, first_token, end, outcome, category,
// input, output, chunks] (kRequestFields, schema 2).
core::Result<void> read_request_rows(dom::object x, const std::string& path, ReportRun& run) {
  const auto rows = array_field(x, "requests");
  if (!rows) return {};
  // More columns after the standard ones (the breakdown's parts), named in "request_fields".
  constexpr std::size_t kStandard = std::size(kRequestFields);
  if (const auto names = array_field(x, "request_fields")) {
    std::size_t k = 0;
    for (dom::element name : *names) {
      if (k++ >= kStandard) run.request_extra_fields.push_back(string_of(name));
    }
  }
  std::size_t i = 0;
  for (dom::element row : *rows) {
    if (row.type() != Type::ARRAY) {
      return core::fail("{}: llmload.requests[{}] is not an array; the file is damaged", path, i);
    }
    std::vector<dom::element> cells;
    for (dom::element c : as_array(row)) cells.push_back(c);
    if (cells.size() < 11) {
      return core::fail("{}: llmload.requests[{}] has {} fields, expected 11; the file is damaged",
                        path, i, cells.size());
    }
    metrics::RequestTimeline t;
    double* stamps[] = {&t.scheduled_ms, &t.dispatch_ms, &t.start_ms, &t.sent_ms, &t.first_token_ms, &t.end_ms};
    for (std::size_t k = 0; k < 6; ++k) *stamps[k] = number_of(cells[k]).value_or(NAN);
    t.outcome = string_of(cells[6]);
    t.category = string_of(cells[7]);
    t.input_tokens = static_cast<std::int64_t>(number_of(cells[8]).value_or(0));
    t.output_tokens = static_cast<std::int64_t>(number_of(cells[9]).value_or(0));
    t.chunks = static_cast<std::int64_t>(number_of(cells[10]).value_or(0));
    if (cells.size() > 11) t.trace_id = string_of(cells[11]);
    if (!run.request_extra_fields.empty()) {
      t.extra.assign(run.request_extra_fields.size(), NAN);
      for (std::size_t k = kStandard; k < cells.size() && k - kStandard < t.extra.size(); ++k) {
        t.extra[k - kStandard] = number_of(cells[k]).value_or(NAN);
      }
    }
    run.requests.push_back(std::move(t));
    ++i;
  }
  run.has_queue_times = true;
  return {};
}

// vLLM's --save-detailed arrays: start_times and ttfts in seconds, itls per request.
void rebuild_requests(dom::object o, ReportRun& run) {
  const auto starts = array_field(o, "start_times");
  const auto ttfts = array_field(o, "ttfts");
  if (!starts || !ttfts) return;
  const auto start_s = numbers_of(*starts);
  const auto ttft_s = numbers_of(*ttfts);
  std::vector<double> inputs, outputs;
  if (const auto a = array_field(o, "input_lens")) inputs = numbers_of(*a);
  if (const auto a = array_field(o, "output_lens")) outputs = numbers_of(*a);
  std::vector<std::string> errors;
  if (const auto a = array_field(o, "errors")) {
    for (dom::element e : *a) errors.push_back(string_of(e));
  }
  const std::size_t n = std::min(start_s.size(), ttft_s.size());
  for (std::size_t i = 0; i < n; ++i) {
    metrics::RequestTimeline t;
    const bool ok = i < errors.size() ? errors[i].empty() : ttft_s[i] > 0;
    t.outcome = ok ? "ok" : "failed";
    t.start_ms = start_s[i] * 1000.0;
    t.input_tokens = i < inputs.size() ? static_cast<std::int64_t>(inputs[i]) : 0;
    t.output_tokens = i < outputs.size() ? static_cast<std::int64_t>(outputs[i]) : 0;
    if (ok) {
      t.first_token_ms = t.start_ms + ttft_s[i] * 1000.0;
      double decode = 0;
      if (i < run.itls_ms.size()) {
        for (double gap : run.itls_ms[i]) decode += gap;
        t.chunks = static_cast<std::int64_t>(run.itls_ms[i].size()) + 1;
      }
      t.end_ms = t.first_token_ms + decode;
    }
    run.requests.push_back(std::move(t));
  }
}

/// "accuracy" and "degenerate" (json_result.cpp, write_answers).
void read_answers(dom::object x, ReportRun& run) {
  const auto accuracy = object_field(x, "accuracy");
  const auto degenerate = object_field(x, "degenerate");
  if (!accuracy && !degenerate) return;
  AnswerFigures a;
  if (accuracy) {
    if (const auto e = field(*accuracy, "score")) a.score = string_of(*e);
    a.scored = static_cast<std::int64_t>(stat(*accuracy, "scored"));
    if (a.scored > 0) a.accuracy = stat(*accuracy, "accuracy");
    if (const auto cats = object_field(*accuracy, "per_category")) {
      for (const auto kv : *cats) {
        if (kv.value.type() == Type::OBJECT) a.per_category.emplace_back(std::string(kv.key), stat(as_object(kv.value), "accuracy"));
      }
    }
    if (const auto intervals = array_field(*accuracy, "per_interval")) {
      for (dom::element e : *intervals) {
        if (e.type() != Type::OBJECT) continue;
        const dom::object i = as_object(e);
        metrics::IntervalAnswers ia{stat(i, "start_s"), stat(i, "end_s"), static_cast<std::int64_t>(stat(i, "checked")),
                                    static_cast<std::int64_t>(stat(i, "degenerate")),
                                    static_cast<std::int64_t>(stat(i, "scored")), std::nullopt};
        if (const auto v = field(i, "accuracy")) ia.accuracy = number_of(*v);
        a.per_interval.push_back(ia);
      }
    }
  }
  if (degenerate) {
    a.checked = static_cast<std::int64_t>(stat(*degenerate, "checked"));
    a.degenerate = static_cast<std::int64_t>(stat(*degenerate, "any"));
    run.numbers.values.emplace_back("degenerate", static_cast<double>(a.degenerate));
  }
  if (a.accuracy) {
    run.numbers.values.emplace_back("accuracy", *a.accuracy);
    run.numbers.values.emplace_back("accuracy_scored", static_cast<double>(a.scored));
  }
  run.answers = std::move(a);
}

/// The latency breakdown's parts ("llmload"."server_breakdown"."parts") as numbers `compare`
/// shows: "breakdown_mean_server_queue_ms", "breakdown_median_...", "breakdown_p99_...".
/// Also the figures the report draws (ReportRun::breakdown).
std::vector<BreakdownPart> read_breakdown_parts(dom::object o) {
  std::vector<BreakdownPart> out;
  const auto parts = object_field(o, "parts");
  if (!parts) return out;
  for (const auto kv : *parts) {
    if (kv.value.type() != Type::OBJECT) continue;
    const dom::object p = as_object(kv.value);
    out.push_back({std::string(kv.key), static_cast<std::int64_t>(stat(p, "count")), stat(p, "mean"), stat(p, "median"),
                   stat(p, "p99")});
  }
  return out;
}

void read_server_breakdown(dom::object x, ReportRun& run) {
  const auto breakdown = object_field(x, "server_breakdown");
  if (!breakdown || stat(*breakdown, "requests_joined") <= 0) return;
  BreakdownFigures b;
  b.requests_sent = static_cast<std::int64_t>(stat(*breakdown, "requests_sent"));
  b.requests_joined = static_cast<std::int64_t>(stat(*breakdown, "requests_joined"));
  b.spans_unmatched = static_cast<std::int64_t>(stat(*breakdown, "spans_unmatched"));
  b.parts = read_breakdown_parts(*breakdown);
  if (const auto cats = object_field(*breakdown, "per_category")) {
    for (const auto kv : *cats) {
      if (kv.value.type() != Type::OBJECT) continue;
      const dom::object c = as_object(kv.value);
      b.per_category.push_back({std::string(kv.key), static_cast<std::int64_t>(stat(c, "requests_joined")),
                                read_breakdown_parts(c)});
    }
  }
  add_breakdown_numbers(b, run);
  run.breakdown = std::move(b);
}

/// The plan's keys that say what was sent (not the load, the seed or the outputs).
std::string workload_of(dom::object plan) {
  std::string out;
  for (const char* key : {"endpoint", "backend", "model", "dataset_name", "dataset_path", "random_input_len",
                          "random_output_len", "random_prefix_len", "random_range_ratio", "turns", "ignore_eos"}) {
    const auto e = field(plan, key);
    if (!e) continue;
    out += key;
    out += '=';
    out += simdjson::minify(*e);
    out += ';';
  }
  return out;
}

/// llmload.run: a profile run's series and swept values.
void read_run_identity(dom::object x, ReportRun& run) {
  if (const auto plan = object_field(x, "plan")) run.workload = workload_of(*plan);
  const auto identity = object_field(x, "run");
  if (!identity) return;
  if (const auto e = field(*identity, "series")) run.series = string_of(*e);
  if (const auto sweep = object_field(*identity, "sweep")) {
    for (const auto kv : *sweep) run.sweep.emplace_back(std::string(kv.key), string_of(kv.value));
  }
}

/// An interval's "mean_..." figures (the breakdown's parts); null reads as NaN. The first
/// interval names them.
void read_interval_extra(dom::object i, ReportRun& run) {
  auto& extra = run.per_interval.back().extra;
  const bool first = run.per_interval.size() == 1;
  for (const auto kv : i) {
    if (!kv.key.starts_with("mean_")) continue;
    if (first) run.interval_extra_fields.emplace_back(kv.key);
    extra.push_back(number_of(kv.value).value_or(NAN));
  }
  extra.resize(run.interval_extra_fields.size(), NAN);
}

/// "intervals" (json_result.cpp, write_intervals).
void read_intervals(dom::object x, ReportRun& run) {
  const auto intervals = object_field(x, "intervals");
  if (!intervals) return;
  const auto rows = array_field(*intervals, "per_interval");
  if (!rows) return;
  // Counts out of range (a damaged file) read as 0 rather than overflow.
  const auto count = [](dom::object o, const char* key) {
    const double v = stat(o, key);
    return v >= 0 && v < 1e15 ? static_cast<std::int64_t>(v) : std::int64_t{0};
  };
  for (dom::element e : *rows) {
    if (e.type() != Type::OBJECT) continue;
    const dom::object i = as_object(e);
    run.per_interval.push_back({stat(i, "start_s"), stat(i, "end_s"), count(i, "completed"), count(i, "failed"),
                                count(i, "in_flight"), count(i, "output_tokens"), count(i, "completed_output_tokens"),
                                count(i, "checked"), count(i, "degenerate"), {}});
    read_interval_extra(i, run);
  }
}

core::Result<void> read_extension(dom::object x, const std::string& path, ReportRun& run) {
  read_answers(x, run);
  read_server_breakdown(x, run);
  read_run_identity(x, run);
  read_intervals(x, run);
  if (const auto e = field(x, "version")) run.version = string_of(*e);
  if (const auto e = field(x, "target")) run.target = string_of(*e);
  if (const auto e = field(x, "simulator")) run.simulator = e->type() == Type::BOOL && e->get_bool().value_unsafe();
  if (const auto e = field(x, "sim_time_scale")) {
    const double scale = number_of(*e).value_or(1.0);
    run.sim_time_scale = std::isfinite(scale) && scale > 0 ? scale : 1.0;
  }
  if (const auto prompts = array_field(x, "prompts")) {
    for (dom::element t : *prompts) run.prompts.push_back(string_of(t));
  }
  if (const auto cats = object_field(x, "per_category")) {
    for (const auto kv : *cats) {
      if (kv.value.type() != Type::OBJECT) continue;
      const dom::object c = as_object(kv.value);
      CategoryFigures f;
      f.category = std::string(kv.key);
      f.completed = static_cast<std::int64_t>(stat(c, "completed"));
      f.failed = static_cast<std::int64_t>(stat(c, "failed"));
      f.input_tokens = static_cast<std::int64_t>(stat(c, "total_input_tokens"));
      f.output_tokens = static_cast<std::int64_t>(stat(c, "total_output_tokens"));
      if (const auto t = object_field(c, "ttft_ms")) f.ttft_p50 = stat(*t, "median"), f.ttft_p99 = stat(*t, "p99");
      if (const auto t = object_field(c, "e2el_ms")) f.e2el_p50 = stat(*t, "median"), f.e2el_p99 = stat(*t, "p99");
      run.categories.push_back(std::move(f));
    }
  }
  if (const auto targets = array_field(x, "per_target")) read_targets(*targets, run);
  // The scraper's series (scrape::server_metrics_json): "t_s" and one array per metric, with
  // null where a scrape lacked it.
  if (const auto server = object_field(x, "server_metrics")) {
    if (const auto series = object_field(*server, "series")) {
      const auto t = field(*series, "t_s");
      const auto times = t && t->type() == Type::ARRAY ? numbers_of(as_array(*t)) : std::vector<double>{};
      for (const auto kv : *series) {
        if (kv.key == "t_s" || kv.value.type() != Type::ARRAY) continue;
        ServerSeries s;
        s.name = std::string(kv.key);
        for (const auto& m : scrape::watched_metrics()) {
          if (m.key == kv.key) s.name = std::string(m.label);
        }
        const auto values = numbers_of(as_array(kv.value));
        for (std::size_t i = 0; i < values.size() && i < times.size(); ++i) {
          if (std::isfinite(times[i]) && std::isfinite(values[i])) s.points.emplace_back(times[i], values[i]);
        }
        run.server_metrics.push_back(std::move(s));
      }
    }
  }
  return read_request_rows(x, path, run);
}

void read_metric_figures(const ComparedRun& numbers, std::string_view metric, MetricFigures& m) {
  const std::string suffix = fmt::format("_{}_ms", metric);
  m.mean = numbers.value(fmt::format("mean{}", suffix));
  m.median = numbers.value(fmt::format("median{}", suffix));
  m.stddev = numbers.value(fmt::format("std{}", suffix));
  for (const auto& [key, value] : numbers.values) {
    if (key.size() > suffix.size() + 1 && key[0] == 'p' && key.ends_with(suffix)) {
      const std::string p = key.substr(1, key.size() - 1 - suffix.size());
      char* end = nullptr;
      const double pv = std::strtod(p.c_str(), &end);
      if (end != nullptr && *end == '\0') m.percentiles.emplace_back(pv, value);
    }
  }
}

}  // namespace

void add_breakdown_numbers(const BreakdownFigures& b, ReportRun& run) {
  for (const auto& p : b.parts) {
    if (p.count <= 0) continue;
    for (const auto& [figure, v] : {std::pair{"mean", p.mean}, std::pair{"median", p.median}, std::pair{"p99", p.p99}}) {
      if (std::isfinite(v)) run.numbers.values.emplace_back(fmt::format("breakdown_{}_{}", figure, p.name), v);
    }
  }
}

void read_latency_figures(ReportRun& run) {
  read_metric_figures(run.numbers, "ttft", run.ttft);
  read_metric_figures(run.numbers, "tpot", run.tpot);
  read_metric_figures(run.numbers, "itl", run.itl);
  read_metric_figures(run.numbers, "e2el", run.e2el);
}

void finish_report_run(ReportRun& run) {
  if (run.itls_ms.size() != run.requests.size()) run.itls_ms.clear();
  if (run.requests.empty()) {
    run.notes.push_back(fmt::format("no per-request data (written by llmload bench for runs up to {} "
                                    "requests, and with --save-detailed): over-time charts and the "
                                    "timeline are left out, distributions show the file's "
                                    "percentiles only", kRequestRowsAlwaysUpTo));
  }
  if (run.itls_ms.empty()) {
    run.notes.push_back("no per-chunk gaps (vLLM's itls, written with --save-detailed): the ITL "
                        "distribution shows the file's percentiles only, and ITL per interval is "
                        "left out");
  }
}

const MetricFigures* ReportRun::metric(std::string_view name) const noexcept {
  if (name == "ttft") return &ttft;
  if (name == "tpot") return &tpot;
  if (name == "itl") return &itl;
  if (name == "e2el") return &e2el;
  return nullptr;
}

core::Result<ReportRun> parse_report_run(const std::string& text, const std::string& path) {
  dom::parser parser;
  dom::element doc;
  auto error = parser.parse(simdjson::padded_string(text)).get(doc);
  std::string last_line;
  if (error) {
    // An --append-result file holds one JSON object per line: read its last run.
    std::string line;
    for (std::istringstream lines(text); std::getline(lines, line);) {
      if (line.find_first_not_of(" \t\r") != std::string::npos) last_line = line;
    }
    if (parser.parse(simdjson::padded_string(last_line)).get(doc) != simdjson::SUCCESS) {
      return core::fail("{}: not valid JSON ({}); give a result file of llmload bench --save-result",
                        path, simdjson::error_message(error));
    }
  }
  if (doc.type() != Type::OBJECT) return core::fail("{}: expected a JSON object (a result file)", path);
  const dom::object o = as_object(doc);
  if (!field(o, "completed") || !field(o, "duration")) {
    return core::fail("{}: not a benchmark result (no 'completed' or 'duration' key); give a result "
                      "file of llmload bench --save-result or vllm bench serve --save-result", path);
  }

  ReportRun run;
  run.path = path;
  run.numbers.name = std::filesystem::path(path).stem().string();
  for (const auto kv : o) {
    if (const auto v = number_of(kv.value)) run.numbers.values.emplace_back(std::string(kv.key), *v);
  }
  if (const auto e = field(o, "label"); e && !string_of(*e).empty()) run.numbers.name = string_of(*e);
  if (const auto e = field(o, "model_id")) run.model_id = string_of(*e);
  if (const auto e = field(o, "backend")) run.backend = string_of(*e);
  if (const auto e = field(o, "date")) run.date = string_of(*e);
  run.request_rate = run.numbers.value("request_rate");
  read_latency_figures(run);

  if (const auto itls = array_field(o, "itls")) {
    for (dom::element per_request : *itls) {
      auto& gaps = run.itls_ms.emplace_back();
      if (per_request.type() != Type::ARRAY) continue;
      for (double s : numbers_of(as_array(per_request))) gaps.push_back(s * 1000.0);
    }
  }
  if (const auto texts = array_field(o, "generated_texts")) {
    for (dom::element t : *texts) run.generated_texts.push_back(string_of(t));
  }
  if (const auto x = object_field(o, "llmload")) {
    if (auto read = read_extension(*x, path, run); !read) return read.error();
  } else if (field(o, "llmload")) {
    return core::fail("{}: the 'llmload' key is not an object; the file is damaged", path);
  }
  if (run.requests.empty()) rebuild_requests(o, run);
  finish_report_run(run);
  return run;
}

std::string workload_of_plan(std::string_view plan_json) {
  dom::parser parser;
  dom::element doc;
  if (parser.parse(plan_json.data(), plan_json.size()).get(doc) != simdjson::SUCCESS || doc.type() != Type::OBJECT) {
    return {};
  }
  return workload_of(as_object(doc));
}

core::Result<ReportRun> read_report_run(const std::string& path) {
  auto text = core::read_input_file(path, core::kMaxResultFileBytes, "result file");
  if (!text) return text.error();
  return parse_report_run(*text, path);
}

}  // namespace llmload::report
