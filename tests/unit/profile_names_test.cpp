// Run names in profiles: a stage's `name:`, a sweep point's `{name, value}` or a scenario
// section's `name:` (not applied), the template from the swept values, and the checks (a bad
// or repeated name with file:line:column).
#include "llmload/config/profile.hpp"

#include <gtest/gtest.h>

namespace llmload::config {
namespace {

constexpr const char* kSteadyLoad = "load:\n  stages:\n    - {name: steady, rate: 1/s, requests: 10}\n";

TEST(ProfileNames, TemplateFromTheSweptValues) {
  const auto r = parse_profile(std::string(kSteadyLoad) +
                                   "sweep:\n  load.stages.0.rate: [0.5, 2/s]\n  request.temperature: [0, 0.7]\n",
                               "p.yaml");
  ASSERT_TRUE(r.profile) << format_problems(r.problems);
  EXPECT_EQ(sweep_point_names(*r.profile),
            (std::vector<std::string>{"rate=0.5/s, temperature=0", "rate=0.5/s, temperature=0.7",
                                      "rate=2/s, temperature=0", "rate=2/s, temperature=0.7"}));
  EXPECT_EQ(name_slug("rate=2/s, temperature=0.7"), "rate-2-s--temperature-0-7");
}

TEST(ProfileNames, WrittenNamesOfValuesAndScenarios) {
  const auto r = parse_profile(std::string(kSteadyLoad) +
                                   "sweep:\n"
                                   "  workload:\n"
                                   "    - {name: short-qa, dataset: random, output_len: 32}\n"
                                   "    - {dataset: random, output_len: 1024}\n",
                               "p.yaml");
  ASSERT_TRUE(r.profile) << format_problems(r.problems);
  EXPECT_EQ(sweep_point_names(*r.profile), (std::vector<std::string>{"short-qa", "workload 2"}));
  // The name is not applied to the section.
  EXPECT_EQ(r.profile->sweep[0].values[0].find("name"), std::string::npos) << r.profile->sweep[0].values[0];
  const auto named = parse_profile(std::string(kSteadyLoad) +
                                       "sweep:\n  load.stages.0.rate: [{name: low, value: 1}, {name: high, value: 8/s}]\n",
                                   "p.yaml");
  ASSERT_TRUE(named.profile) << format_problems(named.problems);
  EXPECT_EQ(sweep_point_names(*named.profile), (std::vector<std::string>{"low", "high"}));
  EXPECT_EQ(named.profile->sweep[0].values, (std::vector<std::string>{"1", "8/s"}));
}

TEST(ProfileNames, BadAndRepeatedNamesNameTheirPlace) {
  const auto bad = parse_profile("load:\n  stages:\n    - {name: \"a|b\", rate: 1/s, requests: 10}\n", "p.yaml");
  ASSERT_FALSE(bad.profile);
  EXPECT_NE(format_problems(bad.problems).find("p.yaml:3:14: 'load.stages.0.name' 'a|b' may hold letters"),
            std::string::npos)
      << format_problems(bad.problems);
  const auto twice = parse_profile(
      "load:\n  stages:\n    - {name: steady, rate: 1/s, requests: 10}\n    - {name: Steady, rate: 2/s, requests: 10}\n",
      "p.yaml");
  ASSERT_FALSE(twice.profile);
  EXPECT_NE(format_problems(twice.problems).find("p.yaml:4:14: stage name 'Steady' is used twice"), std::string::npos)
      << format_problems(twice.problems);
  const auto points = parse_profile(std::string(kSteadyLoad) + "sweep:\n  workload:\n    - {name: qa, dataset: random}\n"
                                                         "    - {name: qa, dataset: random, output_len: 9}\n",
                                    "p.yaml");
  ASSERT_FALSE(points.profile);
  EXPECT_NE(format_problems(points.problems).find("two sweep points are named 'qa'"), std::string::npos)
      << format_problems(points.problems);
  EXPECT_EQ(check_run_name(""), "must be 1 to 64 characters long");
  EXPECT_EQ(check_run_name("--"), "'--' needs at least one letter or digit");
  EXPECT_EQ(check_run_name("rate=2/s, Captioning (1)"), "");
}

}  // namespace
}  // namespace llmload::config
