#pragma once
// A command-line test with the built-in simulator started in this process, at fixed timing
// (20 ms to the first token, 5 ms between tokens), for the commands under test to target.

#include "cli_support.hpp"
#include "llmload/sim/sim_server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

namespace llmload::testing_support {

class FixedSimCliTest : public CliTest {
 protected:
  explicit FixedSimCliTest(std::string prefix) : CliTest(std::move(prefix)) {}

  void SetUp() override {
    CliTest::SetUp();
    sim::SimOptions options;
    options.ttft = std::chrono::milliseconds(20);
    options.itl = std::chrono::milliseconds(5);
    server_ = std::make_unique<sim::SimServer>(options);
    ASSERT_TRUE(server_->start());
  }
  void TearDown() override {
    server_->stop();
    CliTest::TearDown();
  }

  std::unique_ptr<sim::SimServer> server_;
};

}  // namespace llmload::testing_support
