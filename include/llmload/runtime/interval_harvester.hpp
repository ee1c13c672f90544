#pragma once
/// Interval reports of a run: every worker records the requests that finish on it into its own
/// IntervalRecorder (single writer, no lock or atomic on the request path); at each interval
/// boundary the harvester hands every worker an empty recorder through the worker's own
/// executor, takes the filled ones back, merges them and calls on_interval.

#include "llmload/core/clock.hpp"
#include "llmload/metrics/interval_recorder.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace llmload::runtime {

/// One interval of a run: what finished in it, merged over the workers. Interval k covers
/// [k × interval, (k + 1) × interval) after the schedule's origin; a request is counted in the
/// interval in which its worker recorded it (its end, give or take the moment the worker
/// handed its recorder over, a few microseconds after the boundary).
struct IntervalReport {
  std::int64_t index = 0;          ///< 0, 1, 2, ...
  core::Nanos start_ns = 0;        ///< offset of the interval's start from the origin
  core::Nanos end_ns = 0;          ///< offset of its end (the run's end for the last one)
  std::int64_t in_flight = 0;      ///< requests started and not finished at its end
  bool last = false;               ///< the final, usually shorter, interval
  /// Wall-clock instant of the origin (for log headers; never used to measure).
  std::chrono::system_clock::time_point origin_wall;
  /// What finished in it; its arrived_tokens are the output tokens whose chunks arrived in it
  /// (by their arrival stamps), arrived_tokens_later is 0.
  metrics::IntervalRecorder recorded;
};

/// Closes the intervals of one run. The coordinating thread (one) calls next_boundary_ns(),
/// close_due() and close_last(); each worker thread uses its own Slot and calls worker_done()
/// once. Blocks the coordinator (never a worker) while the workers hand their recorders over.
class IntervalHarvester final {
 public:
  /// One worker's recorder. recorder() is for the worker's thread only.
  class Slot {
   public:
    /// Where the worker records its finished requests; valid until the worker's next handler
    /// runs (a boundary's swap is one).
    metrics::IntervalRecorder& recorder() noexcept { return *recorder_; }

   private:
    friend class IntervalHarvester;
    boost::asio::any_io_executor executor_;
    std::unique_ptr<metrics::IntervalRecorder> recorder_;
    bool accepting_ = true;  // guarded by the harvester's mutex: posts still reach the worker
    bool finished_ = false;  // guarded by the harvester's mutex: its thread is done with it
  };

  /// `interval`: length of each interval (> 0); `origin_ns`: the run's time origin (steady
  /// clock); `origin_wall`: the same instant on the wall clock (for the reports); `in_flight`:
  /// requests started and not finished (called once per interval on the coordinator).
  IntervalHarvester(std::chrono::nanoseconds interval, core::Nanos origin_ns,
                    std::chrono::system_clock::time_point origin_wall,
                    std::function<void(const IntervalReport&)> on_interval,
                    std::function<std::int64_t()> in_flight);
  IntervalHarvester(const IntervalHarvester&) = delete;
  IntervalHarvester& operator=(const IntervalHarvester&) = delete;

  /// Adds a worker whose handlers run on `executor`, before any worker starts. The slot lives
  /// as long as the harvester.
  Slot& add_worker(boost::asio::any_io_executor executor);

  /// On the worker's thread, once `context.run()` has returned: stops sending it swaps, runs
  /// any swap posted before that, and leaves its recorder to the coordinator.
  void worker_done(Slot& slot, boost::asio::io_context& context);

  /// The steady-clock instant at which the next interval ends.
  core::Nanos next_boundary_ns() const noexcept;
  /// Closes every interval that has ended by `now_ns` (calls on_interval for each).
  void close_due(core::Nanos now_ns);
  /// Closes the last interval, ending `end_offset_ns` after the origin (or at the end of the
  /// interval before it, if later); call after every worker_done().
  void close_last(core::Nanos end_offset_ns);

  /// Intervals closed so far.
  std::int64_t closed() const noexcept { return index_; }

 private:
  void close(core::Nanos end_offset_ns, bool last);
  void harvest(metrics::IntervalRecorder& into);
  std::unique_ptr<metrics::IntervalRecorder> spare();

  std::chrono::nanoseconds interval_;
  core::Nanos origin_ns_;
  std::chrono::system_clock::time_point origin_wall_;
  std::function<void(const IntervalReport&)> on_interval_;
  std::function<std::int64_t()> in_flight_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::int64_t index_ = 0;
  std::int64_t carried_tokens_ = 0;  // arrived after the last closed interval's end
  std::mutex mutex_;
  std::condition_variable handed_cv_;
  std::vector<std::unique_ptr<metrics::IntervalRecorder>> handed_;  // guarded by mutex_
  std::vector<std::unique_ptr<metrics::IntervalRecorder>> spares_;  // coordinator only
};

}  // namespace llmload::runtime
