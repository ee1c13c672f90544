// Image sizes from PNG/JPEG/GIF headers inside data URLs, and Qwen2-VL's image-token rule.
#include "llmload/sim/image_tokens.hpp"

#include <gtest/gtest.h>

#include <string>

namespace llmload::sim {
namespace {

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                   static_cast<unsigned char>(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i + 1 == bytes.size()) {
    const auto v = static_cast<unsigned char>(bytes[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const auto v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string png(std::uint32_t w, std::uint32_t h) {
  std::string b("\x89PNG\r\n\x1a\n", 8);
  b += be32(13) + "IHDR" + be32(w) + be32(h);
  b += std::string("\x08\x02\x00\x00\x00", 5) + be32(0) + std::string(64, '\0');
  return b;
}

std::string jpeg(std::uint16_t w, std::uint16_t h) {
  std::string b("\xFF\xD8", 2);
  b += std::string("\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);  // APP0
  b += std::string("\xFF\xDB\x00\x04\x00\x00", 6);                                      // a short DQT
  b += std::string("\xFF\xC0\x00\x11\x08", 5);
  b += static_cast<char>(h >> 8);
  b += static_cast<char>(h & 0xFF);
  b += static_cast<char>(w >> 8);
  b += static_cast<char>(w & 0xFF);
  b += std::string(12, '\x01');
  return b;
}

TEST(SimImageTokens, Qwen2VlRule) {
  EXPECT_EQ(qwen2_vl_image_tokens({1080, 810}), 1131);  // seed 002: 39 x 29
  EXPECT_EQ(qwen2_vl_image_tokens({28, 28}), 4);        // raised to min_pixels (56x56)
  EXPECT_EQ(qwen2_vl_image_tokens({1, 1}), 4);
  EXPECT_EQ(qwen2_vl_image_tokens({0, 10}), 0);
  EXPECT_EQ(qwen2_vl_image_tokens({448, 448}), 256);
  // 42 / 28 = 1.5 rounds half to even: 2 patches; 70 / 28 = 2.5 rounds to 2.
  EXPECT_EQ(qwen2_vl_image_tokens({42, 70}), 4);
  // Very large images are scaled down under max_pixels (12845056 = 16384 patches).
  EXPECT_LE(qwen2_vl_image_tokens({10000, 10000}), 16384);
  EXPECT_GT(qwen2_vl_image_tokens({10000, 10000}), 15000);
}

TEST(SimImageTokens, ReadsPngJpegAndGifHeaders) {
  const auto p = read_image_size(png(1080, 810)).value();
  EXPECT_EQ(p.width, 1080);
  EXPECT_EQ(p.height, 810);
  const auto j = read_image_size(jpeg(640, 480)).value();
  EXPECT_EQ(j.width, 640);
  EXPECT_EQ(j.height, 480);
  const auto g = read_image_size(std::string("GIF89a\x20\x03\x58\x02", 10)).value();
  EXPECT_EQ(g.width, 800);
  EXPECT_EQ(g.height, 600);
  EXPECT_EQ(read_image_size("hello world, not an image").error().status, 400);
  EXPECT_EQ(read_image_size(jpeg(640, 480).substr(0, 30)).error().status, 400);  // truncated
  EXPECT_EQ(read_image_size("").error().status, 400);
}

TEST(SimImageTokens, DataUrls) {
  const auto size = data_url_image_size("data:image/png;base64," + base64(png(1080, 810))).value();
  EXPECT_EQ(size.width, 1080);
  EXPECT_EQ(qwen2_vl_image_tokens(size), 1131);
  EXPECT_EQ(data_url_image_size("data:image/jpeg;base64," + base64(jpeg(1080, 810))).value().height, 810);
  EXPECT_EQ(data_url_image_size("https://example.com/a.png").error().status, 400);
  EXPECT_EQ(data_url_image_size("data:image/png,rawbytes").error().status, 400);
  EXPECT_EQ(data_url_image_size("data:image/png;base64").error().status, 400);
  EXPECT_EQ(data_url_image_size("data:image/png;base64,@@@@").error().status, 400);
  EXPECT_EQ(data_url_image_size("data:image/png;base64,").error().status, 400);
}

}  // namespace
}  // namespace llmload::sim
