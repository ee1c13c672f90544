// Parquet's FileMetaData and PageHeader from Thrift's compact protocol
// (workload/parquet_metadata.hpp).

#include "llmload/workload/parquet_metadata.hpp"

#include <fmt/format.h>

#include <limits>

namespace llmload::workload::parquet {
namespace {

using thrift::CompactReader;
using thrift::FieldHeader;
using thrift::Type;

constexpr std::int32_t kI32Max = std::numeric_limits<std::int32_t>::max();

/// Reads a struct, handing each field to `on_field` (which returns whether it read the field;
/// the others are skipped).
template <class Fn>
core::Result<void> read_struct(CompactReader& r, Fn&& on_field) {
  if (auto b = r.begin_struct(); !b) return b;
  while (true) {
    auto field = r.next_field();
    if (!field) return field.error();
    if (field->type == Type::kStop) return {};
    auto handled = on_field(*field);
    if (!handled) return handled.error();
    if (!*handled) {
      if (auto s = r.skip(field->type); !s) return s;
    }
  }
}

/// Reads a list of at most `max` elements, handing each to `on_element`.
template <class Fn>
core::Result<void> read_list(CompactReader& r, Type type, std::uint32_t max, std::string_view what, Fn&& on_element) {
  auto list = r.read_list(type);
  if (!list) return list.error();
  if (list->size > max) return core::fail("{} has {} entries, more than {}", what, list->size, max);
  for (std::uint32_t i = 0; i < list->size; ++i) {
    if (auto e = on_element(list->element); !e) return e;
  }
  return {};
}

/// An enum's value in [0, max]; `what` names it in the error.
core::Result<std::int32_t> read_enum(CompactReader& r, Type type, std::int32_t max, std::string_view what) {
  auto v = r.read_i32(type, std::numeric_limits<std::int32_t>::min(), kI32Max);
  if (!v) return v.error();
  if (*v < 0 || *v > max) return core::fail("unknown {} {}", what, *v);
  return *v;
}

core::Result<std::int64_t> read_size(CompactReader& r, Type type, std::string_view what) {
  auto v = r.read_int(type);
  if (!v) return v.error();
  if (*v < 0) return core::fail("{} is negative ({})", what, *v);
  return *v;
}

core::Result<void> need(bool present, std::string_view structure, std::string_view field) {
  if (!present) return core::fail("{} lacks its required field '{}'", structure, field);
  return {};
}

// ---- schema ---------------------------------------------------------------------------------

/// ConvertedType (the legacy annotation) as llmload reads it.
Annotation converted_annotation(std::int32_t converted) {
  switch (converted) {
    case 0:   // UTF8
    case 4:   // ENUM
    case 19:  // JSON
      return Annotation::kString;
    case 1:  // MAP
    case 2:  // MAP_KEY_VALUE
      return Annotation::kMap;
    case 3: return Annotation::kList;
    case 11:  // UINT_8
    case 12:  // UINT_16
    case 13:  // UINT_32
    case 14:  // UINT_64
      return Annotation::kUnsigned;
    default: return Annotation::kNone;
  }
}

/// LogicalType (a union) as llmload reads it.
core::Result<Annotation> logical_annotation(CompactReader& r) {
  Annotation out = Annotation::kNone;
  auto read = read_struct(r, [&](const FieldHeader& f) -> core::Result<bool> {
    switch (f.id) {
      case 1:   // STRING
      case 4:   // ENUM
      case 12:  // JSON
        out = Annotation::kString;
        return false;
      case 2: out = Annotation::kMap; return false;
      case 3: out = Annotation::kList; return false;
      case 10: {  // INTEGER { 1: i8 bitWidth, 2: bool isSigned }
        bool is_signed = true;
        auto integer = read_struct(r, [&](const FieldHeader& g) -> core::Result<bool> {
          if (g.id != 2) return false;
          auto b = r.read_bool(g.type, false);
          if (!b) return b.error();
          is_signed = *b;
          return true;
        });
        if (!integer) return integer.error();
        if (!is_signed) out = Annotation::kUnsigned;
        return true;
      }
      default: return false;
    }
  });
  if (!read) return read.error();
  return out;
}

core::Result<SchemaElement> schema_element(CompactReader& r) {
  SchemaElement e;
  bool has_name = false, has_logical = false;
  Annotation converted = Annotation::kNone;
  auto read = read_struct(r, [&](const FieldHeader& f) -> core::Result<bool> {
    switch (f.id) {
      case 1: {
        auto t = read_enum(r, f.type, 7, "physical type");
        if (!t) return t.error();
        e.type = static_cast<PhysicalType>(*t);
        return true;
      }
      case 2: {
        auto n = r.read_i32(f.type, 0, kI32Max);
        if (!n) return n.error();
        e.type_length = *n;
        return true;
      }
      case 3: {
        auto t = read_enum(r, f.type, 2, "repetition type");
        if (!t) return t.error();
        e.repetition = static_cast<Repetition>(*t);
        return true;
      }
      case 4: {
        auto name = r.read_binary(f.type);
        if (!name) return name.error();
        e.name = std::string(*name);
        has_name = true;
        return true;
      }
      case 5: {
        auto n = r.read_i32(f.type, 0, kI32Max);
        if (!n) return n.error();
        e.num_children = *n;
        return true;
      }
      case 6: {
        auto c = r.read_i32(f.type, std::numeric_limits<std::int32_t>::min(), kI32Max);
        if (!c) return c.error();
        converted = converted_annotation(*c);
        return true;
      }
      case 10: {
        auto a = logical_annotation(r);
        if (!a) return a.error();
        e.annotation = *a;
        has_logical = true;
        return true;
      }
      default: return false;
    }
  });
  if (!read) return read.error();
  if (auto n = need(has_name, "a SchemaElement", "name"); !n) return n.error();
  if (!has_logical || e.annotation == Annotation::kNone) e.annotation = converted;
  return e;
}

// ---- row groups -----------------------------------------------------------------------------

core::Result<void> column_meta_field(CompactReader& r, const FieldHeader& f, ColumnMeta& m, std::uint32_t& seen,
                                     const MetadataLimits& limits) {
  switch (f.id) {
    case 1: {
      auto t = read_enum(r, f.type, 7, "physical type");
      if (!t) return t.error();
      m.type = static_cast<PhysicalType>(*t);
      break;
    }
    case 3:
      if (auto l = read_list(r, f.type, limits.max_path_parts, "a column's path", [&](Type t) -> core::Result<void> {
            auto part = r.read_binary(t);
            if (!part) return part.error();
            m.path.emplace_back(*part);
            return {};
          });
          !l) {
        return l;
      }
      break;
    case 4: {
      auto c = read_enum(r, f.type, 7, "compression codec");
      if (!c) return c.error();
      m.codec = static_cast<Codec>(*c);
      break;
    }
    case 5:
    case 7:
    case 9:
    case 11: {
      auto v = read_size(r, f.type, f.id == 5 ? "num_values" : "a column chunk's offset or size");
      if (!v) return v.error();
      if (f.id == 5) m.num_values = *v;
      if (f.id == 7) m.total_compressed_size = *v;
      if (f.id == 9) m.data_page_offset = *v;
      if (f.id == 11) m.dictionary_page_offset = *v;
      break;
    }
    default: return r.skip(f.type);
  }
  if (f.id < 32) seen |= 1u << f.id;
  return {};
}

core::Result<ColumnMeta> column_chunk(CompactReader& r, const MetadataLimits& limits) {
  ColumnMeta m;
  bool has_meta = false;
  std::uint32_t seen = 0;
  auto read = read_struct(r, [&](const FieldHeader& f) -> core::Result<bool> {
    if (f.id == 1) {
      m.external = true;
      return false;
    }
    if (f.id != 3) return false;
    has_meta = true;
    auto inner = read_struct(r, [&](const FieldHeader& g) -> core::Result<bool> {
      if (auto c = column_meta_field(r, g, m, seen, limits); !c) return c.error();
      return true;
    });
    if (!inner) return inner.error();
    return true;
  });
  if (!read) return read.error();
  if (auto n = need(has_meta, "a ColumnChunk", "meta_data"); !n) return n.error();
  for (const auto& [bit, name] : {std::pair{1, "type"}, {3, "path_in_schema"}, {4, "codec"}, {5, "num_values"},
                                  {7, "total_compressed_size"}, {9, "data_page_offset"}}) {
    if (auto n = need((seen >> bit) & 1u, "a ColumnMetaData", name); !n) return n.error();
  }
  return m;
}

/// `chunks` counts the column chunks of every row group read so far (at most max_column_chunks).
core::Result<RowGroup> row_group(CompactReader& r, const MetadataLimits& limits, std::uint64_t& chunks) {
  RowGroup g;
  bool has_columns = false, has_rows = false;
  auto read = read_struct(r, [&](const FieldHeader& f) -> core::Result<bool> {
    if (f.id == 1) {
      has_columns = true;
      auto l = read_list(r, f.type, limits.max_schema_elements, "a row group's columns", [&](Type t) -> core::Result<void> {
        if (t != Type::kStruct) return core::fail("a ColumnChunk is not a struct");
        if (++chunks > limits.max_column_chunks) {
          return core::fail("more than {} column chunks in the file", limits.max_column_chunks);
        }
        auto c = column_chunk(r, limits);
        if (!c) return c.error();
        g.columns.push_back(std::move(*c));
        return {};
      });
      if (!l) return l.error();
      return true;
    }
    if (f.id != 3) return false;
    auto n = read_size(r, f.type, "a row group's num_rows");
    if (!n) return n.error();
    g.num_rows = *n;
    has_rows = true;
    return true;
  });
  if (!read) return read.error();
  if (auto n = need(has_columns, "a RowGroup", "columns"); !n) return n.error();
  if (auto n = need(has_rows, "a RowGroup", "num_rows"); !n) return n.error();
  return g;
}

core::Result<bool> file_metadata_field(CompactReader& r, const FieldHeader& f, FileMetaData& m,
                                       const MetadataLimits& limits, std::uint64_t& chunks) {
  switch (f.id) {
    case 1: {
      auto v = r.read_i32(f.type, std::numeric_limits<std::int32_t>::min(), kI32Max);
      if (!v) return v.error();
      m.version = *v;
      return true;
    }
    case 2: {
      auto l = read_list(r, f.type, limits.max_schema_elements, "the schema", [&](Type t) -> core::Result<void> {
        if (t != Type::kStruct) return core::fail("a SchemaElement is not a struct");
        auto e = schema_element(r);
        if (!e) return e.error();
        m.schema.push_back(std::move(*e));
        return {};
      });
      if (!l) return l.error();
      return true;
    }
    case 3: {
      auto n = read_size(r, f.type, "num_rows");
      if (!n) return n.error();
      m.num_rows = *n;
      return true;
    }
    case 4: {
      auto l = read_list(r, f.type, limits.max_row_groups, "the row groups", [&](Type t) -> core::Result<void> {
        if (t != Type::kStruct) return core::fail("a RowGroup is not a struct");
        auto g = row_group(r, limits, chunks);
        if (!g) return g.error();
        m.row_groups.push_back(std::move(*g));
        return {};
      });
      if (!l) return l.error();
      return true;
    }
    default: return false;
  }
}

// ---- page headers ---------------------------------------------------------------------------

core::Result<Encoding> read_encoding(CompactReader& r, Type type) {
  auto e = read_enum(r, type, 9, "encoding");
  if (!e) return e.error();
  return static_cast<Encoding>(*e);
}

/// DataPageHeader (v1), DictionaryPageHeader and DataPageHeaderV2 share the first field
/// (num_values) and differ after it.
core::Result<void> page_kind_header(CompactReader& r, std::int16_t kind, PageHeader& h) {
  bool has_count = false, has_encoding = false;
  auto read = read_struct(r, [&](const FieldHeader& f) -> core::Result<bool> {
    if (f.id == 1) {
      auto n = r.read_i32(f.type, 0, kI32Max);
      if (!n) return n.error();
      h.num_values = *n;
      has_count = true;
      return true;
    }
    const bool v1 = kind == 5, v2 = kind == 8;
    const bool is_encoding = (!v2 && f.id == 2) || (v1 && (f.id == 3 || f.id == 4)) || (v2 && f.id == 4);
    if (is_encoding) {
      auto e = read_encoding(r, f.type);
      if (!e) return e.error();
      if (v1 && f.id == 3) {
        h.definition_encoding = *e;
      } else if (v1 && f.id == 4) {
        h.repetition_encoding = *e;
      } else {
        h.encoding = *e;
        has_encoding = true;
      }
      return true;
    }
    if (v2 && (f.id == 3 || f.id == 5 || f.id == 6)) {
      auto n = r.read_i32(f.type, 0, kI32Max);
      if (!n) return n.error();
      (f.id == 3 ? h.num_rows : f.id == 5 ? h.definition_bytes : h.repetition_bytes) = *n;
      return true;
    }
    if (v2 && f.id == 7) {
      auto b = r.read_bool(f.type, false);
      if (!b) return b.error();
      h.is_compressed = *b;
      return true;
    }
    return false;
  });
  if (!read) return read.error();
  if (auto n = need(has_count, "a page header", "num_values"); !n) return n.error();
  return need(has_encoding, "a page header", "encoding");
}

}  // namespace

core::Result<FileMetaData> parse_file_metadata(std::span<const std::uint8_t> bytes, const MetadataLimits& limits) {
  CompactReader r(bytes);
  FileMetaData m;
  std::uint64_t chunks = 0;
  bool has_schema = false, has_rows = false, has_groups = false;
  auto read = read_struct(r, [&](const FieldHeader& f) -> core::Result<bool> {
    has_schema = has_schema || f.id == 2;
    has_rows = has_rows || f.id == 3;
    has_groups = has_groups || f.id == 4;
    return file_metadata_field(r, f, m, limits, chunks);
  });
  if (!read) return core::fail("the file metadata: {}", read.error().message);
  for (const auto& [present, name] : {std::pair{has_schema, "schema"}, {has_rows, "num_rows"}, {has_groups, "row_groups"}}) {
    if (auto n = need(present, "the file metadata", name); !n) return n.error();
  }
  return m;
}

core::Result<PageHeader> parse_page_header(CompactReader& r) {
  PageHeader h;
  bool has_type = false, has_sizes[2] = {false, false}, has_kind = false;
  auto read = read_struct(r, [&](const FieldHeader& f) -> core::Result<bool> {
    if (f.id == 1) {
      auto t = read_enum(r, f.type, 3, "page type");
      if (!t) return t.error();
      h.type = static_cast<PageType>(*t);
      has_type = true;
      return true;
    }
    if (f.id == 2 || f.id == 3) {
      auto n = r.read_i32(f.type, 0, kI32Max);
      if (!n) return n.error();
      (f.id == 2 ? h.uncompressed_size : h.compressed_size) = *n;
      has_sizes[f.id - 2] = true;
      return true;
    }
    const bool kind = (f.id == 5 && h.type == PageType::kDataPage) || (f.id == 7 && h.type == PageType::kDictionaryPage) ||
                      (f.id == 8 && h.type == PageType::kDataPageV2);
    if (!kind || !has_type) return false;
    if (auto k = page_kind_header(r, f.id, h); !k) return k.error();
    has_kind = true;
    return true;
  });
  if (!read) return core::fail("a page header: {}", read.error().message);
  if (auto n = need(has_type, "a page header", "type"); !n) return n.error();
  if (auto n = need(has_sizes[0] && has_sizes[1], "a page header", "uncompressed_page_size/compressed_page_size"); !n) {
    return n.error();
  }
  if (h.type != PageType::kIndexPage) {
    if (auto n = need(has_kind, "a page header", "its data or dictionary page header"); !n) return n.error();
  }
  return h;
}

std::string_view codec_name(Codec codec) {
  static constexpr std::string_view kNames[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"};
  const auto i = static_cast<std::size_t>(codec);
  return i < std::size(kNames) ? kNames[i] : "unknown";
}

std::string_view encoding_name(Encoding encoding) {
  static constexpr std::string_view kNames[] = {"PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
                                                "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
                                                "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
  const auto i = static_cast<std::size_t>(encoding);
  return i < std::size(kNames) ? kNames[i] : "unknown";
}

}  // namespace llmload::workload::parquet
