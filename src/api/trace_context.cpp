#include "llmload/api/trace_context.hpp"

#include "llmload/core/rng.hpp"

#include <algorithm>

namespace llmload::api {
namespace {

// splitmix64's finalizer: a bijection on 64-bit values, so distinct inputs never collide.
std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void put_be64(std::uint64_t v, std::uint8_t* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
}

constexpr char kHex[] = "0123456789abcdef";

char* put_hex(const std::uint8_t* bytes, std::size_t size, char* out) {
  for (std::size_t i = 0; i < size; ++i) {
    *out++ = kHex[bytes[i] >> 4];
    *out++ = kHex[bytes[i] & 0xf];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool read_hex(std::string_view text, std::uint8_t* out) {
  for (std::size_t i = 0; i < text.size() / 2; ++i) {
    const int hi = hex_value(text[2 * i]);
    const int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

template <std::size_t N>
bool all_zero(const std::array<std::uint8_t, N>& bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

}  // namespace

std::vector<TraceParent> make_trace_parents(std::uint64_t seed, std::string_view stream, std::size_t count) {
  core::Rng rng(seed, stream);
  const std::uint64_t run_high = rng.next_u64() | 1;  // never zero, so no trace id is all zeros
  const std::uint64_t trace_key = rng.next_u64();
  const std::uint64_t span_key = rng.next_u64();
  std::vector<TraceParent> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    TraceParent& t = out[i];
    put_be64(run_high, t.trace_id.data());
    put_be64(mix64(static_cast<std::uint64_t>(i) ^ trace_key), t.trace_id.data() + 8);
    std::uint64_t span = mix64(static_cast<std::uint64_t>(i) ^ span_key);
    if (span == 0) span = span_key | 1;  // one position in 2^64 maps to zero
    put_be64(span, t.parent_id.data());
    char* p = t.text.data();
    *p++ = '0';
    *p++ = '0';
    *p++ = '-';
    p = put_hex(t.trace_id.data(), t.trace_id.size(), p);
    *p++ = '-';
    p = put_hex(t.parent_id.data(), t.parent_id.size(), p);
    *p++ = '-';
    *p++ = '0';
    *p = '1';
  }
  return out;
}

std::string to_hex(const std::uint8_t* bytes, std::size_t size) {
  std::string out(size * 2, '0');
  put_hex(bytes, size, out.data());
  return out;
}

bool parse_traceparent(std::string_view text, TraceId& trace_id, SpanId& parent_id) {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55 characters;
  // a later version may append fields after a '-'.
  if (text.size() < 55 || (text.size() > 55 && text[55] != '-')) return false;
  if (text[2] != '-' || text[35] != '-' || text[52] != '-') return false;
  std::uint8_t version = 0, flags = 0;
  if (!read_hex(text.substr(0, 2), &version) || version == 0xff) return false;
  if (version == 0 && text.size() != 55) return false;
  if (!read_hex(text.substr(3, 32), trace_id.data()) || !read_hex(text.substr(36, 16), parent_id.data())) {
    return false;
  }
  if (!read_hex(text.substr(53, 2), &flags)) return false;
  return !all_zero(trace_id) && !all_zero(parent_id);
}

}  // namespace llmload::api
