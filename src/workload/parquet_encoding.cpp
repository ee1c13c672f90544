// Parquet's value and level encodings (workload/parquet_encoding.hpp).

#include "llmload/workload/parquet_encoding.hpp"

#include "llmload/core/base64.hpp"

#include <boost/json/string.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>

namespace llmload::workload::parquet {
namespace {

namespace json = boost::json;

/// Room for `extra` more elements, growing geometrically: a column's values are appended page
/// by page, and reserving exactly would copy the whole column at every page.
template <class T>
void reserve_more(std::vector<T>& v, std::size_t extra) {
  if (v.capacity() - v.size() < extra) v.reserve(std::max(v.size() + extra, 2 * v.capacity()));
}

std::uint64_t load_le(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

/// `width` bits at bit `offset` of `data`, least significant bit first (the bits lie within
/// the data: the caller checked).
std::uint32_t read_bits(const std::uint8_t* data, std::uint64_t offset, int width) {
  std::uint64_t v = 0;
  const std::uint64_t first = offset / 8;
  const int shift = static_cast<int>(offset % 8);
  const int bytes = (shift + width + 7) / 8;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | data[first + i];
  v >>= shift;
  return static_cast<std::uint32_t>(width == 32 ? v & 0xffffffffu : v & ((std::uint64_t{1} << width) - 1));
}

core::Result<std::uint32_t> varint32(std::span<const std::uint8_t> bytes, std::size_t& pos) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (pos >= bytes.size()) return core::fail("an RLE run header ends early");
    const std::uint8_t b = bytes[pos++];
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      if (v > 0xffffffffu) break;
      return static_cast<std::uint32_t>(v);
    }
  }
  return core::fail("an RLE run header is longer than 32 bits");
}

template <class T>
core::Result<std::size_t> hybrid(std::span<const std::uint8_t> bytes, int width, std::size_t count, std::vector<T>& out) {
  if (width < 0 || width > static_cast<int>(8 * sizeof(T))) return core::fail("a bit width of {}", width);
  std::size_t pos = 0, produced = 0;
  reserve_more(out, count);
  while (produced < count) {
    auto header = varint32(bytes, pos);
    if (!header) return header.error();
    const std::size_t left = bytes.size() - pos;
    if (*header & 1) {
      const std::uint64_t values = std::uint64_t{*header >> 1} * 8;
      const std::uint64_t run_bytes = std::uint64_t{*header >> 1} * width;
      const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(values, count - produced));
      if ((std::uint64_t{take} * width + 7) / 8 > left) return core::fail("a bit-packed run ends early");
      for (std::size_t i = 0; i < take; ++i) out.push_back(static_cast<T>(read_bits(bytes.data() + pos, std::uint64_t{i} * width, width)));
      pos += static_cast<std::size_t>(std::min<std::uint64_t>(run_bytes, left));
      produced += take;
    } else {
      const int value_bytes = (width + 7) / 8;
      if (static_cast<std::size_t>(value_bytes) > left) return core::fail("an RLE run ends early");
      const std::uint64_t value = load_le(bytes.data() + pos, value_bytes);
      if (width < 32 && value >> width != 0) return core::fail("an RLE run's value {} exceeds {} bits", value, width);
      pos += value_bytes;
      const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(*header >> 1, count - produced));
      out.insert(out.end(), take, static_cast<T>(value));
      produced += take;
    }
  }
  return pos;
}

core::Result<void> need(std::span<const std::uint8_t> bytes, std::uint64_t pos, std::uint64_t n, std::string_view what) {
  if (n > bytes.size() - pos) {
    return core::fail("{} needs {} bytes, {} left in the page", what, n, bytes.size() - pos);
  }
  return {};
}

/// A byte array as a value: text when annotated so, else base64 (as JSON exports hold bytes);
/// the value itself was charged by the caller, its text is charged here.
core::Result<void> push_bytes(std::string_view raw, Annotation annotation, std::vector<json::value>& out,
                              DecodeBudget& budget) {
  if (annotation == Annotation::kString) {
    if (auto c = budget.charge(raw.size()); !c) return c;
    out.emplace_back(json::string_view(raw.data(), raw.size()));
    return {};
  }
  if (auto c = budget.charge((raw.size() + 2) / 3 * 4); !c) return c;
  out.emplace_back(core::base64_encode(raw));
  return {};
}

core::Result<std::size_t> plain_byte_arrays(std::span<const std::uint8_t> bytes, const ValueType& type,
                                            std::size_t count, std::vector<json::value>& out, DecodeBudget& budget) {
  std::uint64_t pos = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (auto n = need(bytes, pos, 4, "a BYTE_ARRAY length"); !n) return n.error();
    const std::uint64_t len = load_le(bytes.data() + pos, 4);
    pos += 4;
    if (auto n = need(bytes, pos, len, "a BYTE_ARRAY value"); !n) return n.error();
    const std::string_view raw(reinterpret_cast<const char*>(bytes.data() + pos), len);
    if (auto p = push_bytes(raw, type.annotation, out, budget); !p) return p.error();
    pos += len;
  }
  return static_cast<std::size_t>(pos);
}

json::value number(PhysicalType type, const std::uint8_t* p, bool is_unsigned) {
  switch (type) {
    case PhysicalType::kInt32: {
      const auto raw = static_cast<std::uint32_t>(load_le(p, 4));
      return is_unsigned ? json::value(std::uint64_t{raw}) : json::value(std::int64_t{static_cast<std::int32_t>(raw)});
    }
    case PhysicalType::kInt64: {
      const std::uint64_t raw = load_le(p, 8);
      return is_unsigned ? json::value(raw) : json::value(static_cast<std::int64_t>(raw));
    }
    case PhysicalType::kFloat: return json::value(static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(load_le(p, 4)))));
    default: return json::value(std::bit_cast<double>(load_le(p, 8)));
  }
}

/// Unsigned LEB128, at most 64 bits.
core::Result<std::uint64_t> uleb(std::span<const std::uint8_t> bytes, std::size_t& pos) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= bytes.size()) return core::fail("a DELTA header ends early");
    const std::uint8_t b = bytes[pos++];
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  return core::fail("a DELTA varint is longer than 64 bits");
}

std::int64_t unzigzag(std::uint64_t n) { return static_cast<std::int64_t>(n >> 1) ^ -static_cast<std::int64_t>(n & 1); }

/// `width` (0..64) bits at bit `offset`, least significant first (within the checked data).
std::uint64_t read_bits64(const std::uint8_t* data, std::uint64_t offset, int width) {
  if (width <= 32) return read_bits(data, offset, width);
  const std::uint64_t low = read_bits(data, offset, 32);
  return low | static_cast<std::uint64_t>(read_bits(data, offset + 32, width - 32)) << 32;
}

/// The DELTA_BINARY_PACKED header: values per block and per miniblock, total, first value.
struct DeltaHeader {
  std::uint64_t block = 0, miniblocks = 0, total = 0;
  std::int64_t first = 0;
};

core::Result<DeltaHeader> delta_header(std::span<const std::uint8_t> bytes, std::size_t& pos) {
  DeltaHeader h;
  for (std::uint64_t* field : {&h.block, &h.miniblocks, &h.total}) {
    auto v = uleb(bytes, pos);
    if (!v) return v.error();
    *field = *v;
  }
  auto first = uleb(bytes, pos);
  if (!first) return first.error();
  h.first = unzigzag(*first);
  if (h.block == 0 || h.block > (1u << 20) || h.miniblocks == 0 || h.block % h.miniblocks != 0 ||
      (h.block / h.miniblocks) % 8 != 0) {
    return core::fail("a DELTA header's block of {} values in {} miniblocks", h.block, h.miniblocks);
  }
  return h;
}

core::Result<void> charge_and_push(std::string_view raw, Annotation annotation, std::vector<json::value>& out,
                                   DecodeBudget& budget) {
  if (auto c = budget.charge(sizeof(json::value)); !c) return c;
  return push_bytes(raw, annotation, out, budget);
}

/// DELTA_LENGTH_BYTE_ARRAY: the lengths (DELTA_BINARY_PACKED), then the bytes one after another.
core::Result<std::size_t> delta_length_arrays(std::span<const std::uint8_t> bytes, std::size_t count,
                                              std::vector<std::string_view>& out) {
  std::vector<std::int64_t> lengths;
  auto used = decode_delta_integers(bytes, count, lengths);
  if (!used) return used.error();
  std::uint64_t pos = *used;
  for (const auto length : lengths) {
    if (length < 0 || static_cast<std::uint64_t>(length) > bytes.size() - pos) {
      return core::fail("a DELTA_LENGTH_BYTE_ARRAY value of {} bytes, {} left in the page", length, bytes.size() - pos);
    }
    out.emplace_back(reinterpret_cast<const char*>(bytes.data() + pos), static_cast<std::size_t>(length));
    pos += static_cast<std::uint64_t>(length);
  }
  return static_cast<std::size_t>(pos);
}

/// DELTA_BYTE_ARRAY: prefix lengths (DELTA_BINARY_PACKED), then suffixes (DELTA_LENGTH_BYTE_ARRAY);
/// each value is the previous one's prefix and its suffix.
core::Result<void> delta_byte_arrays(std::span<const std::uint8_t> bytes, const ValueType& type, std::size_t count,
                                     std::vector<json::value>& out, DecodeBudget& budget) {
  std::vector<std::int64_t> prefixes;
  auto used = decode_delta_integers(bytes, count, prefixes);
  if (!used) return used.error();
  std::vector<std::string_view> suffixes;
  if (auto s = delta_length_arrays(bytes.subspan(*used), count, suffixes); !s) return s.error();
  std::string value;
  for (std::size_t i = 0; i < count; ++i) {
    if (prefixes[i] < 0 || static_cast<std::uint64_t>(prefixes[i]) > value.size()) {
      return core::fail("a DELTA_BYTE_ARRAY prefix of {} bytes after a value of {}", prefixes[i], value.size());
    }
    value.resize(static_cast<std::size_t>(prefixes[i]));
    value.append(suffixes[i]);
    if (auto p = charge_and_push(value, type.annotation, out, budget); !p) return p;
  }
  return {};
}

/// BYTE_STREAM_SPLIT: byte k of every value, then byte k + 1 of every value, ...
core::Result<void> byte_stream_split(std::span<const std::uint8_t> bytes, const ValueType& type, std::size_t count,
                                     std::vector<json::value>& out, DecodeBudget& budget) {
  const std::uint64_t size = type.physical == PhysicalType::kInt32 || type.physical == PhysicalType::kFloat   ? 4
                             : type.physical == PhysicalType::kInt64 || type.physical == PhysicalType::kDouble ? 8
                                                                                                             : static_cast<std::uint64_t>(type.type_length);
  if (auto n = need(bytes, 0, size * count, "BYTE_STREAM_SPLIT values"); !n) return n;
  std::vector<std::uint8_t> joined(static_cast<std::size_t>(size * count));
  for (std::uint64_t k = 0; k < size; ++k) {
    for (std::size_t i = 0; i < count; ++i) joined[i * size + k] = bytes[k * count + i];
  }
  auto used = decode_plain(joined, type, count, out, budget);
  return used ? core::Result<void>() : core::Result<void>(used.error());
}

}  // namespace

core::Result<std::size_t> decode_delta_integers(std::span<const std::uint8_t> bytes, std::size_t count,
                                                std::vector<std::int64_t>& out) {
  std::size_t pos = 0;
  auto h = delta_header(bytes, pos);
  if (!h) return h.error();
  if (h->total != count) return core::fail("a DELTA run of {} values where {} are wanted", h->total, count);
  if (count == 0) return pos;
  const std::uint64_t per_miniblock = h->block / h->miniblocks;
  reserve_more(out, count);
  std::uint64_t last = static_cast<std::uint64_t>(h->first);
  out.push_back(h->first);
  std::size_t produced = 1;
  while (produced < count) {
    auto min_delta = uleb(bytes, pos);
    if (!min_delta) return min_delta.error();
    if (auto n = need(bytes, pos, h->miniblocks, "a DELTA block's bit widths"); !n) return n.error();
    const std::size_t widths = pos;
    pos += static_cast<std::size_t>(h->miniblocks);
    for (std::uint64_t m = 0; m < h->miniblocks && produced < count; ++m) {
      const int width = bytes[widths + m];
      if (width > 64) return core::fail("a DELTA miniblock bit width of {}", width);
      const std::uint64_t size = per_miniblock * static_cast<std::uint64_t>(width) / 8;
      if (auto n = need(bytes, pos, size, "a DELTA miniblock"); !n) return n.error();
      for (std::uint64_t i = 0; i < per_miniblock && produced < count; ++i, ++produced) {
        last += static_cast<std::uint64_t>(unzigzag(*min_delta)) + read_bits64(bytes.data() + pos, i * width, width);
        out.push_back(static_cast<std::int64_t>(last));
      }
      pos += static_cast<std::size_t>(size);
    }
  }
  return pos;
}

core::Result<void> decode_delta_or_split(std::span<const std::uint8_t> bytes, Encoding encoding, const ValueType& type,
                                         std::size_t count, std::vector<json::value>& out, DecodeBudget& budget) {
  const bool integer = type.physical == PhysicalType::kInt32 || type.physical == PhysicalType::kInt64;
  const bool arrays = type.physical == PhysicalType::kByteArray;
  if (auto c = budget.charge(std::uint64_t{count} * (sizeof(json::value) + 8)); !c) return c;
  if (encoding == Encoding::kDeltaBinaryPacked && integer) {
    std::vector<std::int64_t> values;
    auto used = decode_delta_integers(bytes, count, values);
    if (!used) return used.error();
    const bool is_unsigned = type.annotation == Annotation::kUnsigned;
    for (const auto v : values) {
      if (type.physical == PhysicalType::kInt32) {
        const auto raw = static_cast<std::uint32_t>(v);
        out.push_back(is_unsigned ? json::value(std::uint64_t{raw}) : json::value(std::int64_t{static_cast<std::int32_t>(raw)}));
      } else {
        out.push_back(is_unsigned ? json::value(static_cast<std::uint64_t>(v)) : json::value(v));
      }
    }
    return {};
  }
  if (encoding == Encoding::kDeltaLengthByteArray && arrays) {
    std::vector<std::string_view> values;
    if (auto used = delta_length_arrays(bytes, count, values); !used) return used.error();
    for (const auto v : values) {
      if (auto p = charge_and_push(v, type.annotation, out, budget); !p) return p;
    }
    return {};
  }
  if (encoding == Encoding::kDeltaByteArray && (arrays || type.physical == PhysicalType::kFixedLenByteArray)) {
    return delta_byte_arrays(bytes, type, count, out, budget);
  }
  if (encoding == Encoding::kByteStreamSplit && type.physical != PhysicalType::kBoolean && !arrays &&
      type.physical != PhysicalType::kInt96) {
    return byte_stream_split(bytes, type, count, out, budget);
  }
  return core::fail("values in {} encoding in a column of physical type {}", encoding_name(encoding),
                    static_cast<int>(type.physical));
}

int bit_width(std::uint32_t max_value) { return max_value == 0 ? 0 : 32 - std::countl_zero(max_value); }

core::Result<std::size_t> decode_hybrid(std::span<const std::uint8_t> bytes, int width, std::size_t count,
                                        std::vector<std::uint32_t>& out) {
  return hybrid(bytes, width, count, out);
}

core::Result<std::size_t> decode_hybrid(std::span<const std::uint8_t> bytes, int width, std::size_t count,
                                        std::vector<std::uint8_t>& out) {
  return hybrid(bytes, width, count, out);
}

core::Result<void> DecodeBudget::charge(std::uint64_t bytes) {
  if (bytes > left_) return core::fail("the decoded values exceed the reader's memory limit");
  left_ -= bytes;
  return {};
}

core::Result<std::size_t> decode_plain(std::span<const std::uint8_t> bytes, const ValueType& type, std::size_t count,
                                       std::vector<json::value>& out, DecodeBudget& budget) {
  if (auto c = budget.charge(std::uint64_t{count} * sizeof(json::value)); !c) return c.error();
  reserve_more(out, count);
  switch (type.physical) {
    case PhysicalType::kBoolean: {
      if (auto n = need(bytes, 0, (std::uint64_t{count} + 7) / 8, "BOOLEAN values"); !n) return n.error();
      for (std::size_t i = 0; i < count; ++i) out.emplace_back(((bytes[i / 8] >> (i % 8)) & 1) != 0);
      return (count + 7) / 8;
    }
    case PhysicalType::kByteArray: return plain_byte_arrays(bytes, type, count, out, budget);
    case PhysicalType::kInt96:
    case PhysicalType::kFixedLenByteArray: {
      const std::uint64_t size = type.physical == PhysicalType::kInt96 ? 12 : static_cast<std::uint64_t>(type.type_length);
      if (auto n = need(bytes, 0, size * count, "fixed-size values"); !n) return n.error();
      for (std::size_t i = 0; i < count; ++i) {
        const std::string_view raw(reinterpret_cast<const char*>(bytes.data() + i * size), size);
        if (auto p = push_bytes(raw, Annotation::kNone, out, budget); !p) return p.error();
      }
      return static_cast<std::size_t>(size * count);
    }
    default: {
      const std::uint64_t size = type.physical == PhysicalType::kInt32 || type.physical == PhysicalType::kFloat ? 4 : 8;
      if (auto n = need(bytes, 0, size * count, "numeric values"); !n) return n.error();
      for (std::size_t i = 0; i < count; ++i) {
        out.push_back(number(type.physical, bytes.data() + i * size, type.annotation == Annotation::kUnsigned));
      }
      return static_cast<std::size_t>(size * count);
    }
  }
}

core::Result<void> decode_rle_booleans(std::span<const std::uint8_t> bytes, std::size_t count,
                                       std::vector<json::value>& out, DecodeBudget& budget) {
  if (auto n = need(bytes, 0, 4, "the RLE booleans' length"); !n) return n;
  const std::uint64_t len = load_le(bytes.data(), 4);
  if (auto n = need(bytes, 4, len, "the RLE booleans"); !n) return n;
  if (auto c = budget.charge(std::uint64_t{count} * (sizeof(json::value) + 4)); !c) return c;
  std::vector<std::uint8_t> bits;
  auto used = decode_hybrid(bytes.subspan(4, len), 1, count, bits);
  if (!used) return core::fail("RLE booleans: {}", used.error().message);
  for (const auto b : bits) out.emplace_back(b != 0);
  return {};
}

core::Result<void> decode_dictionary_indices(std::span<const std::uint8_t> bytes, std::size_t count,
                                             const std::vector<json::value>& dictionary, std::vector<json::value>& out,
                                             DecodeBudget& budget) {
  if (count == 0) return {};
  if (bytes.empty()) return core::fail("dictionary indices: no bit width");
  if (auto c = budget.charge(std::uint64_t{count} * (sizeof(json::value) + 4)); !c) return c;
  std::vector<std::uint32_t> indices;
  auto used = decode_hybrid(bytes.subspan(1), bytes[0], count, indices);
  if (!used) return core::fail("dictionary indices: {}", used.error().message);
  reserve_more(out, count);
  for (const auto i : indices) {
    if (i >= dictionary.size()) return core::fail("dictionary index {} of a {}-entry dictionary", i, dictionary.size());
    if (const auto* s = dictionary[i].if_string()) {
      if (auto c = budget.charge(s->size()); !c) return c;
    }
    out.push_back(dictionary[i]);
  }
  return {};
}

}  // namespace llmload::workload::parquet
