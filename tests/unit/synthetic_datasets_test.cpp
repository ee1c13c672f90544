// prefix_repetition and random-mm without a tokenizer (the tokenizer paths are proven in
// tests/tokenizer/), and the parsers of vLLM's --random-mm-* flag values.
#include "llmload/workload/dataset.hpp"
#include "llmload/workload/synthetic_datasets.hpp"

#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <map>
#include <set>
#include <vector>

namespace llmload::workload {
namespace {


std::pair<std::uint32_t, std::uint32_t> png_size_from_data_url(const std::string& url);

TEST(PrefixRepetition, SharedPrefixesAndVllmCount) {
  DatasetOptions o;
  o.name = "prefix_repetition";
  o.num_prompts = 11;
  o.prefix_repetition_prefix_len = 6;
  o.prefix_repetition_suffix_len = 3;
  o.prefix_repetition_num_prefixes = 3;
  o.prefix_repetition_output_len = 17;
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->specs.size(), 9u);  // 3 prefixes x floor(11 / 3)
  std::map<std::string, int> prefixes;
  for (const auto& s : d->specs) {
    EXPECT_EQ(s.prompt_len, 9);
    EXPECT_EQ(count_words(s.prompt), 9);
    EXPECT_EQ(s.expected_output_len, 17);
    std::string prefix;
    std::size_t at = 0;
    for (int w = 0; w < 6; ++w) at = s.prompt.find(' ', at + 1);
    ++prefixes[s.prompt.substr(0, at)];
  }
  ASSERT_EQ(prefixes.size(), 3u);
  for (const auto& [p, n] : prefixes) EXPECT_EQ(n, 3);
  o.num_prompts = 2;
  auto bad = make_dataset(o, nullptr);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("must be at least --prefix-repetition-num-prefixes 3"), std::string::npos);
}

TEST(RandomMm, BucketConfigAndLimitsParse) {
  auto b = parse_bucket_config("{(256, 256, 1): 0.5, (720, 1280, 1): 1.5, (8, 8, 1): 0}");
  ASSERT_TRUE(b) << b.error().message;
  ASSERT_EQ(b->size(), 2u);
  EXPECT_EQ((*b)[1].height, 720);
  EXPECT_EQ((*b)[1].width, 1280);
  EXPECT_DOUBLE_EQ((*b)[0].probability, 0.25);
  EXPECT_DOUBLE_EQ((*b)[1].probability, 0.75);
  EXPECT_FALSE(parse_bucket_config("{(256, 256): 1}"));
  EXPECT_FALSE(parse_bucket_config("{(1, 1, 1): 0}"));
  EXPECT_FALSE(parse_bucket_config("[(1, 1, 1): 1]"));
  auto l = parse_limit_mm_per_prompt(R"({"image": 3, "video": 0})");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->at("image"), 3);
  EXPECT_FALSE(parse_limit_mm_per_prompt(R"({"image": -1})"));
  EXPECT_FALSE(parse_limit_mm_per_prompt("3"));
}

TEST(RandomMm, ImagesPerRequestSizesAndChatOnly) {
  DatasetOptions o;
  o.name = "random-mm";
  o.num_prompts = 40;
  o.random.input_len = 12;
  o.random_mm.base_items_per_request = 2;
  o.random_mm.num_mm_items_range_ratio = 1.0;  // 0..4 images, capped by the limit of 3
  o.random_mm.limit_mm_per_prompt = {{"image", 3}};
  o.random_mm.buckets = {{4, 6, 1, 0.5}, {10, 3, 1, 0.5}};
  o.random_mm.image_format = "png";
  auto refused = make_dataset(o, nullptr);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("--backend openai-chat"), std::string::npos);
  o.chat = true;
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  std::set<std::size_t> counts;
  std::set<std::pair<std::uint32_t, std::uint32_t>> sizes;
  std::set<std::string> distinct;
  for (const auto& s : d->specs) {
    EXPECT_EQ(s.prompt_len, 12);
    EXPECT_LE(s.images.size(), 3u);
    counts.insert(s.images.size());
    for (const auto& img : s.images) {
      sizes.insert(png_size_from_data_url(*img));
      distinct.insert(*img);
    }
  }
  EXPECT_EQ(counts, (std::set<std::size_t>{0, 1, 2, 3}));
  EXPECT_EQ(sizes, (std::set<std::pair<std::uint32_t, std::uint32_t>>{{6, 4}, {3, 10}}));  // (width, height)
  std::size_t total = 0;
  for (const auto& s : d->specs) total += s.images.size();
  EXPECT_EQ(distinct.size(), total);  // every image has its own random pixels
  auto again = make_dataset(o, nullptr);
  ASSERT_TRUE(again);
  for (std::size_t i = 0; i < d->specs.size(); ++i) {
    ASSERT_EQ(d->specs[i].images.size(), again->specs[i].images.size());
    for (std::size_t k = 0; k < d->specs[i].images.size(); ++k) EXPECT_EQ(*d->specs[i].images[k], *again->specs[i].images[k]);
  }
  o.random_mm.buckets = {{4, 4, 8, 1.0}};
  auto video = make_dataset(o, nullptr);
  ASSERT_FALSE(video);
  EXPECT_NE(video.error().message.find("video bucket"), std::string::npos);
}

// The bytes of a base64 data URL with the given MIME type (padding dropped).
std::string data_url_bytes(const std::string& url, const std::string& mime) {
  const std::string prefix = "data:" + mime + ";base64,";
  EXPECT_TRUE(url.starts_with(prefix)) << url.substr(0, 40);
  auto decode = [](char c) -> std::uint32_t {
    if (c >= 'A' && c <= 'Z') return static_cast<std::uint32_t>(c - 'A');
    if (c >= 'a' && c <= 'z') return static_cast<std::uint32_t>(c - 'a' + 26);
    if (c >= '0' && c <= '9') return static_cast<std::uint32_t>(c - '0' + 52);
    return c == '+' ? 62u : 63u;
  };
  std::string bytes;
  for (std::size_t i = prefix.size(); i + 4 <= url.size(); i += 4) {
    const std::uint32_t v = (decode(url[i]) << 18) | (decode(url[i + 1]) << 12) | (decode(url[i + 2]) << 6) | decode(url[i + 3]);
    bytes += static_cast<char>(v >> 16);
    if (url[i + 2] != '=') bytes += static_cast<char>(v >> 8);
    if (url[i + 3] != '=') bytes += static_cast<char>(v);
  }
  return bytes;
}

TEST(RandomMm, JpegByDefaultDecodesToTheBucketSizeAndRepeatsForASeed) {
  DatasetOptions o;
  o.name = "random-mm";
  o.chat = true;
  o.num_prompts = 3;
  o.seed = 7;
  o.random.input_len = 5;
  o.random_mm.buckets = {{810, 1080, 1, 1.0}};  // seed 002's picture size
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_NE(d->notes.back().find("JPEG data URLs"), std::string::npos) << d->notes.back();
  tjhandle tj = tjInitDecompress();
  for (const auto& s : d->specs) {
    ASSERT_EQ(s.images.size(), 1u);
    const std::string jpeg = data_url_bytes(*s.images[0], "image/jpeg");
    int width = 0, height = 0, subsamp = -1, colorspace = -1;
    ASSERT_EQ(tjDecompressHeader3(tj, reinterpret_cast<const unsigned char*>(jpeg.data()), jpeg.size(),
                                  &width, &height, &subsamp, &colorspace), 0) << tjGetErrorStr2(tj);
    EXPECT_EQ(width, 1080);
    EXPECT_EQ(height, 810);
    EXPECT_EQ(subsamp, TJSAMP_420);
    std::vector<unsigned char> rgb(static_cast<std::size_t>(width * height * 3));
    EXPECT_EQ(tjDecompress2(tj, reinterpret_cast<const unsigned char*>(jpeg.data()), jpeg.size(), rgb.data(),
                            width, 0, height, TJPF_RGB, 0), 0) << tjGetErrorStr2(tj);
  }
  tjDestroy(tj);
  EXPECT_NE(*d->specs[0].images[0], *d->specs[1].images[0]);
  auto again = make_dataset(o, nullptr);  // the same seed: byte-identical requests
  ASSERT_TRUE(again);
  for (std::size_t i = 0; i < d->specs.size(); ++i) {
    EXPECT_EQ(d->specs[i].prompt, again->specs[i].prompt);
    EXPECT_EQ(*d->specs[i].images[0], *again->specs[i].images[0]);
  }
  o.seed = 8;
  auto other = make_dataset(o, nullptr);
  ASSERT_TRUE(other);
  EXPECT_NE(*d->specs[0].images[0], *other->specs[0].images[0]);
  o.random_mm.image_format = "gif";
  auto bad = make_dataset(o, nullptr);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("--random-mm-image-format gif"), std::string::npos);
}

// Width and height from the IHDR of a base64 PNG data URL.
std::pair<std::uint32_t, std::uint32_t> png_size_from_data_url(const std::string& url) {
  const std::string bytes = data_url_bytes(url, "image/png");
  EXPECT_EQ(bytes.substr(12, 4), "IHDR");
  auto be32 = [&](std::size_t at) {
    return (std::uint32_t(std::uint8_t(bytes[at])) << 24) | (std::uint32_t(std::uint8_t(bytes[at + 1])) << 16) |
           (std::uint32_t(std::uint8_t(bytes[at + 2])) << 8) | std::uint32_t(std::uint8_t(bytes[at + 3]));
  };
  return {be32(16), be32(20)};
}

}  // namespace
}  // namespace llmload::workload
