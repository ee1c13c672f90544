// The simulator's whole HTTP responses: error bodies, HTTP/1.1 framing, non-streaming bodies
// and the models list (hand-written expectations, vLLM's shapes).
#include "llmload/sim/sim_responses.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace llmload::sim {
namespace {

ResponseIdentity response_identity(std::string id) {
  return ResponseIdentity{std::move(id), 1700000000, "\"m\""};
}

GenerationRequest generation_request(api::Flavor flavor, bool continuous = false) {
  GenerationRequest r;
  r.flavor = flavor;
  r.prompt_tokens = 7;
  r.max_tokens = 3;
  r.stream = true;
  r.include_usage = true;
  r.continuous_usage = continuous;
  return r;
}


// ---- HTTP responses and bodies -----------------------------------------------------------

TEST(SimHttp, ErrorBodyIsOpenAiShaped) {
  EXPECT_EQ(error_body(404, "The model `x` does not exist."),
            R"({"error":{"message":"The model `x` does not exist.","type":"NotFoundError","param":null,"code":404}})");
  EXPECT_EQ(error_type(400), "BadRequestError");
  EXPECT_EQ(error_type(429), "RateLimitError");
  EXPECT_EQ(error_type(500), "InternalServerError");
  EXPECT_EQ(error_type(502), "InternalServerError");
  EXPECT_EQ(error_type(418), "BadRequestError");
  EXPECT_EQ(error_body(400, "quote \" here"),
            R"({"error":{"message":"quote \" here","type":"BadRequestError","param":null,"code":400}})");
}

TEST(SimHttp, ResponsesAreValidHttp11) {
  std::string out;
  append_response(out, 200, "application/json", "{}", true);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nServer: llmload-sim\r\nContent-Type: application/json\r\n"
            "Content-Length: 2\r\n\r\n{}");
  out.clear();
  append_response(out, 200, {}, {}, false);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nServer: llmload-sim\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  out.clear();
  append_error_response(out, {405, "no"}, true, "Allow: GET\r\n");
  const std::string body = R"({"error":{"message":"no","type":"MethodNotAllowedError","param":null,"code":405}})";
  EXPECT_EQ(out, "HTTP/1.1 405 Method Not Allowed\r\nServer: llmload-sim\r\nContent-Type: application/json\r\n"
                 "Content-Length: " + std::to_string(body.size()) + "\r\nAllow: GET\r\n\r\n" + body);
  out.clear();
  append_response(out, 597, "text/plain", "x", true);
  EXPECT_EQ(out.substr(0, 23), "HTTP/1.1 597 Unknown\r\nS");
  out.clear();
  append_stream_head(out, true);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nServer: llmload-sim\r\n"
            "Content-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n");
}

TEST(SimHttp, NonStreamingBodiesAreVllmShaped) {
  auto r = generation_request(api::Flavor::kCompletions);
  std::string out;
  append_completion_body(out, response_identity("cmpl-5"), r);
  EXPECT_EQ(out,
            R"({"id":"cmpl-5","object":"text_completion","created":1700000000,"model":"m",)"
            R"("choices":[{"index":0,"text":" the model of","logprobs":null,"finish_reason":"length",)"
            R"("stop_reason":null}],"usage":{"prompt_tokens":7,"total_tokens":10,"completion_tokens":3}})");
  r.flavor = api::Flavor::kChat;
  out.clear();
  append_completion_body(out, response_identity("chatcmpl-5"), r);
  EXPECT_EQ(out,
            R"({"id":"chatcmpl-5","object":"chat.completion","created":1700000000,"model":"m",)"
            R"("choices":[{"index":0,"message":{"role":"assistant","content":" the model of"},)"
            R"("logprobs":null,"finish_reason":"length","stop_reason":null}],)"
            R"("usage":{"prompt_tokens":7,"total_tokens":10,"completion_tokens":3}})");
}

TEST(SimHttp, ModelsBodyListsTheServedModel) {
  std::string out;
  append_models_body(out, "my \"model\"", 1700000001);
  EXPECT_EQ(out,
            R"({"object":"list","data":[{"id":"my \"model\"","object":"model","created":1700000001,)"
            R"("owned_by":"llmload","root":"my \"model\"","parent":null,"max_model_len":32768}]})");
}

}  // namespace
}  // namespace llmload::sim
