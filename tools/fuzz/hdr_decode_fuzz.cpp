// Fuzz target for the HdrHistogram V2 decoders. Input: one byte that picks the decoder
// (plain, compressed, base64 text), then the bytes to decode. Decoding must never crash; when
// it succeeds it checks, and aborts on any mismatch, that
//   - total_count() equals the sum of the non-empty slots, min() <= max(), p0 == min(),
//     p100 == max(), percentiles do not decrease, and the spectrum ends at total_count();
//   - re-encoding and decoding again gives an equal histogram and identical bytes, through
//     the plain, compressed and base64 forms;
//   - merging it into a default (1 ns .. 1 h, 3 digits) histogram adds its count.
// Build with clang -fsanitize=fuzzer,address to fuzz, or as a replay driver (tools/fuzz).
#include "llmload/metrics/hdr_histogram.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

namespace {

using llmload::metrics::HdrBucket;
using llmload::metrics::HdrHistogram;

[[noreturn]] void mismatch(const char* what) {
  std::fprintf(stderr, "hdr_decode_fuzz: %s\n", what);
  std::abort();
}

void check(const HdrHistogram& h) {
  std::int64_t sum = 0;
  std::int64_t previous_high = -1;
  h.for_each_bucket([&](const HdrBucket& b) {
    if (b.count <= 0 || b.lowest_value > b.highest_value || b.lowest_value <= previous_high) {
      mismatch("bad bucket");
    }
    previous_high = b.highest_value;
    sum += b.count;
  });
  if (sum != h.total_count()) mismatch("total_count differs from the slots' sum");
  if (h.min() > h.max()) mismatch("min > max");
  if (h.value_at_percentile(0) != h.min()) mismatch("p0 != min");
  if (h.value_at_percentile(100) != h.max()) mismatch("p100 != max");
  std::int64_t last = 0;
  for (const double p : {0.0, 1.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    const std::int64_t v = h.value_at_percentile(p);
    if (v < last) mismatch("percentiles decrease");
    last = v;
  }
  const auto rows = h.percentile_spectrum(5);
  if (h.total_count() == 0 ? !rows.empty() : rows.back().total_count != h.total_count()) {
    mismatch("spectrum does not end at total_count");
  }

  const auto plain = h.encode();
  const auto again = HdrHistogram::decode(plain);
  if (!again || !(*again == h) || again->encode() != plain) mismatch("plain round trip");
  const auto compressed = HdrHistogram::decode_compressed(h.encode_compressed());
  if (!compressed || !(*compressed == h)) mismatch("compressed round trip");
  const auto text = HdrHistogram::decode_compressed_base64(h.encode_compressed_base64());
  if (!text || !(*text == h)) mismatch("base64 round trip");

  HdrHistogram merged;
  merged.record(1000);
  merged.merge(h);
  if (merged.total_count() != 1 + h.total_count()) mismatch("merge lost counts");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> data(bytes + 1, size - 1);
  llmload::core::Result<HdrHistogram> h = llmload::core::Error{};
  switch (bytes[0] % 3) {
    case 0:
      h = HdrHistogram::decode(data);
      break;
    case 1:
      h = HdrHistogram::decode_compressed(data);
      break;
    default:
      h = HdrHistogram::decode_compressed_base64(
          std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
      break;
  }
  if (h) check(*h);
  return 0;
}
