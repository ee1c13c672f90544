#pragma once
/// llmload's own bounded Parquet reader (Debian 12 packages no Arrow or Parquet C++ library),
/// for the Parquet exports of Hugging Face Hub datasets: every row of a file as the JSON
/// object pyarrow's `Table.to_pylist()` gives for it, binary values as base64 text (as JSON
/// exports hold them), so the JSON and Parquet paths of a dataset read the same records.
///
/// Reads: the "PAR1" framing and the footer's FileMetaData (Thrift compact protocol), every row
/// group and column chunk, dictionary pages and data pages v1 and v2; PLAIN, PLAIN_DICTIONARY /
/// RLE_DICTIONARY, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and
/// BYTE_STREAM_SPLIT values, RLE booleans and the RLE/bit-packed hybrid levels; UNCOMPRESSED,
/// SNAPPY, GZIP, ZSTD and LZ4 pages; BOOLEAN, INT32, INT64, FLOAT, DOUBLE and BYTE_ARRAY columns
/// (text when annotated STRING/ENUM/JSON, else bytes), optional fields, structs, lists and maps
/// nested to any depth within the limit. INT96 and FIXED_LEN_BYTE_ARRAY values are given as
/// their bytes; dates, times, timestamps and decimals as their stored integers (pyarrow makes
/// Python objects of them). Other encodings and codecs are refused by name.
///
/// Bounded: the file size, the metadata, the schema's size and depth, the rows and every
/// page's and value's memory (DecodeBudget) are checked before anything is allocated; a
/// corrupt file is an error saying what was wrong and where, never a crash.

#include "llmload/core/error.hpp"
#include "llmload/workload/parquet_assembly.hpp"

#include <cstdint>
#include <filesystem>
#include <span>

namespace llmload::workload {

struct ParquetLimits {
  std::uint64_t max_file_bytes = std::uint64_t{4} << 30;     ///< the whole file, read into memory
  std::uint32_t max_metadata_bytes = 64u << 20;              ///< the footer's FileMetaData
  std::uint64_t max_decoded_bytes = std::uint64_t{8} << 30;  ///< decoded values and levels, all columns
  std::uint64_t max_rows = std::uint64_t{1} << 26;
  std::uint32_t max_depth = 32;  ///< schema nesting
};

/// Reads every row of the Parquet file held in `bytes`; the number of rows. Errors say what
/// was wrong (the caller names the file).
core::Result<std::uint64_t> read_parquet(std::span<const std::uint8_t> bytes, const parquet::RowFn& on_row,
                                         const ParquetLimits& limits = {});

/// read_parquet() of a file (a regular file within the size limit); errors start with its path.
core::Result<std::uint64_t> read_parquet_file(const std::filesystem::path& path, const parquet::RowFn& on_row,
                                              const ParquetLimits& limits = {});

/// Whether the file starts with Parquet's magic "PAR1".
bool is_parquet_file(const std::filesystem::path& path);

}  // namespace llmload::workload
