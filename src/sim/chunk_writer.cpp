#include "llmload/sim/chunk_writer.hpp"
#include "llmload/core/text.hpp"

#include "llmload/core/json_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace llmload::sim {

namespace {

constexpr std::array<std::string_view, kTokenWords> kTokens = {
    " the",   " model", " of",   " and",  " to",    " a",     " in",    " is",
    " that",  " for",   " it",   " as",   " with",  " was",   " on",    " be",
    " at",    " by",    " this", " had",  " not",   " are",   " but",   " from",
    " or",    " have",  " an",   " they", " which", " one",   " you",   " were",
    " all",   " we",    " her",  " she",  " there", " would", " their", " will",
    " when",  " who",   " him",  " been", " has",   " more",  " if",    " no",
    " out",   " so",    " said", " what", " up",    " its",   " about", " than",
    " into",  " them",  " can",  " only", " other", " new",   " some",  " could"};

using core::append_int;

void append_hex(std::string& out, std::size_t v) {
  char buf[16];
  char* p = buf + sizeof buf;
  do {
    *--p = "0123456789abcdef"[v & 0xF];
    v >>= 4;
  } while (v != 0);
  out.append(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

}  // namespace

void append_usage_json(std::string& out, std::int64_t prompt, std::int64_t completion) {
  out += "{\"prompt_tokens\":";
  append_int(out, prompt);
  out += ",\"total_tokens\":";
  append_int(out, prompt + completion);
  out += ",\"completion_tokens\":";
  append_int(out, completion);
  out += '}';
}

std::string_view token_text(std::int64_t k) noexcept {
  return kTokens[static_cast<std::size_t>(k) % kTokens.size()];
}

void append_generated_text(std::string& out, std::int64_t n) {
  for (std::int64_t k = 0; k < n; ++k) out += token_text(k);
}

void append_generated_text(std::string& out, const GenerationRequest& request, std::int64_t n) {
  for (std::int64_t k = 0; k < n; ++k) out += response_token(request, k);
}

std::string make_response_id(api::Flavor flavor, std::uint64_t a, std::uint64_t b) {
  const std::string_view prefix = flavor == api::Flavor::kChat        ? "chatcmpl-"
                                  : flavor == api::Flavor::kResponses ? "resp_"
                                                                      : "cmpl-";
  return fmt::format("{}{:016x}{:016x}", prefix, a, b);
}

namespace {

// The Responses API's "response" object of the created and completed events (the fields a
// client reads; usage null until it completed).
void append_response_object(std::string& out, const ResponseIdentity& identity, std::string_view status) {
  out += "{\"id\":";
  core::append_json_string(out, identity.id);
  out += ",\"object\":\"response\",\"created_at\":";
  append_int(out, identity.created);
  out += ",\"model\":";
  out += identity.model_json;
  out += ",\"status\":\"";
  out += status;
  out += "\",\"error\":null,\"output\":[]";
}

}  // namespace

void ChunkFormatter::reset(const ResponseIdentity& identity, const GenerationRequest& request) {
  flavor_ = request.flavor;
  request_ = &request;
  prompt_tokens_ = request.prompt_tokens;
  continuous_usage_ = request.continuous_usage;
  prefix_.clear();
  if (flavor_ == api::Flavor::kResponses) {
    identity_ = identity;
    prefix_ += "{\"type\":\"response.output_text.delta\",\"item_id\":\"msg_";
    prefix_ += std::string_view(identity.id).substr(std::min<std::size_t>(5, identity.id.size()));
    prefix_ += "\",\"output_index\":0,\"content_index\":0,\"delta\":\"";
    return;
  }
  prefix_ += "{\"id\":";
  core::append_json_string(prefix_, identity.id);
  prefix_ += flavor_ == api::Flavor::kChat ? ",\"object\":\"chat.completion.chunk\",\"created\":"
                                      : ",\"object\":\"text_completion\",\"created\":";
  append_int(prefix_, identity.created);
  prefix_ += ",\"model\":";
  prefix_ += identity.model_json;
  prefix_ += ",\"choices\":[";
}

void ChunkFormatter::append_usage_object(std::string& out, std::int64_t completion_tokens) const {
  // vLLM writes "usage":null in completions chunks and leaves the key out of chat chunks
  // (exclude_unset) unless running usage was asked for.
  if (continuous_usage_) {
    out += ",\"usage\":";
    append_usage_json(out, prompt_tokens_, completion_tokens);
  } else if (flavor_ == api::Flavor::kCompletions) {
    out += ",\"usage\":null";
  }
}

void ChunkFormatter::append_role(std::string& out) const {
  if (flavor_ == api::Flavor::kResponses) {
    out += "{\"type\":\"response.created\",\"response\":";
    append_response_object(out, identity_, "in_progress");
    out += ",\"usage\":null},\"sequence_number\":0}";
    return;
  }
  out += prefix_;
  out += "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,"
         "\"finish_reason\":null}]";
  append_usage_object(out, 0);
  out += '}';
}

void ChunkFormatter::append_token(std::string& out, std::int64_t k, std::int64_t n) const {
  const std::string_view last = request_ != nullptr && request_->stop ? "stop" : "length";
  append_token(out, k, k + 1 == n ? last : std::string_view());
}

void ChunkFormatter::append_token(std::string& out, std::int64_t k,
                                  std::string_view finish_reason) const {
  append_tokens(out, k, 1, finish_reason);
}

void ChunkFormatter::append_tokens(std::string& out, std::int64_t first, std::int64_t count,
                                   std::string_view finish_reason) const {
  const bool last = !finish_reason.empty();
  out += prefix_;
  if (flavor_ == api::Flavor::kResponses) {
    for (std::int64_t k = first; k < first + count; ++k) {
      out += request_ != nullptr ? response_token(*request_, k) : token_text(k);
    }
    out += "\",\"sequence_number\":";
    append_int(out, first + 1);  // response.created is 0
    out += '}';
    return;
  }
  out += flavor_ == api::Flavor::kChat ? "{\"index\":0,\"delta\":{\"content\":\"" : "{\"index\":0,\"text\":\"";
  for (std::int64_t k = first; k < first + count; ++k) {
    out += request_ != nullptr ? response_token(*request_, k) : token_text(k);
  }
  out += flavor_ == api::Flavor::kChat ? "\"}" : "\"";
  if (last) {
    out += ",\"logprobs\":null,\"finish_reason\":\"";
    out += finish_reason;
    out += "\",\"stop_reason\":null}]";
  } else {
    out += flavor_ == api::Flavor::kChat ? ",\"logprobs\":null,\"finish_reason\":null}]"
                                    : ",\"logprobs\":null,\"finish_reason\":null,\"stop_reason\":null}]";
  }
  append_usage_object(out, first + count);
  out += '}';
}

void ChunkFormatter::append_usage(std::string& out, std::int64_t completion_tokens) const {
  if (flavor_ == api::Flavor::kResponses) {
    out += "{\"type\":\"response.completed\",\"response\":";
    append_response_object(out, identity_, "completed");
    out += ",\"usage\":{\"input_tokens\":";
    append_int(out, prompt_tokens_);
    out += ",\"output_tokens\":";
    append_int(out, completion_tokens);
    out += ",\"total_tokens\":";
    append_int(out, prompt_tokens_ + completion_tokens);
    out += "}},\"sequence_number\":";
    append_int(out, completion_tokens + 1);
    out += '}';
    return;
  }
  out += prefix_;
  out += "],\"usage\":";
  append_usage_json(out, prompt_tokens_, completion_tokens);
  out += '}';
}

void SseBatch::clear() noexcept {
  data_.clear();
  committed_ = 0;
  events_.clear();
  last_chunk_ = false;
}

void SseBatch::commit_event(bool stamped) {
  const auto end = static_cast<std::uint32_t>(data_.size());
  events_.push_back(Event{committed_, end, stamped && end > committed_ && data_.back() == '}'});
  committed_ = end;
}

void SseBatch::add_event(std::string_view data) {
  data_.resize(committed_);
  data_ += data;
  commit_event(false);
}

void SseBatch::add_last_chunk() { last_chunk_ = true; }

std::string_view SseBatch::finalize(core::Nanos send_ns) {
  static constexpr std::string_view kStampKey = ",\"llmload_send_ns\":";
  const fmt::format_int stamp(send_ns);
  wire_.clear();
  for (const Event& e : events_) {
    std::string_view data(data_.data() + e.begin, e.end - e.begin);
    std::size_t size = 6 + data.size() + 2;  // "data: " + data + "\n\n"
    if (e.stamped) {
      data.remove_suffix(1);  // the closing '}' goes after the stamp
      size += kStampKey.size() + stamp.size();
    }
    append_hex(wire_, size);
    wire_ += "\r\ndata: ";
    wire_ += data;
    if (e.stamped) {
      wire_ += kStampKey;
      wire_.append(stamp.data(), stamp.size());
      wire_ += '}';
    }
    wire_ += "\n\n\r\n";
  }
  if (last_chunk_) wire_ += "0\r\n\r\n";
  return wire_;
}

}  // namespace llmload::sim
