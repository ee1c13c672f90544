#include "llmload/report/shard_records.hpp"

#include "llmload/core/json_writer.hpp"

#include <boost/json.hpp>

#include <array>
#include <limits>
#include <optional>

namespace llmload::report {
namespace {

constexpr std::size_t kFieldCount = std::size(kShardRecordFields);

/// A stamp as ns from the origin, null when it did not happen.
void write_stamp(core::JsonWriter& w, core::Nanos stamp, core::Nanos origin) {
  if (stamp == 0) w.null();
  else w.value(static_cast<std::int64_t>(stamp - origin));
}

template <class T>
void write_numbers(core::JsonWriter& w, const std::vector<T>& values) {
  w.begin_array();
  for (const auto v : values) w.value(static_cast<std::int64_t>(v));
  w.end_array();
}

void write_row(core::JsonWriter& w, const metrics::RequestRecord& r, const workload::RequestSpec* spec,
               std::uint32_t index, const ShardRowsInput& in) {
  const core::Nanos o = in.origin_ns;
  w.begin_array();
  w.value(static_cast<std::int64_t>(index)).value(metrics::outcome_name(r.outcome)).value(r.http_status);
  for (const core::Nanos t : {r.scheduled_ns, r.dispatch_ns, r.start_ns}) write_stamp(w, t, o);
  w.value(static_cast<std::int64_t>(r.connect_ns));
  for (const core::Nanos t : {r.sent_ns, r.first_byte_ns, r.end_ns}) write_stamp(w, t, o);
  w.value(r.dataset_prompt_len).value(r.usage_prompt_tokens).value(r.usage_completion_tokens).value(r.saw_done);
  w.value(r.finish_reason).value(r.error);
  w.value(spec != nullptr ? spec->category : std::string()).value(spec != nullptr ? spec->model : std::string());
  w.value(spec != nullptr ? spec->turn : 0).value(spec != nullptr ? spec->conversation : -1);
  w.begin_array();
  core::Nanos previous = o;
  for (const core::Nanos t : r.chunk_ns) {
    w.value(static_cast<std::int64_t>(t - previous));
    previous = t;
  }
  w.end_array();
  write_numbers(w, r.chunk_tokens);
  write_numbers(w, r.receive_delay_ns);
  if (in.texts) w.value(r.generated_text);
  else w.null();
  w.value(static_cast<std::int64_t>(r.target));
  w.end_array();
}

std::optional<metrics::Outcome> outcome_of(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(metrics::Outcome::kResponseTooLarge); ++i) {
    const auto outcome = static_cast<metrics::Outcome>(i);
    if (metrics::outcome_name(outcome) == name) return outcome;
  }
  return std::nullopt;
}

/// Reads the cells of one row; false on a cell of the wrong type.
class RowReader {
 public:
  RowReader(const boost::json::array& row, core::Nanos base) : row_(row), base_(base) {}

  std::optional<std::int64_t> integer(std::size_t at) const {
    const auto& v = row_[at];
    if (v.is_int64()) return v.as_int64();
    if (v.is_uint64() && v.as_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(v.as_uint64());
    }
    return std::nullopt;
  }
  bool stamp(std::size_t at, core::Nanos& out) const {
    if (row_[at].is_null()) return (out = 0, true);
    const auto v = integer(at);
    if (!v) return false;
    out = base_ + *v;
    return true;
  }
  template <class T>
  bool whole(std::size_t at, T& out) const {
    const auto v = integer(at);
    if (!v || *v < std::numeric_limits<T>::min() || *v > std::numeric_limits<T>::max()) return false;
    out = static_cast<T>(*v);
    return true;
  }
  bool text(std::size_t at, std::string& out) const {
    if (row_[at].is_null()) return true;
    if (!row_[at].is_string()) return false;
    out = std::string(row_[at].as_string());
    return true;
  }
  template <class T>
  bool numbers(std::size_t at, std::vector<T>& out) const {
    const auto* a = row_[at].if_array();
    if (a == nullptr) return false;
    out.reserve(a->size());
    for (const auto& v : *a) {
      if (!v.is_int64() || v.as_int64() < std::numeric_limits<T>::min() || v.as_int64() > std::numeric_limits<T>::max()) {
        return false;
      }
      out.push_back(static_cast<T>(v.as_int64()));
    }
    return true;
  }

 private:
  const boost::json::array& row_;
  core::Nanos base_;
};

bool read_stamps(const RowReader& c, metrics::RequestRecord& r) {
  return c.stamp(3, r.scheduled_ns) && c.stamp(4, r.dispatch_ns) && c.stamp(5, r.start_ns) &&
         c.whole(6, r.connect_ns) && c.stamp(7, r.sent_ns) && c.stamp(8, r.first_byte_ns) && c.stamp(9, r.end_ns);
}

/// One row into a record and its labels; false on any malformed cell.
bool read_row(const boost::json::array& row, core::Nanos base, metrics::RequestRecord& r, workload::RequestSpec& l) {
  if (row.size() != kFieldCount || !row[1].is_string()) return false;
  const RowReader c(row, base);
  const auto outcome = outcome_of(row[1].as_string());
  if (!outcome || !c.whole(0, r.index) || !c.whole(2, r.http_status) || !read_stamps(c, r)) return false;
  r.outcome = *outcome;
  if (!c.whole(10, r.dataset_prompt_len) || !c.whole(11, r.usage_prompt_tokens) ||
      !c.whole(12, r.usage_completion_tokens) || !row[13].is_bool()) {
    return false;
  }
  r.saw_done = row[13].as_bool();
  if (!c.text(14, r.finish_reason) || !c.text(15, r.error) || !c.text(16, l.category) || !c.text(17, l.model) ||
      !c.whole(18, l.turn) || !c.whole(19, l.conversation)) {
    return false;
  }
  std::vector<core::Nanos> gaps;
  if (!c.numbers(20, gaps) || !c.numbers(21, r.chunk_tokens) || !c.numbers(22, r.receive_delay_ns)) return false;
  core::Nanos t = base;
  for (const auto gap : gaps) r.chunk_ns.push_back(t += gap);
  return c.text(23, r.generated_text) && c.whole(24, r.target);
}

}  // namespace

std::string shard_records_json(const ShardRowsInput& in) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object();
  w.key("fields").begin_array();
  for (const char* f : kShardRecordFields) w.value(f);
  w.end_array();
  w.key("rows").begin_array();
  for (const auto& r : in.records) {
    const workload::RequestSpec* spec = r.index < in.specs.size() ? &in.specs[r.index] : nullptr;
    const std::uint32_t index = r.index < in.global_index.size() ? in.global_index[r.index] : r.index;
    write_row(w, r, spec, index, in);
  }
  w.end_array();
  w.end_object();
  return out;
}

core::Result<ShardRows> read_shard_records(const boost::json::value& value, core::Nanos base_ns,
                                           std::string_view where) {
  const auto* obj = value.if_object();
  const auto* fields = obj != nullptr ? obj->if_contains("fields") : nullptr;
  const auto* rows = obj != nullptr ? obj->if_contains("rows") : nullptr;
  if (fields == nullptr || !fields->is_array() || rows == nullptr || !rows->is_array()) {
    return core::fail("{}: \"llmload\".\"shard\".\"records\" has no fields and rows", where);
  }
  const auto& names = fields->as_array();
  bool same = names.size() == kFieldCount;
  for (std::size_t i = 0; same && i < kFieldCount; ++i) same = names[i].is_string() && names[i].as_string() == kShardRecordFields[i];
  if (!same) return core::fail("{}: the shard's record fields are not this version's; merge with the llmload that ran it", where);
  ShardRows out;
  const auto& list = rows->as_array();
  out.records.resize(list.size());
  out.labels.resize(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto* row = list[i].if_array();
    if (row == nullptr || !read_row(*row, base_ns, out.records[i], out.labels[i])) {
      return core::fail("{}: record row {} is malformed", where, i + 1);
    }
  }
  return out;
}

}  // namespace llmload::report
