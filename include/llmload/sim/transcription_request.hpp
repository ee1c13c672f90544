#pragma once
/// The simulator's /v1/audio/transcriptions and /v1/audio/translations: the multipart form
/// vLLM's openai-audio client posts, read into a GenerationRequest that is answered like a
/// streamed chat completion (`choices[0].delta.content` chunks, usage). Pure, thread-safe.
///
/// Prompt tokens: 50 per second of audio, rounded up, at least 1 (Whisper's encoder: 1500
/// frames per 30 s window), the duration read from the file part's WAV or FLAC header.

#include "llmload/sim/request_parser.hpp"

#include <string_view>

namespace llmload::sim {

/// Prompt tokens per second of audio.
inline constexpr double kAudioTokensPerSecond = 50.0;

/// Parses a form body whose Content-Type is `content_type`. Fields read: file (required, a
/// WAV or FLAC file), model (as parse_generation_request checks it), max_completion_tokens
/// (an integer >= 1, else `default_max_tokens`), stream, stream_include_usage,
/// stream_continuous_usage_stats, ignore_eos (true/false, any case, or 1/0); other fields
/// (language, temperature, response_format, ...) are accepted and ignored. Errors: 400 naming
/// what is wrong with the form or a field; 404 for a model not served. `options.token_ids`
/// fills prompt ids drawn from the audio's bytes.
ApiResult<GenerationRequest> parse_transcription_request(std::string_view content_type, std::string_view body,
                                                         std::string_view served_model,
                                                         std::int64_t default_max_tokens,
                                                         const ParseOptions& options = {});

}  // namespace llmload::sim
