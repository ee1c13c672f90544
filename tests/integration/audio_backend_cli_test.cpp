// The speech-to-text backend (openai-audio) end to end against the built-in simulator's
// /v1/audio/transcriptions: WAV files written here go as multipart forms, every request
// completes with the simulator's fixed TTFT, and the result holds vLLM's rtfx and llmload's
// total audio duration; vLLM's librispeech dataset from a local Parquet export; the engine
// mode counts 50 prompt tokens per audio second.
#include "../unit/wav_bytes.hpp"
#include "cli_support.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace llmload {
namespace {

using testing_support::CliResult;
using testing_support::slurp;

class AudioBackendCli : public testing_support::CliTest {
 protected:
  AudioBackendCli() : CliTest("llmload-audio") {}

  void SetUp() override {
    CliTest::SetUp();
    std::ofstream(dir_ / "one.wav", std::ios::binary) << testing_audio::wav_seconds(1.0);
    std::ofstream(dir_ / "two.wav", std::ios::binary) << testing_audio::wav_seconds(2.5);
    // Each clip three times: six requests without oversampling (whose repeats are random).
    std::ofstream clips(dir_ / "clips.jsonl");
    for (int i = 0; i < 3; ++i) clips << "{\"audio\": \"one.wav\"}\n{\"audio\": \"two.wav\"}\n";
  }
  CliResult bench(const std::string& args, int prompts = 6) {
    return run("bench --backend openai-audio --num-prompts " + std::to_string(prompts) +
               " --max-concurrency 3 --disable-tqdm --save-result --result-dir " + dir_.string() +
               " --result-filename r.json " + args);
  }
  boost::json::object saved() { return boost::json::parse(slurp(dir_ / "r.json")).as_object(); }
};

TEST_F(AudioBackendCli, WavFilesGoAsFormsAndTheResultHasRtfx) {
  const auto r = bench("--dataset-name audio --dataset-path " + (dir_ / "clips.jsonl").string() +
                       " --output-len 5 --disable-shuffle --sim-ttft-ms 40 --sim-itl-ms 4");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("RTFx (Inverse Real-Time Factor):"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Total audio duration (s):"), std::string::npos) << r.out;
  const auto doc = saved();
  EXPECT_EQ(doc.at("backend").as_string(), "openai-audio");
  EXPECT_EQ(doc.at("completed").as_int64(), 6);
  EXPECT_EQ(doc.at("failed").as_int64(), 0);
  EXPECT_EQ(doc.at("total_output_tokens").as_int64(), 6 * 5);
  EXPECT_EQ(doc.at("total_input_tokens").as_int64(), 3 * 50 + 3 * 125);  // the simulator's usage
  // The simulator's fixed TTFT, never less.
  EXPECT_GE(doc.at("mean_ttft_ms").as_double(), 40.0);
  EXPECT_LT(doc.at("median_ttft_ms").as_double(), 40.0 + 60.0);
  EXPECT_GE(doc.at("median_itl_ms").as_double(), 3.0);
  // Three of each clip: 3 x (1.0 + 2.5) s of audio; rtfx = that / the benchmark duration.
  const double audio = doc.at("llmload").at("total_audio_duration_s").as_double();
  EXPECT_DOUBLE_EQ(audio, 10.5);
  const double rtfx = doc.at("rtfx").as_double();
  EXPECT_NEAR(rtfx, audio / doc.at("duration").as_double(), 1e-9);
  EXPECT_GT(rtfx, 0.0);
  EXPECT_EQ(doc.at("llmload").at("plan").at("endpoint").as_string(), "/v1/audio/transcriptions");
}

TEST_F(AudioBackendCli, LibrispeechFromAParquetExportFilteredByLength) {
  const std::string parquet = std::string(LLMLOAD_TEST_DATA_DIR) + "/parquet/librispeech-asr.parquet";
  const auto r = bench("--dataset-name hf --hf-name openslr/librispeech_asr --dataset-path " + parquet +
                       " --asr-min-audio-len-sec 0.4 --output-len 4 --sim-ttft-ms 10 --sim-itl-ms 1", 2);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("1 clips outside --asr-min-audio-len-sec 0.4"), std::string::npos) << r.out;
  const auto doc = saved();
  EXPECT_EQ(doc.at("completed").as_int64(), 2);
  // The 0.5 s and 1.25 s clips remain (the 0.25 s one is too short).
  EXPECT_DOUBLE_EQ(doc.at("llmload").at("total_audio_duration_s").as_double(), 0.5 + 1.25);
  EXPECT_EQ(doc.at("total_input_tokens").as_int64(), 25 + 63);  // 50 per second, rounded up
}

TEST_F(AudioBackendCli, EngineModeCountsFiftyTokensPerAudioSecond) {
  const auto r = bench("--dataset-name audio --dataset-path " + (dir_ / "clips.jsonl").string() +
                       " --output-len 3 --sim-preset default --sim-time-scale 20");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto doc = saved();
  EXPECT_EQ(doc.at("completed").as_int64(), 6);
  // The input tokens are the server's usage.prompt_tokens: 50 per audio second, 3 x 50 + 3 x 125.
  EXPECT_EQ(doc.at("total_input_tokens").as_int64(), 3 * 50 + 3 * 125) << r.out;
}

TEST_F(AudioBackendCli, MismatchedDatasetsAndBackendsAreUsageErrors) {
  auto r = bench("--dataset-name random");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--backend openai-audio sends audio files"), std::string::npos) << r.err;
  r = run("bench --backend openai-chat --dataset-name audio --dataset-path " + (dir_ / "clips.jsonl").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("add --backend openai-audio"), std::string::npos) << r.err;
  r = bench("--dataset-name audio --dataset-path " + (dir_ / "clips.jsonl").string() + " --endpoint /v1/chat/completions");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("needs a path ending in transcriptions"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace llmload
