#include "llmload/report/compare.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cmath>
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

/// "+12.30 (+5.1%) worse" for b against a.
std::string change(const Row& row, const ComparedRun& a, const ComparedRun& b, double va, double vb,
                   const CompareOptions& options) {
  const double diff = vb - va;
  std::string text = fmt::format("{}{}", diff >= 0 ? "+" : "", number(diff));
  if (va != 0) text += fmt::format(" ({:+.1f}%)", 100.0 * diff / std::fabs(va));
  if (diff == 0 || row.better == Better::kNeither) return text;
  bool noise = false;
  if (row.key.starts_with("mean_")) {
    const std::string metric = row.key.substr(5, row.key.size() - 5 - 3);
    const auto sa = a.value("std_" + metric + "_ms"), sb = b.value("std_" + metric + "_ms");
    const auto na = samples_of(a, metric), nb = samples_of(b, metric);
    if (sa && sb && na && nb) {
      const double se = std::sqrt(*sa * *sa / *na + *sb * *sb / *nb);
      noise = std::fabs(diff) < 1.96 * se;
    } else {
      noise = va != 0 && std::fabs(diff) / std::fabs(va) < options.noise_fraction;
    }
  } else if (row.key == "completed" || row.key == "failed") {
    noise = false;  // counts are exact
  } else {
    noise = va != 0 && std::fabs(diff) / std::fabs(va) < options.noise_fraction;
  }
  if (noise) return text + " ~noise";
  const bool better = (row.better == Better::kHigher) == (diff > 0);
  return text + (better ? " better" : " worse");
}

}  // namespace

std::optional<double> ComparedRun::value(const std::string& key) const {
  for (const auto& [k, v] : values) {
    if (k == key) return v;
  }
  return std::nullopt;
}

core::Result<ComparedRun> read_compared_run(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::fail("{}: cannot read: {}", path, std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  auto doc = boost::json::parse(text.str(), ec);
  if (ec) {
    // An --append-result file holds one JSON object per line: compare its last run.
    std::string line, last;
    for (std::istringstream lines(text.str()); std::getline(lines, line);) {
      if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
    }
    boost::system::error_code line_ec;
    doc = boost::json::parse(last, line_ec);
    if (line_ec) {
      return core::fail("{}: not valid JSON ({}); give a result file of llmload bench --save-result",
                        path, ec.message());
    }
  }
  if (!doc.is_object()) return core::fail("{}: expected a JSON object (a result file)", path);
  const auto& o = doc.as_object();
  if (!o.contains("completed") || !o.contains("duration")) {
    return core::fail("{}: not a benchmark result (no 'completed' or 'duration' key)", path);
  }
  ComparedRun run;
  run.name = std::filesystem::path(path).stem().string();
  if (const auto* label = o.if_contains("label"); label && label->is_string() && !label->as_string().empty()) {
    run.name = std::string(label->as_string());
  }
  for (const auto& kv : o) {
    const auto& v = kv.value();
    if (v.is_int64()) run.values.emplace_back(std::string(kv.key()), static_cast<double>(v.as_int64()));
    else if (v.is_uint64()) run.values.emplace_back(std::string(kv.key()), static_cast<double>(v.as_uint64()));
    else if (v.is_double()) run.values.emplace_back(std::string(kv.key()), v.as_double());
  }
  return run;
}

std::string format_comparison(const std::vector<ComparedRun>& runs, const CompareOptions& options,
                              bool markdown) {
  if (runs.empty()) return {};
  const auto rows = rows_for(runs.front());
  // Cells: label, each run's value, each later run's change against the first.
  std::vector<std::vector<std::string>> table;
  std::vector<std::string> header{"Metric"};
  for (const auto& r : runs) header.push_back(r.name);
  for (std::size_t i = 1; i < runs.size(); ++i) header.push_back(fmt::format("{} vs {}", runs[i].name, runs[0].name));
  table.push_back(header);
  for (const auto& row : rows) {
    std::vector<std::string> cells{row.label};
    for (const auto& r : runs) {
      const auto v = r.value(row.key);
      cells.push_back(v ? number(*v) : "-");
    }
    const auto base = runs.front().value(row.key);
    for (std::size_t i = 1; i < runs.size(); ++i) {
      const auto v = runs[i].value(row.key);
      cells.push_back(base && v ? change(row, runs.front(), runs[i], *base, *v, options) : "-");
    }
    table.push_back(std::move(cells));
  }

  std::string out;
  if (markdown) {
    for (std::size_t r = 0; r < table.size(); ++r) {
      out += "|";
      for (const auto& cell : table[r]) out += " " + cell + " |";
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
  out += fmt::format(
      "\n{}Changes are against {}. \"~noise\": within run-to-run noise (means: inside the 95% "
      "interval from the runs' std and sample counts; other rows: under {:g}%).\n",
      markdown ? "" : "", runs.front().name, options.noise_fraction * 100);
  return out;
}

}  // namespace llmload::report
