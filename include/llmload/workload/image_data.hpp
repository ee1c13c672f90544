#pragma once
/// Images as request parts: a minimal PNG encoder (8-bit RGB, zlib from the system), a JPEG
/// encoder (libjpeg-turbo), base64 data URLs, format sniffing, and a cache that reads each
/// local image file once.

#include "llmload/core/error.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

namespace llmload::workload {

/// A PNG file (signature, IHDR, one IDAT, IEND) of `width`×`height` 8-bit RGB pixels, rows top
/// to bottom, 3 bytes per pixel (`rgb.size()` must be width·height·3). `zlib_level` 0 stores
/// the pixels uncompressed (right for random noise, which does not compress). Pure.
std::string encode_png(std::uint32_t width, std::uint32_t height, std::span<const std::uint8_t> rgb,
                       int zlib_level = 0);

/// A baseline JPEG of `width`×`height` 8-bit RGB pixels (same layout as encode_png) through
/// libjpeg-turbo, with 4:2:0 chroma subsampling and `quality` in [1, 100]; 75 is what PIL's
/// `Image.save(format="JPEG")` uses, which vLLM's random-mm images go through. Deterministic
/// for the same pixels. Errors carry libjpeg-turbo's message.
core::Result<std::string> encode_jpeg(std::uint32_t width, std::uint32_t height,
                                      std::span<const std::uint8_t> rgb, int quality = 75);


/// The MIME type of image bytes from their signature ("image/png", "image/jpeg", "image/gif",
/// "image/webp"), or an empty view when they are none of these.
std::string_view sniff_image_mime(std::string_view bytes);

/// `data:<mime>;base64,<bytes>`.
std::string image_data_url(std::string_view mime, std::string_view bytes);

/// Checks, without reading it, that a local image reference (as ImageCache::get takes) names
/// an existing regular file; URLs pass. The error names the resolved path.
core::Result<void> check_local_image(std::string_view ref, const std::filesystem::path& base_dir);

/// Local image files as data URLs, each file read and encoded once however many requests use
/// it. Not thread-safe (used while the dataset is built, before the run).
class ImageCache final {
 public:
  /// The URL to send for `ref`: an http(s) or data URL is kept as it is; anything else is a
  /// local path (relative ones against `base_dir`) read and turned into a data URL. Errors say
  /// the file is missing, unreadable or not a PNG/JPEG/GIF/WebP image (the caller adds where
  /// the reference came from).
  core::Result<std::shared_ptr<const std::string>> get(std::string_view ref,
                                                       const std::filesystem::path& base_dir);
  /// Bytes held by distinct cached URLs.
  std::size_t bytes() const { return bytes_; }

 private:
  std::unordered_map<std::string, std::shared_ptr<const std::string>> cache_;
  std::size_t bytes_ = 0;
};

}  // namespace llmload::workload
