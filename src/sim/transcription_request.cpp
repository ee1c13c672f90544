// The simulator's speech-to-text requests (sim/transcription_request.hpp).

#include "llmload/sim/transcription_request.hpp"

#include "llmload/api/multipart.hpp"
#include "llmload/workload/audio_data.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

namespace llmload::sim {
namespace {

ApiResult<std::optional<bool>> form_bool(std::string_view key, std::string_view value) {
  if (boost::algorithm::iequals(value, "true") || value == "1") return std::optional<bool>(true);
  if (boost::algorithm::iequals(value, "false") || value == "0") return std::optional<bool>(false);
  return bad_request(fmt::format("'{}' must be a boolean, got '{}'.", key, value.substr(0, 32)));
}

ApiResult<std::int64_t> form_int(std::string_view key, std::string_view value) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size()) {
    return bad_request(fmt::format("'{}' must be an integer, got '{}'.", key, value.substr(0, 32)));
  }
  if (v < 1) return bad_request(fmt::format("'{}' must be at least 1, got {}.", key, v));
  return v;
}

/// Prompt ids from the audio: one per token, drawn from a hash of the bytes (the same clip
/// gives the same ids, so the engine's prefix cache sees repeats).
void fill_prompt_ids(std::vector<std::uint64_t>& ids, std::string_view audio, std::int64_t tokens) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : audio.substr(0, 1u << 16)) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  ids.reserve(static_cast<std::size_t>(tokens));
  for (std::int64_t i = 0; i < tokens; ++i) {
    h = (h ^ static_cast<std::uint64_t>(i)) * 0x100000001b3ull;
    ids.push_back(256 + h % (151643 - 256));
  }
}

/// One form field into `r` (unknown ones are ignored).
ApiResult<void> read_field(const api::FormPart& part, GenerationRequest& r, bool& have_max) {
  const auto set_bool = [&](bool& target) -> ApiResult<void> {
    auto v = form_bool(part.name, part.value);
    if (!v) return v.error();
    target = **v;
    return {};
  };
  if (part.name == "max_completion_tokens") {
    auto v = form_int(part.name, part.value);
    if (!v) return v.error();
    r.max_tokens = *v;
    have_max = true;
  } else if (part.name == "stream") {
    return set_bool(r.stream);
  } else if (part.name == "stream_include_usage") {
    return set_bool(r.include_usage);
  } else if (part.name == "stream_continuous_usage_stats") {
    return set_bool(r.continuous_usage);
  } else if (part.name == "ignore_eos") {
    return set_bool(r.ignore_eos);
  }
  return {};
}

ApiResult<void> check_model(std::string_view name, std::string_view served, const ParseOptions& options) {
  if (name == served ||
      std::find(options.lora_modules.begin(), options.lora_modules.end(), name) != options.lora_modules.end()) {
    return {};
  }
  return ApiError{404, fmt::format("The model `{}` does not exist.", name)};
}

}  // namespace

ApiResult<GenerationRequest> parse_transcription_request(std::string_view content_type, std::string_view body,
                                                         std::string_view served_model,
                                                         std::int64_t default_max_tokens,
                                                         const ParseOptions& options) {
  auto boundary = api::form_boundary(content_type);
  if (!boundary) return bad_request(fmt::format("{}.", boundary.error().message));
  auto parts = api::parse_form(body, *boundary);
  if (!parts) return bad_request(fmt::format("Invalid form: {}.", parts.error().message));
  GenerationRequest r;
  r.flavor = api::Flavor::kChat;  // answered as chat-completion chunks
  bool have_max = false;
  std::optional<std::string_view> audio;
  for (const auto& part : *parts) {
    if (part.name == "file") {
      audio = part.value;
    } else if (part.name == "model") {
      if (auto ok = check_model(part.value, served_model, options); !ok) return ok.error();
    } else if (auto ok = read_field(part, r, have_max); !ok) {
      return ok.error();
    }
  }
  if (!audio) return bad_request("The form has no 'file' part (the audio).");
  auto info = workload::parse_audio(*audio);
  if (!info) return bad_request(fmt::format("Could not read the audio: {}.", info.error().message));
  if (!have_max) r.max_tokens = default_max_tokens;
  const double tokens = std::ceil(info->duration_s * kAudioTokensPerSecond);
  r.prompt_tokens = std::max<std::int64_t>(1, tokens > 1e12 ? std::int64_t{1'000'000'000'000} : static_cast<std::int64_t>(tokens));
  if (options.token_ids) {
    if (r.prompt_tokens > 10'000'000) return bad_request("The audio is too long.");
    fill_prompt_ids(r.prompt_ids, *audio, r.prompt_tokens);
  }
  return r;
}

}  // namespace llmload::sim
