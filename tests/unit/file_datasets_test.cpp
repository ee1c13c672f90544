// custom JSONL, sharegpt and sonnet on small files the tests write: vLLM's selection order
// (Python's shuffle after random.seed), oversampling, output lengths, images, and errors that
// name the file and line.
#include "llmload/workload/dataset.hpp"
#include "llmload/workload/file_datasets.hpp"
#include "llmload/workload/random_dataset.hpp"

#include "dataset_file_fixture.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <span>
#include <sstream>

namespace llmload::workload {
namespace {

namespace fs = std::filesystem;

using FileDatasets = DatasetFileTest;

std::string ten_lines() {
  std::string text;
  for (int i = 0; i < 10; ++i) {
    text += "{\"prompt\": \"p" + std::to_string(i) + " two three\", \"category\": \"" +
            (i % 2 ? "ocr" : "code") + "\", \"answers\": [\"a" + std::to_string(i) + "\"]}\n";
  }
  return text;
}

TEST_F(FileDatasets, CustomPicksLinesInPythonShuffleOrder) {
  auto o = options("custom", write("c.jsonl", ten_lines()), 10);
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  // random.seed(0); random.shuffle(list(range(10))) == [7, 8, 1, 5, 3, 4, 2, 0, 9, 6]
  const int order[] = {7, 8, 1, 5, 3, 4, 2, 0, 9, 6};
  ASSERT_EQ(d->specs.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    const auto& s = d->specs[static_cast<std::size_t>(i)];
    EXPECT_EQ(s.prompt, "p" + std::to_string(order[i]) + " two three");
    EXPECT_EQ(s.prompt_len, 3);  // words without a tokenizer
    EXPECT_EQ(s.expected_output_len, 256);  // vLLM's --custom-output-len default
    EXPECT_EQ(s.category, order[i] % 2 ? "ocr" : "code");
    EXPECT_EQ(s.answers, std::vector<std::string>{"a" + std::to_string(order[i])});
  }
  o.disable_shuffle = true;
  d = make_dataset(o, nullptr);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->specs[0].prompt, "p0 two three");
  EXPECT_EQ(d->specs[9].prompt, "p9 two three");
}

TEST_F(FileDatasets, CustomOutputLengths) {
  auto o = options("custom", write("c.jsonl", "{\"prompt\": \"a\", \"output_tokens\": 7}\n{\"prompt\": \"b\"}\n"), 2);
  o.disable_shuffle = true;
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->specs[0].expected_output_len, 7);
  EXPECT_EQ(d->specs[1].expected_output_len, 256);
  o.custom_output_len = 33;
  d = make_dataset(o, nullptr);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->specs[0].expected_output_len, 33);
  EXPECT_EQ(d->specs[1].expected_output_len, 33);
}

TEST_F(FileDatasets, OversamplesAsVllmAndNoOversampleRefuses) {
  auto o = options("custom", write("c.jsonl", "{\"prompt\": \"a\"}\n\n{\"prompt\": \"b\"}\n{\"prompt\": \"c\"}\n"), 5);
  o.disable_shuffle = true;
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->specs.size(), 5u);
  // random.seed(0); [random.choice(range(3)) for _ in range(2)] == [1, 1]
  EXPECT_EQ(d->specs[3].prompt, "b");
  EXPECT_EQ(d->specs[4].prompt, "b");
  EXPECT_NE(d->notes.back().find("oversampled 3 prompts to --num-prompts 5"), std::string::npos);
  o.no_oversample = true;
  d = make_dataset(o, nullptr);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("custom: the dataset has 3 prompts but --num-prompts is 5"),
            std::string::npos) << d.error().message;
  o.num_prompts = 3;  // exactly the dataset's size is fine
  d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->specs.size(), 3u);
}

TEST_F(FileDatasets, SameSeedSameRequests) {
  auto o = options("custom", write("c.jsonl", ten_lines()), 25);
  o.seed = 42;
  auto a = make_dataset(o, nullptr), b = make_dataset(o, nullptr);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->specs.size(), 25u);
  for (std::size_t i = 0; i < 25; ++i) EXPECT_EQ(a->specs[i].prompt, b->specs[i].prompt);
  o.seed = 43;
  auto c = make_dataset(o, nullptr);
  ASSERT_TRUE(c);
  bool differs = false;
  for (std::size_t i = 0; i < 25; ++i) differs |= a->specs[i].prompt != c->specs[i].prompt;
  EXPECT_TRUE(differs);
}

TEST_F(FileDatasets, CustomErrorsNameFileAndLine) {
  const std::pair<std::string, std::string> cases[] = {
      {"{\"prompt\": \"a\"}\n{\"prompt\": \"b\"}\n{\"prompt\": \"c\"\n", "c.jsonl:3: invalid JSON"},
      {"{\"prompt\": \"a\"}\n{\"text\": \"b\"}\n", "c.jsonl:2: no 'prompt'"},
      {"[1, 2]\n", "c.jsonl:1: not a JSON object"},
      {"{\"prompt\": 5}\n", "c.jsonl:1: 'prompt' must be a string"},
      {"{\"prompt\": \"a\", \"output_tokens\": \"x\"}\n", "c.jsonl:1: 'output_tokens' must be an integer >= 1"},
      {"{\"prompt\": \"a\", \"output_tokens\": 0}\n", "'output_tokens' must be an integer >= 1"},
      {"{\"prompt\": \"a\", \"images\": \"x.png\"}\n", "c.jsonl:1: 'images' must be an array of strings"},
      {"\n\n", "no lines"},
  };
  for (const auto& [text, expected] : cases) {
    const auto message = error_of(options("custom", write("c.jsonl", text), 3));
    EXPECT_NE(message.find(expected), std::string::npos) << message;
  }
  EXPECT_NE(error_of(options("custom", (dir_ / "missing.jsonl").string(), 3)).find("missing.jsonl: cannot open"),
            std::string::npos);
  EXPECT_NE(error_of(options("custom", "", 3)).find("--dataset-path"), std::string::npos);
  EXPECT_NE(error_of(options("nonesuch", "", 3)).find("unknown dataset"), std::string::npos);
}

TEST_F(FileDatasets, CustomImagesAreReadOnceAndNeedChat) {
  const std::string png("\x89PNG\r\n\x1a\nrest", 12);
  write("cat.png", png);
  write("bad.bin", "nope");
  const auto path = write("c.jsonl", "{\"prompt\": \"a\", \"images\": [\"cat.png\"]}\n"
                                     "{\"prompt\": \"b\", \"images\": [\"cat.png\", \"https://x/y.jpg\"]}\n");
  auto o = options("custom", path, 2);
  o.disable_shuffle = true;
  EXPECT_NE(error_of(o).find("c.jsonl:1: the line has images"), std::string::npos);
  o.chat = true;
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->specs[0].images.size(), 1u);
  ASSERT_EQ(d->specs[1].images.size(), 2u);
  EXPECT_EQ(d->specs[0].images[0].get(), d->specs[1].images[0].get());
  EXPECT_TRUE(d->specs[0].images[0]->starts_with("data:image/png;base64,"));
  EXPECT_EQ(*d->specs[1].images[1], "https://x/y.jpg");

  o.path = write("c2.jsonl", "{\"prompt\": \"a\"}\n{\"prompt\": \"b\", \"images\": [\"gone.png\"]}\n");
  auto message = error_of(o);
  EXPECT_NE(message.find("c2.jsonl:2: image "), std::string::npos) << message;
  EXPECT_NE(message.find("gone.png: cannot open"), std::string::npos) << message;
  o.path = write("c3.jsonl", "{\"prompt\": \"b\", \"images\": [\"bad.bin\"]}\n");
  message = error_of(o);
  EXPECT_NE(message.find("c3.jsonl:1: image "), std::string::npos) << message;
  EXPECT_NE(message.find("not a PNG, JPEG, GIF or WebP image"), std::string::npos) << message;
}

TEST_F(FileDatasets, ImageQaReadsQuestionsAndEachImageOnce) {
  const std::string png("\x89PNG\r\n\x1a\nrest", 12);
  fs::create_directories(dir_ / "img");
  write("img/a.png", png);
  write("img/b.png", png + "b");
  std::string lines;
  for (int i = 0; i < 6; ++i) {
    lines += "{\"question\": \"what is shown in picture " + std::to_string(i) + "\", \"images\": [\"img/" +
             (i % 2 ? "a" : "b") + ".png\"], \"category\": \"OCR\", \"answers\": [\"x\", \"y\"]}\n";
  }
  auto o = options("image-qa", write("qa.jsonl", lines), 6);
  o.disable_shuffle = true;
  o.chat = true;
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->specs.size(), 6u);
  EXPECT_EQ(d->specs[0].prompt, "what is shown in picture 0");
  EXPECT_EQ(d->specs[0].prompt_len, 6);
  EXPECT_EQ(d->specs[0].category, "OCR");
  EXPECT_EQ(d->specs[0].answers, (std::vector<std::string>{"x", "y"}));
  // Six requests, two files: one shared encoded string per file.
  for (std::size_t i = 2; i < 6; ++i) EXPECT_EQ(d->specs[i].images[0].get(), d->specs[i % 2].images[0].get());
  EXPECT_NE(d->specs[0].images[0].get(), d->specs[1].images[0].get());
  EXPECT_NE(d->notes.front().find("image-qa: "), std::string::npos) << d->notes.front();

  // A missing image is an error naming its line, even on a line --num-prompts would not reach.
  o.path = write("qa2.jsonl", lines + "{\"question\": \"q\", \"images\": [\"img/gone.jpg\"]}\n");
  o.num_prompts = 1;
  auto message = error_of(o);
  EXPECT_NE(message.find("qa2.jsonl:7: image "), std::string::npos) << message;
  EXPECT_NE(message.find("gone.jpg: cannot open"), std::string::npos) << message;
  o.path = write("qa3.jsonl", "{\"question\": \"q\", \"prompt\": \"p\"}\n");
  EXPECT_NE(error_of(o).find("qa3.jsonl:1: both 'prompt' and 'question'"), std::string::npos);
  o.path = write("qa4.jsonl", "{\"question\": \"q\"}\n{\"question\": \"q\"\n");
  EXPECT_NE(error_of(o).find("qa4.jsonl:2: invalid JSON"), std::string::npos);
}

TEST_F(FileDatasets, BurstGptKeepsGpt4RowsWithOutput) {
  const std::string csv =
      "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
      "5,ChatGPT,100,20,120,Conversation log\n"
      "6,GPT-4,11,7,18,Conversation log\n"
      "7,GPT-4,30,0,30,Conversation log\n"  // failed request: no response
      "8,GPT-4,13,9,22,API log\n"
      "9,GPT-4,17,3,20,\"Conversation, log\"\n";
  auto o = options("burstgpt", write("b.csv", csv), 3);
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->specs.size(), 3u);
  std::multiset<std::pair<int, int>> got;
  for (const auto& s : d->specs) {
    got.insert({s.prompt_len, s.expected_output_len});
    EXPECT_EQ(count_words(s.prompt), s.prompt_len);
  }
  EXPECT_EQ(got, (std::multiset<std::pair<int, int>>{{11, 7}, {13, 9}, {17, 3}}));
  EXPECT_NE(d->notes.front().find("5 rows, 3 with Model GPT-4 and Response tokens > 0"), std::string::npos)
      << d->notes.front();
  auto again = make_dataset(o, nullptr);
  ASSERT_TRUE(again);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(again->specs[i].prompt, d->specs[i].prompt);

  o.num_prompts = 8;  // more than the 3 rows: drawn with replacement, as pandas' sample(replace=True)
  d = make_dataset(o, nullptr);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->specs.size(), 8u);
  for (const auto& s : d->specs) EXPECT_TRUE(s.prompt_len == 11 || s.prompt_len == 13 || s.prompt_len == 17);
  o.no_oversample = true;
  EXPECT_NE(error_of(o).find("burstgpt: the dataset has 3 prompts but --num-prompts is 8"), std::string::npos);

  o.no_oversample = false;
  const std::pair<std::string, std::string> cases[] = {
      {"Timestamp,Model,Request tokens\n1,GPT-4,3\n", "b.csv:1: no 'Response tokens' column"},
      {"Model,Request tokens,Response tokens\nGPT-4,3\n", "b.csv:2: 2 fields, but the header has 3 columns"},
      {"Model,Request tokens,Response tokens\nGPT-4,3,x\n", "b.csv:2: 'Request tokens' and 'Response tokens' must be whole numbers"},
      {"Model,Request tokens,Response tokens\nChatGPT,3,4\n", "none of its 1 rows has Model GPT-4"},
      {"", "the file is empty"},
  };
  expect_errors(o, "b.csv", cases);
}

TEST_F(FileDatasets, MooncakeReplaysTimestampsAndSharesHashBlocks) {
  const std::string trace =
      "{\"timestamp\": 0, \"input_length\": 1100, \"output_length\": 10, \"hash_ids\": [0, 1, 2]}\n"
      "{\"timestamp\": 250, \"input_length\": 600, \"output_length\": 5, \"hash_ids\": [0, 3]}\n"
      "{\"timestamp\": 1000, \"input_length\": 700, \"output_length\": 7, \"hash_ids\": [4]}\n"
      "{\"timestamp\": 1500.5, \"input_length\": 1024, \"output_length\": 2, \"hash_ids\": [0, 1]}\n";
  auto o = options("mooncake", write("t.jsonl", trace), 4);
  o.trace_time_scale = 2.0;
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->specs.size(), 4u);
  EXPECT_EQ(d->send_offsets_ns, (std::vector<std::int64_t>{0, 500'000'000, 2'000'000'000, 3'001'000'000}));
  const int in[] = {1100, 600, 700, 1024}, out[] = {10, 5, 7, 2};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(d->specs[i].prompt_len, in[i]);
    EXPECT_EQ(count_words(d->specs[i].prompt), in[i]);  // one word per token without a tokenizer
    EXPECT_EQ(d->specs[i].expected_output_len, out[i]);
  }
  // The i-th word of each prompt, to compare blocks.
  auto words = [](const std::string& prompt) {
    std::vector<std::string> w;
    std::istringstream in(prompt);
    for (std::string s; in >> s;) w.push_back(s);
    return w;
  };
  const auto a = words(d->specs[0].prompt), b = words(d->specs[1].prompt), c = words(d->specs[2].prompt),
             e = words(d->specs[3].prompt);
  auto same = [](const std::vector<std::string>& x, const std::vector<std::string>& y, std::size_t from, std::size_t to) {
    return std::equal(x.begin() + from, x.begin() + to, y.begin() + from);
  };
  EXPECT_TRUE(same(a, b, 0, 512));     // hash id 0 shared
  EXPECT_FALSE(same(a, b, 512, 600));  // 1 vs 3
  EXPECT_FALSE(same(a, c, 0, 512));    // 0 vs 4
  EXPECT_TRUE(same(a, e, 0, 1024));    // hash ids 0, 1 shared
  EXPECT_EQ(d->specs[3].prompt, std::string_view(d->specs[0].prompt).substr(0, d->specs[3].prompt.size()));
  EXPECT_NE(d->notes.front().find("replaying 4 of the 4 lines"), std::string::npos) << d->notes.front();
  EXPECT_NE(d->notes.front().find("5 distinct hash blocks"), std::string::npos) << d->notes.front();

  auto again = make_dataset(o, nullptr);
  ASSERT_TRUE(again);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(again->specs[i].prompt, d->specs[i].prompt);

  o.num_prompts = 2;  // the first lines of the trace
  d = make_dataset(o, nullptr);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->send_offsets_ns, (std::vector<std::int64_t>{0, 500'000'000}));
  o.num_prompts = 9;  // a shorter trace is sent whole, never oversampled
  d = make_dataset(o, nullptr);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->specs.size(), 4u);
  o.no_oversample = true;
  EXPECT_NE(error_of(o).find("mooncake: the dataset has 4 prompts but --num-prompts is 9"), std::string::npos);

  o.no_oversample = false;
  const std::pair<std::string, std::string> cases[] = {
      {"{\"timestamp\": 5, \"input_length\": 3, \"output_length\": 1}\n{\"timestamp\": 4, \"input_length\": 3, \"output_length\": 1}\n",
       "t.jsonl:2: timestamp 4 is before the previous line's 5"},
      {"{\"timestamp\": 0, \"output_length\": 1}\n", "t.jsonl:1: no 'input_length'"},
      {"{\"timestamp\": 0, \"input_length\": 3, \"output_length\": 1, \"hash_ids\": [\"a\"]}\n",
       "t.jsonl:1: 'hash_ids' must be an array of integers"},
      {"{\"timestamp\": 0, \"input_length\": 0, \"output_length\": 1}\n", "t.jsonl:1: 'input_length' must be an integer >= 1"},
      {"{\"timestamp\": 0\n", "t.jsonl:1: invalid JSON"},
      {"[3]\n", "t.jsonl:1: not a JSON object"},
  };
  expect_errors(o, "t.jsonl", cases);
}

TEST_F(FileDatasets, ShareGptKeepsTwoTurnConversations) {
  const auto path = write("s.json", R"([
  {"id": "a", "conversations": [{"from": "human", "value": "one two three"}, {"from": "gpt", "value": "four five"}]},
  {"id": "b", "conversations": [{"from": "human", "value": "lonely"}]},
  {"id": "c"},
  {"id": "d", "conversations": [{"from": "human", "value": "x [y] \"z\""}, {"from": "gpt", "value": "w"}, {"from": "human", "value": "more"}]}
])");
  auto o = options("sharegpt", path, 2);
  o.disable_shuffle = true;
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->specs.size(), 2u);
  EXPECT_EQ(d->specs[0].prompt, "one two three");
  EXPECT_EQ(d->specs[0].prompt_len, 3);
  EXPECT_EQ(d->specs[0].expected_output_len, 2);  // the reply's length
  EXPECT_EQ(d->specs[1].prompt, "x [y] \"z\"");
  EXPECT_EQ(d->specs[1].expected_output_len, 1);
  EXPECT_NE(d->notes[0].find("4 entries, 2 with >= 2 turns"), std::string::npos) << d->notes[0];
  o.sharegpt_output_len = 64;
  o.num_prompts = 5;
  d = make_dataset(o, nullptr);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->specs.size(), 5u);
  for (const auto& s : d->specs) EXPECT_EQ(s.expected_output_len, 64);
}

TEST_F(FileDatasets, ShareGptErrors) {
  auto message = error_of(options("sharegpt", write("s.json", "[\n{\"conversations\": [{\"value\": \"a\"}, {\"value\": 3}]}\n]"), 1));
  EXPECT_NE(message.find("s.json:2: conversation 0: conversations[1] has no string 'value'"), std::string::npos) << message;
  message = error_of(options("sharegpt", write("s.json", "[\n{\"conversations\": [1, 2]},\n{\"conversations\": [1 2]}\n]"), 1));
  EXPECT_NE(message.find("s.json:"), std::string::npos) << message;
  message = error_of(options("sharegpt", write("s.json", "[{\"id\": 1}]"), 1));
  EXPECT_NE(message.find("none of its 1 entries"), std::string::npos) << message;
}

TEST_F(FileDatasets, SonnetBuildsPromptsFromPoemLines) {
  std::string poem;
  for (int i = 0; i < 20; ++i) poem += "line" + std::to_string(i) + " of the poem here\n";  // 5 words
  auto o = options("sonnet", write("sonnet.txt", poem), 6);
  o.sonnet_input_len = 61;
  o.sonnet_prefix_len = 31;
  o.sonnet_output_len = 9;
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->specs.size(), 6u);
  // Base prompt: 11 words; (61 - 11) / 5 = 10 lines, (31 - 11) / 5 = 4 of them a shared prefix.
  const std::string prefix = "Pick as many lines as you can from these poem lines:\nline0 of the poem here\n"
                             "line1 of the poem here\nline2 of the poem here\nline3 of the poem here\n";
  for (const auto& s : d->specs) {
    EXPECT_TRUE(s.prompt.starts_with(prefix));
    EXPECT_EQ(s.prompt_len, 61);
    EXPECT_EQ(s.expected_output_len, 9);
  }
  o.sonnet_input_len = 5;
  EXPECT_NE(error_of(o).find("must be higher than the base prompt length (11)"), std::string::npos);
}

}  // namespace
}  // namespace llmload::workload
