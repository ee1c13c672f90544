// The simulator's answers mode end to end: bench against the built-in simulator measures the
// accuracy the simulator was told (2,000 requests, overall and per category), the answer goes
// out streamed and not, for completions and chat, bad answer files exit 2 naming the line, and
// a soak's accuracy-drop SLO fails when the simulator's accuracy falls mid-run.

#include "llmload/sim/answer_key.hpp"
#include "llmload/sim/chunk_writer.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "cli_support.hpp"
#include "sim_support.hpp"

#include <cmath>
#include <fstream>
#include <map>
#include <string>

namespace llmload {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

/// 20 questions: 10 "animals", 10 "colors", one reference each.
std::string twenty_questions() {
  std::string out;
  for (int i = 0; i < 20; ++i) {
    out += "{\"prompt\": \"question number " + std::to_string(i) + "\", \"answers\": [\"answer " + std::to_string(i) +
           "\"], \"category\": \"" + (i < 10 ? "animals" : "colors") + "\", \"output_tokens\": 8}\n";
  }
  return out;
}

class AnswersSim : public testing_support::CliTest {
 protected:
  AnswersSim() : CliTest("llmload-answers") {}
  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  boost::json::object accuracy_of(const std::string& file) {
    return boost::json::parse(testing_support::slurp(dir_ / file)).at("llmload").at("accuracy").as_object();
  }
  // Fast: no TTFT, no gap between tokens, everything at once (16 in flight).
  std::string fast_bench(const std::string& qa, const std::string& extra) {
    return "bench --dataset-name custom --dataset-path " + qa + " --sim-answers " + qa +
           " --num-prompts 2000 --sim-ttft-ms 0 --sim-itl-ms 0 --max-concurrency 16 --save-result --result-dir " +
           dir_.string() + " " + extra;
  }
};

double three_sd(double p, double n) { return 3 * std::sqrt(p * (1 - p) / n); }

TEST_F(AnswersSim, TwoThousandRequestsMeasureTheConfiguredAccuracy) {
  const auto qa = write("qa.jsonl", twenty_questions());
  const auto r = run(fast_bench(qa, "--sim-answer-accuracy 0.7 --result-filename a.json"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto a = accuracy_of("a.json");
  ASSERT_EQ(a.at("scored").as_int64(), 2000);
  const double measured = a.at("accuracy").as_double();
  std::printf("answers mode, P = 0.7: measured %.4f over 2000 (3 SD = %.4f)\n", measured, three_sd(0.7, 2000));
  EXPECT_NEAR(measured, 0.7, three_sd(0.7, 2000));
  for (const char* category : {"animals", "colors"}) {
    const auto& c = a.at("per_category").at(category).as_object();
    EXPECT_NEAR(c.at("accuracy").as_double(), 0.7, three_sd(0.7, static_cast<double>(c.at("scored").as_int64())))
        << category;
  }
}

// Bench's built-in simulator draws its answers with the run's --seed: one seed repeats, two
// seeds differ (which questions come back right, by prompt; the result keeps the prompts).
TEST_F(AnswersSim, TheRunsSeedDrawsTheSimulatorsAnswers) {
  const auto qa = write("qa.jsonl", twenty_questions());
  const auto right_by_prompt = [&](int seed, const std::string& file) {
    const auto r = run("bench --dataset-name custom --dataset-path " + qa + " --sim-answers " + qa +
                       " --num-prompts 20 --sim-ttft-ms 0 --sim-itl-ms 0 --sim-answer-accuracy 0.5 --seed " +
                       std::to_string(seed) + " --save-result --save-detailed --result-dir " + dir_.string() +
                       " --result-filename " + file);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    std::map<std::string, double> right;
    const auto result = boost::json::parse(testing_support::slurp(dir_ / file));
    const auto& prompts = result.at("llmload").at("prompts").as_array();
    const auto& scores = result.at("llmload").at("accuracy").at("per_request").as_array();
    EXPECT_EQ(prompts.size(), scores.size());
    for (std::size_t i = 0; i < prompts.size() && i < scores.size(); ++i) {
      right[std::string(prompts[i].as_string())] = scores[i].as_double();
    }
    return right;
  };
  const auto first = right_by_prompt(1, "s1.json");
  EXPECT_GE(first.size(), 10u);
  EXPECT_EQ(right_by_prompt(1, "s1-again.json"), first);
  EXPECT_NE(right_by_prompt(2, "s2.json"), first);
}

TEST_F(AnswersSim, PerCategoryAccuracyThroughChat) {
  const auto qa = write("qa.jsonl", twenty_questions());
  const auto r = run(fast_bench(qa, "--backend openai-chat --sim-answer-accuracy 0.7 "
                                    "--sim-answer-accuracy-by-category colors=0.3 --result-filename c.json"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto a = accuracy_of("c.json");
  const auto& animals = a.at("per_category").at("animals").as_object();
  const auto& colors = a.at("per_category").at("colors").as_object();
  const double na = static_cast<double>(animals.at("scored").as_int64());
  const double nc = static_cast<double>(colors.at("scored").as_int64());
  EXPECT_EQ(na + nc, 2000);
  std::printf("answers mode by category: animals %.4f (P 0.7, %g scored), colors %.4f (P 0.3, %g scored)\n",
              animals.at("accuracy").as_double(), na, colors.at("accuracy").as_double(), nc);
  EXPECT_NEAR(animals.at("accuracy").as_double(), 0.7, three_sd(0.7, na));
  EXPECT_NEAR(colors.at("accuracy").as_double(), 0.3, three_sd(0.3, nc));
}

TEST_F(AnswersSim, BadAnswerFilesAndSettingsExitTwoNamingTheProblem) {
  const auto bad = write("bad.jsonl", "{\"prompt\": \"q\", \"answers\": [\"a\"]}\n{\"prompt\": 3}\n");
  const auto sim = run("sim --port 0 --answers " + bad);
  EXPECT_EQ(sim.exit_code, 2) << sim.out << sim.err;
  EXPECT_NE(sim.err.find(bad + ":2:"), std::string::npos) << sim.err;
  const auto qa = write("qa.jsonl", twenty_questions());
  const auto bench = run("bench --num-prompts 2 --sim-answers " + bad);
  EXPECT_EQ(bench.exit_code, 2) << bench.out << bench.err;
  EXPECT_NE(bench.err.find(bad + ":2:"), std::string::npos) << bench.err;
  const auto category = run("bench --num-prompts 2 --sim-answers " + qa + " --sim-answer-accuracy-by-category x");
  EXPECT_EQ(category.exit_code, 2) << category.err;
  EXPECT_NE(category.err.find("--sim-answer-accuracy-by-category: 'x' is not CATEGORY=P"), std::string::npos)
      << category.err;
  const auto lonely = run("bench --num-prompts 2 --sim-answer-accuracy 0.5");
  EXPECT_EQ(lonely.exit_code, 2) << lonely.err;
  EXPECT_NE(lonely.err.find("need --sim-answers FILE"), std::string::npos) << lonely.err;
  const auto after = run("sim --port 0 --answers " + qa + " --answer-accuracy-after 5s=2");
  EXPECT_EQ(after.exit_code, 2) << after.err;
  EXPECT_NE(after.err.find("--answer-accuracy-after"), std::string::npos) << after.err;
}

// The answer, streamed or not, through completions and chat; a question not in the file keeps
// the usual text; ignore_eos pads the answer with the usual words up to max_tokens.
TEST(AnswersSimServer, StreamedAndWholeAnswersForCompletionsAndChat) {
  sim::AnswerSettings settings;
  settings.accuracy = 1.0;
  sim::SimOptions options;
  options.ttft = 0ms;
  options.itl = 0ms;
  options.answer_key = sim::AnswerKey::from_lines({{"What is on the table?", "", {"a red apple"}}}, settings).value();
  sim::testing_support::Started s(options);
  auto post = [&](const char* path, const std::string& body) {
    return net::fetch(s.base, s.endpoints, "POST", path, {{"Content-Type", "application/json"}}, body, 10s).value().body;
  };
  const auto whole = post("/v1/completions", R"({"prompt": "What is on the table?", "max_tokens": 16})");
  EXPECT_NE(whole.find(R"("text":"a red apple","logprobs":null,"finish_reason":"stop")"), std::string::npos) << whole;
  EXPECT_NE(whole.find(R"("completion_tokens":3})"), std::string::npos) << whole;

  const auto chat = post("/v1/chat/completions",
                         R"({"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": [)"
                         R"({"type": "text", "text": "What is on the table?"}]}], "max_tokens": 16})");
  EXPECT_NE(chat.find(R"("content":"a red apple"},"logprobs":null,"finish_reason":"stop")"), std::string::npos) << chat;

  const auto streamed = post("/v1/chat/completions",
                             R"({"messages": [{"role": "user", "content": "What is on the table?"}], "stream": true, "max_tokens": 16})");
  EXPECT_NE(streamed.find(R"("delta":{"content":"a"})"), std::string::npos) << streamed;
  EXPECT_NE(streamed.find(R"("delta":{"content":" red"})"), std::string::npos) << streamed;
  EXPECT_NE(streamed.find(R"("delta":{"content":" apple"},"logprobs":null,"finish_reason":"stop")"), std::string::npos)
      << streamed;

  const auto padded = post("/v1/completions",
                           R"({"prompt": "What is on the table?", "max_tokens": 5, "ignore_eos": true, "stream": true})");
  EXPECT_NE(padded.find(R"("text":" apple")"), std::string::npos) << padded;
  EXPECT_NE(padded.find(R"("text":")" + std::string(sim::token_text(4)) + R"(","logprobs":null,"finish_reason":"length")"),
            std::string::npos) << padded;

  const auto other = post("/v1/completions", R"({"prompt": "Something else", "max_tokens": 2})");
  EXPECT_NE(other.find(R"("text":")" + std::string(sim::token_text(0)) + std::string(sim::token_text(1)) +
                       R"(","logprobs":null,"finish_reason":"length")"),
            std::string::npos) << other;
}

class AnswersSoak : public testing_support::CliTest {
 protected:
  AnswersSoak() : CliTest("llmload-answers-soak") {}
  // A 3 s soak at 100 requests/s in 500 ms intervals, answers at P = 0.9; `after` lowers it.
  fs::path profile(const std::string& after) {
    std::ofstream(dir_ / "qa.jsonl") << twenty_questions();
    const auto path = dir_ / "p.yaml";
    std::ofstream(path) << "target: {sim_answers: qa.jsonl, sim_answer_accuracy: 0.9"
                        << (after.empty() ? "" : ", sim_answer_accuracy_after: \"" + after + "\"") << "}\n"
                        << "workload: {dataset: custom, dataset_path: qa.jsonl}\n"
                           "load:\n  stages:\n    - {name: soak, rate: 100/s, duration: 3s}\n"
                           "slo:\n  - {metric: accuracy, min: 0.3}\n  - {metric: accuracy, max_drift: 30%}\n"
                           "outputs: {dir: " << (dir_ / "out").string() << ", formats: [json, csv], interval: 500ms}\n";
    return path;
  }
};

TEST_F(AnswersSoak, AccuracyDropUnderLoadFailsTheDriftSlo) {
  const auto r = run("run " + profile("1800ms=0.1").string());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL soak: accuracy drop <= 30%"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[soak]      0.0s-0.5s  ok "), std::string::npos) << r.out;  // the interval console lines
  EXPECT_NE(r.out.find(" scored)\n"), std::string::npos) << r.out;
  const auto csv = testing_support::slurp(dir_ / "out" / "01-01-soak.intervals.csv");
  EXPECT_NE(csv.find(",scored,accuracy,degenerate,output_tokens,completed_output_tokens,completed_output_throughput\n"),
            std::string::npos) << csv;
  const auto result = boost::json::parse(testing_support::slurp(dir_ / "out" / "01-01-soak.json"));
  const auto& intervals = result.at("llmload").at("accuracy").at("per_interval").as_array();
  ASSERT_GE(intervals.size(), 5u);
  EXPECT_GT(intervals.front().at("accuracy").as_double(), 0.6);
  EXPECT_LT(intervals[intervals.size() - 2].at("accuracy").as_double(), 0.4);
}

TEST_F(AnswersSoak, SteadyAccuracyPassesBothSlos) {
  const auto r = run("run " + profile("").string());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS soak: accuracy >= 0.3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASS soak: accuracy drop <= 30%"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace llmload
