// llmload's Parquet reader: the footer, column chunks and pages (workload/parquet_reader.hpp).

#include "llmload/workload/parquet_reader.hpp"

#include "llmload/core/input_file.hpp"
#include "llmload/workload/parquet_codec.hpp"
#include "llmload/workload/parquet_encoding.hpp"
#include "llmload/workload/parquet_metadata.hpp"
#include "llmload/workload/thrift_compact.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <string_view>

namespace llmload::workload {
namespace {

using namespace parquet;
namespace json = boost::json;
using Bytes = std::span<const std::uint8_t>;

constexpr std::string_view kMagic = "PAR1";

std::uint32_t load_u32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}

bool has_magic(Bytes bytes, std::size_t at) {
  return std::equal(kMagic.begin(), kMagic.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at),
                    [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; });
}

/// The footer: the FileMetaData and where the column data ends (where the metadata starts).
struct Footer {
  FileMetaData meta;
  std::uint64_t data_end = 0;
};

core::Result<Footer> read_footer(Bytes bytes, const ParquetLimits& limits) {
  if (bytes.size() < 4 || !has_magic(bytes, 0)) return core::fail("not a Parquet file (no 'PAR1' at its start)");
  if (bytes.size() < 12) return core::fail("too short for a Parquet file ({} bytes)", bytes.size());
  if (!has_magic(bytes, bytes.size() - 4)) return core::fail("no 'PAR1' at the file's end (a truncated or encrypted file)");
  const std::uint32_t length = load_u32(bytes.data() + bytes.size() - 8);
  if (length > bytes.size() - 12) return core::fail("the footer claims {} bytes of a {}-byte file", length, bytes.size());
  if (length > limits.max_metadata_bytes) {
    return core::fail("the file metadata takes {} bytes, more than llmload's limit of {}", length, limits.max_metadata_bytes);
  }
  Footer footer;
  footer.data_end = bytes.size() - 8 - length;
  auto meta = parse_file_metadata(bytes.subspan(footer.data_end, length));
  if (!meta) return meta.error();
  footer.meta = std::move(*meta);
  return footer;
}

/// The rows of the file: every row group's, which must add up to the file's count.
core::Result<std::uint64_t> total_rows(const FileMetaData& meta, const ParquetLimits& limits) {
  std::uint64_t rows = 0;
  for (const auto& group : meta.row_groups) {
    rows += static_cast<std::uint64_t>(group.num_rows);
    if (rows > limits.max_rows) return core::fail("more than {} rows, llmload's limit for one file", limits.max_rows);
  }
  if (rows != static_cast<std::uint64_t>(meta.num_rows)) {
    return core::fail("the row groups hold {} rows, the file metadata says {}", rows, meta.num_rows);
  }
  return rows;
}

/// Each row group's column chunks must be the schema's leaves, in order, of their types.
core::Result<void> check_chunks(const FileMetaData& meta, const Schema& schema) {
  for (std::size_t g = 0; g < meta.row_groups.size(); ++g) {
    const auto& columns = meta.row_groups[g].columns;
    if (columns.size() != schema.leaves.size()) {
      return core::fail("row group {} has {} column chunks for {} columns", g, columns.size(), schema.leaves.size());
    }
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const auto& node = schema.nodes[schema.leaves[i]];
      if (columns[i].path != schema.leaf_parts[i] || columns[i].type != node.type) {
        return core::fail("row group {}: column chunk {} is not the schema's column '{}'", g, i, schema.leaf_paths[i]);
      }
      if (columns[i].external) {
        return core::fail("column '{}' lies in another file (ColumnChunk.file_path), which llmload does not read",
                          schema.leaf_paths[i]);
      }
    }
  }
  return {};
}

// ---- pages ----------------------------------------------------------------------------------

/// What the pages of one column chunk need to know.
struct ChunkContext {
  ValueType type;
  Codec codec = Codec::kUncompressed;
  std::uint8_t max_rep = 0, max_def = 0;
  std::vector<json::value> dictionary;
  bool has_dictionary = false;
};

/// Levels of a data page v1: a 4-byte length, then the hybrid (absent when the maximum is 0).
core::Result<std::size_t> levels_v1(Bytes data, Encoding encoding, std::uint8_t max, std::size_t count,
                                    std::vector<std::uint8_t>& out, std::string_view what) {
  if (max == 0) {
    out.insert(out.end(), count, 0);
    return 0;
  }
  if (encoding != Encoding::kRle) return core::fail("{} levels in {}, not RLE", what, encoding_name(encoding));
  if (data.size() < 4) return core::fail("{} levels: the page ends early", what);
  const std::uint32_t length = load_u32(data.data());
  if (length > data.size() - 4) return core::fail("{} levels claim {} bytes, {} left", what, length, data.size() - 4);
  auto used = decode_hybrid(data.subspan(4, length), bit_width(max), count, out);
  if (!used) return core::fail("{} levels: {}", what, used.error().message);
  return 4 + std::size_t{length};
}

/// Levels of a data page v2: the hybrid in its stated bytes.
core::Result<void> levels_v2(Bytes data, std::uint8_t max, std::size_t count, std::vector<std::uint8_t>& out,
                             std::string_view what) {
  if (max == 0) {
    out.insert(out.end(), count, 0);
    return {};
  }
  auto used = decode_hybrid(data, bit_width(max), count, out);
  if (!used) return core::fail("{} levels: {}", what, used.error().message);
  return {};
}

core::Result<void> check_levels(const ColumnData& column, std::size_t from, const ChunkContext& ctx) {
  for (std::size_t i = from; i < column.def.size(); ++i) {
    if (column.def[i] > ctx.max_def) return core::fail("a definition level {} above the column's {}", column.def[i], ctx.max_def);
    if (column.rep[i] > ctx.max_rep) return core::fail("a repetition level {} above the column's {}", column.rep[i], ctx.max_rep);
  }
  return {};
}

/// The values of a data page, in its encoding.
core::Result<void> page_values(Bytes data, Encoding encoding, std::size_t count, const ChunkContext& ctx,
                               ColumnData& column, DecodeBudget& budget) {
  switch (encoding) {
    case Encoding::kPlain: {
      auto used = decode_plain(data, ctx.type, count, column.values, budget);
      return used ? core::Result<void>() : core::Result<void>(used.error());
    }
    case Encoding::kPlainDictionary:
    case Encoding::kRleDictionary:
      if (!ctx.has_dictionary) return core::fail("dictionary-encoded values without a dictionary page");
      return decode_dictionary_indices(data, count, ctx.dictionary, column.values, budget);
    case Encoding::kRle:
      if (ctx.type.physical == PhysicalType::kBoolean) return decode_rle_booleans(data, count, column.values, budget);
      break;
    case Encoding::kDeltaBinaryPacked:
    case Encoding::kDeltaLengthByteArray:
    case Encoding::kDeltaByteArray:
    case Encoding::kByteStreamSplit: return decode_delta_or_split(data, encoding, ctx.type, count, column.values, budget);
    default: break;
  }
  return core::fail("values in {} encoding, which llmload does not read (it reads PLAIN, dictionary, RLE booleans, "
                    "DELTA_* and BYTE_STREAM_SPLIT)", encoding_name(encoding));
}

core::Result<void> data_page(const PageHeader& h, Bytes raw, ChunkContext& ctx, ColumnData& column, DecodeBudget& budget) {
  const std::size_t count = static_cast<std::size_t>(h.num_values);
  if (auto c = budget.charge(2 * std::uint64_t{count}); !c) return c;
  const std::size_t first = column.def.size();
  Bytes values;
  std::vector<std::uint8_t> v1_data;
  if (h.type == PageType::kDataPage) {
    auto data = decompress(ctx.codec, raw, static_cast<std::size_t>(h.uncompressed_size));
    if (!data) return data.error();
    v1_data = std::move(*data);
    const Bytes all(v1_data);
    auto rep = levels_v1(all, h.repetition_encoding, ctx.max_rep, count, column.rep, "repetition");
    if (!rep) return rep.error();
    auto def = levels_v1(all.subspan(*rep), h.definition_encoding, ctx.max_def, count, column.def, "definition");
    if (!def) return def.error();
    values = all.subspan(*rep + *def);
  } else {
    const std::uint64_t levels = std::uint64_t{static_cast<std::uint32_t>(h.repetition_bytes)} +
                                 static_cast<std::uint32_t>(h.definition_bytes);
    if (levels > raw.size() || levels > static_cast<std::uint64_t>(h.uncompressed_size)) {
      return core::fail("data page v2: {} bytes of levels in a {}-byte page", levels, raw.size());
    }
    if (auto r = levels_v2(raw.first(h.repetition_bytes), ctx.max_rep, count, column.rep, "repetition"); !r) return r;
    if (auto d = levels_v2(raw.subspan(h.repetition_bytes, h.definition_bytes), ctx.max_def, count, column.def, "definition"); !d) {
      return d;
    }
    const Bytes rest = raw.subspan(levels);
    const std::size_t size = static_cast<std::size_t>(h.uncompressed_size - levels);
    auto data = decompress(h.is_compressed ? ctx.codec : Codec::kUncompressed, rest, size);
    if (!data) return data.error();
    v1_data = std::move(*data);
    values = Bytes(v1_data);
  }
  if (auto c = check_levels(column, first, ctx); !c) return c;
  const auto present = static_cast<std::size_t>(std::count(column.def.begin() + first, column.def.end(), ctx.max_def));
  return page_values(values, h.encoding, present, ctx, column, budget);
}

core::Result<void> dictionary_page(const PageHeader& h, Bytes raw, ChunkContext& ctx, DecodeBudget& budget) {
  if (ctx.has_dictionary) return core::fail("a second dictionary page");
  if (h.encoding != Encoding::kPlain && h.encoding != Encoding::kPlainDictionary) {
    return core::fail("a dictionary page in {} encoding", encoding_name(h.encoding));
  }
  auto data = decompress(ctx.codec, raw, static_cast<std::size_t>(h.uncompressed_size));
  if (!data) return data.error();
  auto used = decode_plain(Bytes(*data), ctx.type, static_cast<std::size_t>(h.num_values), ctx.dictionary, budget);
  if (!used) return core::fail("the dictionary page: {}", used.error().message);
  ctx.has_dictionary = true;
  return {};
}

/// Where a chunk's pages lie: from its dictionary page (or first data page) for its size.
core::Result<Bytes> chunk_bytes(Bytes file, std::uint64_t data_end, const ColumnMeta& meta) {
  std::uint64_t start = static_cast<std::uint64_t>(meta.data_page_offset);
  if (meta.dictionary_page_offset && *meta.dictionary_page_offset > 0) {
    start = std::min<std::uint64_t>(start, static_cast<std::uint64_t>(*meta.dictionary_page_offset));
  }
  const auto size = static_cast<std::uint64_t>(meta.total_compressed_size);
  if (start < kMagic.size() || start > data_end || size > data_end - start) {
    return core::fail("the column chunk's bytes {}..{} lie outside the file's data (4..{})", start, start + size, data_end);
  }
  return file.subspan(start, size);
}

core::Result<void> read_chunk(Bytes chunk, std::int64_t num_values, ChunkContext& ctx, ColumnData& column,
                              DecodeBudget& budget) {
  std::uint64_t pos = 0, read = 0;
  const auto wanted = static_cast<std::uint64_t>(num_values);
  while (read < wanted) {
    if (pos >= chunk.size()) return core::fail("the pages end after {} of {} values", read, wanted);
    thrift::CompactReader reader(chunk.subspan(pos));
    auto header = parse_page_header(reader);
    if (!header) return core::fail("at byte {} of the chunk: {}", pos, header.error().message);
    pos += reader.position();
    const auto compressed = static_cast<std::uint64_t>(header->compressed_size);
    if (compressed > chunk.size() - pos) return core::fail("a page of {} bytes with {} left in the chunk", compressed, chunk.size() - pos);
    if (static_cast<std::uint64_t>(header->uncompressed_size) > budget.left()) {
      return core::fail("a page of {} bytes decompressed exceeds the reader's memory limit", header->uncompressed_size);
    }
    const Bytes page = chunk.subspan(pos, compressed);
    pos += compressed;
    core::Result<void> done;
    if (header->type == PageType::kDictionaryPage) {
      done = dictionary_page(*header, page, ctx, budget);
    } else if (header->type == PageType::kDataPage || header->type == PageType::kDataPageV2) {
      if (static_cast<std::uint64_t>(header->num_values) > wanted - read) {
        return core::fail("the data pages hold more than the chunk's {} values", wanted);
      }
      read += static_cast<std::uint64_t>(header->num_values);
      done = data_page(*header, page, ctx, column, budget);
    }
    if (!done) return core::fail("the page at byte {} of the chunk: {}", pos - compressed, done.error().message);
  }
  return {};
}

core::Result<std::vector<ColumnData>> read_columns(Bytes bytes, const Footer& footer, const Schema& schema,
                                                   DecodeBudget& budget) {
  std::vector<ColumnData> columns(schema.leaves.size());
  for (std::size_t g = 0; g < footer.meta.row_groups.size(); ++g) {
    for (std::size_t i = 0; i < schema.leaves.size(); ++i) {
      const auto& meta = footer.meta.row_groups[g].columns[i];
      const auto& node = schema.nodes[schema.leaves[i]];
      ChunkContext ctx{{*node.type, node.type_length, node.annotation}, meta.codec, node.rep, node.def, {}, false};
      auto chunk = chunk_bytes(bytes, footer.data_end, meta);
      auto read = chunk ? read_chunk(*chunk, meta.num_values, ctx, columns[i], budget) : core::Result<void>(chunk.error());
      if (!read) return core::fail("column '{}' of row group {}: {}", schema.leaf_paths[i], g, read.error().message);
    }
  }
  return columns;
}

}  // namespace

core::Result<std::uint64_t> read_parquet(Bytes bytes, const RowFn& on_row, const ParquetLimits& limits) {
  auto footer = read_footer(bytes, limits);
  if (!footer) return footer.error();
  auto schema = build_schema(footer->meta.schema, limits.max_depth);
  if (!schema) return schema.error();
  auto rows = total_rows(footer->meta, limits);
  if (!rows) return rows.error();
  if (auto c = check_chunks(footer->meta, *schema); !c) return c.error();
  DecodeBudget budget(limits.max_decoded_bytes);
  auto columns = read_columns(bytes, *footer, *schema, budget);
  if (!columns) return columns.error();
  if (auto a = assemble_rows(*schema, *columns, *rows, on_row); !a) return a.error();
  return *rows;
}

core::Result<std::uint64_t> read_parquet_file(const std::filesystem::path& path, const RowFn& on_row,
                                              const ParquetLimits& limits) {
  auto bytes = core::read_input_file(path.string(), limits.max_file_bytes, "Parquet file");
  if (!bytes) return bytes.error();
  const Bytes view(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size());
  auto rows = read_parquet(view, on_row, limits);
  if (!rows) return core::fail("{}: {}", path.string(), rows.error().message);
  return rows;
}

bool is_parquet_file(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  char magic[4] = {};
  const bool yes = std::fread(magic, 1, 4, f) == 4 && std::string_view(magic, 4) == kMagic;
  std::fclose(f);
  return yes;
}

}  // namespace llmload::workload
