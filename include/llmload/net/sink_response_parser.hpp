#pragma once
/// An HTTP/1.1 response parser that stores no header fields: it keeps the status code and
/// hands each (de-chunked) piece of the body to a callback, without copying, as Beast's
/// basic_parser yields it. basic_parser does the framing (status line, Content-Length, chunked
/// encoding, keep-alive, limits); Beast's response_parser<Body> would also copy every header
/// field into a basic_fields, one allocation per field, which nothing here reads. Lets the
/// client stamp arrival time per socket read and feed body bytes straight into the SSE parser.

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/optional.hpp>

#include <cstdint>
#include <string_view>

namespace llmload::net {

/// Parses one response. Not thread-safe; the callback is invoked synchronously from put().
class SinkResponseParser final : public boost::beast::http::basic_parser<false> {
 public:
  using OnBytes = void (*)(void* context, std::string_view bytes);

  SinkResponseParser(OnBytes on_bytes, void* context) : on_bytes_(on_bytes), context_(context) {}

  /// The status code, once the status line is parsed (0 before).
  int status() const noexcept { return status_; }

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;

  // Never called for a response parser (basic_parser<false>).
  void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code& ec) override {
    ec = boost::beast::http::error::bad_method;
  }
  void on_response_impl(int code, string_view, int, error_code&) override { status_ = code; }
  void on_field_impl(boost::beast::http::field, string_view, string_view, error_code&) override {}
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view body, error_code&) override { return forward(body); }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override { return forward(body); }
  void on_finish_impl(error_code&) override {}

  std::size_t forward(string_view body) {
    if (on_bytes_ != nullptr && !body.empty()) on_bytes_(context_, {body.data(), body.size()});
    return body.size();
  }

  OnBytes on_bytes_;
  void* context_;
  int status_ = 0;
};

}  // namespace llmload::net
