#pragma once
/// Errors as values: `Result<T>` carries either a value or an `Error` with a sentence a user
/// can act on. Expected failures never travel as exceptions through the event loop.

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <fmt/format.h>

#include <string>
#include <utility>

namespace llmload::core {

/// A failure with a human-readable message naming what went wrong and what to do about it.
/// Plain value type; cheap to move.
struct Error {
  std::string message;
};

/// A value of type T or an Error. `Result<void>` for operations without a value.
template <class T>
using Result = boost::system::result<T, Error>;

/// Builds an Error from a fmt format string.
template <class... Args>
Error fail(fmt::format_string<Args...> format, Args&&... args) {
  return Error{fmt::format(format, std::forward<Args>(args)...)};
}

/// Called by Result<T>::value() on an error; throws std::runtime_error with the message.
/// Only `main` catches it.
[[noreturn]] void throw_exception_from_error(Error const& error, boost::source_location const& loc);

}  // namespace llmload::core
