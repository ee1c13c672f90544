#pragma once
/// A bounded reader of Apache Thrift's compact protocol, as Parquet stores its file metadata
/// and page headers: structs (field headers with id deltas), i8/i16/i32/i64 (zigzag varints),
/// doubles, binary, lists/sets and maps, with unknown fields skipped. Every read checks the
/// bytes left; sizes are checked against them before anything is allocated, and nesting is
/// limited, so corrupt input gives an error naming what was wrong and where, never a crash.

#include "llmload/core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace llmload::workload::thrift {

/// The compact protocol's type codes (the low nibble of a field header).
enum class Type : std::uint8_t {
  kStop = 0,
  kTrue = 1,  ///< a boolean field whose value is true (or a boolean list element)
  kFalse = 2,
  kI8 = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

struct FieldHeader {
  std::int16_t id = 0;
  Type type = Type::kStop;  ///< kStop: the struct ended
};

struct ListHeader {
  Type element = Type::kStop;
  std::uint32_t size = 0;  ///< at most the bytes left (every element takes one byte or more)
};

/// Reads one compact-protocol message from `bytes` (which must outlive the reader).
class CompactReader {
 public:
  explicit CompactReader(std::span<const std::uint8_t> bytes, std::uint32_t max_depth = 32);

  /// Enters a struct (the message itself, or a field or element of type kStruct).
  core::Result<void> begin_struct();
  /// The next field of the current struct; kStop leaves the struct.
  core::Result<FieldHeader> next_field();

  /// An integer of type kI8, kI16, kI32 or kI64 (given by its field or list header).
  core::Result<std::int64_t> read_int(Type type);
  /// An i32 field (kI32, or a narrower integer) whose value must fit in [min, max].
  core::Result<std::int32_t> read_i32(Type type, std::int32_t min, std::int32_t max);
  /// A boolean: a field's value is in its type (kTrue/kFalse); a list element is a byte.
  core::Result<bool> read_bool(Type type, bool in_list);
  core::Result<double> read_double(Type type);
  /// Binary or string bytes, a view into the input.
  core::Result<std::string_view> read_binary(Type type);
  /// A list or set header (the elements follow).
  core::Result<ListHeader> read_list(Type type);

  /// Skips one value of `type` (nested ones included, within the depth limit).
  core::Result<void> skip(Type type);

  /// Bytes read so far.
  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return bytes_.size() - pos_; }

 private:
  core::Result<std::uint64_t> varint();
  core::Result<std::uint8_t> byte();
  core::Error error(std::string_view what) const;
  core::Result<void> skip_nested(Type type, std::uint32_t depth);

  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  std::uint32_t max_depth_;
  std::vector<std::int16_t> last_ids_;  ///< the last field id of each struct entered
};

}  // namespace llmload::workload::thrift
