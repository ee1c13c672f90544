#pragma once
// Test audio: a RIFF/WAVE file of silence, written byte by byte (the unit tests of the WAV
// reader and the openai-audio integration tests).
#include <cstdint>
#include <string>

namespace llmload::testing_audio {

inline void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

/// A WAV file of `frames` frames: `format` 1 (PCM) or 3 (float), `bits` per sample.
inline std::string wav_bytes(std::uint32_t rate, std::uint16_t channels, std::uint64_t frames,
                             std::uint16_t format = 1, std::uint16_t bits = 16) {
  const std::uint32_t align = channels * (bits / 8u);
  const std::uint64_t data = frames * align;
  std::string out = "RIFF";
  put_le(out, 36 + data, 4);
  out += "WAVEfmt ";
  put_le(out, 16, 4);
  put_le(out, format, 2);
  put_le(out, channels, 2);
  put_le(out, rate, 4);
  put_le(out, static_cast<std::uint64_t>(rate) * align, 4);
  put_le(out, align, 2);
  put_le(out, bits, 2);
  out += "data";
  put_le(out, data, 4);
  out.append(data, '\0');
  return out;
}

/// 16 kHz mono 16-bit PCM of `seconds`.
inline std::string wav_seconds(double seconds) {
  return wav_bytes(16000, 1, static_cast<std::uint64_t>(seconds * 16000));
}

}  // namespace llmload::testing_audio
