#pragma once
// What the integration tests of the simulator's server share: a started server with the
// addresses to reach it, a /metrics sample read back, and an image data URL.

#include "llmload/net/connection.hpp"
#include "llmload/net/simple_client.hpp"
#include "llmload/net/url.hpp"
#include "llmload/runtime/runner.hpp"
#include "llmload/sim/sim_server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::sim::testing_support {

using namespace std::chrono_literals;

/// A simulated server started on a free loopback port (the test fails if it cannot start),
/// with its parsed URL and resolved endpoints.
struct Started {
  explicit Started(SimOptions options) : server(std::move(options)) {
    auto ok = server.start();
    EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);
    base = net::parse_url(server.base_url()).value();
    endpoints = net::resolve(base.host, base.port).value();
  }
  runtime::Target target(api::Flavor flavor) const {
    runtime::Target t;
    t.base = base;
    t.path = std::string(api::default_endpoint(flavor));
    t.endpoints = endpoints;
    return t;
  }
  std::string metrics() const {
    return net::fetch(base, endpoints, "GET", "/metrics", {}, {}, 10s).value().body;
  }
  SimServer server;
  net::Url base;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
};

/// The value of the first sample line starting with `prefix` (-1 when there is none).
inline double metric(const std::string& text, std::string_view prefix) {
  const auto at = text.find(prefix);
  if (at == std::string::npos) return -1;
  const auto space = text.find(' ', text.find('}', at));
  return std::stod(text.substr(space + 1, text.find('\n', space) - space - 1));
}

inline std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

/// A data URL of a PNG whose header says w x h (the pixels are never read).
inline std::string png_data_url(std::uint32_t w, std::uint32_t h) {
  std::string b("\x89PNG\r\n\x1a\n", 8);
  b += be32(13) + "IHDR" + be32(w) + be32(h) + std::string("\x08\x02\x00\x00\x00\x00\x00\x00\x00", 9);
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out = "data:image/png;base64,";
  b.resize(b.size() / 3 * 3);
  for (std::size_t i = 0; i < b.size(); i += 3) {
    const auto v = (static_cast<unsigned char>(b[i]) << 16) | (static_cast<unsigned char>(b[i + 1]) << 8) |
                   static_cast<unsigned char>(b[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  return out;
}

}  // namespace llmload::sim::testing_support
