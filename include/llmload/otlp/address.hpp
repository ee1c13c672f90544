#pragma once
/// The receiver's listening address as `--otlp-receiver` and profiles (`target.otlp_receiver`)
/// give it. Pure.

#include "llmload/core/error.hpp"

#include <string>
#include <string_view>

namespace llmload::otlp {

/// Where the receiver listens: "[HOST:]PORT" ("4317", "0.0.0.0:4317", "[::1]:4317"); the host
/// defaults to 127.0.0.1; PORT 0 picks free ports for both protocols.
struct ReceiverAddress {
  std::string host = "127.0.0.1";
  int port = 4317;
};

/// Parses "[HOST:]PORT"; the error names `flag`.
core::Result<ReceiverAddress> parse_receiver_address(std::string_view text, std::string_view flag);

}  // namespace llmload::otlp
