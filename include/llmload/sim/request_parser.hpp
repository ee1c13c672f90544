#pragma once
/// The simulator's request parsing: generation bodies validated into the little the simulator
/// needs, its word "tokenizer", and vLLM's /tokenize and /detokenize endpoints. Pure
/// functions, no shared state (thread-safe).

#include "llmload/api/flavor.hpp"
#include "llmload/sim/api_error.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::sim {

/// A validated generation request: only what the fixed-timing simulator needs.
struct GenerationRequest {
  api::Flavor flavor = api::Flavor::kCompletions;
  /// Words in the prompt (see count_words); the simulator's prompt token count.
  std::int64_t prompt_tokens = 0;
  /// Tokens to generate: max_completion_tokens, else max_tokens, else the server default.
  /// Every request runs to this limit (finish_reason "length").
  std::int64_t max_tokens = 0;
  bool stream = false;
  /// stream_options.include_usage: a usage chunk after the last token chunk.
  bool include_usage = false;
  /// stream_options.continuous_usage_stats: running usage in every chunk.
  bool continuous_usage = false;
  /// ignore_eos: generate exactly max_tokens (the engine mode otherwise draws a length).
  bool ignore_eos = false;
  /// Image parts (chat) and the tokens they cost (Qwen2-VL rule, see image_tokens.hpp);
  /// image tokens are part of prompt_tokens.
  std::int64_t images = 0;
  std::int64_t image_tokens = 0;
  /// Prompt token ids, one per prompt token (filled only with ParseOptions::token_ids).
  std::vector<std::uint64_t> prompt_ids;
  /// The question (filled only with ParseOptions::question): the completions prompt, or the
  /// text parts of the chat request's last message joined by newlines.
  std::string question;
  /// Answers mode (answer_key.hpp): the answer's words as JSON-escaped token texts, sent
  /// before the usual token words; empty otherwise.
  std::vector<std::string> answer_tokens;
  /// The response ends after the answer: its last chunk says finish_reason "stop" ("length"
  /// otherwise).
  bool stop = false;
};

/// Token k of a response to `request`: its answer's token k while there is one, else
/// token_text(k) (chunk_writer.hpp).
std::string_view response_token(const GenerationRequest& request, std::int64_t k) noexcept;

/// How parse_generation_request counts a prompt.
struct ParseOptions {
  /// Chat prompts also count the simulator's chat template: 5 tokens per message
  /// (`<|im_start|>`, role, newline ... `<|im_end|>`, newline), 2 per image
  /// (`<|vision_start|>`, `<|vision_end|>`) and 4 per request (the assistant prompt and a
  /// start token). Off: only the words of text parts (and image tokens) count.
  bool chat_template = false;
  /// Fill GenerationRequest::prompt_ids.
  bool token_ids = false;
  /// Read image parts (a bad image is a 400) and count their tokens; off, they are skipped
  /// as in the exact mode's original behaviour.
  bool image_tokens = false;
  /// Fill GenerationRequest::question (answers mode).
  bool question = false;
  /// Model names served besides `served_model`: LoRA adapters (vLLM's --lora-modules).
  std::span<const std::string> lora_modules;
};

/// Parses and validates a /v1/completions or /v1/chat/completions JSON body.
/// Fields read: model (absent, null or equal to `served_model`; else 404 "The model `X` does
/// not exist."), prompt (string, array of strings → the first, array of token ids, array of
/// arrays of token ids → the first) or messages (content a string, null, or an array of
/// parts whose {"type":"text"} parts count), max_completion_tokens / max_tokens (integers
/// >= 1), stream, stream_options.{include_usage, continuous_usage_stats}. Every other field
/// (sampling, n, ...) is accepted and ignored. Also read: ignore_eos (boolean) and, with
/// ParseOptions::image_tokens, {"type":"image_url"} parts (`image_url` an object with `url`,
/// or a string): a base64 data URL whose header gives the size, costing image tokens.
/// /v1/responses (kResponses): `input` (a string, or a list of messages as chat's whose parts
/// are input_text and input_image, image_url a string), max_output_tokens, stream (must be
/// true: the simulator streams it only); include_usage is always on (response.completed).
/// Errors: 400 with a sentence naming the field, 404 for a wrong model. Thread-safe (no
/// shared state).
ApiResult<GenerationRequest> parse_generation_request(api::Flavor flavor, std::string_view body,
                                                      std::string_view served_model,
                                                      std::int64_t default_max_tokens,
                                                      const ParseOptions& options = {});

/// The simulator's tokenizer: the number of words, i.e. maximal runs of bytes other than
/// ASCII whitespace (space, \t, \n, \v, \f, \r). "a  b\n c" has 3. Chat prompts count the
/// words of every text part of every message, with no template tokens.
std::int64_t count_words(std::string_view text) noexcept;

/// The simulator's vocabulary size: Qwen2's, 151,936. Every token id the simulator hands out
/// (/tokenize, prompt ids of text and images) is below it.
inline constexpr std::uint64_t kVocabSize = 151936;

/// Token id of one word of the simulator's tokenizer: ids 0..63 are the words token_text()
/// generates (without the leading space); any other word hashes into [256, 151643), below
/// Qwen2's special tokens (the chat template's ids). Deterministic; two words may share an id.
std::uint64_t word_token_id(std::string_view word) noexcept;

/// Appends the token ids of `text` (one per whitespace-separated word, see count_words).
void append_word_token_ids(std::vector<std::uint64_t>& out, std::string_view text);

/// Handles a vLLM POST /tokenize body: {"prompt": "..."} or {"messages": [...]} (messages
/// counted with the chat template, as parse_generation_request with chat_template on;
/// "add_special_tokens" is not read), optional "model". Answers
/// {"count":N,"max_model_len":M,"tokens":[ids],"token_strs":null}. 400/404 as for generation.
ApiResult<std::string> tokenize_body(std::string_view body, std::string_view served_model,
                                     std::int64_t max_model_len);

/// Handles a vLLM POST /detokenize body {"tokens": [ids], "model": optional}: answers
/// {"prompt":"..."}, the words of known ids joined by spaces (ids the word list cannot invert
/// render as "<|id|>"). 400 for a missing or non-integer token list.
ApiResult<std::string> detokenize_body(std::string_view body, std::string_view served_model);

}  // namespace llmload::sim
