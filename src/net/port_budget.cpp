#include "llmload/net/port_budget.hpp"

#include <fstream>

namespace llmload::net {

std::optional<PortRange> read_local_port_range(const std::string& path) {
  std::ifstream in(path);
  PortRange range;
  if (!(in >> range.low >> range.high) || range.size() == 0) return std::nullopt;
  return range;
}

core::Result<void> check_local_ports(std::int64_t streams, const PortRange& range) {
  if (streams <= range.size()) return {};
  return core::fail(
      "{} concurrent streams to one server address need {} local ports, but the ephemeral port "
      "range {}-{} holds only {}; widen it (sysctl -w net.ipv4.ip_local_port_range=\"1024 65535\") "
      "or lower --max-concurrency / --num-prompts to at most {}",
      streams, streams, range.low, range.high, range.size(), range.size());
}

}  // namespace llmload::net
