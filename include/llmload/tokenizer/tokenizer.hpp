#pragma once
/// A Hugging Face `tokenizer.json` tokenizer: added/special tokens, normalizers, pre-tokenizers
/// and a BPE model, exact for byte-level BPE (GPT-2, Llama 3, Qwen2/Qwen3, DeepSeek-V3) and
/// SentencePiece-style BPE with byte fallback (Llama 2, Gemma). Components it does not
/// implement make load() fail with a message naming the file and the component, so a loaded
/// tokenizer never silently differs from the reference implementation.
///
/// Supported components:
///   model: BPE (merges as "a b" strings or [a, b] pairs, ignore_merges, byte_fallback,
///          fuse_unk, unk_token; no dropout, no subword prefix/suffix)
///   normalizer: NFC, Prepend, Replace (String or Regex), Strip, Sequence, null
///   pre_tokenizer: Split (String or Regex; every behavior; invert), ByteLevel, Metaspace,
///          Digits, Whitespace, WhitespaceSplit, Sequence, null
///   post_processor: TemplateProcessing (single), ByteLevel, Sequence, null
///   decoder: ByteLevel, Replace (String), ByteFallback, Fuse, Strip, Metaspace, Sequence, null
/// Regex patterns run on llmload's own engine (unicode_regex.hpp) with Unicode tables from
/// unicode_version(); case-insensitive groups fold ASCII letters only.

#include "llmload/core/error.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::tokenizer {

/// Options for Tokenizer::encode().
struct EncodeOptions {
  /// Apply the post-processor (e.g. Llama's leading <s>/<|begin_of_text|>), like HF's
  /// `add_special_tokens=True`. Off by default: ids of the text alone.
  bool add_special_tokens = false;
};

/// Options for Tokenizer::decode().
struct DecodeOptions {
  /// Leave out added tokens marked special (HF's `skip_special_tokens`).
  bool skip_special_tokens = false;
};

/// An immutable tokenizer loaded from a tokenizer.json. Cheap to copy (copies share the
/// loaded data). Thread safety: every const member may be called concurrently from any number
/// of threads on the same object. encode() keeps a small per-thread cache of recent
/// pre-tokens (a thread_local, keyed by the tokenizer's identity, no locks and no shared
/// writes), so repeated words cost one hash lookup.
class Tokenizer final {
 public:
  /// Loads `path`: a tokenizer.json file, or a folder holding one. Errors name the file and
  /// the malformed or unsupported part (e.g. "…/tokenizer.json: model type 'Unigram' is not
  /// supported").
  static core::Result<Tokenizer> load(const std::filesystem::path& path);

  /// Parses tokenizer.json contents; `origin` names the source in error messages.
  static core::Result<Tokenizer> from_json(std::string_view json, std::string_view origin);

  /// Token ids of `text`. Invalid UTF-8 is first replaced by U+FFFD per bad byte (HF accepts
  /// only valid strings).
  std::vector<std::int32_t> encode(std::string_view text, const EncodeOptions& options = {}) const;

  /// Appends the ids of `text` to `out` (no allocation once `out` and the cache are warm).
  void encode_into(std::string_view text, std::vector<std::int32_t>& out,
                   const EncodeOptions& options = {}) const;

  /// The text of `ids` through the declared decoder. Errors name an id outside the vocabulary.
  core::Result<std::string> decode(std::span<const std::int32_t> ids,
                                   const DecodeOptions& options = {}) const;

  /// One past the largest id (model vocabulary and added tokens).
  std::size_t vocab_size() const;

  /// One past the largest id of the model's own vocabulary, added tokens left out unless the
  /// model lists them too (HF's `tokenizer.vocab_size`).
  std::size_t model_vocab_size() const;

  /// Whether `id` is an added token marked special (HF's `all_special_ids` as declared in
  /// tokenizer.json). False for ids outside the vocabulary.
  bool is_special(std::int32_t id) const;

  /// The id of a token as written in the vocabulary (or an added token), if any.
  std::optional<std::int32_t> token_to_id(std::string_view token) const;

  /// The vocabulary string of `id` (as written in tokenizer.json), if any.
  std::optional<std::string_view> id_to_token(std::int32_t id) const;

  struct Impl;  ///< Loaded data (defined in tokenizer.cpp).

 private:
  explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace llmload::tokenizer
