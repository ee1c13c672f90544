#include "llmload/net/url.hpp"

#include <gtest/gtest.h>

namespace llmload::net {
namespace {

struct UrlCase {
  std::string text;
  std::string scheme, host;
  std::uint16_t port;
  std::string path, host_header;
};

class UrlParse : public ::testing::TestWithParam<UrlCase> {};

TEST_P(UrlParse, Parses) {
  const auto& c = GetParam();
  auto url = parse_url(c.text);
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->scheme, c.scheme);
  EXPECT_EQ(url->host, c.host);
  EXPECT_EQ(url->port, c.port);
  EXPECT_EQ(url->path, c.path);
  EXPECT_EQ(url->host_header(), c.host_header);
}

INSTANTIATE_TEST_SUITE_P(
    Good, UrlParse,
    ::testing::Values(
        UrlCase{"http://127.0.0.1:8000", "http", "127.0.0.1", 8000, "", "127.0.0.1:8000"},
        UrlCase{"http://localhost", "http", "localhost", 80, "", "localhost"},
        UrlCase{"https://api.example.com/v1/", "https", "api.example.com", 443, "/v1",
                "api.example.com"},
        UrlCase{"HTTP://[::1]:9000/x", "http", "::1", 9000, "/x", "[::1]:9000"},
        UrlCase{"https://h:8443", "https", "h", 8443, "", "h:8443"}));

TEST(UrlParse, RejectsWithActionableMessages) {
  for (const char* bad : {"127.0.0.1:8000", "ftp://x", "http://:80", "http://h:0",
                          "http://h:99999", "http://h:abc", "http://[::1", "http://::1:80",
                          "http://user:pw@h", "http://h/?q=1"}) {
    auto url = parse_url(bad, "--base-url");
    EXPECT_FALSE(url) << bad;
    if (!url) {
      EXPECT_NE(url.error().message.find("--base-url"), std::string::npos) << bad;
    }
  }
  auto creds = parse_url("http://user:secret@h", "--base-url");
  ASSERT_FALSE(creds);
  EXPECT_EQ(creds.error().message.find("secret"), std::string::npos);
}

TEST(UrlParse, Loopback) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
}

}  // namespace
}  // namespace llmload::net
