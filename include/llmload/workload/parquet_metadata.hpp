#pragma once
/// Parquet's metadata structures as llmload reads them (parquet.thrift, the parts a reader of
/// whole files needs): FileMetaData (schema, row groups, column chunks) from the footer and
/// the PageHeader before each page, decoded from Thrift's compact protocol with every count
/// and size checked. Fields llmload does not use are skipped.

#include "llmload/core/error.hpp"
#include "llmload/workload/thrift_compact.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace llmload::workload::parquet {

enum class PhysicalType : std::int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

enum class Repetition : std::int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };

enum class Codec : std::int32_t {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kLzo = 3,
  kBrotli = 4,
  kLz4 = 5,
  kZstd = 6,
  kLz4Raw = 7,
};

enum class Encoding : std::int32_t {
  kPlain = 0,
  kPlainDictionary = 2,
  kRle = 3,
  kBitPacked = 4,
  kDeltaBinaryPacked = 5,
  kDeltaLengthByteArray = 6,
  kDeltaByteArray = 7,
  kRleDictionary = 8,
  kByteStreamSplit = 9,
};

enum class PageType : std::int32_t { kDataPage = 0, kIndexPage = 1, kDictionaryPage = 2, kDataPageV2 = 3 };

/// What a schema element's logical (or legacy converted) type says about reading it.
enum class Annotation : std::uint8_t {
  kNone,
  kString,    ///< UTF-8 text (STRING, ENUM, JSON): a string, not base64 bytes
  kUnsigned,  ///< an unsigned integer
  kList,      ///< a LIST group
  kMap,       ///< a MAP group
};

struct SchemaElement {
  std::string name;
  std::optional<PhysicalType> type;  ///< absent for groups
  std::int32_t type_length = 0;      ///< FIXED_LEN_BYTE_ARRAY's size
  std::optional<Repetition> repetition;  ///< absent on the root
  std::int32_t num_children = 0;
  Annotation annotation = Annotation::kNone;
};

struct ColumnMeta {
  PhysicalType type = PhysicalType::kBoolean;
  std::vector<std::string> path;
  Codec codec = Codec::kUncompressed;
  std::int64_t num_values = 0;
  std::int64_t total_compressed_size = 0;
  std::int64_t data_page_offset = 0;
  std::optional<std::int64_t> dictionary_page_offset;
  bool external = false;  ///< the chunk lies in another file (ColumnChunk.file_path)
};

struct RowGroup {
  std::vector<ColumnMeta> columns;
  std::int64_t num_rows = 0;
};

struct FileMetaData {
  std::int32_t version = 0;
  std::vector<SchemaElement> schema;  ///< depth first, the root first
  std::int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
};

struct PageHeader {
  PageType type = PageType::kDataPage;
  std::int32_t uncompressed_size = 0;
  std::int32_t compressed_size = 0;
  std::int32_t num_values = 0;  ///< of the data or dictionary page
  Encoding encoding = Encoding::kPlain;
  Encoding definition_encoding = Encoding::kRle;  ///< data page v1
  Encoding repetition_encoding = Encoding::kRle;  ///< data page v1
  std::int32_t num_rows = 0;                      ///< data page v2
  std::int32_t definition_bytes = 0;              ///< data page v2
  std::int32_t repetition_bytes = 0;              ///< data page v2
  bool is_compressed = true;                      ///< data page v2
};

/// Most schema elements, row groups and column chunks a file may have (so a footer's
/// structures stay within a few hundred MiB however it is made).
struct MetadataLimits {
  std::uint32_t max_schema_elements = 10000;
  std::uint32_t max_row_groups = 100000;
  std::uint64_t max_column_chunks = 1000000;  ///< all row groups together
  std::uint32_t max_path_parts = 64;
};

/// The file's FileMetaData from the footer's bytes.
core::Result<FileMetaData> parse_file_metadata(std::span<const std::uint8_t> bytes, const MetadataLimits& limits = {});

/// One PageHeader read from `reader` (which is left at the page's data).
core::Result<PageHeader> parse_page_header(thrift::CompactReader& reader);

/// "SNAPPY", "PLAIN_DICTIONARY", ...: names for messages.
std::string_view codec_name(Codec codec);
std::string_view encoding_name(Encoding encoding);

}  // namespace llmload::workload::parquet
