#include "llmload/sim/image_tokens.hpp"

#include "llmload/core/base64.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace llmload::sim {

namespace {

std::uint32_t be16(std::string_view b, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) << 8) |
         static_cast<unsigned char>(b[at + 1]);
}

std::uint32_t be32(std::string_view b, std::size_t at) { return (be16(b, at) << 16) | be16(b, at + 2); }

std::uint32_t le16(std::string_view b, std::size_t at) {
  return static_cast<unsigned char>(b[at]) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8);
}

ApiError bad_image(std::string message) { return ApiError{400, std::move(message)}; }

ApiResult<ImageSize> jpeg_size(std::string_view b) {
  std::size_t at = 2;
  while (at + 4 <= b.size()) {
    if (static_cast<unsigned char>(b[at]) != 0xFF) return bad_image("The JPEG image is corrupt (bad marker).");
    const auto marker = static_cast<unsigned char>(b[at + 1]);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      at += 2;
      continue;
    }
    const std::uint32_t length = be16(b, at + 2);
    const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (at + 9 > b.size()) break;
      return ImageSize{be16(b, at + 7), be16(b, at + 5)};
    }
    if (marker == 0xD9 || length < 2) break;
    at += 2 + length;
  }
  return bad_image("The JPEG image has no frame header (SOF) with its size.");
}

}  // namespace

ApiResult<ImageSize> read_image_size(std::string_view b) {
  if (b.size() >= 24 && b.substr(0, 8) == "\x89PNG\r\n\x1a\n" && b.substr(12, 4) == "IHDR") {
    return ImageSize{be32(b, 16), be32(b, 20)};
  }
  if (b.size() >= 4 && static_cast<unsigned char>(b[0]) == 0xFF && static_cast<unsigned char>(b[1]) == 0xD8) {
    return jpeg_size(b);
  }
  if (b.size() >= 10 && (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a")) {
    return ImageSize{le16(b, 6), le16(b, 8)};
  }
  return bad_image("The image is not a PNG, JPEG or GIF file (the simulator reads only their headers).");
}

ApiResult<ImageSize> data_url_image_size(std::string_view url) {
  if (url.substr(0, 5) != "data:") {
    return bad_image("The simulator accepts images only as base64 data URLs (data:image/...;base64,...); "
                     "it cannot fetch URLs.");
  }
  const auto comma = url.find(',');
  if (comma == std::string_view::npos) return bad_image("The image data URL has no ',' before its data.");
  const std::string_view meta = url.substr(5, comma - 5);
  if (meta.size() < 7 || meta.substr(meta.size() - 7) != ";base64") {
    return bad_image("The image data URL must be base64-encoded (data:image/...;base64,...).");
  }
  const std::string_view payload = url.substr(comma + 1);
  std::string bytes;
  std::uint32_t acc = 0;
  int bits = 0;
  // Decodes in pieces and tries the header after each, so a PNG needs only its first 32 chars.
  std::size_t next_try = 64;
  for (std::size_t i = 0; i < payload.size(); ++i) {
    const char c = payload[i];
    if (c == '=') break;
    if (c == '\r' || c == '\n' || c == ' ') continue;
    const int v = core::base64_digit(c, core::Base64Digits::kStandardOrUrlSafe);
    if (v < 0) return bad_image(fmt::format("The image data URL has an invalid base64 character at {}.", i));
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((acc >> bits) & 0xFF);
    }
    if (i + 1 == next_try) {
      next_try *= 2;
      auto size = read_image_size(bytes);
      if (size) return size;
    }
  }
  return read_image_size(bytes);
}

std::int64_t qwen2_vl_image_tokens(ImageSize size, const ImageTokenRule& rule) noexcept {
  if (size.width < 1 || size.height < 1 || rule.patch < 1) return 0;
  const double f = static_cast<double>(rule.patch);
  const double h = static_cast<double>(size.height);
  const double w = static_cast<double>(size.width);
  // Python's round() is half-to-even, which std::nearbyint gives in the default mode.
  double h_bar = std::max(f, std::nearbyint(h / f) * f);
  double w_bar = std::max(f, std::nearbyint(w / f) * f);
  if (h_bar * w_bar > static_cast<double>(rule.max_pixels)) {
    const double beta = std::sqrt(h * w / static_cast<double>(rule.max_pixels));
    h_bar = std::max(f, std::floor(h / beta / f) * f);
    w_bar = std::max(f, std::floor(w / beta / f) * f);
  } else if (h_bar * w_bar < static_cast<double>(rule.min_pixels)) {
    const double beta = std::sqrt(static_cast<double>(rule.min_pixels) / (h * w));
    h_bar = std::ceil(h * beta / f) * f;
    w_bar = std::ceil(w * beta / f) * f;
  }
  return static_cast<std::int64_t>(h_bar / f) * static_cast<std::int64_t>(w_bar / f);
}

}  // namespace llmload::sim
