#pragma once
/// Decompression of Parquet pages: SNAPPY (libsnappy), GZIP (zlib), ZSTD (libzstd), LZ4_RAW
/// and the deprecated LZ4 (Hadoop's framing, else raw, as Arrow reads it; liblz4), each into
/// exactly the size the page header declares (no more is ever written, and no more than the
/// codec's bounded expansion of the input is allocated), and UNCOMPRESSED. LZO and BROTLI are
/// refused by name.

#include "llmload/core/error.hpp"
#include "llmload/workload/parquet_metadata.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace llmload::workload::parquet {

/// `input` decompressed with `codec`; an error unless it is exactly `size` bytes.
core::Result<std::vector<std::uint8_t>> decompress(Codec codec, std::span<const std::uint8_t> input, std::size_t size);

}  // namespace llmload::workload::parquet
