// Fuzz target of the simulator's request parsing (both flavours, with the chat template and
// image tokens; and the same bytes as a /v1/audio/transcriptions multipart form, with the
// form's WAV/FLAC header reading): a request or an API error, never a crash; a request's
// numbers are in range.
#include "llmload/api/multipart.hpp"
#include "llmload/sim/api_error.hpp"
#include "llmload/sim/request_parser.hpp"
#include "llmload/sim/transcription_request.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  llmload::sim::ParseOptions options;
  options.chat_template = options.token_ids = options.image_tokens = true;
  for (const auto flavor : {llmload::api::Flavor::kCompletions, llmload::api::Flavor::kChat}) {
    const auto parsed = llmload::sim::parse_generation_request(flavor, body, "llmload-sim", 16, options);
    if (!parsed) continue;
    if (parsed->max_tokens < 1 || parsed->prompt_tokens < 0) std::abort();
    (void)llmload::sim::context_length_error(parsed->prompt_tokens, parsed->max_tokens, 32768);
  }
  const auto form = llmload::sim::parse_transcription_request(llmload::api::multipart_content_type(), body,
                                                              "llmload-sim", 16, options);
  if (form && (form->max_tokens < 1 || form->prompt_tokens < 1 ||
               form->prompt_ids.size() != static_cast<std::size_t>(form->prompt_tokens))) {
    std::abort();
  }
  return 0;
}
