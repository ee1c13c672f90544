#include "llmload/workload/image_data.hpp"

#include "llmload/core/base64.hpp"
#include "llmload/core/input_file.hpp"

#include <turbojpeg.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace llmload::workload {
namespace {

void put_u32(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

void put_chunk(std::string& out, const char (&type)[5], std::string_view data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.append(type, 4);
  out.append(data);
  const auto crc = crc32(0L, reinterpret_cast<const Bytef*>(out.data() + start),
                         static_cast<uInt>(out.size() - start));
  put_u32(out, static_cast<std::uint32_t>(crc));
}

}  // namespace

std::string encode_png(std::uint32_t width, std::uint32_t height, std::span<const std::uint8_t> rgb,
                       int zlib_level) {
  const std::size_t row = static_cast<std::size_t>(width) * 3;
  // Filter type 0 (None) before every row.
  std::string raw;
  raw.reserve((row + 1) * height);
  for (std::uint32_t y = 0; y < height; ++y) {
    raw.push_back('\0');
    raw.append(reinterpret_cast<const char*>(rgb.data()) + y * row, row);
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  std::string packed(packed_size, '\0');
  compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size,
            reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()), zlib_level);
  packed.resize(packed_size);

  std::string out("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  put_u32(ihdr, width);
  put_u32(ihdr, height);
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8 bits, RGB, deflate, adaptive filter, no interlace
  put_chunk(out, "IHDR", ihdr);
  put_chunk(out, "IDAT", packed);
  put_chunk(out, "IEND", "");
  return out;
}

core::Result<std::string> encode_jpeg(std::uint32_t width, std::uint32_t height,
                                      std::span<const std::uint8_t> rgb, int quality) {
  if (rgb.size() != static_cast<std::size_t>(width) * height * 3) {
    return core::fail("JPEG: {} bytes of pixels for a {}x{} RGB image", rgb.size(), width, height);
  }
  const std::unique_ptr<void, int (*)(tjhandle)> handle(tjInitCompress(), tjDestroy);
  if (!handle) return core::fail("JPEG: cannot start libjpeg-turbo: {}", tjGetErrorStr2(nullptr));
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  const int rc = tjCompress2(handle.get(), rgb.data(), static_cast<int>(width), 0, static_cast<int>(height),
                             TJPF_RGB, &jpeg, &size, TJSAMP_420, quality, 0);
  const std::unique_ptr<unsigned char, void (*)(unsigned char*)> owned(jpeg, tjFree);
  if (rc != 0) return core::fail("JPEG: {}", tjGetErrorStr2(handle.get()));
  return core::Result<std::string>(boost::system::in_place_value, reinterpret_cast<const char*>(jpeg), size);
}

std::string_view sniff_image_mime(std::string_view b) {
  if (b.starts_with("\x89PNG\r\n\x1a\n")) return "image/png";
  if (b.starts_with("\xFF\xD8\xFF")) return "image/jpeg";
  if (b.starts_with("GIF87a") || b.starts_with("GIF89a")) return "image/gif";
  if (b.size() >= 12 && b.starts_with("RIFF") && b.substr(8, 4) == "WEBP") return "image/webp";
  return {};
}

std::string image_data_url(std::string_view mime, std::string_view bytes) {
  std::string out = "data:";
  out += mime;
  out += ";base64,";
  out += core::base64_encode(bytes);
  return out;
}

namespace {
bool is_url(std::string_view ref) {
  return ref.starts_with("http://") || ref.starts_with("https://") || ref.starts_with("data:");
}
std::filesystem::path local_path(std::string_view ref, const std::filesystem::path& base_dir) {
  std::filesystem::path path(ref);
  return path.is_relative() ? base_dir / path : path;
}
}  // namespace

core::Result<void> check_local_image(std::string_view ref, const std::filesystem::path& base_dir) {
  if (is_url(ref)) return {};
  const auto path = local_path(ref, base_dir);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return core::fail("image {}: cannot open: {}", path.string(),
                      std::filesystem::exists(path, ec) ? "not a regular file" : std::strerror(ENOENT));
  }
  return {};
}

core::Result<std::shared_ptr<const std::string>> ImageCache::get(std::string_view ref,
                                                                 const std::filesystem::path& base_dir) {
  if (is_url(ref)) {
    auto [it, added] = cache_.try_emplace(std::string(ref));
    if (added) {
      it->second = std::make_shared<const std::string>(ref);
      bytes_ += ref.size();
    }
    return it->second;
  }
  const auto path = local_path(ref, base_dir);
  const std::string key = path.lexically_normal().string();
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  auto read = core::read_input_file(path.string(), core::kMaxImageBytes, "image");
  if (!read) return read.error();
  const std::string data = std::move(*read);
  const auto mime = sniff_image_mime(data);
  if (mime.empty()) {
    return core::fail("image {}: not a PNG, JPEG, GIF or WebP image ({} bytes)", path.string(), data.size());
  }
  auto url = std::make_shared<const std::string>(image_data_url(mime, data));
  bytes_ += url->size();
  cache_.emplace(key, url);
  return url;
}

}  // namespace llmload::workload
