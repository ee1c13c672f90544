#include "llmload/runtime/run_command.hpp"

#include "llmload/config/bench_options.hpp"
#include "llmload/core/atomic_file.hpp"
#include "llmload/core/json_writer.hpp"
#include "llmload/report/report_writer.hpp"
#include "llmload/report/svg_chart.hpp"
#include "llmload/runtime/bench_command.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <cmath>
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

/// What `llmload run` cannot do yet, said before anything runs.
std::vector<std::string> unsupported(const config::Profile& p) {
  std::vector<std::string> problems;
  for (const auto& slo : p.slos) {
    if (slo.metric == "goodput") problems.push_back("slo metric 'goodput' is not checked by llmload run yet");
    if (slo.max_drift) problems.push_back("slo 'max_drift' needs interval reports, which llmload run does not write yet");
  }
  for (const auto& s : p.stages) {
    if (s.duration && !s.requests && !s.rate && !s.ramp_from) {
      problems.push_back(fmt::format("stage '{}': a closed-loop stage needs 'requests' (duration-bound closed loops are not run yet)", s.name));
    }
  }
  if (p.workload.dataset != "random") problems.push_back(fmt::format("workload.dataset '{}' is not run by profiles yet", p.workload.dataset));
  return problems;
}

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
  o.ready_check_timeout_sec = std::chrono::duration_cast<std::chrono::seconds>(p.target.ready_check_timeout).count();
  o.tokenizer = p.workload.tokenizer;
  o.dataset_name = p.workload.dataset;
  o.random_input_len = p.workload.input_len;
  o.random_output_len = p.request.max_tokens.value_or(p.workload.output_len);
  o.random_prefix_len = p.workload.prefix_len;
  o.random_range_ratio = p.workload.range_ratio;
  o.seed = p.workload.seed;
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
  if (s.requests) {
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
  }
  if (!measured) {
    v.detail = "the result has no value for it";
    return v;
  }
  auto show = [&](double x) {
    return slo.metric == "error_rate" ? fmt::format("{:.3g}%", x * 100) : fmt::format("{:.2f}{}", x, unit);
  };
  v.passed = (!slo.max || *measured <= *slo.max) && (!slo.min || *measured >= *slo.min);
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

int run_profile_command(const std::string& path, const std::vector<std::string>& overrides,
                        std::FILE* out, std::FILE* err) {
  const auto loaded = config::load_profile(path, overrides);
  if (!loaded.profile) {
    fmt::print(err, "{}{} problem{} found; nothing was run.\n", config::format_problems(loaded.problems),
               loaded.problems.size(), loaded.problems.size() == 1 ? "" : "s");
    return kExitUsage;
  }
  const config::Profile& profile = *loaded.profile;
  if (const auto problems = unsupported(profile); !problems.empty()) {
    for (const auto& p : problems) fmt::print(err, "llmload run: {}: {}\n", path, p);
    return kExitUsage;
  }
  fmt::print(out, "{}", config::describe_profile(profile));

  const auto points = config::sweep_points(profile);
  std::vector<SloVerdict> verdicts;
  std::vector<std::string> measured_files;
  int exit_code = kExitOk;
  for (std::size_t i = 0; i < points.size() && exit_code != kExitCannotRun; ++i) {
    auto with = overrides;
    with.insert(with.end(), points[i].begin(), points[i].end());
    const auto point_profile = config::load_profile(path, with);
    if (!point_profile.profile) {
      fmt::print(err, "{}", config::format_problems(point_profile.problems));
      return kExitUsage;
    }
    std::string point_name;
    for (const auto& assignment : points[i]) point_name += (point_name.empty() ? "" : ", ") + assignment;
    const auto& stages = point_profile.profile->stages;
    for (std::size_t j = 0; j < stages.size(); ++j) {
      const auto& stage = stages[j];
      fmt::print(out, "\n== llmload run: {}stage {}/{} '{}'{} ==\n",
                 point_name.empty() ? "" : fmt::format("point {}/{} ({}), ", i + 1, points.size(), point_name),
                 j + 1, stages.size(), stage.name, stage.warmup ? " (warm-up, not checked)" : "");
      std::fflush(out);
      const std::string file = fmt::format("{:02}-{:02}-{}.json", i + 1, j + 1, slug(stage.name));
      const auto options = bench_options_for(*point_profile.profile, stage, profile.outputs.dir, file);
      const int code = run_bench_command(options, out, err);
      if (code == kExitUsage) return kExitUsage;
      if (code != kExitOk) {
        fmt::print(err, "llmload run: stage '{}' could not complete (exit {})\n", stage.name, code);
        exit_code = kExitCannotRun;
        break;
      }
      if (stage.warmup) continue;
      measured_files.push_back((std::filesystem::path(profile.outputs.dir) / file).string());
      std::ifstream in(std::filesystem::path(profile.outputs.dir) / file);
      std::stringstream json;
      json << in.rdbuf();
      for (const auto& slo : profile.slos) {
        auto verdict = check_slo(slo, json.str());
        verdict.point = point_name;
        verdict.stage = stage.name;
        verdicts.push_back(std::move(verdict));
      }
    }
  }

  if (!verdicts.empty()) {
    fmt::print(out, "\n== SLOs ==\n");
    for (const auto& v : verdicts) {
      fmt::print(out, "{} {}{}: {} ({})\n", v.passed ? "PASS" : "FAIL", v.stage,
                 v.point.empty() ? "" : " [" + v.point + "]", v.slo, v.detail);
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
