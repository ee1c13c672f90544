#pragma once
/// A sharded run's per-request records in its result file ("llmload"."shard"."records",
/// llmload extension): every stamp the summary needs, as integer nanoseconds from the common
/// start, so that `llmload merge` rebuilds the records exactly and summarizes their union
/// with the code a single run uses (metrics::summarize). Always written by a sharded run,
/// with or without --save-detailed (the texts only with it).

#include "llmload/core/clock.hpp"
#include "llmload/core/error.hpp"
#include "llmload/metrics/request_record.hpp"
#include "llmload/workload/request_spec.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::report {

/// Column names of a record row, in order: `index` is the request's send position in the
/// whole plan; stamps (scheduled, dispatch, start, sent, first_byte, end) are ns from the
/// common start (null: did not happen); connect is a duration in ns; chunks holds the first
/// token chunk's ns from the start then the gaps between chunks; chunk_tokens and
/// receive_delay as RequestRecord holds them; text is null without --save-detailed; target is
/// the replica's index with several --base-url (0 with one).
inline constexpr const char* kShardRecordFields[] = {
    "index",        "outcome",   "http_status", "scheduled",     "dispatch",          "start",
    "connect",      "sent",      "first_byte",  "end",           "dataset_prompt_len", "usage_prompt_tokens",
    "usage_completion_tokens", "saw_done", "finish_reason", "error", "category", "model",
    "turn",         "conversation", "chunks",   "chunk_tokens",  "receive_delay",     "text",
    "target"};

/// What a shard's rows are written from.
struct ShardRowsInput {
  std::span<const metrics::RequestRecord> records;  ///< record.index: position in `specs`
  std::span<const workload::RequestSpec> specs;     ///< the shard's own specs (labels)
  std::span<const std::uint32_t> global_index;      ///< spec position → send position in the plan
  core::Nanos origin_ns = 0;                        ///< the common start on the steady clock
  bool texts = false;                               ///< write generated_text (--save-detailed)
};

/// {"fields": [...], "rows": [[...], ...]}
std::string shard_records_json(const ShardRowsInput& input);

/// Records read back: stamps are `base_ns` + the file's offsets (base_ns > 0 stands for the
/// common start), index is the send position in the plan; labels[i] carries records[i]'s
/// category, model, turn and conversation.
struct ShardRows {
  std::vector<metrics::RequestRecord> records;
  std::vector<workload::RequestSpec> labels;
};

/// Reads "records" as shard_records_json() wrote it; `where` names the file in errors.
core::Result<ShardRows> read_shard_records(const boost::json::value& value, core::Nanos base_ns,
                                           std::string_view where);

}  // namespace llmload::report
