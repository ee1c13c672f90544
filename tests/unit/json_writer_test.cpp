#include "llmload/core/json_writer.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <limits>

namespace llmload::core {
namespace {

TEST(JsonWriter, WritesNestedObjectsWithCommas) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("a", 1)
      .field("b", "x")
      .key("c")
      .begin_array()
      .value(true)
      .null()
      .value(2.5)
      .end_array()
      .key("d")
      .begin_object()
      .end_object()
      .end_object();
  EXPECT_EQ(out, R"({"a":1,"b":"x","c":[true,null,2.5],"d":{}})");
}

TEST(JsonWriter, DoublesLookLikePython) {
  std::string out;
  append_json_double(out, 2.0);
  out.push_back(' ');
  append_json_double(out, 45.35);
  out.push_back(' ');
  append_json_double(out, 0.1 + 0.2);
  out.push_back(' ');
  append_json_double(out, std::numeric_limits<double>::infinity());
  EXPECT_EQ(out, "2.0 45.35 0.30000000000000004 null");
}

TEST(JsonWriter, EscapesControlCharactersQuotesAndBadUtf8) {
  std::string out;
  append_json_string(out, std::string("a\"b\\c\n\x01\xff\xe4\xbd\xa0"));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\xEF\xBF\xBD\xe4\xbd\xa0\"");
  EXPECT_NO_THROW(boost::json::parse(out));
}

TEST(JsonWriter, CopiesBoostJsonValuesInOrder) {
  const auto v = boost::json::parse(R"({"z":1,"a":[1.5,"s",null,false],"m":{"k":-3}})");
  std::string out;
  JsonWriter(out).value(v);
  EXPECT_EQ(out, R"({"z":1,"a":[1.5,"s",null,false],"m":{"k":-3}})");
}

}  // namespace
}  // namespace llmload::core
