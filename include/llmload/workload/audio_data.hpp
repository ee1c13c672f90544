#pragma once
/// Audio clips as the openai-audio backend sends them: the file's bytes as they are (vLLM
/// decodes and resamples to 16 kHz with librosa and re-encodes a WAV; llmload sends the bytes
/// it read), the part's filename and content type, and the duration read from the header.
///
/// The duration comes from llmload's own header readers, bounded and checked (a bad file is
/// an error naming it): WAV (RIFF/WAVE: the `fmt ` chunk — PCM, IEEE float or
/// WAVE_FORMAT_EXTENSIBLE — and the `data` chunk's size) and FLAC (the STREAMINFO block's
/// sample rate and total samples). Other containers (MP3, Ogg, ...) are refused: their
/// duration needs a decoder.

#include "llmload/core/error.hpp"
#include "llmload/workload/request_spec.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace llmload::workload {

/// One audio file of a dataset at most (the OpenAI API takes 25 MB; vLLM's server its own limit).
inline constexpr std::uint64_t kMaxAudioBytes = std::uint64_t{64} << 20;

/// What a header says.
struct AudioInfo {
  const char* container = "";     ///< "wav" or "flac"
  const char* content_type = "";  ///< "audio/wav" or "audio/flac"
  std::uint32_t sample_rate = 0;  ///< Hz, > 0
  std::uint32_t channels = 0;     ///< >= 1
  std::uint64_t frames = 0;       ///< samples per channel
  double duration_s = 0;          ///< frames / sample_rate
};

/// A RIFF/WAVE file's format and duration. Chunks are walked in order (odd sizes padded); the
/// `fmt ` chunk must come before `data`, format 1 (PCM), 3 (IEEE float) or 0xFFFE
/// (extensible) with 1..64 channels, a rate in 1..1,000,000 Hz and a block align of
/// channels·bits/8. A `data` size beyond the bytes present (a truncated file, or the 0 /
/// 0xFFFFFFFF of a stream writer) is an error. Pure.
core::Result<AudioInfo> parse_wav(std::string_view bytes);

/// A FLAC file's STREAMINFO (the first metadata block, 34 bytes): rate, channels, total
/// samples; a total of 0 (unknown) is an error. Pure.
core::Result<AudioInfo> parse_flac(std::string_view bytes);

/// parse_wav or parse_flac by the bytes' signature; anything else is refused, naming what
/// it looks like (MP3, Ogg) where it can. Pure.
core::Result<AudioInfo> parse_audio(std::string_view bytes);

/// The clip to send for `bytes`: the header's duration, content type and `filename` (the
/// container's extension replaces a missing or different one). Errors as parse_audio.
core::Result<std::shared_ptr<const AudioClip>> make_audio_clip(std::string bytes, std::string filename);

/// Local audio files as clips, each read once however many requests use it. Not thread-safe
/// (used while the dataset is built).
class AudioCache final {
 public:
  /// `ref` is a path, relative ones against `base_dir`; errors name the resolved path.
  core::Result<std::shared_ptr<const AudioClip>> get(std::string_view ref, const std::filesystem::path& base_dir);

 private:
  std::unordered_map<std::string, std::shared_ptr<const AudioClip>> cache_;
};

}  // namespace llmload::workload
