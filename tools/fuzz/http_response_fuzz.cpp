// Fuzz target of the HTTP response path of a request (Beast's parser with the runner's
// settings, de-chunking, the SSE parser, the chunk decoder, the recorder): any bytes from a
// server, in two pieces split where the first byte says, end as a record with an outcome,
// never a crash; its memory stays bounded by --max-response-bytes.
#include "llmload/runtime/http_response_reader.hpp"
#include "llmload/runtime/response_recorder.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static llmload::api::ChunkDecoder decoder;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t at = bytes.size() * data[0] / 255;
  llmload::metrics::RequestRecord record;
  std::atomic<std::int64_t> chunks{0};
  llmload::runtime::ResponseRecorderOptions options;
  options.max_response_bytes = 64 * 1024;
  llmload::runtime::ResponseRecorder recorder(record, decoder, options, chunks);
  llmload::runtime::HttpResponseReader reader(recorder);
  boost::beast::flat_buffer buffer;
  using Step = llmload::runtime::HttpResponseReader::Step;
  Step step = Step::kNeedMore;
  for (const std::string_view piece : {bytes.substr(0, at), bytes.substr(at)}) {
    if (step != Step::kNeedMore) break;
    if (!piece.empty()) {  // an empty buffer's prepare(0) is null, and memcpy's arguments must not be
      auto room = buffer.prepare(piece.size());
      std::memcpy(room.data(), piece.data(), piece.size());
      buffer.commit(piece.size());
    }
    recorder.set_arrival(static_cast<std::int64_t>(piece.size()) + 1);
    step = reader.put(buffer);
  }
  if (step == Step::kNeedMore) (void)reader.put_eof();
  recorder.finish(1'000'000);
  if (record.generated_text.size() > options.max_response_bytes) std::abort();
  return 0;
}
