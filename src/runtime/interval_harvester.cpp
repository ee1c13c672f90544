#include "llmload/runtime/interval_harvester.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace llmload::runtime {
using metrics::IntervalRecorder;

IntervalHarvester::IntervalHarvester(std::chrono::nanoseconds interval, core::Nanos origin_ns,
                                     std::chrono::system_clock::time_point origin_wall,
                                     std::function<void(const IntervalReport&)> on_interval,
                                     std::function<std::int64_t()> in_flight)
    : interval_(interval), origin_ns_(origin_ns), origin_wall_(origin_wall),
      on_interval_(std::move(on_interval)), in_flight_(std::move(in_flight)) {}

IntervalHarvester::Slot& IntervalHarvester::add_worker(boost::asio::any_io_executor executor) {
  auto slot = std::make_unique<Slot>();
  slot->executor_ = std::move(executor);
  slot->recorder_ = std::make_unique<IntervalRecorder>();
  slot->recorder_->arrival_end_ns = next_boundary_ns();
  slots_.push_back(std::move(slot));
  return *slots_.back();
}

void IntervalHarvester::worker_done(Slot& slot, boost::asio::io_context& context) {
  {
    std::lock_guard lock(mutex_);
    slot.accepting_ = false;
  }
  // A swap posted just before run() returned still runs here.
  context.restart();
  context.poll();
  std::lock_guard lock(mutex_);
  slot.finished_ = true;
  handed_cv_.notify_all();
}

core::Nanos IntervalHarvester::next_boundary_ns() const noexcept {
  return origin_ns_ + (index_ + 1) * interval_.count();
}

void IntervalHarvester::close_due(core::Nanos now_ns) {
  while (now_ns >= next_boundary_ns()) close((index_ + 1) * interval_.count(), false);
}

void IntervalHarvester::close_last(core::Nanos end_offset_ns) {
  close(std::max(index_ * interval_.count(), end_offset_ns), true);
}

std::unique_ptr<IntervalRecorder> IntervalHarvester::spare() {
  if (spares_.empty()) return std::make_unique<IntervalRecorder>();
  auto recorder = std::move(spares_.back());
  spares_.pop_back();
  return recorder;
}

void IntervalHarvester::harvest(IntervalRecorder& into) {
  // Empty recorders are made (or recycled) before taking the lock: a worker handing its
  // recorder over waits on that lock, and every microsecond it waits delays its reads.
  std::vector<std::unique_ptr<IntervalRecorder>> fresh(slots_.size());
  // The fresh recorders serve the interval after the one closing now.
  for (auto& f : fresh) {
    f = spare();
    f->arrival_end_ns = next_boundary_ns() + interval_.count();
  }
  std::vector<std::unique_ptr<IntervalRecorder>> filled;
  {
    std::unique_lock lock(mutex_);
    std::size_t posted = 0;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      Slot& slot = *slots_[i];
      if (slot.accepting_) {
        ++posted;
        boost::asio::post(slot.executor_, [this, s = &slot, f = std::move(fresh[i])]() mutable {
          f.swap(s->recorder_);
          std::lock_guard handed(mutex_);
          handed_.push_back(std::move(f));
          handed_cv_.notify_all();
        });
      } else {  // its thread is done (or about to be): read its recorder here
        handed_cv_.wait(lock, [&] { return slot.finished_; });
        into.merge(*slot.recorder_);
        slot.recorder_->reset();
      }
    }
    handed_cv_.wait(lock, [&] { return handed_.size() == posted; });
    filled.swap(handed_);
  }
  for (auto& recorder : filled) {
    into.merge(*recorder);
    recorder->reset();
    spares_.push_back(std::move(recorder));
  }
  for (auto& f : fresh) {
    if (f) spares_.push_back(std::move(f));
  }
}

void IntervalHarvester::close(core::Nanos end_offset_ns, bool last) {
  IntervalReport report;
  report.index = index_;
  report.start_ns = index_ * interval_.count();
  report.end_ns = end_offset_ns;
  report.last = last;
  report.origin_wall = origin_wall_;
  harvest(report.recorded);
  // Tokens that arrived after the boundary on a recorder not yet handed over belong here, in
  // the next interval (the last one takes everything).
  auto& r = report.recorded;
  r.arrived_tokens += carried_tokens_;
  carried_tokens_ = last ? 0 : r.arrived_tokens_later;
  if (last) r.arrived_tokens += r.arrived_tokens_later;
  r.arrived_tokens_later = 0;
  report.in_flight = in_flight_ ? in_flight_() : 0;
  ++index_;
  if (on_interval_) on_interval_(report);
}

}  // namespace llmload::runtime
