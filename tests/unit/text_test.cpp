// core/text.hpp: trim, HTML/XML escaping, and the redaction of secrets from server text.
#include "llmload/core/text.hpp"

#include <gtest/gtest.h>

namespace llmload::core {
namespace {

TEST(Text, TrimAndEscape) {
  EXPECT_EQ(trim(" \t\r\n x y \v\f"), "x y");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(html_escape(R"(<a href="x">&'</a>)"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(xml_escape("a<b"), "a&lt;b");
}

TEST(Redactor, ReplacesEveryOccurrenceOfEveryValue) {
  const Redactor r({"Bearer sk-abcdef123", "tenant", "ab"});
  EXPECT_EQ(r.redacted("Authorization: Bearer sk-abcdef123\r\nX: sk-abcdef123 sk-abcdef123"),
            "Authorization: [redacted]\r\nX: [redacted] [redacted]");
  EXPECT_EQ(r.redacted("tenant=tenant"), "[redacted]=[redacted]");
  EXPECT_EQ(r.redacted("ab stays: too short to be a credential"), "ab stays: too short to be a credential");
  EXPECT_TRUE(Redactor({"", "x"}).empty());
  std::string text = "key sk-abcdef123.";
  r.apply(text);
  EXPECT_EQ(text, "key [redacted].");
}

}  // namespace
}  // namespace llmload::core
