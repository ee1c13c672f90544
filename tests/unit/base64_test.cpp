// The one base64 of the tool against RFC 4648's test vectors, both ways, and its refusals.
#include "llmload/core/base64.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace llmload::core {
namespace {

const std::pair<std::string, std::string> kRfc4648[] = {
    {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}, {std::string("\xff\xfe\x00", 3), "//4A"}};

TEST(Base64, EncodesAndDecodesRfc4648Vectors) {
  for (const auto& [plain, encoded] : kRfc4648) {
    EXPECT_EQ(base64_encode(plain), encoded);
    auto back = base64_decode(encoded);
    ASSERT_TRUE(back) << encoded << ": " << back.error().message;
    EXPECT_EQ(std::string(back->begin(), back->end()), plain) << encoded;
  }
}

TEST(Base64, DecodingIsStrict) {
  EXPECT_NE(base64_decode("Zm9").error().message.find("multiple of 4"), std::string::npos);
  EXPECT_NE(base64_decode("Zm=v").error().message.find("offset 2"), std::string::npos);  // padding inside
  EXPECT_FALSE(base64_decode("Zg==Zg=="));  // padding before the last quad
  EXPECT_FALSE(base64_decode("-_-_"));      // URL-safe digits are not standard ones
}

TEST(Base64, UrlSafeDigitsOnlyWhenAsked) {
  EXPECT_EQ(base64_digit('-'), -1);
  EXPECT_EQ(base64_digit('-', Base64Digits::kStandardOrUrlSafe), 62);
  EXPECT_EQ(base64_digit('_', Base64Digits::kStandardOrUrlSafe), 63);
  EXPECT_EQ(base64_digit('/'), 63);
  EXPECT_EQ(base64_digit('='), -1);
}

}  // namespace
}  // namespace llmload::core
