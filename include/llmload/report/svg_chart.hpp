#pragma once
/// Inline SVG charts for the HTML report, written by hand (no chart library, works offline):
/// line/step charts with nice ticks and a legend, a request timeline, grouped bars. Every text
/// from outside (series names, titles built from file content) is escaped. Each chart is an
/// `<svg class="chart" data-name="...">` whose drawn data carry class "data" (the browser
/// test checks that every chart drew some).

#include "llmload/metrics/run_summary.hpp"

#include "llmload/core/text.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmload::report {

/// HTML escaping (core/text.hpp), used throughout the reports.
using core::html_escape;

/// One line of a chart.
struct ChartSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  ///< (x, y); non-finite points are skipped
  bool markers = false;  ///< draw a dot at each point (sweep curves, sparse figures)
  bool step = false;     ///< hold y until the next x (cumulative counts)
};

/// Titles and axes of a chart.
struct ChartAxes {
  std::string id;       ///< data-name of the chart (stable, for tests)
  std::string title;
  std::string x_label, y_label;
  /// Tick positions and labels for x instead of computed ones (percentile spectrum).
  std::vector<std::pair<double, std::string>> x_ticks;
  bool y_min_zero = true;    ///< start the y axis at 0 (else at the smallest value)
  int width = 560, height = 280;
};

/// A line chart of `series` (colours from a fixed palette, legend when more than one). Series
/// without finite points are left out; with none at all the result is an SVG saying "no data"
/// (no "data" element). Pure.
std::string line_chart(const ChartAxes& axes, const std::vector<ChartSeries>& series);

/// One bar per request over time (ms from the benchmark start): client queue (dispatch →
/// start), time to first token, decode (first → last token); failed requests in red from start
/// to end. At most `max_bars` bars: larger runs show one request in k, and the subtitle says
/// so. Pure.
std::string timeline_chart(const ChartAxes& axes, const std::vector<metrics::RequestTimeline>& requests,
                           std::size_t max_bars);

/// Grouped vertical bars: one group per label, one bar per series (values[series][label]). Pure.
std::string bar_chart(const ChartAxes& axes, const std::vector<std::string>& labels,
                      const std::vector<std::pair<std::string, std::vector<double>>>& series);

/// Stacked vertical bars: one bar per label, its segments stacked bottom up in `segments`'
/// order (values[segment][label]). Negative and non-finite values draw nothing (a stack shows
/// where time went; a negative remainder is the caller's to say). `subtitle` goes under the
/// title. Pure.
std::string stacked_bar_chart(const ChartAxes& axes, const std::vector<std::string>& labels,
                              const std::vector<std::pair<std::string, std::vector<double>>>& segments,
                              std::string_view subtitle = {});

/// One request of a stacked timeline: where its bar starts (ms from the benchmark start) and
/// its parts' lengths in ms, laid end to end.
struct TimelineBar {
  double from_ms = 0;
  std::vector<double> parts_ms;  ///< one per part name; negative or non-finite: nothing drawn
};

/// A request timeline whose bars are split into parts (`part_names`, coloured as the stacked
/// bars): one row per bar in the given order, x in seconds from the benchmark start. Pure.
std::string stacked_timeline_chart(const ChartAxes& axes, const std::vector<std::string>& part_names,
                                   const std::vector<TimelineBar>& bars, std::string_view subtitle);

}  // namespace llmload::report
