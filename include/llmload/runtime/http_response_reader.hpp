#pragma once
/// One HTTP/1.1 response parsed out of a connection's receive buffer into a ResponseRecorder:
/// the status as soon as the head is parsed, each (de-chunked) body piece as Beast's parser
/// yields it. Synchronous: the caller reads the socket, stamps and commits the bytes, then
/// calls put(); replaying a captured response in any split needs no socket.

#include "llmload/net/sink_response_parser.hpp"
#include "llmload/runtime/response_recorder.hpp"

#include <boost/beast/core/flat_buffer.hpp>

namespace llmload::runtime {

/// Parses one response. Not thread-safe; one per response, on the request's thread; not
/// movable (the parser's body callback points at it). The recorder must outlive it.
class HttpResponseReader final {
 public:
  /// What put() left the response at.
  enum class Step : std::uint8_t {
    kNeedMore,  ///< every byte of the buffer that can be parsed was: read more
    kDone,      ///< the response is complete
    kFailed,    ///< invalid HTTP (kProtocolError recorded), or the recorder already failed
  };

  explicit HttpResponseReader(ResponseRecorder& recorder);
  HttpResponseReader(const HttpResponseReader&) = delete;
  HttpResponseReader& operator=(const HttpResponseReader&) = delete;

  /// Parses what `buffer` holds, consuming what it used (a partial chunk header stays for the
  /// next call). On kDone and kFailed the record's end is the recorder's arrival stamp.
  Step put(boost::beast::flat_buffer& buffer);
  /// The connection closed. Returns true when that completes the response (a body delimited
  /// by the close); then the record's end is the last arrival stamp. Records nothing else:
  /// the caller knows why the connection ended.
  bool put_eof();

  /// The response head has been parsed.
  bool header_done() const noexcept { return parser_.is_header_done(); }
  /// After kDone: the connection may carry another request (keep-alive, nothing left over,
  /// no failure).
  bool keep_alive() const noexcept { return keep_alive_; }

 private:
  static void on_bytes(void* self, std::string_view bytes);
  void note_status();

  ResponseRecorder& recorder_;
  net::SinkResponseParser parser_;
  bool keep_alive_ = false;
};

}  // namespace llmload::runtime
