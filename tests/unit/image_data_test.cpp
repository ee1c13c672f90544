// The PNG encoder decoded back by a small independent reader (chunk CRCs, IHDR, inflate), the
// JPEG encoder decoded back with libjpeg-turbo, base64 against RFC 4648's vectors, format
// sniffing and the image cache.
#include "llmload/workload/image_data.hpp"

#include <gtest/gtest.h>
#include <turbojpeg.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

namespace llmload::workload {
namespace {

std::uint32_t be32(std::string_view s, std::size_t at) {
  return (std::uint32_t(std::uint8_t(s[at])) << 24) | (std::uint32_t(std::uint8_t(s[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(s[at + 2])) << 8) | std::uint32_t(std::uint8_t(s[at + 3]));
}

struct DecodedPng {
  std::uint32_t width = 0, height = 0;
  int bit_depth = 0, color_type = 0;
  std::string pixels;  // filter bytes removed
  std::vector<std::string> chunk_types;
};

// Reads a PNG with filter type 0 rows; fails the test on any structural error.
DecodedPng decode_png(std::string_view png) {
  DecodedPng out;
  EXPECT_EQ(png.substr(0, 8), std::string_view("\x89PNG\r\n\x1a\n", 8));
  std::string idat;
  for (std::size_t at = 8; at < png.size();) {
    const std::uint32_t len = be32(png, at);
    const std::string_view type = png.substr(at + 4, 4);
    const std::string_view data = png.substr(at + 8, len);
    const auto crc = crc32(0, reinterpret_cast<const Bytef*>(png.data() + at + 4), len + 4);
    EXPECT_EQ(be32(png, at + 8 + len), crc) << "chunk " << type;
    out.chunk_types.emplace_back(type);
    if (type == "IHDR") {
      out.width = be32(data, 0);
      out.height = be32(data, 4);
      out.bit_depth = std::uint8_t(data[8]);
      out.color_type = std::uint8_t(data[9]);
    } else if (type == "IDAT") {
      idat.append(data);
    }
    at += 12 + len;
  }
  std::string raw((out.width * 3 + 1) * out.height, '\0');
  uLongf raw_size = raw.size();
  EXPECT_EQ(uncompress(reinterpret_cast<Bytef*>(raw.data()), &raw_size,
                       reinterpret_cast<const Bytef*>(idat.data()), idat.size()), Z_OK);
  EXPECT_EQ(raw_size, raw.size());
  for (std::uint32_t y = 0; y < out.height; ++y) {
    const std::size_t row = y * (out.width * 3 + 1);
    EXPECT_EQ(raw[row], '\0');
    out.pixels.append(raw, row + 1, out.width * 3);
  }
  return out;
}

TEST(ImageData, PngDecodesBackToTheSamePixels) {
  for (int level : {0, 6}) {
    const std::uint32_t w = 7, h = 5;
    std::vector<std::uint8_t> rgb(w * h * 3);
    for (std::size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<std::uint8_t>(i * 37 + 11);
    const auto png = encode_png(w, h, rgb, level);
    const auto decoded = decode_png(png);
    EXPECT_EQ(decoded.width, w);
    EXPECT_EQ(decoded.height, h);
    EXPECT_EQ(decoded.bit_depth, 8);
    EXPECT_EQ(decoded.color_type, 2);  // RGB
    EXPECT_EQ(decoded.chunk_types, (std::vector<std::string>{"IHDR", "IDAT", "IEND"}));
    EXPECT_EQ(decoded.pixels, std::string(rgb.begin(), rgb.end()));
    EXPECT_EQ(sniff_image_mime(png), "image/png");
  }
}

TEST(ImageData, JpegDecodesBackToItsSizeAndCloseToItsPixels) {
  // A smooth gradient (JPEG is lossy: noise would not come back close).
  const std::uint32_t w = 40, h = 24;
  std::vector<std::uint8_t> rgb(w * h * 3);
  for (std::uint32_t y = 0; y < h; ++y) {
    for (std::uint32_t x = 0; x < w; ++x) {
      rgb[(y * w + x) * 3 + 0] = static_cast<std::uint8_t>(x * 6);
      rgb[(y * w + x) * 3 + 1] = static_cast<std::uint8_t>(y * 10);
      rgb[(y * w + x) * 3 + 2] = 128;
    }
  }
  auto jpeg = encode_jpeg(w, h, rgb);
  ASSERT_TRUE(jpeg) << jpeg.error().message;
  EXPECT_EQ(sniff_image_mime(*jpeg), "image/jpeg");
  tjhandle tj = tjInitDecompress();
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  ASSERT_EQ(tjDecompressHeader3(tj, reinterpret_cast<const unsigned char*>(jpeg->data()), jpeg->size(), &width,
                                &height, &subsamp, &colorspace), 0);
  EXPECT_EQ(width, 40);
  EXPECT_EQ(height, 24);
  std::vector<std::uint8_t> back(rgb.size());
  ASSERT_EQ(tjDecompress2(tj, reinterpret_cast<const unsigned char*>(jpeg->data()), jpeg->size(), back.data(),
                          width, 0, height, TJPF_RGB, 0), 0);
  tjDestroy(tj);
  int worst = 0;
  for (std::size_t i = 0; i < rgb.size(); ++i) worst = std::max(worst, std::abs(int(rgb[i]) - int(back[i])));
  EXPECT_LT(worst, 24);
  auto again = encode_jpeg(w, h, rgb);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *jpeg);  // deterministic
  EXPECT_FALSE(encode_jpeg(w, h, std::span<const std::uint8_t>(rgb).first(10)));
}

TEST(ImageData, DataUrlCarriesTheBase64Bytes) {
  EXPECT_EQ(image_data_url("image/png", "foo"), "data:image/png;base64,Zm9v");
}

TEST(ImageData, SniffsFormats) {
  EXPECT_EQ(sniff_image_mime("\xFF\xD8\xFF\xE0rest"), "image/jpeg");
  EXPECT_EQ(sniff_image_mime("GIF89a..."), "image/gif");
  EXPECT_EQ(sniff_image_mime(std::string_view("RIFF\x10\0\0\0WEBPVP8 ", 16)), "image/webp");
  EXPECT_EQ(sniff_image_mime("hello"), "");
}

TEST(ImageCache, ReadsEachFileOnceAndExplainsBadFiles) {
  const auto dir = std::filesystem::temp_directory_path() / ("llmload-img-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::vector<std::uint8_t> px(3 * 4, 200);
  { std::ofstream(dir / "a.png", std::ios::binary) << encode_png(2, 2, px); }
  { std::ofstream(dir / "b.txt") << "not an image"; }
  ImageCache cache;
  auto a1 = cache.get("a.png", dir);
  auto a2 = cache.get((dir / "a.png").string(), "/elsewhere");
  ASSERT_TRUE(a1 && a2);
  EXPECT_EQ(a1->get(), a2->get());  // one shared string
  EXPECT_TRUE((*a1)->starts_with("data:image/png;base64,iVBORw0KGgo"));
  auto url = cache.get("https://example.com/x.jpg", dir);
  ASSERT_TRUE(url);
  EXPECT_EQ(**url, "https://example.com/x.jpg");
  auto missing = cache.get("nope.png", dir);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("nope.png: cannot open"), std::string::npos);
  auto text = cache.get("b.txt", dir);
  ASSERT_FALSE(text);
  EXPECT_NE(text.error().message.find("not a PNG, JPEG, GIF or WebP image"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace llmload::workload
