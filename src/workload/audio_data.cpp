// Audio clips and their durations from WAV and FLAC headers (workload/audio_data.hpp).

#include "llmload/workload/audio_data.hpp"

#include "llmload/api/multipart.hpp"
#include "llmload/core/input_file.hpp"

#include <fmt/format.h>

#include <cstring>
#include <optional>

namespace llmload::workload {
namespace {

std::uint32_t le32(std::string_view b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}

std::uint16_t le16(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) | (static_cast<unsigned char>(b[at + 1]) << 8));
}

std::uint64_t be_bits(std::string_view b, std::size_t bit, int count) {
  std::uint64_t v = 0;
  for (int i = 0; i < count; ++i, ++bit) {
    v = (v << 1) | ((static_cast<unsigned char>(b[bit / 8]) >> (7 - bit % 8)) & 1u);
  }
  return v;
}

struct WavFormat {
  std::uint16_t tag = 0, channels = 0, block_align = 0, bits = 0;
  std::uint32_t rate = 0;
};

core::Result<WavFormat> wav_format(std::string_view chunk) {
  if (chunk.size() < 16) return core::fail("WAV 'fmt ' chunk of {} bytes (at least 16)", chunk.size());
  WavFormat f{le16(chunk, 0), le16(chunk, 2), le16(chunk, 12), le16(chunk, 14), le32(chunk, 4)};
  if (f.tag != 1 && f.tag != 3 && f.tag != 0xFFFE) {
    return core::fail("WAV format {:#x} is neither PCM (1), IEEE float (3) nor extensible (0xfffe)", f.tag);
  }
  if (f.channels < 1 || f.channels > 64) return core::fail("WAV with {} channels (1 to 64)", f.channels);
  if (f.rate < 1 || f.rate > 1'000'000) return core::fail("WAV sample rate {} Hz (1 to 1000000)", f.rate);
  if (f.bits < 8 || f.bits > 64 || f.bits % 8 != 0) return core::fail("WAV with {} bits per sample", f.bits);
  if (f.block_align != f.channels * (f.bits / 8)) {
    return core::fail("WAV block align {} is not channels x bytes per sample ({})", f.block_align, f.channels * (f.bits / 8));
  }
  return f;
}

}  // namespace

core::Result<AudioInfo> parse_wav(std::string_view b) {
  if (b.size() < 12 || b.substr(0, 4) != "RIFF" || b.substr(8, 4) != "WAVE") return core::fail("not a RIFF/WAVE file");
  std::optional<WavFormat> format;
  std::size_t at = 12;
  while (at + 8 <= b.size()) {
    const std::string_view id = b.substr(at, 4);
    const std::uint64_t size = le32(b, at + 4);
    const std::size_t body = at + 8;
    if (id == "data") {
      if (!format) return core::fail("WAV 'data' chunk before the 'fmt ' chunk");
      if (size == 0 || size > b.size() - body) {
        return core::fail("WAV 'data' chunk says {} bytes, {} follow (truncated or written as a stream)", size,
                          b.size() - body);
      }
      AudioInfo info{"wav", "audio/wav", format->rate, format->channels, size / format->block_align, 0};
      info.duration_s = static_cast<double>(info.frames) / info.sample_rate;
      return info;
    }
    if (size > b.size() - body) return core::fail("WAV chunk '{}' of {} bytes runs past the file's end", id, size);
    if (id == "fmt ") {
      auto f = wav_format(b.substr(body, size));
      if (!f) return f.error();
      format = *f;
    }
    at = body + size + (size & 1u);
  }
  return core::fail("WAV file without a 'data' chunk");
}

core::Result<AudioInfo> parse_flac(std::string_view b) {
  // "fLaC", then the metadata block header (last flag, type 0 = STREAMINFO, length 34).
  if (b.size() < 4 || b.substr(0, 4) != "fLaC") return core::fail("not a FLAC file");
  if (b.size() < 8 + 34) return core::fail("FLAC file of {} bytes ends before its STREAMINFO", b.size());
  if ((static_cast<unsigned char>(b[4]) & 0x7Fu) != 0) return core::fail("FLAC's first metadata block is not STREAMINFO");
  const std::uint64_t length = be_bits(b, 5 * 8, 24);
  if (length != 34) return core::fail("FLAC STREAMINFO of {} bytes (34)", length);
  const std::size_t s = 8 * 8;  // STREAMINFO's first bit
  AudioInfo info{"flac", "audio/flac", 0, 0, 0, 0};
  info.sample_rate = static_cast<std::uint32_t>(be_bits(b, s + 80, 20));
  info.channels = static_cast<std::uint32_t>(be_bits(b, s + 100, 3)) + 1;
  info.frames = be_bits(b, s + 108, 36);
  if (info.sample_rate == 0) return core::fail("FLAC sample rate 0");
  if (info.frames == 0) return core::fail("FLAC without its total sample count (0: unknown)");
  info.duration_s = static_cast<double>(info.frames) / info.sample_rate;
  return info;
}

core::Result<AudioInfo> parse_audio(std::string_view b) {
  if (b.starts_with("RIFF")) return parse_wav(b);
  if (b.starts_with("fLaC")) return parse_flac(b);
  const bool mp3 = b.starts_with("ID3") || (b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0xFF &&
                                            (static_cast<unsigned char>(b[1]) & 0xE0u) == 0xE0u);
  if (mp3) return core::fail("an MP3 file: llmload reads the duration of WAV and FLAC files only (convert it, e.g. ffmpeg -i IN OUT.wav)");
  if (b.starts_with("OggS")) return core::fail("an Ogg file: llmload reads the duration of WAV and FLAC files only (convert it, e.g. ffmpeg -i IN OUT.wav)");
  return core::fail("not a WAV or FLAC file (the only audio llmload reads)");
}

core::Result<std::shared_ptr<const AudioClip>> make_audio_clip(std::string bytes, std::string filename) {
  auto info = parse_audio(bytes);
  if (!info) return info.error();
  if (bytes.find(api::kMultipartBoundary) != std::string::npos) {
    return core::fail("the audio's bytes hold the form boundary llmload sends ({})", api::kMultipartBoundary);
  }
  auto clip = std::make_shared<AudioClip>();
  std::filesystem::path name(filename.empty() ? std::string("audio") : filename);
  name = name.filename();
  if (name.empty()) name = "audio";
  if (name.extension() != fmt::format(".{}", info->container)) name += fmt::format(".{}", info->container);
  clip->filename = name.string();
  clip->content_type = info->content_type;
  clip->duration_s = info->duration_s;
  clip->bytes = std::move(bytes);
  return std::shared_ptr<const AudioClip>(std::move(clip));
}

core::Result<std::shared_ptr<const AudioClip>> AudioCache::get(std::string_view ref,
                                                               const std::filesystem::path& base_dir) {
  std::filesystem::path path(ref);
  if (path.is_relative()) path = base_dir / path;
  const std::string key = path.lexically_normal().string();
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  auto bytes = core::read_input_file(key, kMaxAudioBytes, "audio file");
  if (!bytes) return bytes.error();
  auto clip = make_audio_clip(std::move(*bytes), path.filename().string());
  if (!clip) return core::fail("{}: {}", key, clip.error().message);
  cache_.emplace(key, *clip);
  return clip;
}

}  // namespace llmload::workload
