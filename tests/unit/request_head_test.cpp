#include "llmload/net/request_head.hpp"

#include <gtest/gtest.h>

namespace llmload::net {
namespace {

TEST(RequestHead, SerializesHeadAndBodyWithOverrides) {
  HeaderList headers{{"x-team", "serving"}, {"accept", "text/event-stream"}};
  std::string out;
  append_request(out, "POST", "/v1/completions", "127.0.0.1:8000", headers, R"({"a":1})");
  EXPECT_EQ(out,
            "POST /v1/completions HTTP/1.1\r\n"
            "Host: 127.0.0.1:8000\r\n"
            "User-Agent: llmload/" LLMLOAD_VERSION "\r\n"
            "Accept: text/event-stream\r\n"
            "Content-Type: application/json\r\n"
            "x-team: serving\r\n"
            "Content-Length: 7\r\n"
            "\r\n"
            R"({"a":1})");
}

TEST(RequestHead, GetHasNoBodyHeaders) {
  std::string out;
  append_request(out, "GET", "/v1/models", "h", {}, "");
  EXPECT_EQ(out, "GET /v1/models HTTP/1.1\r\nHost: h\r\nUser-Agent: llmload/" LLMLOAD_VERSION
                 "\r\nAccept: */*\r\n\r\n");
}

TEST(RequestHead, CallerCannotFakeContentLength) {
  std::string out;
  append_request(out, "POST", "/", "h", {{"Content-Length", "999"}}, "xy");
  EXPECT_EQ(out.find("999"), std::string::npos);
  EXPECT_NE(out.find("Content-Length: 2\r\n"), std::string::npos);
}

TEST(RequestHead, SetHeaderReplacesCaseInsensitively) {
  HeaderList h{{"Authorization", "Bearer a"}};
  set_header(h, "authorization", "Bearer b");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].second, "Bearer b");
}

TEST(RequestHead, SecretHeaderNames) {
  for (const char* name : {"Authorization", "proxy-authorization", "X-API-Key", "api-key",
                           "Cookie", "x-auth-token", "X-Client-Secret"}) {
    EXPECT_TRUE(is_secret_header(name)) << name;
  }
  for (const char* name : {"x-request-id", "Content-Type", "x-team"}) {
    EXPECT_FALSE(is_secret_header(name)) << name;
  }
}

}  // namespace
}  // namespace llmload::net
