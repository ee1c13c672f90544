// `llmload bench` with file datasets against the built-in simulator: custom JSONL with
// categories (per_category in the result), image chat requests, the same seed sending the
// same prompts, bad input stopping the command (exit 2) before any request is sent, the
// random dataset's lengths from the server's /tokenize, --no-oversample, Mooncake trace
// replay, burstgpt, and one image question to Qwen2-VL-7B with its 1145 input tokens.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "cli_support.hpp"
#include "llmload/workload/image_data.hpp"
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace llmload {
namespace {

namespace fs = std::filesystem;

using testing_support::CliResult;
using testing_support::slurp;

class DatasetsCli : public testing_support::CliTest {
 protected:
  DatasetsCli() : CliTest("llmload-dscli") {}

  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }

  CliResult run(const std::string& args) {
    return CliTest::run("bench " + args + " --sim-ttft-ms 1 --sim-itl-ms 1 --disable-tqdm");
  }

  boost::json::object result(const std::string& name) {
    return boost::json::parse(slurp(dir_ / name)).as_object();
  }
};

std::string categorized_lines() {
  const char* categories[] = {"ocr", "captioning", "diagram", "code"};
  std::string text;
  for (int i = 0; i < 8; ++i) {
    text += "{\"prompt\": \"question number " + std::to_string(i) + " about the picture\", \"category\": \"" +
            categories[i % 4] + "\", \"output_tokens\": " + std::to_string(3 + i) + "}\n";
  }
  return text;
}

TEST_F(DatasetsCli, CustomWithCategoriesReportsPerCategoryCounts) {
  const auto path = write("vision.jsonl", categorized_lines());
  const auto r = run("--dataset-name custom --dataset-path " + path +
                     " --num-prompts 8 --disable-shuffle --save-result --save-detailed --result-dir " +
                     dir_.string() + " --result-filename r.json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("custom: " + path + " has 8 prompts; took 8"), std::string::npos) << r.out;
  const auto json = result("r.json");
  EXPECT_EQ(json.at("completed").as_int64(), 8);
  // 6 words per prompt; the simulator counts one token per word.
  EXPECT_EQ(json.at("total_input_tokens").as_int64(), 48);
  std::int64_t output = 0;
  for (int i = 0; i < 8; ++i) output += 3 + i;
  EXPECT_EQ(json.at("total_output_tokens").as_int64(), output);
  const auto& per_category = json.at("llmload").as_object().at("per_category").as_object();
  ASSERT_EQ(per_category.size(), 4u);
  for (const char* c : {"ocr", "captioning", "diagram", "code"}) {
    EXPECT_EQ(per_category.at(c).as_object().at("completed").as_int64(), 2) << c;
    EXPECT_EQ(per_category.at(c).as_object().at("failed").as_int64(), 0) << c;
    EXPECT_EQ(per_category.at(c).as_object().at("total_input_tokens").as_int64(), 12) << c;
    EXPECT_EQ(per_category.at(c).as_object().at("ttft_ms").as_object().at("count").as_int64(), 2) << c;
  }
}

TEST_F(DatasetsCli, ImageChatRequests) {
  // A PNG header with its IHDR size (32 x 32): the simulator reads it to count image tokens.
  const std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x20\0\0\0\x20\x08\x02\0\0\0", 29);
  write("cat.png", png);
  const auto path = write("img.jsonl", "{\"prompt\": \"what is in this image\", \"images\": [\"cat.png\"], \"category\": \"captioning\"}\n");
  auto r = run("--dataset-name custom --dataset-path " + path + " --num-prompts 3");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(path + ":1: the line has images"), std::string::npos) << r.err;
  r = run("--backend openai-chat --dataset-name custom --dataset-path " + path +
          " --num-prompts 3 --save-result --result-dir " + dir_.string() + " --result-filename r.json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(result("r.json").at("completed").as_int64(), 3);
  r = run("--backend openai-chat --dataset-name random-mm --random-input-len 8 --random-output-len 2 "
          "--random-mm-bucket-config '{(16, 32, 1): 1.0}' --num-prompts 4");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("random-mm: 4 images of random RGB pixels"), std::string::npos) << r.out;
}

TEST_F(DatasetsCli, SameSeedSendsTheSamePrompts) {
  const auto path = write("c.jsonl", categorized_lines());
  auto lens = [&](const std::string& seed) {
    const auto r = run("--dataset-name custom --dataset-path " + path + " --num-prompts 20 --seed " + seed +
                       " --save-result --save-detailed --result-dir " + dir_.string() + " --result-filename r.json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return boost::json::serialize(result("r.json").at("output_lens"));
  };
  const auto a = lens("5"), b = lens("5"), c = lens("6");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);  // 20 draws over 8 distinct output lengths
}

TEST_F(DatasetsCli, BadInputStopsBeforeAnyRequest) {
  const auto path = write("bad.jsonl", "{\"prompt\": \"fine\"}\n{\"prompt\": \"broken\"\n");
  const std::pair<std::string, std::string> cases[] = {
      {"--dataset-name custom --dataset-path " + path, path + ":2: invalid JSON"},
      {"--dataset-name custom --dataset-path " + (dir_ / "missing.jsonl").string(), "missing.jsonl: cannot open"},
      {"--dataset-name sharegpt", "--dataset-path"},
      {"--dataset-name wikipedia", "--dataset-name wikipedia: unknown dataset"},
      {"--dataset-name random-mm", "--backend openai-chat"},
      {"--tokenizer " + write("tokenizer.json", "{}"), "--tokenizer: "},
  };
  for (const auto& [args, expected] : cases) {
    const auto r = run(args + " --num-prompts 2");
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_NE(r.err.find(expected), std::string::npos) << args << "\n" << r.err;
    EXPECT_EQ(r.out.find("Starting initial single prompt test run"), std::string::npos) << args;
  }
}

TEST_F(DatasetsCli, TokenizerNameIsRecordedWithANote) {
  const auto r = run("--tokenizer Qwen/Qwen2.5-VL-7B-Instruct --random-input-len 4 --random-output-len 2 "
                     "--num-prompts 2 --save-result --result-dir " + dir_.string() + " --result-filename r.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("--tokenizer Qwen/Qwen2.5-VL-7B-Instruct is not a file or folder here"), std::string::npos);
  // No tokenizer here, but the simulator answers /tokenize: the lengths come from it.
  EXPECT_NE(r.out.find("no tokenizer given, so input lengths were made exact with the server's /tokenize (2 "
                       "requests to it)"), std::string::npos) << r.out;
  EXPECT_EQ(result("r.json").at("tokenizer_id").as_string(), "Qwen/Qwen2.5-VL-7B-Instruct");
}

TEST_F(DatasetsCli, NoOversampleRefusesASmallDataset) {
  const auto path = write("c.jsonl", "{\"prompt\": \"a b\"}\n{\"prompt\": \"c d\"}\n{\"prompt\": \"e f\"}\n");
  auto r = run("--dataset-name custom --dataset-path " + path + " --num-prompts 5 --no-oversample");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("custom: the dataset has 3 prompts but --num-prompts is 5, and --no-oversample"),
            std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("Starting initial single prompt test run"), std::string::npos);
  r = run("--dataset-name custom --dataset-path " + path + " --num-prompts 5");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("oversampled 3 prompts to --num-prompts 5"), std::string::npos) << r.out;
}

TEST_F(DatasetsCli, NoSelfTimedSendsATraceByTheRequestRate) {
  const auto path = write("trace.jsonl",
                          "{\"timestamp\": 0, \"input_length\": 6, \"output_length\": 1, \"hash_ids\": [1]}\n"
                          "{\"timestamp\": 60000, \"input_length\": 6, \"output_length\": 1, \"hash_ids\": [2]}\n");
  // At the trace's times the second request would wait a minute; by the rate it goes at once.
  const auto r = run("--dataset-name mooncake --dataset-path " + path + " --num-prompts 2 --no-self-timed");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Traffic request rate: inf\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Successful requests:                     2 "), std::string::npos) << r.out;
}

TEST_F(DatasetsCli, MooncakeTraceIsSentAtItsTimestamps) {
  const auto path = write("trace.jsonl",
                          "{\"timestamp\": 0, \"input_length\": 600, \"output_length\": 3, \"hash_ids\": [7, 8]}\n"
                          "{\"timestamp\": 100, \"input_length\": 520, \"output_length\": 2, \"hash_ids\": [7, 9]}\n"
                          "{\"timestamp\": 400, \"input_length\": 20, \"output_length\": 4, \"hash_ids\": [1]}\n");
  const auto r = run("--dataset-name mooncake --dataset-path " + path +
                     " --trace-time-scale 0.5 --num-prompts 3 --save-result --save-detailed --result-dir " +
                     dir_.string() + " --result-filename r.json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("mooncake: replaying 3 of the 3 lines"), std::string::npos) << r.out;
  // vLLM's line for a trace at its own timestamps, instead of the rate lines.
  EXPECT_NE(r.out.find("Starting main benchmark run...\nSelf timing is set, using the timestamps from the trace "
                       "file.\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Traffic request rate"), std::string::npos) << r.out;
  const auto json = result("r.json");
  EXPECT_EQ(json.at("completed").as_int64(), 3);
  EXPECT_EQ(json.at("total_input_tokens").as_int64(), 600 + 520 + 20);  // the simulator counts words
  EXPECT_EQ(json.at("total_output_tokens").as_int64(), 3 + 2 + 4);
  // start_times count from the schedule's origin, and nothing is sent before its time: the
  // trace's 100 ms and 400 ms x 0.5. (No upper bound: a loaded machine may send late.)
  std::vector<double> starts;
  for (const auto& v : json.at("start_times").as_array()) starts.push_back(v.to_number<double>());
  ASSERT_EQ(starts.size(), 3u);
  std::sort(starts.begin(), starts.end());
  EXPECT_GE(starts[0], 0.0);
  EXPECT_GE(starts[1], 0.0499);
  EXPECT_GE(starts[2], 0.1999);
}

TEST_F(DatasetsCli, TimedTraceWithItsOwnFieldNamesAndUnit) {
  const auto path = write("qwen.jsonl",
                          "{\"ts\": 0.0, \"in\": 40, \"out\": 3, \"ids\": [1, 2]}\n"
                          "{\"ts\": 0.2, \"in\": 24, \"out\": 2, \"ids\": [1, 3]}\n");
  const auto r = run("--dataset-name timed_trace --dataset-path " + path +
                     " --timed-trace-label-timestamp ts --timed-trace-label-input-length in"
                     " --timed-trace-label-output-length out --timed-trace-label-hash-ids ids"
                     " --num-prompts 2 --save-result --save-detailed --result-dir " + dir_.string() +
                     " --result-filename r.json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("timed_trace: replaying 2 of the 2 lines"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Self timing is set, using the timestamps from the trace file."), std::string::npos) << r.out;
  const auto json = result("r.json");
  EXPECT_EQ(json.at("completed").as_int64(), 2);
  EXPECT_EQ(json.at("total_input_tokens").as_int64(), 40 + 24);
  EXPECT_EQ(json.at("total_output_tokens").as_int64(), 3 + 2);
  std::vector<double> starts;
  for (const auto& v : json.at("start_times").as_array()) starts.push_back(v.to_number<double>());
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_GE(*std::max_element(starts.begin(), starts.end()), 0.1999);  // 0.2 s in seconds, not ms
  const auto& plan = json.at("llmload").as_object().at("plan").as_object();
  EXPECT_EQ(plan.at("timed_trace").as_object().at("label_timestamp").as_string(), "ts");
}

TEST_F(DatasetsCli, SpecBenchCategoriesReachThePerCategoryResults) {
  std::string lines;
  const char* categories[] = {"writing", "rag"};
  for (int i = 0; i < 6; ++i) {
    lines += "{\"question_id\": " + std::to_string(i) + ", \"category\": \"" + categories[i % 2] +
             "\", \"turns\": [\"four words of question\", \"a follow up\"]}\n";
  }
  const auto path = write("question.jsonl", lines);
  const auto r = run("--dataset-name spec_bench --dataset-path " + path +
                     " --spec-bench-output-len 5 --num-prompts 6 --save-result --result-dir " + dir_.string() +
                     " --result-filename r.json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto json = result("r.json");
  EXPECT_EQ(json.at("completed").as_int64(), 6);
  EXPECT_EQ(json.at("total_input_tokens").as_int64(), 6 * 4);
  EXPECT_EQ(json.at("total_output_tokens").as_int64(), 6 * 5);
  const auto& per_category = json.at("llmload").as_object().at("per_category").as_object();
  EXPECT_EQ(per_category.at("writing").as_object().at("completed").as_int64(), 3);
  EXPECT_EQ(per_category.at("rag").as_object().at("completed").as_int64(), 3);
}

TEST_F(DatasetsCli, HfInstructCoderFromALocalExport) {
  const auto path = write("instructcoder.jsonl",
                          "{\"instruction\": \"Add a docstring.\", \"input\": \"def f(): pass\"}\n"
                          "{\"instruction\": \"Rename f.\", \"input\": \"def f(): return 1\"}\n");
  const auto r = run("--dataset-name hf --hf-name likaixin/InstructCoder --dataset-path " + path +
                     " --num-prompts 2 --hf-output-len 4 --save-result --result-dir " + dir_.string() +
                     " --result-filename r.json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("hf (likaixin/InstructCoder): 2 records in 1 file(s)"), std::string::npos) << r.out;
  const auto json = result("r.json");
  EXPECT_EQ(json.at("completed").as_int64(), 2);
  EXPECT_EQ(json.at("total_output_tokens").as_int64(), 8);
  EXPECT_EQ(json.at("llmload").as_object().at("plan").as_object().at("hf").as_object().at("name").as_string(),
            "likaixin/InstructCoder");
  const auto missing = run("--dataset-name hf --hf-name likaixin/InstructCoder --dataset-path likaixin/InstructCoder");
  EXPECT_EQ(missing.exit_code, 2) << missing.out << missing.err;
  EXPECT_NE(missing.err.find("llmload does not download from the Hugging Face Hub"), std::string::npos) << missing.err;
}

// A Parquet export (written by pyarrow: tests/parquet/make_fixtures.py), as the Hub stores it.
TEST_F(DatasetsCli, HfInstructCoderFromAParquetExport) {
  const std::string path = std::string(LLMLOAD_TEST_DATA_DIR) + "/parquet/instructcoder.parquet";
  const auto r = run("--dataset-name hf --hf-name likaixin/InstructCoder --dataset-path " + path +
                     " --num-prompts 3 --hf-output-len 5 --save-result --result-dir " + dir_.string() +
                     " --result-filename r.json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("hf (likaixin/InstructCoder): 3 records in 1 file(s)"), std::string::npos) << r.out;
  const auto json = result("r.json");
  EXPECT_EQ(json.at("completed").as_int64(), 3);
  EXPECT_EQ(json.at("total_output_tokens").as_int64(), 15);
  // A file that is not a whole Parquet file: exit 2, the error naming it.
  const auto cut = write("cut.parquet", slurp(path).substr(0, 600) + "PAR1");
  const auto bad = run("--dataset-name hf --hf-name likaixin/InstructCoder --dataset-path " + cut);
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find(cut + ": "), std::string::npos) << bad.err;
}

TEST_F(DatasetsCli, BurstGptRows) {
  const auto path = write("burst.csv",
                          "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
                          "1,GPT-4,12,3,15,Conversation log\n2,ChatGPT,9,9,18,Conversation log\n"
                          "3,GPT-4,20,2,22,API log\n");
  const auto r = run("--dataset-name burstgpt --dataset-path " + path + " --num-prompts 2 --save-result "
                     "--result-dir " + dir_.string() + " --result-filename r.json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto json = result("r.json");
  EXPECT_EQ(json.at("completed").as_int64(), 2);
  EXPECT_EQ(json.at("total_input_tokens").as_int64(), 32);
  EXPECT_EQ(json.at("total_output_tokens").as_int64(), 5);
}

// One 1080x810 picture and a three-word prompt to Qwen2-VL-7B on vLLM report 1145 input
// tokens (1131 image tokens, 3 text, 11 of chat template) in "Total input tokens".
TEST_F(DatasetsCli, OneImageQuestionCountsTheImageTokens) {
  std::vector<std::uint8_t> rgb(1080 * 810 * 3);
  for (std::size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<std::uint8_t>((i * 7) / 3);
  const auto jpeg = workload::encode_jpeg(1080, 810, rgb);
  ASSERT_TRUE(jpeg) << jpeg.error().message;
  fs::create_directories(dir_ / "img");
  write("img/test.jpg", *jpeg);
  const auto path = write("qa.jsonl", "{\"question\": \"please describe image\", \"images\": [\"img/test.jpg\"], "
                                      "\"category\": \"captioning\"}\n");
  const auto r = run("--sim-preset h100-qwen2-vl-7b --backend openai-chat --dataset-name image-qa --dataset-path " +
                     path + " --num-prompts 1 --output-len 16 --ignore-eos --save-result --result-dir " + dir_.string() +
                     " --result-filename r.json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Total input tokens:                      1145"), std::string::npos) << r.out;
  const auto json = result("r.json");
  EXPECT_EQ(json.at("total_input_tokens").as_int64(), 1145);
  EXPECT_EQ(json.at("total_output_tokens").as_int64(), 16);
  EXPECT_EQ(r.out.find("Total image and input tokens:"), std::string::npos) << r.out;  // the same count
  EXPECT_EQ(json.at("llmload").at("total_server_prompt_tokens").as_int64(), 1145);
  EXPECT_EQ(json.at("llmload").at("input_tokens_from").as_string(), "server");

  // --input-tokens dataset: the prompt's own three tokens, then the server's count below it,
  // as multimodal tools print them; the throughputs follow the first.
  const auto d = run("--sim-preset h100-qwen2-vl-7b --backend openai-chat --dataset-name image-qa --dataset-path " +
                     path + " --num-prompts 1 --output-len 16 --ignore-eos --input-tokens dataset --save-result "
                     "--result-dir " + dir_.string() + " --result-filename d.json");
  ASSERT_EQ(d.exit_code, 0) << d.out << d.err;
  EXPECT_NE(d.out.find("Total input tokens:                      3         \n"
                       "Total image and input tokens:            1145      \n"), std::string::npos) << d.out;
  const auto dj = result("d.json");
  EXPECT_EQ(dj.at("total_input_tokens").as_int64(), 3);
  EXPECT_EQ(dj.at("llmload").at("total_server_prompt_tokens").as_int64(), 1145);
  EXPECT_EQ(dj.at("llmload").at("input_tokens_from").as_string(), "dataset");
  const double duration = dj.at("duration").to_number<double>();
  EXPECT_NEAR(dj.at("total_token_throughput").to_number<double>(), (3 + 16) / duration, 1e-6 * (3 + 16) / duration);
}

// Reference answers are scored (VQA accuracy by default) and shown with --show-answers. The
// simulator answers " the model" to every short request; VQA normalization drops the article.
TEST_F(DatasetsCli, AnswersAreScoredAgainstReferencesAndShown) {
  const auto path = write("answers.jsonl",
                          "{\"prompt\": \"what is this\", \"answers\": [\"the model\"], \"category\": \"a\", "
                          "\"output_tokens\": 2}\n"
                          "{\"prompt\": \"what is that\", \"answers\": [\"a cat\"], \"category\": \"b\", "
                          "\"output_tokens\": 2}\n");
  const auto r = run("--dataset-name custom --dataset-path " + path + " --num-prompts 2 --disable-shuffle "
                     "--show-answers 1 --save-result --result-dir " + dir_.string() + " --result-filename a.json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Answer accuracy (vqa)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Accuracy (%):                            50.00"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Prompt: what is this\nAnswer:  the model\nScore: 1.00 (references: the model)"),
            std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Prompt: what is that"), std::string::npos) << r.out;  // only the first is shown
  const auto accuracy = result("a.json").at("llmload").as_object().at("accuracy").as_object();
  EXPECT_EQ(accuracy.at("score").as_string(), "vqa");
  EXPECT_EQ(accuracy.at("scored").as_int64(), 2);
  EXPECT_DOUBLE_EQ(accuracy.at("accuracy").as_double(), 0.5);
  EXPECT_DOUBLE_EQ(accuracy.at("per_category").at("a").at("accuracy").as_double(), 1.0);
  EXPECT_DOUBLE_EQ(accuracy.at("per_category").at("b").at("accuracy").as_double(), 0.0);
  EXPECT_EQ(accuracy.at("per_request").as_array().size(), 2u);

  // contains: "model" is in the answer of both; "cat" is not.
  const auto c = run("--dataset-name custom --dataset-path " + path + " --num-prompts 2 --disable-shuffle "
                     "--score contains");
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  EXPECT_NE(c.out.find("Answer accuracy (contains)"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("Accuracy (%):                            50.00"), std::string::npos) << c.out;
}

TEST_F(DatasetsCli, ScoringWithoutReferencesOrWithABadPatternExitsTwo) {
  const auto none = run("--num-prompts 2 --random-input-len 4 --random-output-len 2 --score exact");
  EXPECT_EQ(none.exit_code, 2) << none.out << none.err;
  EXPECT_NE(none.err.find("--score exact: the random dataset has no reference answers"), std::string::npos)
      << none.err;
  const auto bad = run("--num-prompts 2 --score 'regex:(unclosed'");
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("--score regex:(unclosed"), std::string::npos) << bad.err;
  const auto regex = run("--num-prompts 2 --random-input-len 4 --random-output-len 2 --score 'regex:model$'");
  EXPECT_EQ(regex.exit_code, 0) << regex.out << regex.err;
  EXPECT_NE(regex.out.find("Accuracy (%):                            100.00"), std::string::npos) << regex.out;
}

}  // namespace
}  // namespace llmload
