#pragma once
/// Local (ephemeral) ports: every open stream to one server address holds its own local port,
/// so a concurrency beyond the kernel's ephemeral range cannot be opened. Checked before the
/// first request so that a run refuses early instead of failing thousands of connects.

#include "llmload/core/error.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace llmload::net {

/// The kernel's ephemeral port range, inclusive. Plain value.
struct PortRange {
  int low = 0;
  int high = 0;
  std::int64_t size() const noexcept { return high >= low ? std::int64_t{high} - low + 1 : 0; }
};

/// Linux's range, as configured by `sysctl net.ipv4.ip_local_port_range` (it applies to IPv6
/// too). nullopt when the file is missing or unreadable (then nothing is checked).
std::optional<PortRange> read_local_port_range(
    const std::string& path = "/proc/sys/net/ipv4/ip_local_port_range");

/// Fails, with what to do, when `streams` concurrent connections to one address need more
/// local ports than `range` holds.
core::Result<void> check_local_ports(std::int64_t streams, const PortRange& range);

}  // namespace llmload::net
