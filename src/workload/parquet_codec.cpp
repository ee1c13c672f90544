// Page decompression (workload/parquet_codec.hpp).

#include "llmload/workload/parquet_codec.hpp"

#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <memory>

namespace llmload::workload::parquet {
namespace {

constexpr std::size_t kFirstOutput = std::size_t{1} << 16;

/// The output buffer grows with what the decompressor really produces (never past the
/// declared size), so a header declaring a huge page over a few corrupt bytes allocates little.
std::size_t grown(std::size_t now, std::size_t limit) { return std::min(limit, std::max(kFirstOutput, now * 2)); }

core::Result<void> snappy_into(std::span<const std::uint8_t> in, std::size_t size, std::vector<std::uint8_t>& out) {
  const auto* src = reinterpret_cast<const char*>(in.data());
  std::size_t length = 0;
  if (!snappy::GetUncompressedLength(src, in.size(), &length)) return core::fail("SNAPPY data is corrupt");
  if (length != size) return core::fail("SNAPPY data holds {} bytes, the page header says {}", length, size);
  // Snappy's expansion is bounded (a 64-byte copy from 3 bytes at most), so a length within it
  // can be allocated before decompressing.
  if (length / 32 > in.size() + 64) return core::fail("SNAPPY data is corrupt (declares {} bytes from {})", length, in.size());
  out.resize(size);
  if (!snappy::RawUncompress(src, in.size(), reinterpret_cast<char*>(out.data()))) return core::fail("SNAPPY data is corrupt");
  return {};
}

core::Result<void> gzip_into(std::span<const std::uint8_t> in, std::size_t size, std::vector<std::uint8_t>& out) {
  if (in.size() > UINT_MAX || size > UINT_MAX) return core::fail("a GZIP page over 4 GiB");
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) return core::fail("zlib could not start");
  std::unique_ptr<z_stream, int (*)(z_streamp)> end(&z, inflateEnd);
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  std::size_t produced = 0;
  int rc = Z_OK;
  while (true) {
    if (produced == out.size()) {
      if (out.size() == size) break;
      out.resize(grown(out.size(), size));
    }
    z.next_out = out.data() + produced;
    z.avail_out = static_cast<uInt>(out.size() - produced);
    rc = inflate(&z, Z_NO_FLUSH);
    produced = out.size() - z.avail_out;
    if (rc == Z_STREAM_END || rc == Z_BUF_ERROR) break;  // the end, or no more progress
    if (rc != Z_OK) return core::fail("GZIP data is corrupt ({})", z.msg != nullptr ? z.msg : "inflate failed");
  }
  if (rc != Z_STREAM_END && produced == size) {
    // Full: the data must end here (its trailer may still be unread).
    Bytef spare = 0;
    z.next_out = &spare;
    z.avail_out = 1;
    rc = inflate(&z, Z_NO_FLUSH);
    if (z.avail_out == 0) return core::fail("GZIP data holds more than the {} bytes the page header says", size);
  }
  if (rc != Z_STREAM_END) {
    return core::fail("GZIP data is corrupt ({})", z.msg != nullptr ? z.msg : "it ends early");
  }
  if (produced != size) return core::fail("GZIP data holds {} bytes, the page header says {}", produced, size);
  return {};
}

core::Result<void> zstd_into(std::span<const std::uint8_t> in, std::size_t size, std::vector<std::uint8_t>& out) {
  std::unique_ptr<ZSTD_DCtx, std::size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return core::fail("zstd could not start");
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  std::size_t produced = 0, last = 1;  // last: 0 once a frame is complete and flushed
  while (true) {
    if (produced == out.size()) {
      if (out.size() == size) break;
      out.resize(grown(out.size(), size));
    }
    ZSTD_outBuffer output{out.data(), out.size(), produced};
    const std::size_t consumed = input.pos;
    last = ZSTD_decompressStream(ctx.get(), &output, &input);
    if (ZSTD_isError(last)) return core::fail("ZSTD data: {}", ZSTD_getErrorName(last));
    if (output.pos == produced && input.pos == consumed) break;  // nothing more to give
    produced = output.pos;
  }
  if (produced == size && (input.pos < input.size || last != 0)) {
    // Full: the data must end here (a frame's checksum may still be unread).
    std::uint8_t spare = 0;
    ZSTD_outBuffer more{&spare, 1, 0};
    last = ZSTD_decompressStream(ctx.get(), &more, &input);
    if (ZSTD_isError(last)) return core::fail("ZSTD data: {}", ZSTD_getErrorName(last));
    if (more.pos != 0 || input.pos != input.size) return core::fail("ZSTD data holds more than the {} bytes the page header says", size);
  }
  if (produced != size) return core::fail("ZSTD data holds {} bytes, the page header says {}", produced, size);
  if (last != 0) return core::fail("ZSTD data ends early");
  return {};
}

/// One raw LZ4 block into exactly `out` (whose size was checked against LZ4's bounded expansion).
bool lz4_block(std::span<const std::uint8_t> in, std::uint8_t* out, std::size_t size) {
  if (in.size() > static_cast<std::size_t>(INT_MAX) || size > static_cast<std::size_t>(INT_MAX)) return false;
  const int got = LZ4_decompress_safe(reinterpret_cast<const char*>(in.data()), reinterpret_cast<char*>(out),
                                      static_cast<int>(in.size()), static_cast<int>(size));
  return got >= 0 && static_cast<std::size_t>(got) == size;
}

std::uint32_t load_be32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]};
}

/// The deprecated LZ4 codec as parquet-mr (Hadoop) writes it: blocks of a big-endian
/// uncompressed and compressed size and the LZ4 data; false when the data is not framed so.
bool hadoop_lz4(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out) {
  std::size_t pos = 0, produced = 0;
  while (pos < in.size()) {
    if (in.size() - pos < 8) return false;
    const std::uint32_t raw = load_be32(in.data() + pos), packed = load_be32(in.data() + pos + 4);
    pos += 8;
    if (packed > in.size() - pos || raw > out.size() - produced) return false;
    if (!lz4_block(in.subspan(pos, packed), out.data() + produced, raw)) return false;
    pos += packed;
    produced += raw;
  }
  return produced == out.size();
}

core::Result<void> lz4_into(Codec codec, std::span<const std::uint8_t> in, std::size_t size, std::vector<std::uint8_t>& out) {
  // LZ4's expansion is bounded (255 bytes of output per input byte at most).
  if (size / 255 > in.size() + 16) return core::fail("LZ4 data is corrupt (declares {} bytes from {})", size, in.size());
  out.resize(size);
  if (codec == Codec::kLz4 && hadoop_lz4(in, out)) return {};
  if (!lz4_block(in, out.data(), size)) return core::fail("{} data is corrupt or not {} bytes", codec_name(codec), size);
  return {};
}

}  // namespace

core::Result<std::vector<std::uint8_t>> decompress(Codec codec, std::span<const std::uint8_t> input, std::size_t size) {
  std::vector<std::uint8_t> out;
  core::Result<void> done;
  switch (codec) {
    case Codec::kUncompressed:
      if (input.size() != size) return core::fail("an uncompressed page of {} bytes declares {}", input.size(), size);
      return std::vector<std::uint8_t>(input.begin(), input.end());
    case Codec::kSnappy: done = snappy_into(input, size, out); break;
    case Codec::kGzip: done = gzip_into(input, size, out); break;
    case Codec::kZstd: done = zstd_into(input, size, out); break;
    case Codec::kLz4:
    case Codec::kLz4Raw: done = lz4_into(codec, input, size, out); break;
    default:
      return core::fail("compression {} is not supported (llmload reads UNCOMPRESSED, SNAPPY, GZIP, ZSTD and LZ4; "
                        "rewrite the file with one of them, e.g. pyarrow.parquet.write_table(t, F, compression='zstd'))",
                        codec_name(codec));
  }
  if (!done) return done.error();
  return out;
}

}  // namespace llmload::workload::parquet
