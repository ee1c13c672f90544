// vLLM's timed_trace, spec_bench and hf (from local exports) datasets on small files the tests
// write: field names and units of a trace, Spec-Bench's categories and seed, each Hub dataset's
// record layout, output lengths and filters, images, and errors that name the file and line.
#include "llmload/core/base64.hpp"
#include "llmload/workload/dataset.hpp"
#include "llmload/workload/file_datasets.hpp"
#include "llmload/workload/hub_datasets.hpp"
#include "llmload/workload/random_dataset.hpp"

#include "dataset_file_fixture.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

namespace llmload::workload {
namespace {

namespace fs = std::filesystem;

using DatasetSources = DatasetFileTest;

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

TEST_F(DatasetSources, TimedTraceReadsItsFieldNamesUnitAndBlockSize) {
  // A Qwen/Alibaba-style trace: seconds, 16 tokens per hash id, its own field names.
  const std::string trace =
      "{\"ts\": 0.5, \"in\": 40, \"out\": 3, \"blocks\": [7, 8, 9]}\n"
      "{\"ts\": 0.75, \"in\": 20, \"out\": 4, \"blocks\": [7, 5]}\n"
      "{\"ts\": 2.5, \"in\": 12, \"out\": 5, \"blocks\": [7]}\n";
  auto o = options("timed_trace", write("q.jsonl", trace), 3);
  o.timed_trace = {16, 1.0, "ts", "in", "out", "blocks"};
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->specs.size(), 3u);
  EXPECT_EQ(d->send_offsets_ns, (std::vector<std::int64_t>{0, 250'000'000, 2'000'000'000}));
  const int in[] = {40, 20, 12}, out[] = {3, 4, 5};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(d->specs[i].prompt_len, in[i]);
    EXPECT_EQ(words_of(d->specs[i].prompt).size(), static_cast<std::size_t>(in[i]));
    EXPECT_EQ(d->specs[i].expected_output_len, out[i]);
  }
  const auto a = words_of(d->specs[0].prompt), b = words_of(d->specs[1].prompt), c = words_of(d->specs[2].prompt);
  EXPECT_TRUE(std::equal(a.begin(), a.begin() + 16, b.begin()));   // hash id 7: the same 16 tokens
  EXPECT_FALSE(std::equal(a.begin() + 16, a.begin() + 20, b.begin() + 16));  // 8 vs 5
  EXPECT_TRUE(std::equal(c.begin(), c.end(), a.begin()));          // a partial block is the full one's prefix
  EXPECT_NE(d->notes.front().find("timed_trace: replaying 3 of the 3 lines"), std::string::npos) << d->notes.front();
  EXPECT_NE(d->notes.front().find("4 distinct hash blocks of 16 tokens, 2 block uses shared"), std::string::npos) << d->notes.front();
  // Line 1's ids cover 40 tokens exactly; line 2's cover 32 > 20: nothing padded.
  EXPECT_EQ(d->notes.size(), 1u);

  // Milliseconds with --timed-trace-sec-multiplier 0.001 and --trace-time-scale 2.
  o.path = write("ms.jsonl", "{\"ts\": 100, \"in\": 4, \"out\": 1}\n{\"ts\": 350, \"in\": 4, \"out\": 1}\n");
  o.timed_trace.sec_multiplier = 0.001;
  o.trace_time_scale = 2.0;
  d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->send_offsets_ns, (std::vector<std::int64_t>{0, 500'000'000}));
  EXPECT_NE(d->notes.at(1).find("the hash ids of 2 requests cover fewer tokens"), std::string::npos);

  // Errors name the field as the flags call it.
  o.path = write("bad.jsonl", "{\"timestamp\": 0, \"input_length\": 3, \"output_length\": 1}\n");
  EXPECT_NE(error_of(o).find("bad.jsonl:1: no 'ts' (the field names are set by --timed-trace-label-*)"),
            std::string::npos);
  o.timed_trace.chunk_hash_size = 0;
  EXPECT_NE(error_of(o).find("--timed-trace-chunk-hash-size 0"), std::string::npos);
}

TEST_F(DatasetSources, MooncakeIsTimedTraceInMooncakesFormat) {
  const std::string trace =
      "{\"timestamp\": 0, \"input_length\": 600, \"output_length\": 2, \"hash_ids\": [1, 2]}\n"
      "{\"timestamp\": 1000, \"input_length\": 600, \"output_length\": 2, \"hash_ids\": [1, 2]}\n";
  const auto path = write("m.jsonl", trace);
  auto mooncake = make_dataset(options("mooncake", path, 2), nullptr);
  auto o = options("timed_trace", path, 2);
  o.timed_trace = mooncake_trace_format();
  o.name = "timed_trace";
  auto timed = make_dataset(o, nullptr);
  ASSERT_TRUE(mooncake && timed);
  EXPECT_EQ(mooncake->send_offsets_ns, timed->send_offsets_ns);
  EXPECT_EQ(mooncake->send_offsets_ns.back(), 1'000'000'000);
  for (std::size_t i = 0; i < 2; ++i) EXPECT_EQ(mooncake->specs[i].prompt, timed->specs[i].prompt);
}

std::string spec_bench_lines() {
  std::string out;
  const char* categories[] = {"writing", "math_reasoning", "translation", "rag"};
  for (int i = 0; i < 12; ++i) {
    out += "{\"question_id\": " + std::to_string(i) + ", \"category\": \"" + categories[i % 4] +
           "\", \"turns\": [\"question number " + std::to_string(i) + " please\", \"follow up\"]}\n";
  }
  return out;
}

TEST_F(DatasetSources, SpecBenchTakesFirstTurnsByCategoryWithVllmsFixedSeed) {
  auto o = options("spec_bench", write("question.jsonl", spec_bench_lines()), 12);
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->specs.size(), 12u);
  std::set<std::string> prompts;
  for (const auto& s : d->specs) {
    prompts.insert(s.prompt);
    EXPECT_EQ(s.expected_output_len, 256);
    EXPECT_EQ(s.prompt.rfind("question number ", 0), 0u) << s.prompt;
    EXPECT_FALSE(s.category.empty());
  }
  EXPECT_EQ(prompts.size(), 12u);  // every first turn once
  // vLLM's SpecBench shuffles with seed 0 whatever --seed says; the order is Python's shuffle.
  o.seed = 99;
  auto other_seed = make_dataset(o, nullptr);
  ASSERT_TRUE(other_seed);
  for (std::size_t i = 0; i < 12; ++i) EXPECT_EQ(other_seed->specs[i].prompt, d->specs[i].prompt);
  o.disable_shuffle = true;
  auto in_order = make_dataset(o, nullptr);
  ASSERT_TRUE(in_order);
  bool shuffled = false;
  for (std::size_t i = 0; i < 12; ++i) {
    EXPECT_EQ(in_order->specs[i].prompt, "question number " + std::to_string(i) + " please");
    shuffled = shuffled || d->specs[i].prompt != in_order->specs[i].prompt;
  }
  EXPECT_TRUE(shuffled);

  o.hub.spec_bench_category = "rag";
  o.hub.spec_bench_output_len = 64;
  o.num_prompts = 5;  // 3 rag questions, oversampled to 5
  auto rag = make_dataset(o, nullptr);
  ASSERT_TRUE(rag) << rag.error().message;
  ASSERT_EQ(rag->specs.size(), 5u);
  for (const auto& s : rag->specs) {
    EXPECT_EQ(s.category, "rag");
    EXPECT_EQ(s.expected_output_len, 64);
  }
  o.hub.spec_bench_category = "poetry";
  EXPECT_NE(error_of(o).find("(--spec-bench-category poetry)"), std::string::npos);
  o.hub.spec_bench_category.clear();
  o.path = write("noturns.jsonl", "{\"category\": \"x\", \"prompt\": \"p\"}\n");
  EXPECT_NE(error_of(o).find("noturns.jsonl:1: no 'turns'"), std::string::npos);
}

TEST_F(DatasetSources, HfReadsEachDatasetsRecordsAsVllmDoes) {
  struct Case {
    const char* name;
    std::string record;
    std::string prompt;
    int output_len;
  };
  const Case cases[] = {
      {"likaixin/InstructCoder", R"({"instruction": "Add types.", "input": "def f(x): return x"})",
       "def f(x): return x\n\nAdd types. Just output the code, do not include any explanation.", 200},
      {"philschmid/mt-bench", R"({"turns": ["Write a haiku.", "Again."]})", "Write a haiku.", 256},
      {"openai/openai_humaneval", R"({"prompt": "def add(a, b):"})", "def add(a, b):", 256},
      {"openai/gsm8k", R"({"question": "What is 2+2?", "answer": "4"})", "What is 2+2?", 256},
      {"AI-MO/NuminaMath-CoT", R"({"problem": "one two three four five", "solution": "a b c d e f"})",
       "one two three four five", 6},
      {"Aeala/ShareGPT_Vicuna_unfiltered",
       R"({"conversations": [{"from": "human", "value": "hi there you all"}, {"from": "gpt", "value": "hello w x y z"}]})",
       "hi there you all", 5},
      {"zed-industries/zeta", R"({"events": "E", "input": "I", "output": "junk<|editable_region_start|> a b"})",
       "### Instruction:\nYou are a code completion assistant", 3},
  };
  for (const auto& c : cases) {
    auto o = options("hf", write("export.jsonl", c.record + "\n"), 1);
    o.hub.hf_name = c.name;
    auto d = make_dataset(o, nullptr);
    ASSERT_TRUE(d) << c.name << ": " << d.error().message;
    ASSERT_EQ(d->specs.size(), 1u) << c.name;
    EXPECT_EQ(d->specs[0].prompt.rfind(c.prompt, 0), 0u) << c.name << ": " << d->specs[0].prompt;
    EXPECT_EQ(d->specs[0].expected_output_len, c.output_len) << c.name;
  }
}

TEST_F(DatasetSources, HfBlazeditFiltersByDistanceAndOutputLenOverrides) {
  std::string lines;
  for (int i = 0; i < 10; ++i) {
    lines += R"({"code": "x = )" + std::to_string(i) + R"(", "change_request": "rename x", "norm_distance": )" +
             std::to_string(i / 10.0) + "}\n";
  }
  auto o = options("hf", write("edit.jsonl", lines), 4);
  o.hub.hf_name = "vdaita/edit_5k_char";
  o.hub.blazedit_min_distance = 0.25;
  o.hub.blazedit_max_distance = 0.55;
  o.no_oversample = true;
  EXPECT_NE(error_of(o).find("the dataset has 3 prompts but --num-prompts is 4"), std::string::npos);
  o.num_prompts = 3;
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  std::set<std::string> codes;
  for (const auto& s : d->specs) {
    EXPECT_EQ(s.expected_output_len, 4000);
    EXPECT_NE(s.prompt.find("Change request:\nrename x"), std::string::npos);
    codes.insert(s.prompt.substr(s.prompt.find("x = "), 5));
  }
  EXPECT_EQ(codes, (std::set<std::string>{"x = 3", "x = 4", "x = 5"}));
  // Records are read until 3 are kept; those outside the distances were skipped on the way.
  EXPECT_NE(d->notes.front().find("took 3 (skipped "), std::string::npos) << d->notes.front();
  o.hub.hf_output_len = 77;
  d = make_dataset(o, nullptr);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->specs[0].expected_output_len, 77);
}

TEST_F(DatasetSources, HfVisionArenaSendsItsImageFromBytesOrPath) {
  // A 1x1 PNG.
  const std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde", 33);
  write("va/images/a.png", png);  // paths are relative to the export file's folder
  const std::string lines =
      R"({"conversation": [[{"role": "user", "content": "What is this?"}]], "images": [{"bytes": ")" +
      core::base64_encode(png) + R"("}]})" + "\n" +
      R"({"conversation": [[{"role": "user", "content": "And this?"}]], "images": [{"bytes": null, "path": "images/a.png"}]})" + "\n";
  auto o = options("hf", write("va/train-0.jsonl", lines), 2);
  o.hub.hf_name = "lmarena-ai/VisionArena-Chat";
  o.disable_shuffle = true;
  EXPECT_NE(error_of(o).find("only chat requests carry"), std::string::npos);
  o.chat = true;
  o.path = (dir_ / "va").string();  // a folder: its files of the split "train"
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->specs.size(), 2u);
  EXPECT_EQ(d->specs[0].prompt, "What is this?");
  EXPECT_EQ(d->specs[0].expected_output_len, 128);
  for (const auto& s : d->specs) {
    ASSERT_EQ(s.images.size(), 1u);
    EXPECT_EQ(*s.images[0], "data:image/png;base64," + core::base64_encode(png));
  }
}

TEST_F(DatasetSources, HfErrorsSayWhatToDo) {
  auto o = options("hf", write("x.jsonl", "{\"prompt\": \"p\"}\n"), 1);
  EXPECT_NE(error_of(o).find("give --hf-name NAME"), std::string::npos);
  o.hub.hf_name = "yale-nlp/MMVU";
  EXPECT_NE(error_of(o).find("--hf-name yale-nlp/MMVU: not one of the Hub datasets llmload reads"), std::string::npos);
  o.hub.hf_name = "openai/gsm8k";
  EXPECT_NE(error_of(o).find("x.jsonl:1: no string 'question' (as hf (openai/gsm8k) reads a record)"),
            std::string::npos);
  o.path = "likaixin/InstructCoder";  // a Hub name, no such local folder
  o.hub.hf_name.clear();
  EXPECT_NE(error_of(o).find("llmload does not download from the Hugging Face Hub"), std::string::npos);
  o.path = write("p.parquet", std::string("PAR1\0\0PAR1", 10));
  o.hub.hf_name = "openai/gsm8k";
  EXPECT_NE(error_of(o).find("p.parquet: too short for a Parquet file (10 bytes)"), std::string::npos) << error_of(o);
  // A JSON array export reads like JSON Lines.
  o.path = write("g.json", R"([{"question": "q one"}, {"question": "q two"}])");
  o.num_prompts = 2;
  o.disable_shuffle = true;
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->specs[1].prompt, "q two");
}

// Parquet exports (written by pyarrow: tests/parquet/make_fixtures.py) read as their JSON
// exports do; a record's errors name the file and row.
TEST_F(DatasetSources, HfReadsParquetExports) {
  const std::string data = std::string(LLMLOAD_TEST_DATA_DIR) + "/parquet/";
  auto o = options("hf", data + "gsm8k-test.parquet", 3);
  o.hub.hf_name = "openai/gsm8k";
  o.disable_shuffle = true;
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->specs.size(), 3u);
  EXPECT_EQ(d->specs[0].prompt, "Tom has 3 apples and buys 4 more. How many apples does he have?");
  EXPECT_EQ(d->specs[2].prompt, "Sara reads 12 pages a day. How many pages does she read in a week?");
  EXPECT_EQ(d->specs[1].expected_output_len, 256);
  EXPECT_NE(d->notes.front().find("3 records in 1 file(s)"), std::string::npos) << d->notes.front();
  // A folder holding a Parquet and a JSON Lines file of the split: both are read.
  fs::create_directories(dir_ / "mixed");
  fs::copy_file(data + "gsm8k-test.parquet", dir_ / "mixed" / "test-0.parquet");
  write("mixed/test-1.jsonl", R"({"question": "q from JSON Lines"})" "\n");
  write("mixed/train-0.jsonl", R"({"question": "not of the split"})" "\n");
  o.path = (dir_ / "mixed").string();
  o.num_prompts = 4;
  d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->specs[3].prompt, "q from JSON Lines");
  EXPECT_NE(d->notes.front().find("4 records in 2 file(s)"), std::string::npos) << d->notes.front();
  // A Hub snapshot's layout (CONFIG/SPLIT/NNNN.parquet): the split's files in the subfolders.
  fs::create_directories(dir_ / "snap" / "main" / "test");
  fs::create_directories(dir_ / "snap" / "main" / "train");
  fs::create_directories(dir_ / "snap" / ".cache" / "test");
  fs::copy_file(data + "gsm8k-test.parquet", dir_ / "snap" / "main" / "test" / "0000.parquet");
  write("snap/main/train/0000.jsonl", R"({"question": "not of the split"})" "\n");
  write("snap/.cache/test/0000.jsonl", R"({"question": "hidden"})" "\n");
  o.path = (dir_ / "snap").string();
  o.num_prompts = 3;
  d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_NE(d->notes.front().find("3 records in 1 file(s)"), std::string::npos) << d->notes.front();
  // Records of another dataset: the error names the file and the row.
  o.path = data + "instructcoder.parquet";
  EXPECT_NE(error_of(o).find("instructcoder.parquet: row 1: no string 'question' (as hf (openai/gsm8k) reads a record)"),
            std::string::npos) << error_of(o);
  o.hub.hf_name = "likaixin/InstructCoder";
  o.num_prompts = 3;
  d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->specs[0].prompt, "def f(x):\n    return x + 1\n\nAdd a docstring. Just output the code, do not include any explanation.");
  // A corrupt Parquet file: the reader's error, naming the file.
  std::ifstream in(data + "gsm8k-test.parquet", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x5a);
  o.path = write("bad.parquet", bytes.substr(0, 200) + bytes.substr(bytes.size() - 300));
  o.hub.hf_name = "openai/gsm8k";
  EXPECT_NE(error_of(o).find("bad.parquet: "), std::string::npos) << error_of(o);
}

}  // namespace
}  // namespace llmload::workload
