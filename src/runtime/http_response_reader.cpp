#include "llmload/runtime/http_response_reader.hpp"

#include <boost/beast/http/error.hpp>
#include <fmt/format.h>

namespace llmload::runtime {
namespace http = boost::beast::http;

HttpResponseReader::HttpResponseReader(ResponseRecorder& recorder)
    : recorder_(recorder), parser_(&HttpResponseReader::on_bytes, this) {
  parser_.eager(true);
  parser_.body_limit(boost::none);
}

void HttpResponseReader::note_status() {
  if (recorder_.status() == 0 && parser_.is_header_done()) {
    recorder_.on_status(parser_.status());
  }
}

void HttpResponseReader::on_bytes(void* self, std::string_view bytes) {
  // One put() may parse the head and the first body bytes together: the status comes first.
  auto& reader = *static_cast<HttpResponseReader*>(self);
  reader.note_status();
  reader.recorder_.on_body(bytes);
}

HttpResponseReader::Step HttpResponseReader::put(boost::beast::flat_buffer& buffer) {
  while (true) {
    boost::system::error_code ec;
    const std::size_t used = parser_.put(buffer.data(), ec);
    buffer.consume(used);
    note_status();
    if (ec == http::error::need_more) return Step::kNeedMore;
    if (ec) {
      recorder_.set_end(recorder_.arrival_ns());
      recorder_.fail(metrics::Outcome::kProtocolError, fmt::format("invalid HTTP response: {}", ec.message()));
      return Step::kFailed;
    }
    if (parser_.is_done()) {
      recorder_.set_end(recorder_.arrival_ns());
      keep_alive_ = parser_.keep_alive() && buffer.size() == 0 && !recorder_.failed();
      return Step::kDone;
    }
    if (recorder_.failed()) {  // stop reading a stream we already gave up on
      recorder_.set_end(recorder_.arrival_ns());
      return Step::kFailed;
    }
    if (buffer.size() == 0 || used == 0) return Step::kNeedMore;
  }
}

bool HttpResponseReader::put_eof() {
  // A close before the first byte is not a response; Beast asserts got_some() in put_eof.
  if (!parser_.got_some()) return false;
  boost::system::error_code ec;
  parser_.put_eof(ec);
  if (ec || !parser_.is_done()) return false;
  recorder_.set_end(recorder_.arrival_ns());
  keep_alive_ = false;  // the server closed it
  return true;
}

}  // namespace llmload::runtime
