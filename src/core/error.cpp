#include "llmload/core/error.hpp"

#include <stdexcept>

namespace llmload::core {

void throw_exception_from_error(Error const& error, boost::source_location const&) {
  throw std::runtime_error(error.message);
}

}  // namespace llmload::core
