#include "llmload/report/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace llmload::report {
namespace {

constexpr const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                    "#9467bd", "#8c564b", "#e377c2", "#17becf"};
constexpr int kLeft = 64, kRight = 16, kTop = 40, kBottom = 44;

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return !(hi >= lo); }
};

// 1, 2 or 5 times a power of ten, about (hi − lo) / 5.
double nice_step(double span) {
  if (!(span > 0)) return 1;
  const double raw = span / 5;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

// As many decimals as the tick step needs, so close ticks never print alike ("20.1", "20.2").
std::string tick_label(double v, double step) {
  const double a = std::fabs(v);
  if (a >= 1e6 && step >= 1e5) return fmt::format("{:g}M", v / 1e6);
  if (a >= 1e4 && step >= 1e3) return fmt::format("{:g}k", v / 1e3);
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  return fmt::format("{:.{}f}", std::fabs(v) < step * 1e-6 ? 0.0 : v, decimals);
}

Range padded(Range r, bool from_zero) {
  if (from_zero) r.lo = std::min(r.lo, 0.0);
  if (r.hi == r.lo) r.hi = r.lo + (r.lo == 0 ? 1 : std::fabs(r.lo) * 0.1);
  const double step = nice_step(r.hi - r.lo);
  r.hi = std::ceil(r.hi / step) * step;
  if (!from_zero) r.lo = std::floor(r.lo / step) * step;
  return r;
}

class Frame {
 public:
  Frame(const ChartAxes& a, Range x, Range y) : a_(a), x_(x), y_(y) {
    plot_w_ = a.width - kLeft - kRight;
    plot_h_ = a.height - kTop - kBottom;
  }
  double px(double x) const { return kLeft + (x - x_.lo) / (x_.hi - x_.lo) * plot_w_; }
  double py(double y) const { return kTop + plot_h_ - (y - y_.lo) / (y_.hi - y_.lo) * plot_h_; }

  std::string open(std::string_view subtitle = {}) const {
    std::string s = fmt::format(
        "<svg class=\"chart\" data-name=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" "
        "height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\"><title>{}</title>"
        "<text class=\"title\" x=\"{}\" y=\"18\">{}</text>",
        html_escape(a_.id), a_.width, a_.height, a_.width, a_.height, html_escape(a_.title), kLeft,
        html_escape(a_.title));
    if (!subtitle.empty()) {
      s += fmt::format("<text class=\"sub\" x=\"{}\" y=\"32\">{}</text>", kLeft, html_escape(subtitle));
    }
    return s;
  }

  std::string axes() const {
    std::string s = fmt::format("<g class=\"axes\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"plot\"/>",
                                kLeft, kTop, plot_w_, plot_h_);
    const double ystep = nice_step(y_.hi - y_.lo);
    for (double v = y_.lo; v <= y_.hi + ystep * 1e-6; v += ystep) {
      s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" class=\"grid\"/>"
                       "<text x=\"{}\" y=\"{:.1f}\" class=\"ytick\">{}</text>",
                       kLeft, kLeft + plot_w_, py(v), py(v), kLeft - 4, py(v) + 4, tick_label(v, ystep));
    }
    if (!a_.x_ticks.empty()) {
      for (const auto& [v, label] : a_.x_ticks) {
        if (v < x_.lo || v > x_.hi) continue;
        s += xtick(v, label);
      }
    } else {
      const double xstep = nice_step(x_.hi - x_.lo);
      for (double v = std::ceil(x_.lo / xstep) * xstep; v <= x_.hi + xstep * 1e-6; v += xstep) {
        s += xtick(v, tick_label(v, xstep));
      }
    }
    s += fmt::format("<text x=\"{}\" y=\"{}\" class=\"xlabel\">{}</text>", kLeft + plot_w_ / 2,
                     a_.height - 6, html_escape(a_.x_label));
    s += fmt::format("<text transform=\"translate(14 {}) rotate(-90)\" class=\"ylabel\">{}</text></g>",
                     kTop + plot_h_ / 2, html_escape(a_.y_label));
    return s;
  }

  // Above the plot, right-aligned (the title is on the left), so it never hides data.
  std::string legend(const std::vector<std::string>& names) const {
    if (names.size() < 2) return {};
    std::string s;
    double x = kLeft + plot_w_ - 8;
    for (std::size_t i = names.size(); i-- > 0;) {
      const double w = 18 + 6.5 * static_cast<double>(names[i].size());
      x -= w;
      s += fmt::format("<rect x=\"{:.1f}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/>"
                       "<text x=\"{:.1f}\" y=\"{}\" class=\"legend\">{}</text>",
                       x, kTop - 14, kPalette[i % std::size(kPalette)], x + 13, kTop - 5,
                       html_escape(names[i]));
    }
    return s;
  }

 private:
  std::string xtick(double v, const std::string& label) const {
    return fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" class=\"grid\"/>"
                       "<text x=\"{:.1f}\" y=\"{}\" class=\"xtick\">{}</text>",
                       px(v), px(v), kTop, kTop + plot_h_, px(v), kTop + plot_h_ + 14, html_escape(label));
  }

  const ChartAxes& a_;
  Range x_, y_;
  int plot_w_ = 0, plot_h_ = 0;
};

std::string no_data(const ChartAxes& a, std::string_view why) {
  return fmt::format(
      "<svg class=\"chart nodata\" data-name=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" "
      "height=\"60\"><text class=\"title\" x=\"{}\" y=\"18\">{}</text>"
      "<text class=\"sub\" x=\"{}\" y=\"40\">{}</text></svg>",
      html_escape(a.id), a.width, kLeft, html_escape(a.title), kLeft, html_escape(why));
}

bool finite(const std::pair<double, double>& p) { return std::isfinite(p.first) && std::isfinite(p.second); }

}  // namespace

std::string line_chart(const ChartAxes& axes, const std::vector<ChartSeries>& series) {
  Range x, y;
  std::vector<const ChartSeries*> drawn;
  for (const auto& s : series) {
    bool any = false;
    for (const auto& p : s.points) {
      if (!finite(p)) continue;
      x.add(p.first);
      y.add(p.second);
      any = true;
    }
    if (any) drawn.push_back(&s);
  }
  if (drawn.empty()) return no_data(axes, "no data in this result");
  if (x.hi == x.lo) x.hi = x.lo + 1;
  const Frame f(axes, padded(x, false), padded(y, axes.y_min_zero));
  std::string out = f.open() + f.axes();
  std::vector<std::string> names;
  for (std::size_t i = 0; i < drawn.size(); ++i) {
    const auto& s = *drawn[i];
    const char* colour = kPalette[i % std::size(kPalette)];
    names.push_back(s.name);
    std::string d;
    double last_y = NAN;
    for (const auto& p : s.points) {
      if (!finite(p)) continue;
      if (d.empty()) {
        d = fmt::format("M{:.1f},{:.1f}", f.px(p.first), f.py(p.second));
      } else {
        if (s.step) d += fmt::format("L{:.1f},{:.1f}", f.px(p.first), f.py(last_y));
        d += fmt::format("L{:.1f},{:.1f}", f.px(p.first), f.py(p.second));
      }
      last_y = p.second;
    }
    out += fmt::format("<path class=\"data\" d=\"{}\" stroke=\"{}\"><title>{}</title></path>", d, colour,
                       html_escape(s.name));
    if (s.markers) {
      for (const auto& p : s.points) {
        if (!finite(p)) continue;
        out += fmt::format("<circle class=\"data\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\">"
                           "<title>{}: ({:g}, {:g})</title></circle>",
                           f.px(p.first), f.py(p.second), colour, html_escape(s.name), p.first, p.second);
      }
    }
  }
  return out + f.legend(names) + "</svg>";
}

std::string timeline_chart(const ChartAxes& axes, const std::vector<metrics::RequestTimeline>& requests,
                           std::size_t max_bars) {
  std::vector<const metrics::RequestTimeline*> shown;
  const std::size_t every = requests.size() > max_bars && max_bars > 0 ? (requests.size() + max_bars - 1) / max_bars : 1;
  for (std::size_t i = 0; i < requests.size(); i += every) {
    if (std::isfinite(requests[i].start_ms) && std::isfinite(requests[i].end_ms)) shown.push_back(&requests[i]);
  }
  if (shown.empty()) return no_data(axes, "no request timings in this result");
  std::stable_sort(shown.begin(), shown.end(), [](const auto* a, const auto* b) { return a->start_ms < b->start_ms; });
  Range x, y;
  for (const auto* t : shown) {
    x.add(std::isfinite(t->dispatch_ms) ? t->dispatch_ms / 1000 : t->start_ms / 1000);
    x.add(t->end_ms / 1000);
  }
  y.add(0);
  y.add(static_cast<double>(shown.size()));
  const std::string subtitle =
      every > 1 ? fmt::format("{} bars for {} requests (one request in {} shown): grey queue, orange TTFT, blue decode, red failed",
                              shown.size(), requests.size(), every)
                : fmt::format("{} requests: grey client queue, orange time to first token, blue decode, red failed",
                              shown.size());
  const Frame f(axes, padded(x, true), Range{0, static_cast<double>(shown.size())});
  std::string out = f.open(subtitle) + f.axes() + "<g shape-rendering=\"crispEdges\">";
  const double h = std::max(0.5, (f.py(0) - f.py(1)) * 0.8);
  const auto bar = [&](double from_ms, double to_ms, double row, const char* cls) {
    if (!std::isfinite(from_ms) || !std::isfinite(to_ms) || to_ms < from_ms) return;
    out += fmt::format("<rect class=\"data {}\" x=\"{:.1f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\"/>", cls,
                       f.px(from_ms / 1000), f.py(row + 1), std::max(0.5, f.px(to_ms / 1000) - f.px(from_ms / 1000)), h);
  };
  for (std::size_t i = 0; i < shown.size(); ++i) {
    const auto& t = *shown[i];
    const double row = static_cast<double>(i);
    bar(t.dispatch_ms, t.start_ms, row, "queue");
    if (t.outcome != "ok") {
      bar(t.start_ms, t.end_ms, row, "failed");
      continue;
    }
    bar(t.start_ms, t.first_token_ms, row, "ttft");
    bar(t.first_token_ms, t.end_ms, row, "decode");
  }
  return out + "</g></svg>";
}

std::string bar_chart(const ChartAxes& axes, const std::vector<std::string>& labels,
                      const std::vector<std::pair<std::string, std::vector<double>>>& series) {
  Range y;
  for (const auto& [name, values] : series) {
    for (double v : values) {
      if (std::isfinite(v)) y.add(v);
    }
  }
  if (labels.empty() || y.empty()) return no_data(axes, "no categories in this result");
  ChartAxes a = axes;
  for (std::size_t i = 0; i < labels.size(); ++i) a.x_ticks.emplace_back(static_cast<double>(i) + 0.5, labels[i]);
  const Frame f(a, Range{0, static_cast<double>(labels.size())}, padded(y, true));
  std::string out = f.open() + f.axes();
  const double group = f.px(1) - f.px(0);
  const double w = group * 0.8 / static_cast<double>(std::max<std::size_t>(1, series.size()));
  std::vector<std::string> names;
  for (std::size_t s = 0; s < series.size(); ++s) {
    names.push_back(series[s].first);
    const auto& values = series[s].second;
    for (std::size_t i = 0; i < labels.size() && i < values.size(); ++i) {
      if (!std::isfinite(values[i])) continue;
      const double x0 = f.px(static_cast<double>(i)) + group * 0.1 + w * static_cast<double>(s);
      out += fmt::format("<rect class=\"data\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                         "fill=\"{}\"><title>{} / {}: {:g}</title></rect>",
                         x0, f.py(values[i]), w, std::max(0.5, f.py(0) - f.py(values[i])),
                         kPalette[s % std::size(kPalette)], html_escape(labels[i]), html_escape(series[s].first), values[i]);
    }
  }
  return out + f.legend(names) + "</svg>";
}

std::string stacked_bar_chart(const ChartAxes& axes, const std::vector<std::string>& labels,
                              const std::vector<std::pair<std::string, std::vector<double>>>& segments,
                              std::string_view subtitle) {
  const auto drawn = [](double v) { return std::isfinite(v) && v > 0; };
  std::vector<double> tops(labels.size(), 0.0);
  Range y;
  for (const auto& [name, values] : segments) {
    for (std::size_t i = 0; i < labels.size() && i < values.size(); ++i) tops[i] += drawn(values[i]) ? values[i] : 0.0;
  }
  for (const double t : tops) {
    if (t > 0) y.add(t);
  }
  if (labels.empty() || y.empty()) return no_data(axes, "nothing to stack in this result");
  ChartAxes a = axes;
  // Many bars: label about 12 of them, so the ticks never overlap.
  const std::size_t every = labels.size() > 12 ? (labels.size() + 11) / 12 : 1;
  for (std::size_t i = 0; i < labels.size(); i += every) a.x_ticks.emplace_back(static_cast<double>(i) + 0.5, labels[i]);
  const Frame f(a, Range{0, static_cast<double>(labels.size())}, padded(y, true));
  std::string out = f.open(subtitle) + f.axes();
  const double group = f.px(1) - f.px(0);
  std::vector<double> base(labels.size(), 0.0);
  std::vector<std::string> names;
  for (std::size_t s = 0; s < segments.size(); ++s) {
    names.push_back(segments[s].first);
    const auto& values = segments[s].second;
    for (std::size_t i = 0; i < labels.size() && i < values.size(); ++i) {
      if (!drawn(values[i])) continue;
      const double top = base[i] + values[i];
      out += fmt::format("<rect class=\"data\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.2f}\" "
                         "fill=\"{}\"><title>{} / {}: {:.3g}</title></rect>",
                         f.px(static_cast<double>(i)) + group * 0.15, f.py(top), group * 0.7,
                         std::max(0.5, f.py(base[i]) - f.py(top)), kPalette[s % std::size(kPalette)],
                         html_escape(labels[i]), html_escape(segments[s].first), values[i]);
      base[i] = top;
    }
  }
  return out + f.legend(names) + "</svg>";
}

std::string stacked_timeline_chart(const ChartAxes& axes, const std::vector<std::string>& part_names,
                                   const std::vector<TimelineBar>& bars, std::string_view subtitle) {
  const auto drawn = [](double v) { return std::isfinite(v) && v > 0; };
  Range x;
  for (const auto& b : bars) {
    double end = b.from_ms;
    for (const double p : b.parts_ms) end += drawn(p) ? p : 0.0;
    if (std::isfinite(b.from_ms) && end > b.from_ms) x.add(b.from_ms / 1000), x.add(end / 1000);
  }
  if (x.empty()) return no_data(axes, "no joined request in this result");
  const auto rows = static_cast<double>(bars.size());
  const Frame f(axes, padded(x, true), Range{0, rows});
  std::string out = f.open(subtitle) + f.axes() + "<g shape-rendering=\"crispEdges\">";
  const double h = std::max(0.5, (f.py(0) - f.py(1)) * 0.8);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    double at = bars[i].from_ms;
    for (std::size_t k = 0; k < bars[i].parts_ms.size() && k < part_names.size(); ++k) {
      const double ms = bars[i].parts_ms[k];
      if (!drawn(ms) || !std::isfinite(at)) continue;
      out += fmt::format("<rect class=\"data\" x=\"{:.1f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" "
                         "fill=\"{}\"><title>{}: {:.3g} ms</title></rect>",
                         f.px(at / 1000), f.py(static_cast<double>(i) + 1), std::max(0.5, f.px((at + ms) / 1000) - f.px(at / 1000)),
                         h, kPalette[k % std::size(kPalette)], html_escape(part_names[k]), ms);
      at += ms;
    }
  }
  return out + "</g>" + f.legend(part_names) + "</svg>";
}

}  // namespace llmload::report
