#include "llmload/runtime/response_recorder.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace llmload::runtime {
using metrics::Outcome;

namespace {
constexpr std::size_t kErrorBodyCap = 2 * 1024;  // bytes of a non-200 body kept in the error
constexpr std::size_t kBodyHeadBytes = 16;       // bytes of a 200 body kept to say what it was
}  // namespace

ResponseRecorder::ResponseRecorder(metrics::RequestRecord& record, api::ChunkDecoder& decoder,
                                   const ResponseRecorderOptions& options,
                                   std::atomic<std::int64_t>& chunk_counter)
    : record_(record), decoder_(decoder), chunk_counter_(chunk_counter), sse_(options.max_sse_event_bytes),
      max_body_bytes_(options.max_response_bytes), keep_text_(options.keep_text || options.chunk_text_offsets),
      text_offsets_(options.chunk_text_offsets), pooling_(options.pooling) {
  if (pooling_ && max_body_bytes_ == 0) max_body_bytes_ = kMaxPoolingAnswerBytes;
}

void ResponseRecorder::on_status(int status) noexcept {
  status_ = status;
  record_.http_status = status;
}

void ResponseRecorder::fail(Outcome outcome, std::string text) {
  if (!failure_) {
    failure_ = outcome;
    failure_text_ = std::move(text);
  }
}

void ResponseRecorder::on_body(std::string_view bytes) {
  if (failure_) return;
  body_bytes_ += bytes.size();
  if (max_body_bytes_ > 0 && body_bytes_ > max_body_bytes_) {
    // An endless answer (valid tokens without end) must not grow a request's memory without
    // bound: its chunk stamps and text stop here.
    fail(Outcome::kResponseTooLarge,
         fmt::format("the response body passed {} bytes (--max-response-bytes)", max_body_bytes_));
    return;
  }
  if (status_ != 200) {
    const auto room = kErrorBodyCap - std::min(kErrorBodyCap, error_body_.size());
    error_body_.append(bytes.substr(0, room));
    return;
  }
  if (pooling_) {
    pooling_body_.append(bytes);
    return;
  }
  if (body_head_.size() < kBodyHeadBytes) body_head_.append(bytes.substr(0, kBodyHeadBytes - body_head_.size()));
  auto fed = sse_.feed(bytes, [this](const sse::Event& event) { on_event(event.data); });
  if (!fed) fail(Outcome::kEventTooLarge, fed.error().message);
}

void ResponseRecorder::on_event(std::string_view data) {
  saw_event_ = true;
  if (failure_ || data.empty()) return;
  auto decoded = decoder_.decode(data);
  if (!decoded) {
    fail(Outcome::kMalformedChunk, decoded.error().message);
    return;
  }
  const api::Chunk& chunk = *decoded;
  if (chunk.done) {
    record_.saw_done = true;
    return;
  }
  if (chunk.error) {
    fail(Outcome::kServerError,
         fmt::format("server error in stream: {}{}{}", chunk.error->message,
                     chunk.error->type.empty() ? "" : " (type ",
                     chunk.error->type.empty() ? "" : chunk.error->type + ")"));
    return;
  }
  // The Responses API ends its stream with response.completed (no [DONE]).
  if (chunk.completed) record_.saw_done = true;
  // vLLM counts every chunk with non-empty choices as a token chunk (also chat's first chunk
  // that carries only the role); the Responses API's token chunks are its text deltas.
  if (chunk.has_choices || chunk.text_delta) on_token_chunk(chunk);
  on_usage(chunk);
}

void ResponseRecorder::on_token_chunk(const api::Chunk& chunk) {
  record_.chunk_ns.push_back(arrival_ns_);
  if (chunk.server_send_ns) {
    if (record_.receive_delay_ns.empty()) record_.receive_delay_ns.reserve(record_.chunk_ns.capacity());
    record_.receive_delay_ns.push_back(arrival_ns_ - *chunk.server_send_ns);
  }
  chunk_counter_.store(chunk_counter_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (arrivals_ != nullptr) {
    std::int64_t tokens = 1;
    if (chunk.usage && chunk.usage->completion_tokens >= 0) {
      tokens = std::max<std::int64_t>(0, chunk.usage->completion_tokens - arrived_counted_);
    }
    arrived_counted_ += tokens;
    arrivals_->recorder().count_arrival(arrival_ns_, tokens);
  }
  if (keep_text_) {
    record_.generated_text.append(chunk.text);
    record_.reasoning_text.append(chunk.reasoning);
    if (text_offsets_) {
      record_.chunk_text_end.push_back({static_cast<std::uint32_t>(record_.generated_text.size()),
                                        static_cast<std::uint32_t>(record_.reasoning_text.size())});
    }
  }
  if (!chunk.finish_reason.empty()) record_.finish_reason.assign(chunk.finish_reason);
  if (!track_chunk_tokens_) return;
  // Tokens in this chunk = growth of the running completion count (continuous usage).
  if (chunk.usage && chunk.usage->completion_tokens >= 0) {
    record_.chunk_tokens.push_back(static_cast<std::int32_t>(chunk.usage->completion_tokens - completion_so_far_));
    completion_so_far_ = chunk.usage->completion_tokens;
  } else {
    track_chunk_tokens_ = false;  // not every chunk says: per-chunk counts are unknown
    record_.chunk_tokens.clear();
  }
}

void ResponseRecorder::on_usage(const api::Chunk& chunk) {
  if (!chunk.usage) return;
  if (chunk.usage->prompt_tokens >= 0) {
    record_.usage_prompt_tokens = static_cast<std::int32_t>(chunk.usage->prompt_tokens);
  }
  if (chunk.usage->completion_tokens >= 0) {
    record_.usage_completion_tokens = static_cast<std::int32_t>(chunk.usage->completion_tokens);
  }
}

std::string ResponseRecorder::no_stream_reason() const {
  if (saw_event_ || body_head_.empty()) return {};
  if (body_head_.starts_with("\x1f\x8b")) {
    return " (the body was gzip-compressed, not a server-sent-event stream; llmload asks for none)";
  }
  const auto start = body_head_.find_first_not_of(" \t\r\n");
  if (start != std::string::npos && (body_head_[start] == '{' || body_head_[start] == '[')) {
    return " (the body was plain JSON, not a server-sent-event stream: a non-streamed answer)";
  }
  return " (the body was not a server-sent-event stream)";
}

void ResponseRecorder::finish_pooling() {
  auto decoded = decoder_.decode(pooling_body_);
  if (!decoded) {
    fail(Outcome::kMalformedChunk, fmt::format("the answer is not a JSON object: {}", decoded.error().message));
    return;
  }
  if (decoded->error) {
    fail(Outcome::kServerError, fmt::format("server error in the answer: {}", decoded->error->message));
    return;
  }
  record_.chunk_ns.push_back(arrival_ns_);  // the stamp of the read that completed the body
  chunk_counter_.store(chunk_counter_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  // vLLM: output.prompt_len = usage.get("prompt_tokens", 0).
  const bool counted = decoded->usage && decoded->usage->prompt_tokens >= 0;
  record_.usage_prompt_tokens = counted ? static_cast<std::int32_t>(decoded->usage->prompt_tokens) : 0;
  record_.usage_completion_tokens = 0;
  std::string().swap(pooling_body_);
}

void ResponseRecorder::finish(core::Nanos now_ns) {
  if (pooling_ && !failure_ && status_ == 200) finish_pooling();
  if (failure_) {
    record_.outcome = *failure_;
    record_.error = std::move(failure_text_);
  } else if (status_ != 200) {
    record_.outcome = Outcome::kHttpStatus;
    std::string body = std::move(error_body_);
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
    record_.error = fmt::format("HTTP {}{}{}", status_, body.empty() ? "" : ": ", body);
  } else if (record_.chunk_ns.empty()) {
    record_.outcome = Outcome::kNoContent;
    record_.error = "Never received a valid chunk to calculate TTFT.";  // vLLM's wording
    record_.error += no_stream_reason();
  } else {
    record_.outcome = Outcome::kOk;
  }
  if (record_.end_ns == 0) record_.end_ns = now_ns;
  if (arrivals_ != nullptr && record_.outcome == Outcome::kOk) {
    // The completion-based count of IntervalRecorder::record, less what arrived counted.
    const std::int64_t total = record_.usage_completion_tokens >= 0
                                   ? record_.usage_completion_tokens
                                   : static_cast<std::int64_t>(record_.chunk_ns.size());
    if (total != arrived_counted_) arrivals_->recorder().count_arrival(record_.end_ns, total - arrived_counted_);
    arrived_counted_ = total;
  }
}

}  // namespace llmload::runtime
