#pragma once
/// Parquet's value and level encodings, pure and bounded: the RLE/bit-packed hybrid (levels,
/// dictionary indices, RLE booleans) and PLAIN values of every physical type, decoded into the
/// JSON values llmload's dataset readers take (pyarrow's to_pylist() of the column, binary as
/// base64 text). Every read checks the bytes left; every value made is charged to a budget.

#include "llmload/core/error.hpp"
#include "llmload/workload/parquet_metadata.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace llmload::workload::parquet {

/// Bits needed for values up to `max_value` (0 for 0): the width of levels up to a maximum.
int bit_width(std::uint32_t max_value);

/// Appends `count` values of the RLE/bit-packed hybrid encoding with `width` bits (0..32 for
/// indices, 0..8 for levels) read from `bytes`; returns the bytes used. Values past `count` in
/// the last bit-packed run are padding. Errors when the bytes end first.
core::Result<std::size_t> decode_hybrid(std::span<const std::uint8_t> bytes, int width, std::size_t count,
                                        std::vector<std::uint32_t>& out);
core::Result<std::size_t> decode_hybrid(std::span<const std::uint8_t> bytes, int width, std::size_t count,
                                        std::vector<std::uint8_t>& out);

/// Memory the decoded values may take: each value charges its size (16 bytes plus its text).
class DecodeBudget {
 public:
  explicit DecodeBudget(std::uint64_t bytes) : left_(bytes) {}
  core::Result<void> charge(std::uint64_t bytes);
  std::uint64_t left() const { return left_; }

 private:
  std::uint64_t left_;
};

/// How the values of one leaf column are read.
struct ValueType {
  PhysicalType physical = PhysicalType::kByteArray;
  std::int32_t type_length = 0;  ///< FIXED_LEN_BYTE_ARRAY
  Annotation annotation = Annotation::kNone;
};

/// Appends `count` PLAIN-encoded values of `type` from `bytes`; returns the bytes used.
core::Result<std::size_t> decode_plain(std::span<const std::uint8_t> bytes, const ValueType& type, std::size_t count,
                                       std::vector<boost::json::value>& out, DecodeBudget& budget);

/// Appends `count` booleans of the RLE encoding (a 4-byte length, then the hybrid with width 1).
core::Result<void> decode_rle_booleans(std::span<const std::uint8_t> bytes, std::size_t count,
                                       std::vector<boost::json::value>& out, DecodeBudget& budget);

/// Appends `count` values given as dictionary indices (a bit-width byte, then the hybrid).
core::Result<void> decode_dictionary_indices(std::span<const std::uint8_t> bytes, std::size_t count,
                                             const std::vector<boost::json::value>& dictionary,
                                             std::vector<boost::json::value>& out, DecodeBudget& budget);

/// DELTA_BINARY_PACKED: appends `count` integers (64-bit arithmetic, wrapping as the writer's);
/// returns the bytes used (the header, then each block's miniblocks up to the last value).
core::Result<std::size_t> decode_delta_integers(std::span<const std::uint8_t> bytes, std::size_t count,
                                                std::vector<std::int64_t>& out);

/// Appends `count` values of `type` in `encoding`: DELTA_BINARY_PACKED (INT32, INT64),
/// DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY (BYTE_ARRAY), BYTE_STREAM_SPLIT (FLOAT,
/// DOUBLE, INT32, INT64, FIXED_LEN_BYTE_ARRAY). An encoding the type cannot have is an error.
core::Result<void> decode_delta_or_split(std::span<const std::uint8_t> bytes, Encoding encoding, const ValueType& type,
                                         std::size_t count, std::vector<boost::json::value>& out, DecodeBudget& budget);

}  // namespace llmload::workload::parquet
