#pragma once
/// The completion token of llmload's coroutine I/O (client, simulator, receivers): every
/// asynchronous operation completes as a tuple, error code first, instead of throwing, so a
/// failed read, write or wait is an outcome the caller handles, never an exception. One
/// definition, shared, so that no two files define their own (a unity build, which the
/// sanitizer jobs use, compiles several files as one).

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace llmload::net {

inline constexpr auto kTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace llmload::net
