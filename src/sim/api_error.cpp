#include "llmload/sim/api_error.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace llmload::sim {

void throw_exception_from_error(const ApiError& error, const boost::source_location&) {
  throw std::runtime_error(fmt::format("HTTP {}: {}", error.status, error.message));
}

}  // namespace llmload::sim
