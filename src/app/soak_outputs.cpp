#include "llmload/app/soak_outputs.hpp"

#include "llmload/core/atomic_file.hpp"
#include "llmload/core/json_writer.hpp"
#include "llmload/metrics/hdr_log.hpp"
#include "llmload/report/interval_report.hpp"
#include "llmload/runtime/execute.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

namespace llmload::app {
namespace {

using runtime::kIntervalMetrics;

const metrics::HdrHistogram& tagged(const metrics::IntervalRecorder& r, std::size_t tag) {
  switch (tag) {
    case 0: return r.ttft_us;
    case 1: return r.tpot_us;
    case 2: return r.itl_us;
    default: return r.e2el_us;
  }
}

}  // namespace

SoakOutputs::SoakOutputs(std::filesystem::path dir, std::string base, std::string label,
                         std::FILE* out, std::FILE* err)
    : dir_(std::move(dir)), base_(std::move(base)), label_(std::move(label)), out_(out),
      err_(err) {}

SoakOutputs::~SoakOutputs() {
  if (hlog_ != nullptr) std::fclose(hlog_);
  if (csv_ != nullptr) std::fclose(csv_);
}

void SoakOutputs::add(const runtime::IntervalReport& r) {
  if (failed_) return;
  if (hlog_ == nullptr && !open(r)) return;
  if (!write_lines(r)) return;
  ++intervals_;
  cumulative_.merge(r.recorded);
  if (auto ok = core::write_file_atomic(dir_ / (base_ + ".json"), cumulative_json(r)); !ok) fail(ok.error().message);
}

bool SoakOutputs::write_lines(const runtime::IntervalReport& r) {
  metrics::HdrLogWriter log(metrics::HdrLogOptions{.max_value_unit_ratio = 1000.0});  // µs -> ms
  for (std::size_t t = 0; t < kIntervalMetrics.size(); ++t) {
    const auto& h = tagged(r.recorded, t);
    if (auto ok = log.write_interval(h, std::chrono::nanoseconds(r.start_ns),
                                     std::chrono::nanoseconds(r.end_ns - r.start_ns), kIntervalMetrics[t]);
        !ok) {
      fail(ok.error().message);
      return false;
    }
  }
  const auto row = report::interval_row(r.recorded, r.start_ns, r.end_ns, r.in_flight);
  const std::string lines = log.take(), csv_line = report::interval_csv_line(row);
  if (std::fputs(lines.c_str(), hlog_) < 0 || std::fflush(hlog_) != 0 || std::fputs(csv_line.c_str(), csv_) < 0 ||
      std::fflush(csv_) != 0) {
    fail(fmt::format("cannot write the interval logs in {}: {}", dir_.string(), std::strerror(errno)));
    return false;
  }
  csv_lines_.push_back(csv_line);
  fmt::print(out_, "{}", report::interval_console_line(row, label_));
  std::fflush(out_);
  return true;
}

bool SoakOutputs::open(const runtime::IntervalReport& r) {
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

void SoakOutputs::fill_in(const metrics::RunSummary& summary) {
  if (failed_ || csv_ == nullptr || summary.interval_extra_fields.empty()) return;
  std::string text = report::interval_csv_header();
  text.pop_back();  // "\n"
  for (const auto& name : summary.interval_extra_fields) text += "," + name;
  text += "\n";
  for (std::size_t i = 0; i < csv_lines_.size(); ++i) {
    text += std::string_view(csv_lines_[i]).substr(0, csv_lines_[i].size() - 1);
    for (std::size_t k = 0; k < summary.interval_extra_fields.size(); ++k) {
      const auto& extra = i < summary.per_interval.size() ? summary.per_interval[i].extra : std::vector<double>{};
      text += k < extra.size() && std::isfinite(extra[k]) ? fmt::format(",{:.3f}", extra[k]) : std::string(",");
    }
    text += "\n";
  }
  std::fclose(csv_);
  csv_ = nullptr;
  if (auto ok = core::write_file_atomic(dir_ / (base_ + ".intervals.csv"), text); !ok) fail(ok.error().message);
}

void SoakOutputs::fail(const std::string& message) {
  failed_ = true;
  fmt::print(err_, "llmload run: error: {}\n", message);
}

std::string SoakOutputs::cumulative_json(const runtime::IntervalReport& r) const {
  std::string json;
  core::JsonWriter w(json);
  const double duration = core::ns_to_s(r.end_ns);
  w.begin_object();
  w.field("partial", true);
  w.field("intervals", intervals_);
  w.field("duration", duration);
  w.field("completed", cumulative_.completed);
  w.field("failed", cumulative_.failed);
  w.field("total_output_tokens", cumulative_.output_tokens);
  w.field("request_throughput", duration > 0 ? static_cast<double>(cumulative_.completed) / duration : 0.0);
  w.field("output_throughput", duration > 0 ? static_cast<double>(cumulative_.output_tokens) / duration : 0.0);
  for (std::size_t t = 0; t < kIntervalMetrics.size(); ++t) {
    const auto& h = tagged(cumulative_, t);
    const bool any = h.total_count() > 0;
    w.field(fmt::format("mean_{}_ms", kIntervalMetrics[t]), any ? h.mean() / 1000.0 : 0.0);
    for (const double q : {50.0, 90.0, 99.0}) {
      const double value = any ? static_cast<double>(h.value_at_percentile(q)) / 1000.0 : 0.0;
      w.field(q == 50.0 ? fmt::format("median_{}_ms", kIntervalMetrics[t]) : fmt::format("p{:g}_{}_ms", q, kIntervalMetrics[t]), value);
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

}  // namespace llmload::app
