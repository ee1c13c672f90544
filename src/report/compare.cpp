#include "llmload/report/compare.hpp"

#include "llmload/core/text.hpp"
#include "llmload/otlp/breakdown.hpp"
#include "llmload/report/result_reader.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace llmload::report {
namespace {

enum class Better { kHigher, kLower, kNeither };

struct Row {
  std::string key;
  std::string label;
  Better better = Better::kNeither;
};

constexpr std::pair<const char*, const char*> kMetricNames[] = {
    {"ttft", "TTFT"}, {"tpot", "TPOT"}, {"itl", "ITL"}, {"e2el", "E2EL"}};

/// The rows for the keys the first run has, in vLLM's table order.
std::vector<Row> rows_for(const ComparedRun& first) {
  std::vector<Row> rows = {
      {"completed", "Successful requests", Better::kHigher},
      {"failed", "Failed requests", Better::kLower},
      {"duration", "Benchmark duration (s)", Better::kNeither},
      {"total_input_tokens", "Total input tokens", Better::kNeither},
      {"total_output_tokens", "Total generated tokens", Better::kNeither},
      {"request_throughput", "Request throughput (req/s)", Better::kHigher},
      {"request_goodput", "Request goodput (req/s)", Better::kHigher},
      {"output_throughput", "Output token throughput (tok/s)", Better::kHigher},
      {"max_output_tokens_per_s", "Peak output token throughput (tok/s)", Better::kHigher},
      {"max_concurrent_requests", "Peak concurrent requests", Better::kNeither},
      {"total_token_throughput", "Total token throughput (tok/s)", Better::kHigher},
  };
  for (const auto& [metric, name] : kMetricNames) {
    const std::string suffix = fmt::format("_{}_ms", metric);
    rows.push_back({fmt::format("mean{}", suffix), fmt::format("Mean {} (ms)", name), Better::kLower});
    rows.push_back({fmt::format("median{}", suffix), fmt::format("Median {} (ms)", name), Better::kLower});
    rows.push_back({fmt::format("std{}", suffix), fmt::format("Std {} (ms)", name), Better::kNeither});
    for (const auto& [key, value] : first.values) {  // percentiles in the file's order
      if (key.size() > suffix.size() + 1 && key[0] == 'p' && key.ends_with(suffix)) {
        const std::string p = key.substr(1, key.size() - 1 - suffix.size());
        rows.push_back({key, fmt::format("P{} {} (ms)", p, name), Better::kLower});
      }
    }
  }
  // The latency breakdown from the server's traces, part by part in the order they happen.
  for (std::size_t k = 0; k < otlp::kPartCount; ++k) {
    const auto part = static_cast<otlp::Part>(k);
    for (const auto& [figure, shown] : {std::pair{"mean", "Mean"}, {"median", "Median"}, {"p99", "P99"}}) {
      rows.push_back({fmt::format("breakdown_{}_{}", figure, otlp::part_name(part)),
                      fmt::format("{} {} (ms, server traces, not in vLLM)", shown, otlp::part_label(part)),
                      Better::kLower});
    }
  }
  rows.push_back({"accuracy", "Accuracy (not in vLLM)", Better::kHigher});
  rows.push_back({"degenerate", "Degenerate outputs (not in vLLM)", Better::kLower});
  std::erase_if(rows, [&](const Row& r) { return !first.value(r.key); });
  return rows;
}

/// Samples behind a mean, to judge its noise: ITL has one sample per token gap.
std::optional<double> samples_of(const ComparedRun& run, const std::string& metric) {
  const auto completed = run.value("completed");
  if (!completed || *completed <= 0) return std::nullopt;
  if (metric == "itl") {
    const auto output = run.value("total_output_tokens");
    if (!output || *output - *completed <= 0) return std::nullopt;
    return *output - *completed;
  }
  return *completed;
}

std::string number(double v) {
  if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
  return fmt::format("{:.2f}", v);
}

/// Accuracy keeps 4 decimals (a 0.5-point change matters).
std::string value_text(const Row& row, double v) { return row.key == "accuracy" ? fmt::format("{:.4f}", v) : number(v); }

/// "+12.30 (+5.1%) worse" for b against a.
ComparisonCell change(const Row& row, const ComparedRun& a, const ComparedRun& b, double va, double vb,
                   const CompareOptions& options) {
  const double diff = vb - va;
  std::string text = fmt::format("{}{}", diff >= 0 ? "+" : "", value_text(row, diff));
  if (va != 0) text += fmt::format(" ({:+.1f}%)", 100.0 * diff / std::fabs(va));
  if (diff == 0 || row.better == Better::kNeither) return {text, Verdict::kNone};
  bool noise = false;
  const auto ia = a.interval(row.key), ib = b.interval(row.key);
  if (ia && ib) {
    noise = ia->first <= ib->second && ib->first <= ia->second;  // the 95% intervals overlap
  } else if (row.key.starts_with("mean_")) {
    const std::string metric = row.key.substr(5, row.key.size() - 5 - 3);
    const auto sa = a.value("std_" + metric + "_ms"), sb = b.value("std_" + metric + "_ms");
    const auto na = samples_of(a, metric), nb = samples_of(b, metric);
    if (sa && sb && na && nb) {
      const double se = std::sqrt(*sa * *sa / *na + *sb * *sb / *nb);
      noise = std::fabs(diff) < 1.96 * se;
    } else {
      noise = va != 0 && std::fabs(diff) / std::fabs(va) < options.noise_fraction;
    }
  } else if (row.key == "accuracy") {
    // Binomial standard error of each run's mean score (exact for 0/1 scores, an upper bound
    // for partial VQA credit): a two-sided 95% interval of the difference.
    const auto na = a.value("accuracy_scored"), nb = b.value("accuracy_scored");
    if (na && nb && *na > 0 && *nb > 0) {
      const double se = std::sqrt(va * (1 - va) / *na + vb * (1 - vb) / *nb);
      noise = std::fabs(diff) < 1.96 * se;
    }
  } else if (row.key == "completed" || row.key == "failed" || row.key == "degenerate") {
    noise = false;  // counts are exact
  } else {
    noise = va != 0 && std::fabs(diff) / std::fabs(va) < options.noise_fraction;
  }
  if (noise) return {text + " ~noise", Verdict::kNoise};
  const bool better = (row.better == Better::kHigher) == (diff > 0);
  return better ? ComparisonCell{text + " better", Verdict::kBetter}
                : ComparisonCell{text + " worse", Verdict::kWorse};
}

}  // namespace

std::optional<double> ComparedRun::value(const std::string& key) const {
  for (const auto& [k, v] : values) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::optional<std::pair<double, double>> ComparedRun::interval(const std::string& key) const {
  for (const auto& [k, v] : intervals) {
    if (k == key) return v;
  }
  return std::nullopt;
}

bool is_aggregate_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[64] = {};
  in.read(head, sizeof head - 1);
  return std::string_view(head).find("\"llmload_aggregate\"") != std::string_view::npos;
}

core::Result<ComparedRun> read_aggregate_run(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::fail("{}: cannot read: {}", path, std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(text.str(), ec);
  const auto* root = doc.if_object();
  const auto* head = root != nullptr ? root->if_contains("llmload_aggregate") : nullptr;
  const auto* metrics = root != nullptr ? root->if_contains("metrics") : nullptr;
  if (ec || head == nullptr || !head->is_object() || metrics == nullptr || !metrics->is_object()) {
    return core::fail("{}: not an aggregate of repeated runs (llmload_aggregate and metrics objects)", path);
  }
  ComparedRun run;
  const auto* runs = head->as_object().if_contains("runs");
  run.name = fmt::format("{} ({} runs)", std::filesystem::path(path).filename().string(),
                         runs != nullptr && runs->is_int64() ? runs->as_int64() : 0);
  for (const auto& [key, m] : metrics->as_object()) {
    const auto* o = m.if_object();
    const auto number = [o](const char* field) -> std::optional<double> {
      const auto* v = o != nullptr ? o->if_contains(field) : nullptr;
      if (v == nullptr || !v->is_number()) return std::nullopt;
      return v->to_number<double>();
    };
    const auto mean = number("mean"), low = number("ci95_low"), high = number("ci95_high");
    if (!mean || !low || !high) return core::fail("{}: metric '{}' needs mean, ci95_low and ci95_high", path, std::string(key));
    run.values.emplace_back(std::string(key), *mean);
    run.intervals.emplace_back(std::string(key), std::pair(*low, *high));
  }
  return run;
}

core::Result<ComparedRun> read_compared_run(const std::string& path) {
  if (is_aggregate_file(path)) return read_aggregate_run(path);
  auto run = read_report_run(path);
  if (!run) return run.error();
  return std::move(run->numbers);
}

ComparisonTable comparison_table(const std::vector<ComparedRun>& runs, const CompareOptions& options) {
  ComparisonTable table;
  if (runs.empty()) return table;
  const auto rows = rows_for(runs.front());
  table.header.push_back("Metric");
  for (const auto& r : runs) table.header.push_back(r.name);
  const std::size_t judged = options.judge ? runs.size() : 1;
  for (std::size_t i = 1; i < judged; ++i) {
    table.header.push_back(fmt::format("{} vs {}", runs[i].name, runs[0].name));
  }
  for (const auto& row : rows) {
    std::vector<ComparisonCell> cells{{row.label, Verdict::kNone}};
    for (const auto& r : runs) {
      const auto v = r.value(row.key);
      cells.push_back({v ? value_text(row, *v) : "-", Verdict::kNone});
    }
    const auto base = runs.front().value(row.key);
    for (std::size_t i = 1; i < judged; ++i) {
      const auto v = runs[i].value(row.key);
      cells.push_back(base && v ? change(row, runs.front(), runs[i], *base, *v, options)
                                : ComparisonCell{"-", Verdict::kNone});
    }
    table.rows.push_back(std::move(cells));
  }
  if (!options.judge) {
    table.footnote = "Shown side by side, without better or worse: the runs differ in more than one setting.";
    return table;
  }
  table.footnote = fmt::format(
      "Changes are against {}. \"~noise\": within run-to-run noise (means: inside the 95% "
      "interval from the runs' std and sample counts; {}other rows: under {:g}%).",
      runs.front().name,
      fmt::format("{}{}",
                  runs.front().value("accuracy") ? "accuracy: inside the 95% interval from the binomial standard "
                                                   "errors; "
                                                 : "",
                  std::any_of(runs.begin(), runs.end(), [](const ComparedRun& r) { return !r.intervals.empty(); })
                      ? "aggregates of repeated runs: overlapping 95% intervals of the mean; "
                      : ""),
      options.noise_fraction * 100);
  return table;
}

std::string format_comparison(const std::vector<ComparedRun>& runs, const CompareOptions& options,
                              bool markdown) {
  if (runs.empty()) return {};
  const ComparisonTable model = comparison_table(runs, options);
  std::vector<std::vector<std::string>> table{model.header};
  for (const auto& row : model.rows) {
    auto& cells = table.emplace_back();
    for (const auto& cell : row) cells.push_back(cell.text);
  }

  std::string out;
  if (markdown) {
    for (std::size_t r = 0; r < table.size(); ++r) {
      out += "|";
      for (const auto& cell : table[r]) out += " " + core::markdown_cell(cell) + " |";
      out += "\n";
      if (r == 0) {
        out += "|";
        for (std::size_t c = 0; c < table[r].size(); ++c) out += c == 0 ? "---|" : "---:|";
        out += "\n";
      }
    }
  } else {
    std::vector<std::size_t> width(table.front().size(), 0);
    for (const auto& cells : table) {
      for (std::size_t c = 0; c < cells.size(); ++c) width[c] = std::max(width[c], cells[c].size());
    }
    for (const auto& cells : table) {
      std::string line;
      for (std::size_t c = 0; c < cells.size(); ++c) {
        line += c == 0 ? fmt::format("{:<{}}", cells[c], width[c]) : fmt::format("  {:>{}}", cells[c], width[c]);
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
  }
  out += "\n" + model.footnote + "\n";
  return out;
}

}  // namespace llmload::report
