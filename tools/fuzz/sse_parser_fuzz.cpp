// Fuzz target for sse::Parser. Input: one byte that picks the split point, then the stream.
// For the default cap and for a 16-byte cap it checks, and aborts on any mismatch, that
//   - the stream fed in two pieces split at that point, and fed one byte at a time, gives the
//     same events, error, finish() result, retry and last event id as fed whole;
//   - all of that equals a plain, unoptimised reading of the WHATWG algorithm written below;
//   - no event carries CR or LF in its type or id, CR in its data, or NUL in its id;
//   - parsing the same stream again after reset() allocates nothing (steady state).
// Build with clang -fsanitize=fuzzer,address to fuzz, or as a replay driver (tools/fuzz).
#include "llmload/sse/sse_parser.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

// Heap allocations made by this thread, counted by the replaced operator new below.
thread_local std::size_t t_allocations = 0;

}  // namespace

// The whole unaligned family is replaced, so that every new is paired with a matching delete
// (under AddressSanitizer too).
void* operator new(std::size_t size) {
  ++t_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  ++t_allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return ::operator new(size, tag);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

using llmload::sse::Event;
using llmload::sse::Parser;

struct Got {
  std::string type, data, id;
  bool operator==(const Got&) const = default;
};

struct Outcome {
  std::vector<Got> events;
  std::string error_kind;  // what exceeded the cap ("" = no error); see kind_of()
  bool truncated = false;
  std::optional<std::uint64_t> retry_ms;
  std::string last_id;
  bool operator==(const Outcome&) const = default;
};

[[noreturn]] void mismatch(const char* what) {
  std::fprintf(stderr, "sse_parser_fuzz: %s\n", what);
  std::abort();
}

// The subject of the parser's error message, which must also name the cap and the flag.
std::string kind_of(const std::string& message, std::size_t cap) {
  if (message.find("--max-sse-event-bytes") == std::string::npos ||
      message.find("cap of " + std::to_string(cap) + " bytes") == std::string::npos) {
    mismatch("error message does not name the cap and --max-sse-event-bytes");
  }
  return message.substr(0, message.find(" exceeds"));
}

void check_invariants(const Event& e) {
  for (const std::string_view s : {e.type, e.id}) {
    if (s.find_first_of("\r\n") != std::string_view::npos) mismatch("CR/LF in type or id");
  }
  if (e.data.find('\r') != std::string_view::npos) mismatch("CR in data");
  if (e.id.find('\0') != std::string_view::npos) mismatch("NUL in id");
}

Outcome parse(const std::vector<std::string_view>& pieces, std::size_t cap) {
  Parser parser(cap);
  Outcome out;
  for (const auto piece : pieces) {
    std::string copy(piece);  // a fresh buffer per feed, as socket reads are
    auto fed = parser.feed(copy, [&](const Event& e) {
      check_invariants(e);
      out.events.push_back({std::string(e.type), std::string(e.data), std::string(e.id)});
    });
    if (!fed) {
      out.error_kind = kind_of(fed.error().message, cap);
      if (parser.feed("data: x\n\n", [](const Event&) { mismatch("event after failure"); })) {
        mismatch("parser did not stay failed");
      }
      break;
    }
  }
  out.truncated = parser.finish();
  out.retry_ms = parser.retry_ms();
  out.last_id = std::string(parser.last_event_id());
  return out;
}

// ---- reference: the spec's steps, one line at a time, no buffering tricks -------------------

bool is_digits(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Outcome reference(std::string_view stream, std::size_t cap) {
  Outcome out;
  if (stream.substr(0, 3) == "\xEF\xBB\xBF") stream.remove_prefix(3);
  std::string data;  // the spec's data buffer: each value followed by '\n'
  std::string type;
  std::string id;
  bool pending = false;
  // Splits a line into name and value (one leading space dropped).
  auto split = [](std::string_view line, std::string_view& name, std::string_view& value) {
    const auto colon = line.find(':');
    name = line.substr(0, colon);
    value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    return colon != std::string_view::npos;
  };
  // The cap, applied to a (possibly partial) line: the joined data or a kept field's value.
  auto over_cap = [&](std::string_view name, std::string_view value) -> std::string {
    if (name == "data") {
      if (data.size() + value.size() > cap) return "an SSE event's data";  // joined size
    } else if (value.size() > cap) {
      if (name == "event") return "an SSE 'event:' field value";
      if (name == "id") return "an SSE 'id:' field value";
      if (name == "retry") return "an SSE 'retry:' field value";
    }
    return "";
  };
  std::size_t i = 0;
  while (i < stream.size()) {
    std::size_t j = i;
    while (j < stream.size() && stream[j] != '\r' && stream[j] != '\n') ++j;
    const std::string_view line = stream.substr(i, j - i);
    pending = true;
    std::string_view name, value;
    const bool has_colon = split(line, name, value);
    if (j == stream.size()) {  // unterminated: only the cap applies, once the colon has arrived
      if (has_colon) out.error_kind = over_cap(name, value);
      break;
    }
    i = j + 1;
    if (stream[j] == '\r' && i < stream.size() && stream[i] == '\n') ++i;
    if (line.empty()) {
      pending = false;
      if (!data.empty()) {
        data.pop_back();
        out.events.push_back({type, data, id});
      }
      data.clear();
      type.clear();
      continue;
    }
    if (line[0] == ':') continue;
    if (out.error_kind = over_cap(name, value); !out.error_kind.empty()) break;
    if (name == "data") {
      data.append(value);
      data.push_back('\n');
    } else if (name == "event") {
      type = value;
    } else if (name == "id") {
      if (value.find('\0') == std::string_view::npos) id = value;
    } else if (name == "retry" && is_digits(value)) {
      std::uint64_t ms = 0;
      bool fits = true;
      for (const char c : value) {
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (ms > (UINT64_MAX - digit) / 10) fits = false;
        ms = ms * 10 + digit;
      }
      if (fits) out.retry_ms = ms;
    }
  }
  out.truncated = pending;
  out.last_id = id;
  return out;
}

// Feeds `pieces` after reset() with a callback that allocates nothing; returns allocations.
std::size_t steady_state_allocations(Parser& parser, const std::vector<std::string_view>& pieces) {
  std::size_t checksum = 0;
  parser.reset();
  const std::size_t before = t_allocations;
  for (const auto piece : pieces) {
    (void)parser.feed(piece, [&](const Event& e) { checksum += e.data.size() + e.type.size(); });
  }
  (void)parser.finish();
  const std::size_t after = t_allocations;
  if (checksum == static_cast<std::size_t>(-1)) std::puts("");  // keep checksum alive
  return after - before;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view stream(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  const std::size_t at = stream.size() * bytes[0] / 255;
  const std::vector<std::string_view> whole{stream};
  const std::vector<std::string_view> two{stream.substr(0, at), stream.substr(at)};
  std::vector<std::string_view> ones;
  for (std::size_t i = 0; i < stream.size(); ++i) ones.push_back(stream.substr(i, 1));

  for (const std::size_t cap : {llmload::sse::kDefaultMaxEventBytes, std::size_t{16}}) {
    const Outcome want = parse(whole, cap);
    if (!(parse(two, cap) == want)) mismatch("split feed differs from whole feed");
    if (!(parse(ones, cap) == want)) mismatch("byte-at-a-time feed differs from whole feed");
    if (!(reference(stream, cap) == want)) mismatch("parser differs from the reference");

    // Steady state: a second pass over the same stream reuses every buffer. (reset() releases
    // buffers above 64 KiB on purpose, and a failure formats its message.)
    if (want.error_kind.empty() && stream.size() <= 16 * 1024) {
      Parser parser(cap);
      for (const auto* pieces : {&whole, &two}) {
        (void)steady_state_allocations(parser, *pieces);
        if (steady_state_allocations(parser, *pieces) != 0) mismatch("allocation in steady state");
      }
    }
  }
  return 0;
}
