// multipart/form-data for openai-audio: the form's bytes exactly, the parser that reads it
// back (and refuses malformed forms), the audio request's fields in vLLM's order, and the
// simulator's reading of the form.
#include "llmload/api/multipart.hpp"
#include "llmload/api/request_builder.hpp"
#include "llmload/sim/transcription_request.hpp"

#include "wav_bytes.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace llmload::api {
namespace {

TEST(Multipart, FormBytesAsAiohttpWritesThem) {
  const std::vector<FormPart> parts{{"file", "a.wav", "audio/wav", "RIFF"},
                                    {"model", std::nullopt, "text/plain; charset=utf-8", "m"}};
  const std::string b(kMultipartBoundary);
  EXPECT_EQ(build_form(parts),
            "--" + b + "\r\nContent-Type: audio/wav\r\nContent-Disposition: form-data; name=\"file\"; "
            "filename=\"a.wav\"\r\n\r\nRIFF\r\n--" + b +
            "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nm\r\n--" +
            b + "--\r\n");
  EXPECT_EQ(multipart_content_type(), "multipart/form-data; boundary=" + b);
  // Quotes and line breaks in a name are percent-encoded.
  const auto quoted = build_form({{"x", "a\"b\r\n.wav", "audio/wav", ""}});
  EXPECT_NE(quoted.find("filename=\"a%22b%0D%0A.wav\""), std::string::npos) << quoted;
}

TEST(Multipart, ParsesWhatItBuildsAndRefusesMalformedForms) {
  const std::string body = build_form({{"file", "a.wav", "audio/wav", "RI\r\nFF--"},
                                       {"stream", std::nullopt, "text/plain; charset=utf-8", "True"}});
  const std::string content_type = multipart_content_type();  // the boundary is a view into it
  auto boundary = form_boundary(content_type);
  ASSERT_TRUE(boundary);
  auto parts = parse_form(body, *boundary);
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "file");
  EXPECT_EQ((*parts)[0].filename.value_or(""), "a.wav");
  EXPECT_EQ((*parts)[0].content_type, "audio/wav");
  EXPECT_EQ((*parts)[0].value, "RI\r\nFF--");
  EXPECT_EQ((*parts)[1].value, "True");
  EXPECT_FALSE((*parts)[1].filename);
  // A quoted boundary parameter, and bad Content-Types.
  EXPECT_EQ(form_boundary("multipart/form-data; charset=x; boundary=\"ab c\"").value(), "ab c");
  EXPECT_FALSE(form_boundary("application/json"));
  EXPECT_FALSE(form_boundary("multipart/form-data"));
  EXPECT_FALSE(form_boundary("multipart/form-data; boundary=" + std::string(71, 'x')));
  const auto error = [&](std::string_view text) {
    auto r = parse_form(text, *boundary);
    EXPECT_FALSE(r) << text;
    return r ? std::string() : r.error().message;
  };
  EXPECT_NE(error("junk").find("does not start with its boundary"), std::string::npos);
  EXPECT_NE(error(body.substr(0, body.size() - 40)).find("without a closing boundary"), std::string::npos);
  EXPECT_NE(error(body.substr(0, 50)).find("without its header block"), std::string::npos);
  const std::string b = "--" + std::string(kMultipartBoundary);
  EXPECT_NE(error(b + "\r\nno colon here\r\n\r\nx\r\n" + b + "--").find("no ':'"), std::string::npos);
  EXPECT_NE(error(b + "\r\nContent-Type: a\r\n\r\nx\r\n" + b + "--").find("without Content-Disposition"),
            std::string::npos);
  EXPECT_NE(error(b + "\r\nContent-Disposition: attachment\r\n\r\nx\r\n" + b + "--").find("not form-data"),
            std::string::npos);
  EXPECT_NE(error(b + "\r\nX: " + std::string(2000, 'y') + "\r\n\r\nx\r\n" + b + "--").find("over 1024"),
            std::string::npos);
  std::string many = b;
  for (int i = 0; i < 70; ++i) many += "\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n" + b;
  EXPECT_NE(error(many + "--").find("more than 64 parts"), std::string::npos);
}

TEST(Multipart, AudioRequestHasVllmsFieldsInOrder) {
  workload::RequestSpec spec;
  spec.expected_output_len = 32;
  auto clip = std::make_shared<workload::AudioClip>();
  clip->bytes = testing_audio::wav_seconds(0.01);
  clip->filename = "earnings.wav";
  clip->content_type = "audio/wav";
  spec.audio = clip;
  BodyOptions o;
  o.model = "openai/whisper-large-v3";
  o.ignore_eos = true;
  o.sampling.temperature = 0.0;
  o.sampling.top_p = 1.0;
  o.extra_body = boost::json::object{{"language", "de"}, {"response_format", "json"}, {"n", 2}};
  const std::string body = build_body(Flavor::kAudio, spec, o);
  auto parts = parse_form(body, kMultipartBoundary);
  ASSERT_TRUE(parts) << parts.error().message;
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& p : *parts) got.emplace_back(p.name, p.name == "file" ? std::string(p.filename.value_or("")) : std::string(p.value));
  const std::vector<std::pair<std::string, std::string>> want{
      {"file", "earnings.wav"}, {"model", "openai/whisper-large-v3"}, {"max_completion_tokens", "32"},
      {"stream", "True"}, {"language", "de"}, {"stream_include_usage", "True"},
      {"stream_continuous_usage_stats", "True"}, {"ignore_eos", "True"}, {"top_p", "1.0"},
      {"temperature", "0.0"}, {"response_format", "json"}, {"n", "2"}};
  EXPECT_EQ(got, want);
  EXPECT_EQ((*parts)[0].value, clip->bytes);
  EXPECT_EQ(default_endpoint(Flavor::kAudio), "/v1/audio/transcriptions");
  EXPECT_TRUE(endpoint_fits(Flavor::kAudio, "/v1/audio/translations"));
  EXPECT_FALSE(endpoint_fits(Flavor::kAudio, "/v1/chat/completions"));
  EXPECT_FALSE(is_pooling(Flavor::kAudio));
}

TEST(Multipart, SimulatorReadsTheTranscriptionForm) {
  workload::RequestSpec spec;
  spec.expected_output_len = 7;
  auto clip = std::make_shared<workload::AudioClip>();
  clip->bytes = testing_audio::wav_seconds(2.01);
  clip->filename = "a.wav";
  clip->content_type = "audio/wav";
  spec.audio = clip;
  BodyOptions o;
  o.model = "sim";
  const std::string body = build_body(Flavor::kAudio, spec, o);
  sim::ParseOptions po;
  po.token_ids = true;
  auto r = sim::parse_transcription_request(multipart_content_type(), body, "sim", 16, po);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->flavor, Flavor::kChat);  // answered as chat-completion chunks
  EXPECT_EQ(r->max_tokens, 7);
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->include_usage);
  EXPECT_TRUE(r->continuous_usage);
  EXPECT_EQ(r->prompt_tokens, 101);  // 2.01 s x 50 tokens per second, rounded up
  EXPECT_EQ(r->prompt_ids.size(), 101u);
  // Errors a server answers: 400 for a bad form or field, 404 for another model.
  const auto status = [&](std::string_view content_type, const std::string& text) {
    auto e = sim::parse_transcription_request(content_type, text, "sim", 16);
    return e ? 200 : e.error().status;
  };
  EXPECT_EQ(status("application/json", body), 400);
  EXPECT_EQ(status(multipart_content_type(), body.substr(0, body.size() / 2)), 400);
  o.model = "other";
  EXPECT_EQ(status(multipart_content_type(), build_body(Flavor::kAudio, spec, o)), 404);
  o.model = "sim";
  o.extra_body = boost::json::object{{"max_completion_tokens", 0}};
  EXPECT_EQ(status(multipart_content_type(), build_body(Flavor::kAudio, spec, o)), 400);
  o.extra_body = boost::json::object{{"stream", "maybe"}};
  EXPECT_EQ(status(multipart_content_type(), build_body(Flavor::kAudio, spec, o)), 400);
  o.extra_body.reset();
  spec.audio.reset();
  auto no_file = sim::parse_transcription_request(multipart_content_type(), build_body(Flavor::kAudio, spec, o), "sim", 16);
  ASSERT_FALSE(no_file);
  EXPECT_NE(no_file.error().message.find("no 'file' part"), std::string::npos);
  clip->bytes = "ID3 not really";
  spec.audio = clip;
  auto mp3 = sim::parse_transcription_request(multipart_content_type(), build_body(Flavor::kAudio, spec, o), "sim", 16);
  ASSERT_FALSE(mp3);
  EXPECT_NE(mp3.error().message.find("Could not read the audio: an MP3 file"), std::string::npos) << mp3.error().message;
}

}  // namespace
}  // namespace llmload::api
