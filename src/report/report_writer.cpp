#include "llmload/report/report_writer.hpp"

#include "llmload/core/atomic_file.hpp"
#include "llmload/report/csv_report.hpp"
#include "llmload/report/html_report.hpp"

#include <algorithm>

namespace llmload::report {

std::filesystem::path intervals_csv_path(const std::filesystem::path& requests_csv) {
  auto path = requests_csv;
  path.replace_filename(requests_csv.stem().string() + ".intervals.csv");
  return path;
}

ReportOutputs outputs_beside(const std::filesystem::path& result_file, const std::vector<std::string>& formats,
                             double interval_s) {
  ReportOutputs out;
  out.interval_s = interval_s;
  const auto with = [&](const char* ext) { return std::filesystem::path(result_file).replace_extension(ext); };
  const auto wanted = [&](const char* f) { return std::find(formats.begin(), formats.end(), f) != formats.end(); };
  if (wanted("html")) out.html = with(".html");
  if (wanted("md")) out.md = with(".md");
  if (wanted("csv")) out.csv = with(".csv");
  return out;
}

core::Result<std::vector<std::filesystem::path>> write_reports(const std::vector<ReportRun>& runs,
                                                               const ReportOutputs& outputs,
                                                               const ReportEnvironment& env) {
  std::vector<std::pair<std::filesystem::path, std::string>> files;
  if (!outputs.html.empty()) {
    files.emplace_back(outputs.html, html_report(runs, env, HtmlReportOptions{outputs.interval_s}));
  }
  if (!outputs.md.empty()) files.emplace_back(outputs.md, markdown_report(runs, env));
  if (!outputs.csv.empty()) {
    files.emplace_back(outputs.csv, requests_csv(runs));
    if (outputs.intervals_csv) files.emplace_back(intervals_csv_path(outputs.csv), intervals_csv(runs, outputs.interval_s));
  }
  std::vector<std::filesystem::path> written;
  for (const auto& [path, content] : files) {
    if (auto ok = core::write_file_atomic(path, content); !ok) return ok.error();
    written.push_back(path);
  }
  return written;
}

}  // namespace llmload::report
