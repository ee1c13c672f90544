#pragma once
/// A Beast Body that forwards each piece of the (de-chunked) response body to a callback as
/// the parser produces it, without copying. Lets the client stamp arrival time per socket
/// read and feed body bytes straight into the SSE parser.

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

#include <cstdint>
#include <string_view>

namespace llmload::net {

/// Body type for http::response_parser<SinkBody>. The value is the callback; it is invoked
/// synchronously from parser.put() on the calling thread.
struct SinkBody {
  struct value_type {
    void (*on_bytes)(void* context, std::string_view bytes) = nullptr;
    void* context = nullptr;
  };

  class reader {
   public:
    template <bool IsRequest, class Fields>
    reader(boost::beast::http::header<IsRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>&, boost::system::error_code& ec) { ec = {}; }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
      std::size_t n = 0;
      for (const auto b : boost::beast::buffers_range_ref(buffers)) {
        if (body_.on_bytes != nullptr && b.size() != 0) {
          body_.on_bytes(body_.context, {static_cast<const char*>(b.data()), b.size()});
        }
        n += b.size();
      }
      ec = {};
      return n;
    }

    void finish(boost::system::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

}  // namespace llmload::net
