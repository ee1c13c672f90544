// Apache Thrift's compact protocol, bounded (workload/thrift_compact.hpp).

#include "llmload/workload/thrift_compact.hpp"

#include <fmt/format.h>

#include <cstring>
#include <limits>

namespace llmload::workload::thrift {
namespace {

bool valid_value_type(std::uint8_t t) { return t >= 1 && t <= 12; }

std::int64_t unzigzag(std::uint64_t n) {
  return static_cast<std::int64_t>(n >> 1) ^ -static_cast<std::int64_t>(n & 1);
}

}  // namespace

CompactReader::CompactReader(std::span<const std::uint8_t> bytes, std::uint32_t max_depth)
    : bytes_(bytes), max_depth_(max_depth) {}

core::Error CompactReader::error(std::string_view what) const {
  return core::fail("Thrift compact data: {} at byte {} of {}", what, pos_, bytes_.size());
}

core::Result<std::uint8_t> CompactReader::byte() {
  if (pos_ >= bytes_.size()) return error("ends early");
  return bytes_[pos_++];
}

core::Result<std::uint64_t> CompactReader::varint() {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    auto b = byte();
    if (!b) return b.error();
    value |= static_cast<std::uint64_t>(*b & 0x7f) << shift;
    if ((*b & 0x80) == 0) {
      if (shift == 63 && *b > 1) return error("a varint overflows 64 bits");
      return value;
    }
  }
  return error("a varint is longer than 10 bytes");
}

core::Result<void> CompactReader::begin_struct() {
  if (last_ids_.size() >= max_depth_) return error(fmt::format("structs nested deeper than {}", max_depth_));
  last_ids_.push_back(0);
  return {};
}

core::Result<FieldHeader> CompactReader::next_field() {
  if (last_ids_.empty()) return error("a field read outside a struct");
  auto b = byte();
  if (!b) return b.error();
  if (*b == 0) {
    last_ids_.pop_back();
    return FieldHeader{};
  }
  const std::uint8_t type = *b & 0x0f;
  if (!valid_value_type(type)) return error(fmt::format("unknown field type {}", type));
  std::int64_t id = 0;
  if (const int delta = *b >> 4; delta != 0) {
    id = last_ids_.back() + delta;
  } else {
    auto raw = varint();
    if (!raw) return raw.error();
    id = unzigzag(*raw);
  }
  if (id < std::numeric_limits<std::int16_t>::min() || id > std::numeric_limits<std::int16_t>::max()) {
    return error("a field id outside i16");
  }
  last_ids_.back() = static_cast<std::int16_t>(id);
  return FieldHeader{static_cast<std::int16_t>(id), static_cast<Type>(type)};
}

core::Result<std::int64_t> CompactReader::read_int(Type type) {
  if (type == Type::kI8) {
    auto b = byte();
    if (!b) return b.error();
    return static_cast<std::int64_t>(static_cast<std::int8_t>(*b));
  }
  if (type != Type::kI16 && type != Type::kI32 && type != Type::kI64) {
    return error(fmt::format("an integer expected, type {} found", static_cast<int>(type)));
  }
  auto raw = varint();
  if (!raw) return raw.error();
  const std::int64_t v = unzigzag(*raw);
  const bool fits = type == Type::kI64 ||
                    (type == Type::kI32 && v >= std::numeric_limits<std::int32_t>::min() &&
                     v <= std::numeric_limits<std::int32_t>::max()) ||
                    (type == Type::kI16 && v >= std::numeric_limits<std::int16_t>::min() &&
                     v <= std::numeric_limits<std::int16_t>::max());
  if (!fits) return error("an integer outside its type's range");
  return v;
}

core::Result<std::int32_t> CompactReader::read_i32(Type type, std::int32_t min, std::int32_t max) {
  const std::size_t at = pos_;
  auto v = read_int(type);
  if (!v) return v.error();
  if (type == Type::kI64 || *v < min || *v > max) {
    pos_ = at;
    return error(fmt::format("the value {} is outside [{}, {}]", *v, min, max));
  }
  return static_cast<std::int32_t>(*v);
}

core::Result<bool> CompactReader::read_bool(Type type, bool in_list) {
  if (in_list) {
    auto b = byte();
    if (!b) return b.error();
    if (*b != 1 && *b != 2 && *b != 0) return error("a boolean element is not 0, 1 or 2");
    return *b == 1;
  }
  if (type != Type::kTrue && type != Type::kFalse) return error("a boolean expected");
  return type == Type::kTrue;
}

core::Result<double> CompactReader::read_double(Type type) {
  if (type != Type::kDouble) return error("a double expected");
  if (remaining() < 8) return error("ends early");
  std::uint64_t bits = 0;
  for (int i = 7; i >= 0; --i) bits = (bits << 8) | bytes_[pos_ + i];
  pos_ += 8;
  double out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

core::Result<std::string_view> CompactReader::read_binary(Type type) {
  if (type != Type::kBinary) return error("binary expected");
  auto size = varint();
  if (!size) return size.error();
  if (*size > remaining()) return error(fmt::format("binary of {} bytes with {} left", *size, remaining()));
  const std::string_view out(reinterpret_cast<const char*>(bytes_.data() + pos_), *size);
  pos_ += *size;
  return out;
}

core::Result<ListHeader> CompactReader::read_list(Type type) {
  if (type != Type::kList && type != Type::kSet) return error("a list expected");
  auto b = byte();
  if (!b) return b.error();
  const std::uint8_t element = *b & 0x0f;
  if (!valid_value_type(element)) return error(fmt::format("unknown list element type {}", element));
  std::uint64_t size = *b >> 4;
  if (size == 15) {
    auto raw = varint();
    if (!raw) return raw.error();
    size = *raw;
  }
  if (size > remaining()) return error(fmt::format("a list of {} elements with {} bytes left", size, remaining()));
  return ListHeader{static_cast<Type>(element), static_cast<std::uint32_t>(size)};
}

core::Result<void> CompactReader::skip(Type type) { return skip_nested(type, 0); }

core::Result<void> CompactReader::skip_nested(Type type, std::uint32_t depth) {
  if (depth + last_ids_.size() >= max_depth_) return error(fmt::format("values nested deeper than {}", max_depth_));
  switch (type) {
    case Type::kTrue:
    case Type::kFalse: return {};
    case Type::kI8:
    case Type::kI16:
    case Type::kI32:
    case Type::kI64: {
      auto v = read_int(type);
      return v ? core::Result<void>() : core::Result<void>(v.error());
    }
    case Type::kDouble: {
      auto v = read_double(type);
      return v ? core::Result<void>() : core::Result<void>(v.error());
    }
    case Type::kBinary: {
      auto v = read_binary(type);
      return v ? core::Result<void>() : core::Result<void>(v.error());
    }
    case Type::kList:
    case Type::kSet: {
      auto list = read_list(type);
      if (!list) return list.error();
      for (std::uint32_t i = 0; i < list->size; ++i) {
        if (list->element == Type::kTrue || list->element == Type::kFalse) {
          if (auto b = read_bool(list->element, true); !b) return b.error();
        } else if (auto r = skip_nested(list->element, depth + 1); !r) {
          return r;
        }
      }
      return {};
    }
    case Type::kMap: {
      auto size = varint();
      if (!size) return size.error();
      if (*size == 0) return {};
      if (*size > remaining() / 2) return error("a map larger than the bytes left");
      auto kinds = byte();
      if (!kinds) return kinds.error();
      const std::uint8_t key = *kinds >> 4, value = *kinds & 0x0f;
      if (!valid_value_type(key) || !valid_value_type(value)) return error("unknown map key or value type");
      for (std::uint64_t i = 0; i < *size; ++i) {
        for (const std::uint8_t t : {key, value}) {
          const auto kind = static_cast<Type>(t);
          if (kind == Type::kTrue || kind == Type::kFalse) {
            if (auto b = read_bool(kind, true); !b) return b.error();
          } else if (auto r = skip_nested(kind, depth + 1); !r) {
            return r;
          }
        }
      }
      return {};
    }
    case Type::kStruct: {
      if (auto r = begin_struct(); !r) return r;
      while (true) {
        auto field = next_field();
        if (!field) return field.error();
        if (field->type == Type::kStop) return {};
        if (auto r = skip_nested(field->type, depth + 1); !r) return r;
      }
    }
    case Type::kStop: break;
  }
  return error("a value of type 0");
}

}  // namespace llmload::workload::thrift
