// llmload's Parquet reader: the Thrift compact-protocol decoder and the RLE/bit-packed hybrid
// on hand-made bytes, PLAIN values, the record assembly of nested lists with nulls on hand-made
// levels, and whole files written by pyarrow (tests/data/parquet, made by
// tests/parquet/make_fixtures.py) read back equal to pyarrow's to_pylist(); corrupt files
// (every byte changed, every length cut) give errors, never crashes.
#include "llmload/workload/parquet_assembly.hpp"
#include "llmload/workload/parquet_codec.hpp"
#include "llmload/workload/parquet_encoding.hpp"
#include "llmload/workload/parquet_metadata.hpp"
#include "llmload/workload/parquet_reader.hpp"
#include "llmload/workload/thrift_compact.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace llmload::workload {
namespace {

namespace json = boost::json;
using Bytes = std::vector<std::uint8_t>;
using thrift::CompactReader;
using thrift::Type;

const std::string kData = std::string(LLMLOAD_TEST_DATA_DIR) + "/parquet/";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::span<const std::uint8_t> view(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// ---- Thrift compact protocol ----------------------------------------------------------------

TEST(ThriftCompact, ReadsFieldsWithShortAndLongIds) {
  // {1: i32 5, 4: binary "ab", 20: i64 -1, 21: true, 22: list<i32> [1, -2, 3]}
  const Bytes bytes = {0x15, 0x0a, 0x38, 0x02, 'a', 'b', 0x06, 0x28, 0x01, 0x11, 0x19, 0x35, 0x02, 0x03, 0x06, 0x00};
  CompactReader r(bytes);
  ASSERT_TRUE(r.begin_struct());
  auto f = r.next_field();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->id, 1);
  EXPECT_EQ(*r.read_int(f->type), 5);
  f = r.next_field();
  EXPECT_EQ(f->id, 4);
  EXPECT_EQ(*r.read_binary(f->type), "ab");
  f = r.next_field();
  EXPECT_EQ(f->id, 20);
  EXPECT_EQ(*r.read_int(f->type), -1);
  f = r.next_field();
  EXPECT_EQ(f->id, 21);
  EXPECT_TRUE(*r.read_bool(f->type, false));
  f = r.next_field();
  EXPECT_EQ(f->id, 22);
  auto list = r.read_list(f->type);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size, 3u);
  std::vector<std::int64_t> values;
  for (std::uint32_t i = 0; i < list->size; ++i) values.push_back(*r.read_int(list->element));
  EXPECT_EQ(values, (std::vector<std::int64_t>{1, -2, 3}));
  f = r.next_field();
  EXPECT_EQ(f->type, Type::kStop);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(ThriftCompact, SkipsUnknownFieldsOfEveryType) {
  // {1: struct {1: double 1.5, 2: list<struct> [{}], 3: map<i32, binary> {1: "x"}, 4: false},
  //  2: set<bool> [true, false], 3: i8 -3}
  const Bytes bytes = {0x1c, 0x17, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0x19, 0x1c, 0x00, 0x1b, 0x01, 0x58, 0x02, 0x01, 'x',
                       0x12, 0x00, 0x1a, 0x21, 0x01, 0x02, 0x13, 0xfd, 0x00};
  CompactReader r(bytes);
  ASSERT_TRUE(r.begin_struct());
  auto f = r.next_field();
  ASSERT_TRUE(f);
  ASSERT_TRUE(r.skip(f->type)) << r.skip(f->type).error().message;
  f = r.next_field();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->id, 2);
  ASSERT_TRUE(r.skip(f->type));
  f = r.next_field();
  EXPECT_EQ(f->id, 3);
  EXPECT_EQ(*r.read_int(f->type), -3);
  EXPECT_EQ(r.next_field()->type, Type::kStop);
}

TEST(ThriftCompact, CorruptInputIsAnErrorSayingWhere) {
  const auto error_of = [](const Bytes& bytes) {
    CompactReader r(bytes, 8);
    if (auto b = r.begin_struct(); !b) return b.error().message;
    while (true) {
      auto f = r.next_field();
      if (!f) return f.error().message;
      if (f->type == Type::kStop) return std::string("no error");
      if (auto s = r.skip(f->type); !s) return s.error().message;
    }
  };
  EXPECT_NE(error_of({0x18, 0x05, 'a', 'b'}).find("binary of 5 bytes with 2 left"), std::string::npos);
  EXPECT_NE(error_of({0x19, 0xf5, 0xff, 0xff, 0x03}).find("a list of 65535 elements with 0 bytes left"), std::string::npos);
  EXPECT_NE(error_of({0x15, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}).find("varint"), std::string::npos);
  EXPECT_NE(error_of({0x1d}).find("unknown field type 13"), std::string::npos);
  EXPECT_NE(error_of({0x15}).find("ends early at byte 1 of 1"), std::string::npos);
  // Structs nested deeper than the limit (8 here).
  Bytes deep(20, 0x1c);
  EXPECT_NE(error_of(deep).find("nested deeper than 8"), std::string::npos);
  // An i32 field whose value overflows 32 bits.
  const Bytes wide = {0x80, 0x80, 0x80, 0x80, 0x20};
  CompactReader r(wide);
  EXPECT_NE(r.read_int(Type::kI32).error().message.find("outside its type's range"), std::string::npos);
}

// ---- the RLE / bit-packed hybrid ------------------------------------------------------------

TEST(ParquetHybrid, DecodesRleAndBitPackedRuns) {
  // The format's own example: 0..7 bit-packed with width 3, then an RLE run of five 5s.
  const Bytes bytes = {0x03, 0x88, 0xc6, 0xfa, 0x0a, 0x05};
  std::vector<std::uint32_t> out;
  auto used = parquet::decode_hybrid(bytes, 3, 13, out);
  ASSERT_TRUE(used) << used.error().message;
  EXPECT_EQ(*used, bytes.size());
  EXPECT_EQ(out, (std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5, 6, 7, 5, 5, 5, 5, 5}));
  // Fewer values than a bit-packed group holds: the rest is padding.
  std::vector<std::uint8_t> levels;
  ASSERT_TRUE(parquet::decode_hybrid(bytes, 3, 3, levels));
  EXPECT_EQ(levels, (std::vector<std::uint8_t>{0, 1, 2}));
  // Width 0: every value 0, from one header byte.
  levels.clear();
  ASSERT_TRUE(parquet::decode_hybrid(Bytes{0x08}, 0, 4, levels));
  EXPECT_EQ(levels, (std::vector<std::uint8_t>(4, 0)));
  // A 32-bit RLE value.
  out.clear();
  ASSERT_TRUE(parquet::decode_hybrid(Bytes{0x04, 0xff, 0xff, 0xff, 0xff}, 32, 2, out));
  EXPECT_EQ(out, (std::vector<std::uint32_t>{0xffffffffu, 0xffffffffu}));
  EXPECT_EQ(parquet::bit_width(0), 0);
  EXPECT_EQ(parquet::bit_width(1), 1);
  EXPECT_EQ(parquet::bit_width(3), 2);
  EXPECT_EQ(parquet::bit_width(4), 3);
}

TEST(ParquetHybrid, TruncatedOrOversizedRunsAreErrors) {
  std::vector<std::uint32_t> out;
  EXPECT_NE(parquet::decode_hybrid(Bytes{0x03, 0x88}, 3, 8, out).error().message.find("bit-packed run ends early"),
            std::string::npos);
  EXPECT_NE(parquet::decode_hybrid(Bytes{0x0a, 0x09}, 3, 5, out).error().message.find("exceeds 3 bits"), std::string::npos);
  EXPECT_NE(parquet::decode_hybrid(Bytes{0x0a}, 3, 5, out).error().message.find("RLE run ends early"), std::string::npos);
  EXPECT_NE(parquet::decode_hybrid(Bytes{0x0a, 0x01}, 3, 6, out).error().message.find("header ends early"), std::string::npos);
  std::vector<std::uint8_t> levels;
  EXPECT_FALSE(parquet::decode_hybrid(Bytes{0x02, 0x01}, 9, 1, levels));
}

// ---- PLAIN values ---------------------------------------------------------------------------

TEST(ParquetEncoding, PlainValuesOfEachType) {
  parquet::DecodeBudget budget(1 << 20);
  std::vector<json::value> out;
  const Bytes arrays = {2, 0, 0, 0, 'h', 'i', 3, 0, 0, 0, 0x00, 0xff, 0x10};
  ASSERT_TRUE(parquet::decode_plain(arrays, {parquet::PhysicalType::kByteArray, 0, parquet::Annotation::kString}, 1, out, budget));
  ASSERT_TRUE(parquet::decode_plain(std::span(arrays).subspan(6), {parquet::PhysicalType::kByteArray}, 1, out, budget));
  const Bytes ints = {0xfe, 0xff, 0xff, 0xff};
  ASSERT_TRUE(parquet::decode_plain(ints, {parquet::PhysicalType::kInt32}, 1, out, budget));
  ASSERT_TRUE(parquet::decode_plain(ints, {parquet::PhysicalType::kInt32, 0, parquet::Annotation::kUnsigned}, 1, out, budget));
  const Bytes f = {0x00, 0x00, 0xc0, 0x3f};  // 1.5f
  ASSERT_TRUE(parquet::decode_plain(f, {parquet::PhysicalType::kFloat}, 1, out, budget));
  const Bytes bits = {0x05};
  ASSERT_TRUE(parquet::decode_plain(bits, {parquet::PhysicalType::kBoolean}, 3, out, budget));
  EXPECT_EQ(json::serialize(json::array(out.begin(), out.end())), R"(["hi","AP8Q",-2,4294967294,1.5E0,true,false,true])");
  // A length past the page, and a budget too small for the values.
  EXPECT_NE(parquet::decode_plain(Bytes{9, 0, 0, 0, 'x'}, {parquet::PhysicalType::kByteArray}, 1, out, budget)
                .error().message.find("needs 9 bytes, 1 left"),
            std::string::npos);
  parquet::DecodeBudget small(40);
  EXPECT_NE(parquet::decode_plain(Bytes(64, 0), {parquet::PhysicalType::kInt64}, 8, out, small)
                .error().message.find("memory limit"),
            std::string::npos);
}

TEST(ParquetEncoding, DictionaryIndicesAndCodecsCheckTheirBounds) {
  parquet::DecodeBudget budget(1 << 20);
  const std::vector<json::value> dictionary = {"a", "b"};
  std::vector<json::value> out;
  // Bit width 1, then bit-packed 0,1,1 (one group).
  ASSERT_TRUE(parquet::decode_dictionary_indices(Bytes{0x01, 0x03, 0x06}, 3, dictionary, out, budget));
  EXPECT_EQ(json::serialize(json::array(out.begin(), out.end())), R"(["a","b","b"])");
  EXPECT_NE(parquet::decode_dictionary_indices(Bytes{0x02, 0x02, 0x03}, 1, dictionary, out, budget)
                .error().message.find("dictionary index 3 of a 2-entry dictionary"),
            std::string::npos);
  const std::string text(1000, 'q');
  EXPECT_NE(parquet::decompress(parquet::Codec::kSnappy, view(text), 1000).error().message.find("SNAPPY"), std::string::npos);
  EXPECT_NE(parquet::decompress(parquet::Codec::kGzip, view(text), 1000).error().message.find("GZIP data is corrupt"), std::string::npos);
  EXPECT_NE(parquet::decompress(parquet::Codec::kZstd, view(text), 1000).error().message.find("ZSTD data"), std::string::npos);
  EXPECT_NE(parquet::decompress(parquet::Codec::kLz4Raw, view(text), 1000).error().message.find("LZ4_RAW data is corrupt"),
            std::string::npos);
  EXPECT_NE(parquet::decompress(parquet::Codec::kLz4, view(text), 1 << 30).error().message.find("LZ4 data is corrupt (declares"),
            std::string::npos);
  EXPECT_NE(parquet::decompress(parquet::Codec::kBrotli, view(text), 1000).error().message.find("BROTLI is not supported"),
            std::string::npos);
}

TEST(ParquetEncoding, DeltaBinaryPackedBlocks) {
  // The format's examples: 1..5 (every delta the minimum, width 0), then 7,5,3,1,2,3,4,5
  // (minimum delta -2, the rest 0,0,0,3,3,3,3 in 2 bits).
  std::vector<std::int64_t> out;
  const Bytes ones = {0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0, 0, 0, 0};
  auto used = parquet::decode_delta_integers(ones, 5, out);
  ASSERT_TRUE(used) << used.error().message;
  EXPECT_EQ(*used, ones.size());
  EXPECT_EQ(out, (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  const Bytes mixed = {0x80, 0x01, 0x04, 0x08, 0x0e, 0x03, 0x02, 0, 0, 0, 0xc0, 0x3f, 0, 0, 0, 0, 0, 0};
  out.clear();
  used = parquet::decode_delta_integers(mixed, 8, out);
  ASSERT_TRUE(used) << used.error().message;
  EXPECT_EQ(*used, mixed.size());
  EXPECT_EQ(out, (std::vector<std::int64_t>{7, 5, 3, 1, 2, 3, 4, 5}));
  // A count other than the header's, a miniblock past the page, a block that is not whole miniblocks.
  EXPECT_NE(parquet::decode_delta_integers(ones, 4, out).error().message.find("5 values where 4 are wanted"), std::string::npos);
  EXPECT_NE(parquet::decode_delta_integers(std::span(mixed).first(12), 8, out).error().message.find("a DELTA miniblock needs 8 bytes"),
            std::string::npos);
  EXPECT_FALSE(parquet::decode_delta_integers(Bytes{0x80, 0x01, 0x03, 0x05, 0x02}, 5, out));
}

// ---- record assembly ------------------------------------------------------------------------

TEST(ParquetAssembly, RebuildsListsWithNullsFromLevels) {
  // answers: optional group (LIST) { repeated group list { optional binary element (STRING) } }
  // id: required int64
  using parquet::SchemaElement;
  std::vector<SchemaElement> elements(5);
  elements[0] = {"schema", std::nullopt, 0, std::nullopt, 2, parquet::Annotation::kNone};
  elements[1] = {"answers", std::nullopt, 0, parquet::Repetition::kOptional, 1, parquet::Annotation::kList};
  elements[2] = {"list", std::nullopt, 0, parquet::Repetition::kRepeated, 1, parquet::Annotation::kNone};
  elements[3] = {"element", parquet::PhysicalType::kByteArray, 0, parquet::Repetition::kOptional, 0, parquet::Annotation::kString};
  elements[4] = {"id", parquet::PhysicalType::kInt64, 0, parquet::Repetition::kRequired, 0, parquet::Annotation::kNone};
  auto schema = parquet::build_schema(elements);
  ASSERT_TRUE(schema) << schema.error().message;
  ASSERT_EQ(schema->leaf_paths, (std::vector<std::string>{"answers.list.element", "id"}));
  EXPECT_EQ(schema->nodes[schema->leaves[0]].def, 3);
  EXPECT_EQ(schema->nodes[schema->leaves[0]].rep, 1);
  // Rows: null, [], ["a", null], ["b"].
  std::vector<parquet::ColumnData> columns(2);
  columns[0] = {{0, 0, 0, 1, 0}, {0, 1, 3, 2, 3}, {"a", "b"}};
  columns[1] = {{0, 0, 0, 0}, {0, 0, 0, 0}, {1, 2, 3, 4}};
  std::vector<std::string> rows;
  auto done = parquet::assemble_rows(*schema, columns, 4, [&](json::object&& row, std::uint64_t) -> core::Result<void> {
    rows.push_back(json::serialize(row));
    return {};
  });
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(rows, (std::vector<std::string>{R"({"answers":null,"id":1})", R"({"answers":[],"id":2})",
                                            R"({"answers":["a",null],"id":3})", R"({"answers":["b"],"id":4})"}));
  // Levels that disagree with the rows are errors, not misreads.
  columns[0] = {{0, 0, 0, 1, 0}, {0, 1, 3, 2, 3}, {"a", "b"}};
  columns[1] = {{0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}, {1, 2, 3, 4, 5}};
  done = parquet::assemble_rows(*schema, columns, 4, [](json::object&&, std::uint64_t) -> core::Result<void> { return {}; });
  ASSERT_FALSE(done);
  EXPECT_NE(done.error().message.find("column 'id', entry 4: the column has more entries than the rows"), std::string::npos)
      << done.error().message;
  columns[0] = {{0, 0, 2, 1, 0}, {0, 1, 3, 2, 3}, {"a", "b"}};
  columns[1] = {{0, 0, 0, 0}, {0, 0, 0, 0}, {1, 2, 3, 4}};
  done = parquet::assemble_rows(*schema, columns, 4, [](json::object&&, std::uint64_t) -> core::Result<void> { return {}; });
  ASSERT_FALSE(done);
  EXPECT_NE(done.error().message.find("row 3:"), std::string::npos) << done.error().message;
  // A schema whose group claims more fields than there are elements.
  elements[0].num_children = 5;
  EXPECT_NE(parquet::build_schema(elements).error().message.find("claims 5 fields, 4 elements are left"), std::string::npos);
}

// ---- whole files --------------------------------------------------------------------------

std::vector<json::value> rows_of(std::span<const std::uint8_t> bytes, core::Result<std::uint64_t>& result) {
  std::vector<json::value> rows;
  ParquetLimits limits;
  limits.max_decoded_bytes = 16u << 20;
  result = read_parquet(bytes, [&](json::object&& row, std::uint64_t) -> core::Result<void> {
    rows.emplace_back(std::move(row));
    return {};
  }, limits);
  return rows;
}

/// JSON equality, doubles within one unit in the last place: Boost 1.81's parser does not
/// round every decimal exactly (9.333333015441895 reads as 9.333333015441896), so the
/// expectation read back from text may be one ulp off; the parquet_pyarrow_interop test
/// compares exactly, in Python.
bool same(const json::value& a, const json::value& b) {
  if (a.is_double() && b.is_double()) {
    const double x = a.get_double(), y = b.get_double();
    return x == y || std::nextafter(x, y) == y;
  }
  if (a.is_array() && b.is_array()) {
    const auto &p = a.get_array(), &q = b.get_array();
    if (p.size() != q.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (!same(p[i], q[i])) return false;
    }
    return true;
  }
  if (a.is_object() && b.is_object()) {
    const auto &p = a.get_object(), &q = b.get_object();
    if (p.size() != q.size()) return false;
    for (const auto& [key, value] : p) {
      const auto* other = q.if_contains(key);
      if (other == nullptr || !same(value, *other)) return false;
    }
    return true;
  }
  return a == b;
}

TEST(ParquetReader, FilesWrittenByPyarrowReadAsItsToPylist) {
  for (const char* name : {"nested-zstd-v2", "flat-gzip-plain", "flat-snappy-delta"}) {
    const std::string bytes = slurp(kData + name + ".parquet");
    ASSERT_FALSE(bytes.empty()) << name;
    core::Result<std::uint64_t> result = 0;
    const auto rows = rows_of(view(bytes), result);
    ASSERT_TRUE(result) << name << ": " << result.error().message;
    std::istringstream expected(slurp(kData + name + ".jsonl"));
    std::size_t i = 0;
    for (std::string line; std::getline(expected, line); ++i) {
      ASSERT_LT(i, rows.size()) << name;
      EXPECT_TRUE(same(rows[i], json::parse(line))) << name << " row " << i << "\n" << json::serialize(rows[i]) << "\n" << line;
    }
    EXPECT_EQ(i, rows.size()) << name;
    EXPECT_EQ(*result, rows.size()) << name;
  }
}

TEST(ParquetReader, EveryCodecReadsTheSameRows) {
  core::Result<std::uint64_t> result = 0;
  const std::string snappy = slurp(kData + "gsm8k-test.parquet"), lz4 = slurp(kData + "gsm8k-lz4.parquet");
  const auto a = rows_of(view(snappy), result);
  ASSERT_TRUE(result) << result.error().message;
  const auto b = rows_of(view(lz4), result);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a[2].at("answer"), "12 * 7 = 84\n#### 84");
}

TEST(ParquetReader, CorruptFilesAreErrorsNeverCrashes) {
  const std::string good = slurp(kData + "nested-zstd-v2.parquet");
  ASSERT_GT(good.size(), 100u);
  core::Result<std::uint64_t> result = 0;
  (void)rows_of(view(good.substr(0, 11)), result);
  EXPECT_NE(result.error().message.find("too short for a Parquet file (11 bytes)"), std::string::npos);
  (void)rows_of(view("PAR0" + good.substr(4)), result);
  EXPECT_NE(result.error().message.find("not a Parquet file (no 'PAR1' at its start)"), std::string::npos);
  (void)rows_of(view(good.substr(0, good.size() - 1)), result);
  EXPECT_NE(result.error().message.find("no 'PAR1' at the file's end"), std::string::npos);
  std::string big_footer = good;
  big_footer[big_footer.size() - 5] = '\x7f';
  (void)rows_of(view(big_footer), result);
  EXPECT_NE(result.error().message.find("the footer claims"), std::string::npos) << result.error().message;
  // Every length cut short, keeping the magic at the end, and every byte changed.
  std::size_t errors = 0;
  for (std::size_t cut = 12; cut < good.size(); cut += 7) {
    const std::string truncated = good.substr(0, cut) + "PAR1";
    (void)rows_of(view(truncated), result);
    errors += result ? 0 : 1;
  }
  EXPECT_GT(errors, 0u);
  const std::uint8_t changes[] = {0x01, 0x80, 0xff};
  for (std::size_t i = 4; i + 8 < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(static_cast<std::uint8_t>(bad[i]) ^ changes[i % 3]);
    (void)rows_of(view(bad), result);  // rows or an error; a crash fails the test binary
  }
}

TEST(ParquetMetadata, LimitsBoundTheFooter) {
  // gsm8k-test.parquet: a schema of 3 elements (root, question, answer), one row group of 2 chunks.
  const std::string file = slurp(kData + "gsm8k-test.parquet");
  const auto bytes = view(file);
  const std::size_t length = bytes[bytes.size() - 8] | bytes[bytes.size() - 7] << 8 | bytes[bytes.size() - 6] << 16;
  const auto footer = bytes.subspan(bytes.size() - 8 - length, length);
  auto meta = parquet::parse_file_metadata(footer);
  ASSERT_TRUE(meta) << meta.error().message;
  EXPECT_EQ(meta->schema.size(), 3u);
  EXPECT_EQ(meta->num_rows, 3);
  ASSERT_EQ(meta->row_groups.size(), 1u);
  EXPECT_EQ(meta->row_groups[0].columns[1].path, (std::vector<std::string>{"answer"}));
  EXPECT_EQ(meta->row_groups[0].columns[1].codec, parquet::Codec::kSnappy);
  parquet::MetadataLimits limits;
  limits.max_column_chunks = 1;
  EXPECT_NE(parquet::parse_file_metadata(footer, limits).error().message.find("more than 1 column chunks"), std::string::npos);
  limits = {};
  limits.max_schema_elements = 2;
  EXPECT_NE(parquet::parse_file_metadata(footer, limits).error().message.find("the schema has 3 entries, more than 2"),
            std::string::npos);
  // Cut anywhere, the footer is an error.
  for (std::size_t cut = 0; cut < footer.size(); ++cut) EXPECT_FALSE(parquet::parse_file_metadata(footer.first(cut))) << cut;
}

TEST(ParquetReader, FileErrorsNameTheFile) {
  core::Result<std::uint64_t> rows = read_parquet_file(kData + "no-such.parquet", [](json::object&&, std::uint64_t) -> core::Result<void> { return {}; });
  ASSERT_FALSE(rows);
  EXPECT_NE(rows.error().message.find("no-such.parquet"), std::string::npos) << rows.error().message;
  EXPECT_TRUE(is_parquet_file(kData + "gsm8k-test.parquet"));
  EXPECT_FALSE(is_parquet_file(kData + "nested-zstd-v2.jsonl"));
}

}  // namespace
}  // namespace llmload::workload
