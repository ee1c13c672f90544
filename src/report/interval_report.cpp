#include "llmload/report/interval_report.hpp"

#include <fmt/format.h>

namespace llmload::report {
namespace {

double ms_at(const metrics::HdrHistogram& h, double percentile) {
  return h.total_count() == 0 ? 0.0 : static_cast<double>(h.value_at_percentile(percentile)) / 1000.0;
}

}  // namespace

IntervalRow interval_row(const metrics::IntervalRecorder& r, core::Nanos start_ns, core::Nanos end_ns,
                         std::int64_t in_flight) {
  IntervalRow row;
  row.start_s = core::ns_to_s(start_ns);
  row.end_s = core::ns_to_s(end_ns);
  row.completed = r.completed;
  row.failed = r.failed;
  row.in_flight = in_flight;
  row.output_tokens = r.arrived_tokens + r.arrived_tokens_later;
  row.completed_output_tokens = r.output_tokens;
  const double length = row.end_s - row.start_s;
  if (length > 0) {
    row.request_rate = static_cast<double>(r.completed) / length;
    row.output_token_rate = static_cast<double>(row.output_tokens) / length;
    row.completed_output_token_rate = static_cast<double>(r.output_tokens) / length;
  }
  row.ttft_p50_ms = ms_at(r.ttft_us, 50);
  row.ttft_p99_ms = ms_at(r.ttft_us, 99);
  row.itl_p50_ms = ms_at(r.itl_us, 50);
  row.itl_p99_ms = ms_at(r.itl_us, 99);
  row.e2el_p99_ms = ms_at(r.e2el_us, 99);
  row.scored = r.scored;
  row.accuracy = r.accuracy();
  row.answers_checked = r.answers_checked;
  row.degenerate = r.degenerate;
  return row;
}

metrics::IntervalAnswers interval_answers(const IntervalRow& row) {
  return {row.start_s, row.end_s, row.answers_checked, row.degenerate, row.scored, row.accuracy};
}

std::string interval_csv_header() {
  return "interval_start_s,interval_end_s,completed,failed,request_throughput,output_throughput,"
         "ttft_p50_ms,ttft_p99_ms,itl_p50_ms,itl_p99_ms,e2el_p99_ms,in_flight,scored,accuracy,degenerate,"
         "output_tokens,completed_output_tokens,completed_output_throughput\n";
}

std::string interval_csv_line(const IntervalRow& r) {
  return fmt::format("{:.3f},{:.3f},{},{},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{},{},{},{},{},{},{:.3f}\n",
                     r.start_s, r.end_s, r.completed, r.failed, r.request_rate, r.output_token_rate,
                     r.ttft_p50_ms, r.ttft_p99_ms, r.itl_p50_ms, r.itl_p99_ms, r.e2el_p99_ms, r.in_flight, r.scored,
                     r.accuracy ? fmt::format("{:.4f}", *r.accuracy) : std::string(), r.degenerate, r.output_tokens,
                     r.completed_output_tokens, r.completed_output_token_rate);
}

std::string interval_console_line(const IntervalRow& r, std::string_view label) {
  return fmt::format("{}{:8.1f}s-{:.1f}s  ok {} failed {}  {:.2f} req/s  {:.1f} tok/s ({:.1f} completed)"
                     "  TTFT p50/p99 {:.1f}/{:.1f} ms"
                     "  ITL p50/p99 {:.1f}/{:.1f} ms  E2EL p99 {:.1f} ms  in flight {}{}{}\n",
                     label.empty() ? std::string() : fmt::format("[{}] ", label), r.start_s, r.end_s,
                     r.completed, r.failed, r.request_rate, r.output_token_rate, r.completed_output_token_rate,
                     r.ttft_p50_ms, r.ttft_p99_ms,
                     r.itl_p50_ms, r.itl_p99_ms, r.e2el_p99_ms, r.in_flight,
                     r.accuracy ? fmt::format("  accuracy {:.3f} ({} scored)", *r.accuracy, r.scored) : std::string(),
                     r.degenerate > 0 ? fmt::format("  degenerate {}", r.degenerate) : std::string());
}

}  // namespace llmload::report
