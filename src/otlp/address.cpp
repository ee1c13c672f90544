#include "llmload/otlp/address.hpp"

#include <charconv>

namespace llmload::otlp {

core::Result<ReceiverAddress> parse_receiver_address(std::string_view text, std::string_view flag) {
  ReceiverAddress out;
  std::string_view port = text;
  const auto colon = text.rfind(':');
  if (colon != std::string_view::npos) {
    std::string_view host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty() || host.find_first_of(" \t/[]") != std::string_view::npos) {
      return core::fail("{} {}: expected [HOST:]PORT, e.g. 4317 or 0.0.0.0:4317", flag, text);
    }
    out.host = host == "localhost" ? std::string("127.0.0.1") : std::string(host);
    port = text.substr(colon + 1);
  }
  int value = -1;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value < 0 || value > 65534) {
    return core::fail("{} {}: the port must be a number from 0 to 65534 (OTLP/HTTP listens on PORT + 1)", flag,
                      text);
  }
  out.port = value;
  return out;
}

}  // namespace llmload::otlp
