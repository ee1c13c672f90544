// The proof for request bodies: for every backend llmload has, the body it sends for a
// fixed input equals the one vLLM's request function builds for the same input, as written
// down in tests/data/vllm/request_bodies.json (JSON-equal, and the same key order).

#include "llmload/api/multipart.hpp"
#include "llmload/api/request_builder.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace llmload::api {
namespace {

boost::json::value load_fixture() {
  std::ifstream in(std::string(LLMLOAD_TEST_DATA_DIR) + "/vllm/request_bodies.json");
  std::stringstream text;
  text << in.rdbuf();
  return boost::json::parse(text.str());
}

std::optional<double> number(const boost::json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key)) return v->to_number<double>();
  return std::nullopt;
}

// The fixture's input as llmload's RequestSpec and BodyOptions (what the flags resolve to).
std::pair<workload::RequestSpec, BodyOptions> llmload_input(const boost::json::object& in) {
  workload::RequestSpec spec;
  spec.prompt = std::string(in.at("prompt").as_string());
  spec.expected_output_len = static_cast<std::int32_t>(in.at("output_len").as_int64());
  if (const auto* documents = in.if_contains("documents")) {
    for (const auto& d : documents->as_array()) spec.documents.emplace_back(d.as_string());
  }
  if (const auto* images = in.if_contains("images")) {
    for (const auto& url : images->as_array()) {
      spec.images.push_back(std::make_shared<const std::string>(std::string(url.as_string())));
    }
  }
  if (const auto* audio = in.if_contains("audio")) {
    auto clip = std::make_shared<workload::AudioClip>();
    clip->bytes = std::string(audio->at("bytes").as_string());
    clip->filename = std::string(audio->at("filename").as_string());
    clip->content_type = std::string(audio->at("content_type").as_string());
    spec.audio = std::move(clip);
  }
  BodyOptions o;
  o.model = std::string(in.at("model").as_string());
  if (const auto* v = in.if_contains("ignore_eos")) o.ignore_eos = v->as_bool();
  if (const auto* v = in.if_contains("logprobs")) o.logprobs = v->as_int64();
  o.sampling.temperature = number(in, "temperature");
  o.sampling.top_p = number(in, "top_p");
  o.sampling.repetition_penalty = number(in, "repetition_penalty");
  if (const auto* v = in.if_contains("top_k")) o.sampling.top_k = v->as_int64();
  if (const auto* v = in.if_contains("extra_body")) o.extra_body = v->as_object();
  return {std::move(spec), std::move(o)};
}

std::vector<std::string> keys(const boost::json::object& o) {
  std::vector<std::string> out;
  for (const auto& kv : o) out.emplace_back(kv.key());
  return out;
}

/// A multipart body as the fixture writes a form: its parts in order, each {name, filename
/// (file parts), content_type, value}.
boost::json::array form_parts(const std::string& body) {
  auto parts = parse_form(body, kMultipartBoundary);
  EXPECT_TRUE(parts) << parts.error().message;
  boost::json::array out;
  if (!parts) return out;
  for (const auto& p : *parts) {
    boost::json::object o;
    o["name"] = p.name;
    if (p.filename) o["filename"] = *p.filename;
    o["content_type"] = p.content_type;
    o["value"] = p.value;
    out.push_back(std::move(o));
  }
  return out;
}

TEST(VllmRequestBodies, EveryBackendsBodyEqualsVllms) {
  const auto fixture = load_fixture();
  const auto& cases = fixture.at("cases").as_array();
  ASSERT_GE(cases.size(), 6u);
  std::set<std::string> backends;
  for (const auto& c : cases) {
    const auto& o = c.as_object();
    const std::string name(o.at("name").as_string());
    const std::string backend(o.at("backend").as_string());
    const auto flavor = flavor_for_backend(backend);
    ASSERT_TRUE(flavor) << name << ": llmload does not know backend " << backend;
    backends.insert(backend);
    const auto& in = o.at("input").as_object();
    auto [spec, options] = llmload_input(in);
    // vLLM's request id ends with the request's index (what the vlm2vec prompt depends on).
    const auto* index = in.if_contains("request_index");
    adapt_to_backend(*flavor, spec, index != nullptr ? static_cast<std::size_t>(index->as_int64()) : 0);
    if (const auto* form = o.if_contains("form")) {  // openai-audio: a multipart form, part by part
      const auto ours = form_parts(build_body(*flavor, spec, options));
      EXPECT_EQ(ours, *form) << name << "\n llmload: " << boost::json::serialize(ours)
                             << "\n vLLM:    " << boost::json::serialize(*form);
      continue;
    }
    const auto ours = boost::json::parse(build_body(*flavor, spec, options));
    const auto& vllm = o.at("body");
    EXPECT_EQ(ours, vllm) << name << "\n llmload: " << boost::json::serialize(ours)
                          << "\n vLLM:    " << boost::json::serialize(vllm);
    EXPECT_EQ(keys(ours.as_object()), keys(vllm.as_object())) << name << ": key order";
  }
  // One case at least for every backend llmload accepts.
  for (const auto& backend : backend_names()) EXPECT_TRUE(backends.count(std::string(backend))) << backend;
}

}  // namespace
}  // namespace llmload::api
