#include "llmload/report/markdown_report.hpp"

#include "llmload/report/breakdown_report.hpp"
#include "llmload/report/compare.hpp"
#include "llmload/report/report_series.hpp"
#include "llmload/report/run_set.hpp"
#include "llmload/report/runs_table.hpp"
#include "llmload/scrape/server_metrics.hpp"
#include "llmload/report/svg_chart.hpp"

#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <thread>

#ifndef LLMLOAD_VERSION
#define LLMLOAD_VERSION "unknown"
#endif

namespace llmload::report {
namespace {

constexpr std::size_t kExamples = 3;
constexpr std::size_t kExampleBytes = 800;

// A table cell: no raw HTML (escaped as in the HTML report), no column or line breaks.
std::string md_cell(std::string_view text) { return core::markdown_cell(text); }

// A fenced block whose fence is longer than any backtick run inside.
std::string fenced(std::string_view text) {
  std::size_t longest = 0, run = 0;
  for (const char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(std::max<std::size_t>(3, longest + 1), '`');
  std::string body(text);
  if (body.empty() || body.back() != '\n') body += '\n';
  return fence + "\n" + body + fence + "\n";
}

std::string value_or_dash(const std::optional<double>& v, const char* format_spec) {
  return v ? fmt::format(fmt::runtime(format_spec), *v) : std::string("-");
}

void table(std::string& out, const std::vector<std::string>& header,
           const std::vector<std::vector<std::string>>& rows) {
  out += "|";
  for (const auto& h : header) out += " " + h + " |";
  // Columns of numbers align right, text columns left.
  const auto numeric = [&](std::size_t c) {
    return c > 0 && std::all_of(rows.begin(), rows.end(), [&](const auto& r) {
             return c < r.size() && !r[c].empty() && (std::isdigit(static_cast<unsigned char>(r[c][0])) != 0 ||
                                                       r[c][0] == '-' || r[c][0] == '+');
           });
  };
  out += "\n|";
  for (std::size_t c = 0; c < header.size(); ++c) out += numeric(c) ? "---:|" : "---|";
  out += "\n";
  for (const auto& r : rows) {
    out += "|";
    for (const auto& cell : r) out += " " + cell + " |";
    out += "\n";
  }
}

std::string first_line_of_file(const char* path, std::string_view key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(key)) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        const auto start = line.find_first_not_of(" \t", colon + 1);
        return start == std::string::npos ? std::string() : line.substr(start);
      }
    }
  }
  return {};
}

}  // namespace

std::string shorten_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "…";
}

ReportEnvironment local_environment() {
  ReportEnvironment env;
  char host[256] = {};
  env.host = gethostname(host, sizeof host - 1) == 0 ? host : "unknown";
  env.cpu = first_line_of_file("/proc/cpuinfo", "model name");
  if (env.cpu.empty()) env.cpu = "unknown";
  env.cpu_cores = std::to_string(std::thread::hardware_concurrency());
  utsname u{};
  env.os = uname(&u) == 0 ? fmt::format("{} {} {}", u.sysname, u.release, u.machine) : "unknown";
  env.llmload_version = LLMLOAD_VERSION;
  return env;
}

namespace {

/// A time-scaled simulator run's label: its figures are real time, not the modeled engine's.
std::string time_scale_note(const ReportRun& run) {
  if (run.sim_time_scale == 1.0) return {};
  return fmt::format("\n> Simulator time scale x{:g}: every latency and duration here is real time as measured, "
                     "{:g} times shorter than the modeled engine's (throughputs {:g} times higher); the result's "
                     "`llmload.modeled_time` has them in the engine's time", run.sim_time_scale, run.sim_time_scale,
                     run.sim_time_scale);
}

void title_section(std::string& out, const std::vector<ReportRun>& runs) {
  const ReportRun& first = runs.front();
  out += fmt::format("# llmload report: {}\n\n", md_cell(first.model_id.empty() ? first.name() : first.model_id));
  out += fmt::format("> Runs: {}", runs.size());
  for (const auto& r : runs) out += fmt::format(" · {} ({})", md_cell(r.name()), md_cell(r.date));
  out += fmt::format("\n> Target: {}{}{}\n\n---\n\n", md_cell(first.target.empty() ? "unknown" : first.target),
                     first.simulator ? " (llmload's built-in simulator)" : "", time_scale_note(first));
}

void environment_section(std::string& out, const ReportRun& first, const ReportEnvironment& env) {
  out += "## 1. Environment\n\n";
  std::vector<std::vector<std::string>> env_rows = {
      {"**Host**", md_cell(env.host)},
      {"**CPU**", md_cell(env.cpu)},
      {"**CPU cores**", md_cell(env.cpu_cores)},
      {"**OS**", md_cell(env.os)},
      {"**llmload (report)**", md_cell(env.llmload_version)},
      {"**llmload (run)**", md_cell(first.version.empty() ? "not llmload (vLLM result)" : first.version)},
      {"**Target**", md_cell(first.target.empty() ? "unknown" : first.target)},
      {"**Model**", md_cell(first.model_id)},
      {"**Backend**", md_cell(first.backend)},
  };
  table(out, {"Item", "Value"}, env_rows);
}

/// A scraped server series as the console prints it: a counter's increase during the run, a
/// gauge's mean and peak (scrape::summarize on the same points).
std::vector<std::pair<std::string, std::string>> server_figures(const ServerSeries& s) {
  bool counter = false;
  for (const auto& m : scrape::watched_metrics()) counter = counter || (m.label == s.name && m.counter);
  if (s.points.empty()) return {};
  std::string label = s.name;
  if (!label.empty()) label[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(label[0])));
  if (counter) {
    const double first = s.points.front().second, last = s.points.back().second;
    return {{label + " during the run", fmt::format("{}", std::llround(last >= first ? last - first : last))}};
  }
  double sum = 0, peak = s.points.front().second;
  for (const auto& p : s.points) sum += p.second, peak = std::max(peak, p.second);
  return {{"Mean " + s.name, fmt::format("{:.2f}", sum / static_cast<double>(s.points.size()))},
          {"Peak " + s.name, fmt::format("{:.2f}", peak)}};
}

/// One run's resources: (label, value) in the console's wording.
std::vector<std::pair<std::string, std::string>> resources_of(const ReportRun& r) {
  std::vector<std::pair<std::string, std::string>> out = {
      {"Peak concurrent requests", value_or_dash(r.numbers.value("max_concurrent_requests"), "{:.0f}")},
      {"Peak output token throughput (tok/s)", value_or_dash(r.numbers.value("max_output_tokens_per_s"), "{:.2f}")}};
  for (const auto& s : r.server_metrics) {
    for (auto& f : server_figures(s)) out.push_back(std::move(f));
  }
  return out;
}

void resources_section(std::string& out, const std::vector<ReportRun>& runs) {
  out += "\n## 2. Resources\n\n";
  if (runs.size() == 1) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [label, value] : resources_of(runs.front())) rows.push_back({"**" + md_cell(label) + "**", value});
    table(out, {"Metric", "Value"}, rows);
  } else {
    // One table for the report: a row per run, a column per figure any run has.
    std::vector<std::string> header{"Run"};
    for (const auto& r : runs) {
      for (const auto& f : resources_of(r)) {
        if (std::find(header.begin(), header.end(), md_cell(f.first)) == header.end()) header.push_back(md_cell(f.first));
      }
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : runs) {
      auto& row = rows.emplace_back(header.size(), "-");
      row[0] = md_cell(r.name());
      for (const auto& [label, value] : resources_of(r)) {
        row[static_cast<std::size_t>(std::find(header.begin(), header.end(), md_cell(label)) - header.begin())] = value;
      }
    }
    table(out, header, rows);
  }
  if (std::all_of(runs.begin(), runs.end(), [](const ReportRun& r) { return r.server_metrics.empty(); })) {
    out += "\nServer-side resources (GPU memory, KV-cache use) are not in these results.\n";
  }
}

void summary_table(std::string& out, const std::vector<ReportRun>& runs) {
  std::vector<ComparedRun> numbers;
  for (const auto& r : runs) numbers.push_back(r.numbers);
  const ComparisonTable summary = comparison_table(numbers, {});
  const std::size_t columns = 1 + runs.size();
  std::vector<std::string> header;
  for (std::size_t c = 0; c < columns; ++c) header.push_back(md_cell(summary.header[c]));
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : summary.rows) {
    auto& cells = rows.emplace_back();
    for (std::size_t c = 0; c < columns; ++c) cells.push_back(row[c].text);
  }
  table(out, header, rows);
}

void scenarios_table(std::string& out, const std::vector<ReportRun>& runs) {
  // Answer columns (llmload extension) only when some run scored or checked its answers.
  const bool answers = std::any_of(runs.begin(), runs.end(), [](const ReportRun& r) { return r.answers.has_value(); });
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : runs) {
    const auto completed = r.numbers.value("completed").value_or(0);
    const auto failed = r.numbers.value("failed").value_or(0);
    rows.push_back({md_cell(r.name()), fmt::format("{:.0f} / {:.0f}", completed, failed),
                    r.request_rate ? fmt::format("{:g}", *r.request_rate) : std::string("inf"),
                    r.e2el.mean ? fmt::format("{:.3f}", *r.e2el.mean / 1000) : "-",
                    r.ttft.mean ? fmt::format("{:.3f}", *r.ttft.mean / 1000) : "-",
                    value_or_dash(r.numbers.value("total_output_tokens"), "{:.0f}"),
                    value_or_dash(r.numbers.value("output_throughput"), "{:.2f}")});
    if (answers) {
      const bool scored = r.answers && r.answers->accuracy;
      rows.back().push_back(scored ? fmt::format("{:.4f} ({} scored)", *r.answers->accuracy, r.answers->scored) : "-");
      rows.back().push_back(r.answers ? fmt::format("{} / {}", r.answers->degenerate, r.answers->checked) : "-");
    }
  }
  std::vector<std::string> header = {"Scenario", "Requests ok / failed", "Rate (req/s)", "Mean E2EL (s)",
                                     "Mean TTFT (s)", "Output tokens", "Throughput (tok/s)"};
  if (answers) {
    header.push_back("Accuracy (not in vLLM)");
    header.push_back("Degenerate / checked (not in vLLM)");
  }
  table(out, header, rows);
}

void category_table(std::string& out, const std::vector<ReportRun>& runs) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : runs) {
    for (auto& row : category_table_rows(r, runs.size() > 1 ? r.name() + " / " : "")) {
      for (auto& cell : row) cell = md_cell(cell);
      rows.push_back(std::move(row));
    }
  }
  table(out, category_table_header(), rows);
}

/// Several replicas as targets: each one's requests, failures and latencies.
void target_table(std::string& out, const std::vector<ReportRun>& runs) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : runs) {
    for (auto& row : target_table_rows(r, runs.size() > 1 ? r.name() + " / " : "")) {
      for (auto& cell : row) cell = md_cell(cell);
      rows.push_back(std::move(row));
    }
  }
  table(out, target_table_header(), rows);
}

/// What the runs are to each other, and what that allows (a sweep's knee, or no verdicts).
void relation_note(std::string& out, const std::vector<ReportRun>& runs) {
  const RunSet set = classify_runs(runs);
  if (set.kind == RunSetKind::kSideBySide) {
    out += fmt::format("\nShown side by side, without better or worse: {}.\n", md_cell(set.why));
  } else if (set.kind == RunSetKind::kSame) {
    out += "\nThe runs share their settings (repeats or before/after): changes between them are in `llmload compare`.\n";
  } else if (set.kind == RunSetKind::kSweep) {
    out += fmt::format("\nA sweep over {}.", md_cell(set.axis));
    const auto knee = capacity_knee(runs, set);
    const std::string note = knee ? knee->sentence() : no_knee_reason(runs, set);
    out += note.empty() ? "\n" : " " + md_cell(note) + "\n";
  }
}

/// Each run's latency breakdown from the server's traces: the parts, then per category.
void breakdown_tables(std::string& out, const std::vector<ReportRun>& runs) {
  const auto md_rows = [](std::vector<std::vector<std::string>> rows) {
    for (auto& row : rows) {
      for (auto& cell : row) cell = md_cell(cell);
    }
    return rows;
  };
  for (const auto& r : runs) {
    if (!r.breakdown) continue;
    const BreakdownFigures& b = *r.breakdown;
    out += fmt::format("\n{}Requests joined / sent: {} / {}; spans that matched no request: {}.\n\n",
                       runs.size() > 1 ? "**" + md_cell(r.name()) + "**: " : "", b.requests_joined, b.requests_sent,
                       b.spans_unmatched);
    table(out, breakdown_table_header(), md_rows(breakdown_table_rows(b)));
    if (!b.per_category.empty()) {
      out += "\n";
      table(out, breakdown_category_header(), md_rows(breakdown_category_rows(b, "")));
    }
  }
  out += "\nOutside the engine = client TTFT - server TTFT (network, API server, tokenization).\n";
}

void results_section(std::string& out, const std::vector<ReportRun>& runs) {
  out += "\n## 3. Results\n\n";
  if (runs.size() > 1) {
    out += "### 3.0 Runs\n\n";
    const RunsTable glance = runs_table(runs);
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : glance.rows) {
      auto& cells = rows.emplace_back();
      for (const auto& c : r) cells.push_back(md_cell(c));
    }
    table(out, glance.header, rows);
    relation_note(out, runs);
    out += "\n";
  }
  out += "### 3.1 Summary\n\n";
  summary_table(out, runs);
  if (runs.size() > 1) {
    out += "\n### 3.2 Scenarios\n\n";
    scenarios_table(out, runs);
  }
  int section = runs.size() > 1 ? 3 : 2;
  const bool any_categories = std::any_of(runs.begin(), runs.end(), [](const ReportRun& r) { return !r.categories.empty(); });
  if (any_categories) {
    out += fmt::format("\n### 3.{} Per category\n\n", section++);
    category_table(out, runs);
  }
  if (std::any_of(runs.begin(), runs.end(), [](const ReportRun& r) { return !r.targets.empty(); })) {
    out += fmt::format("\n### 3.{} Per target (not in vLLM)\n\n", section++);
    target_table(out, runs);
  }
  if (std::any_of(runs.begin(), runs.end(), [](const ReportRun& r) { return r.breakdown.has_value(); })) {
    out += fmt::format("\n### 3.{} Latency breakdown (server traces, not in vLLM)\n", section++);
    breakdown_tables(out, runs);
  }
}

void examples_section(std::string& out, const ReportRun& first) {
  out += "\n## 4. Example outputs\n\n";
  std::size_t shown = 0;
  for (std::size_t i = 0; i < first.generated_texts.size() && shown < kExamples; ++i) {
    if (first.generated_texts[i].empty()) continue;
    ++shown;
    out += fmt::format("### Example {}: request {}{}\n\n", shown, i,
                       i < first.requests.size() && !first.requests[i].category.empty()
                           ? " (" + md_cell(first.requests[i].category) + ")" : "");
    if (i < first.requests.size()) {
      const auto& t = first.requests[i];
      if (i < first.prompts.size()) {
        out += fmt::format("**Input** ({} tokens):\n\n", t.input_tokens) + fenced(first.prompts[i]) + "\n";
      } else {
        out += fmt::format("**Input:** {} tokens (the result file has no prompts: run with --save-detailed)\n\n",
                           t.input_tokens);
      }
      out += "**Output:**\n\n" + fenced(shorten_utf8(first.generated_texts[i], kExampleBytes));
      out += fmt::format("\n*E2EL: {:.3f} s | TTFT: {:.3f} s | output tokens: {}*\n\n",
                         (t.end_ms - t.start_ms) / 1000, (t.first_token_ms - t.start_ms) / 1000, t.output_tokens);
    } else {
      out += "**Output:**\n\n" + fenced(shorten_utf8(first.generated_texts[i], kExampleBytes)) + "\n";
    }
  }
  if (shown == 0) out += "No generated texts in the result (run with --save-detailed to keep them).\n\n";
}

/// Known limits once per report: each distinct limit one row, naming the runs it applies to
/// when it is not all of them.
void limits_section(std::string& out, const std::vector<ReportRun>& runs) {
  out += "## 5. Known limits\n\n";
  std::vector<std::pair<std::string, std::string>> kinds;  // (limit, details), first-seen order
  std::vector<std::vector<std::string>> who;               // the runs of each
  const auto add = [&](const std::string& limit, const std::string& details, const std::string& run) {
    std::size_t i = 0;
    while (i < kinds.size() && kinds[i] != std::pair(limit, details)) ++i;
    if (i == kinds.size()) kinds.emplace_back(limit, details), who.emplace_back();
    who[i].push_back(run);
  };
  for (const auto& r : runs) {
    for (const auto& note : r.notes) add("**Data**", md_cell(note), r.name());
    if (const auto failed = r.numbers.value("failed"); failed && *failed > 0) {
      add("**Failures**", fmt::format("{:.0f} requests failed; they are excluded from latency and throughput", *failed), r.name());
    }
    if (r.simulator) {
      add("**Target**", "llmload's built-in simulator: the numbers describe the simulator, not a GPU server", r.name());
    }
  }
  std::vector<std::vector<std::string>> limits;
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    std::string details = kinds[i].second;
    if (runs.size() > 1 && who[i].size() < runs.size()) {
      std::string names;
      for (const auto& n : who[i]) names += (names.empty() ? "" : ", ") + md_cell(n);
      details += " (" + names + ")";
    }
    limits.push_back({kinds[i].first, std::move(details)});
  }
  limits.push_back({"**Measurement**", "client-side: latencies include the network between client and server; the server's own queue time is not separated"});
  table(out, {"Limit", "Details"}, limits);
}

}  // namespace

std::string markdown_report(const std::vector<ReportRun>& runs, const ReportEnvironment& env) {
  std::string out;
  if (runs.empty()) return out;
  title_section(out, runs);
  environment_section(out, runs.front(), env);
  resources_section(out, runs);
  results_section(out, runs);
  examples_section(out, runs.front());
  limits_section(out, runs);
  out += "\n---\n\n*Generated by `llmload report`*\n";
  return out;
}

}  // namespace llmload::report
