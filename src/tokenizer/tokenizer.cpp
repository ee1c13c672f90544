#include "llmload/tokenizer/tokenizer.hpp"

#include "llmload/core/input_file.hpp"
#include "llmload/tokenizer/unicode.hpp"
#include "llmload/tokenizer/unicode_regex.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <bitset>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <queue>
#include <sstream>
#include <unordered_map>

namespace llmload::tokenizer {

namespace {

namespace json = boost::json;

constexpr std::string_view kSpmSpace = "\xE2\x96\x81";  // U+2581 LOWER ONE EIGHTH BLOCK
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using StringMap = std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>>;

// GPT-2's byte <-> printable code point table used by ByteLevel.
struct ByteTable {
  std::array<char32_t, 256> to_char{};
  std::unordered_map<char32_t, std::uint8_t> to_byte;
  ByteTable() {
    char32_t extra = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
      to_char[static_cast<std::size_t>(b)] = printable ? static_cast<char32_t>(b) : extra++;
      to_byte[to_char[static_cast<std::size_t>(b)]] = static_cast<std::uint8_t>(b);
    }
  }
};
const ByteTable& byte_table() {
  static const ByteTable table;
  return table;
}

// Bytes of a ByteLevel vocabulary string, or nullopt when it has a character outside the table.
std::optional<std::string> byte_level_to_raw(std::string_view token) {
  const auto& table = byte_table();
  std::string raw;
  raw.reserve(token.size());
  for (std::size_t pos = 0; pos < token.size();) {
    const auto it = table.to_byte.find(unicode::next_code_point(token, pos));
    if (it == table.to_byte.end()) return std::nullopt;
    raw.push_back(static_cast<char>(it->second));
  }
  return raw;
}

// Open-addressing map from a merge pair (left id, right id) to (rank, merged id).
class MergeMap {
 public:
  void reserve(std::size_t n) {
    std::size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    keys_.assign(cap, kEmpty);
    values_.assign(cap, 0);
  }
  void insert(std::int32_t a, std::int32_t b, std::uint32_t rank, std::int32_t merged) {
    const auto k = key(a, b);
    std::size_t i = slot(k);
    while (keys_[i] != kEmpty && keys_[i] != k) i = (i + 1) & (keys_.size() - 1);
    keys_[i] = k;
    values_[i] = (std::uint64_t{rank} << 32) | static_cast<std::uint32_t>(merged);
  }
  // (rank, merged id) of the pair, or rank UINT32_MAX when it does not merge.
  std::pair<std::uint32_t, std::int32_t> find(std::int32_t a, std::int32_t b) const {
    const auto k = key(a, b);
    for (std::size_t i = slot(k);; i = (i + 1) & (keys_.size() - 1)) {
      if (keys_[i] == k) {
        return {static_cast<std::uint32_t>(values_[i] >> 32), static_cast<std::int32_t>(values_[i] & 0xFFFFFFFF)};
      }
      if (keys_[i] == kEmpty) return {UINT32_MAX, -1};
    }
  }

 private:
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  static std::uint64_t key(std::int32_t a, std::int32_t b) {
    return (std::uint64_t{static_cast<std::uint32_t>(a)} << 32) | static_cast<std::uint32_t>(b);
  }
  std::size_t slot(std::uint64_t k) const {
    return static_cast<std::size_t>((k * 0x9E3779B97F4A7C15ull) >> 20) & (keys_.size() - 1);
  }
  std::vector<std::uint64_t> keys_;
  std::vector<std::uint64_t> values_;
};

struct AddedToken {
  std::string content;
  std::int32_t id = 0;
  bool special = false, normalized = false, lstrip = false, rstrip = false, single_word = false;
};

// A byte trie over added-token contents for leftmost-longest matching.
class AddedTrie {
 public:
  bool empty() const { return nodes_.empty(); }
  void add(std::string_view s, std::int32_t token_index) {
    if (nodes_.empty()) nodes_.emplace_back();
    std::uint32_t node = 0;
    for (const char c : s) {
      const auto b = static_cast<std::uint8_t>(c);
      auto& edges = nodes_[node].edges;
      auto it = std::find_if(edges.begin(), edges.end(), [b](const auto& e) { return e.first == b; });
      if (it != edges.end()) {
        node = it->second;
        continue;
      }
      const auto child = static_cast<std::uint32_t>(nodes_.size());
      nodes_[node].edges.emplace_back(b, child);
      nodes_.emplace_back();
      node = child;
    }
    nodes_[node].token = token_index;
    if (first_.none()) first_.reset();
    first_.set(static_cast<std::uint8_t>(s[0]));
  }
  // Longest token starting at `pos`: sets `len` and returns its index, or -1.
  std::int32_t longest(std::string_view text, std::size_t pos, std::size_t& len) const {
    if (!first_.test(static_cast<std::uint8_t>(text[pos]))) return -1;
    std::int32_t best = -1;
    std::uint32_t node = 0;
    for (std::size_t i = pos; i < text.size(); ++i) {
      const auto b = static_cast<std::uint8_t>(text[i]);
      const auto& edges = nodes_[node].edges;
      auto it = std::find_if(edges.begin(), edges.end(), [b](const auto& e) { return e.first == b; });
      if (it == edges.end()) break;
      node = it->second;
      if (nodes_[node].token >= 0) {
        best = nodes_[node].token;
        len = i + 1 - pos;
      }
    }
    return best;
  }

 private:
  struct Node {
    std::vector<std::pair<std::uint8_t, std::uint32_t>> edges;
    std::int32_t token = -1;
  };
  std::vector<Node> nodes_;
  std::bitset<256> first_;
};

enum class Behavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

struct NormalizerStep {
  enum Kind { kNfc, kPrepend, kReplaceString, kReplaceRegex, kStrip } kind = kNfc;
  std::string a, b;
  std::optional<UnicodeRegex> re;
  bool left = false, right = false;
};

struct PreTokenizerStep {
  enum Kind { kSplit, kByteLevel, kMetaspace } kind = kSplit;
  // kSplit (and kByteLevel's regex)
  std::optional<UnicodeRegex> re;
  std::string literal;
  Behavior behavior = Behavior::kIsolated;
  bool invert = false;
  // kByteLevel
  bool add_prefix_space = false;
  // kMetaspace
  std::string replacement;
  enum class Prepend { kAlways, kFirst, kNever } prepend = Prepend::kAlways;
  bool split = true;
};

struct DecoderStep {
  enum Kind { kByteLevel, kReplace, kByteFallback, kFuse, kStrip, kMetaspace } kind = kFuse;
  std::string a, b;
  std::size_t start = 0, stop = 0;
  bool prepend = true;
};

struct Piece {
  std::size_t begin, end;
  bool at_origin;  // starts at offset 0 of the original text (Metaspace prepend_scheme=first)
};

// Per-thread scratch and pre-token cache, so encode() is const, lock-free and reentrant.
struct CacheEntry {
  std::uint64_t hash = 0;
  std::string key;
  std::vector<std::int32_t> ids;
};
constexpr std::size_t kCacheEntries = 1 << 14;
constexpr std::size_t kMaxCachedBytes = 64;
constexpr std::string_view kMetaspace = "\xE2\x96\x81";  // U+2581, SentencePiece's space
constexpr std::size_t kMaxSplitExceptions = 64;
// The largest token id loaded: 2^24 - 1, 64 times the largest vocabularies in use (256 k), so
// that a hostile id cannot make the id-indexed tables take gigabytes (they are as long as the
// largest id).
constexpr std::int64_t kMaxTokenId = (std::int64_t{1} << 24) - 1;
constexpr std::size_t kShortWord = 24;  // symbols; longer words use the heap

struct ThreadState {
  std::uint64_t owner = 0;
  std::vector<CacheEntry> cache;
  std::string buffer;
  std::vector<Piece> pieces, next_pieces;
  struct Seg {
    std::size_t begin, end;
    bool match;
  };
  std::vector<Seg> segs;
  struct Sym {
    std::int32_t id, prev, next;
    std::uint32_t start;
  };
  std::vector<Sym> syms;
  struct Cand {
    std::uint32_t rank, start;
    std::int32_t left, left_id, right_id;
    bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : start > o.start; }
  };
  std::vector<Cand> heap;
};

std::uint64_t hash_bytes(std::string_view s) {
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
  }
  std::uint64_t w = 0;
  std::memcpy(&w, s.data() + i, s.size() - i);
  h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
  return h ^ (h >> 29);
}

std::atomic<std::uint64_t> g_next_owner{1};

ThreadState& thread_state(std::uint64_t owner) {
  thread_local std::array<ThreadState, 4> states;
  thread_local std::size_t next_victim = 0;
  for (auto& s : states) {
    if (s.owner == owner) return s;
  }
  auto& s = states[next_victim++ % states.size()];
  s.owner = owner;
  s.cache.assign(kCacheEntries, CacheEntry{});
  return s;
}

std::string sanitize_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) unicode::append_utf8(out, unicode::next_code_point(text, pos));
  return out;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  std::string out;
  std::size_t pos = 0;
  for (std::size_t hit; (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
    out.append(s, pos, hit - pos);
    out.append(to);
  }
  if (pos == 0) return;
  out.append(s, pos, std::string::npos);
  s = std::move(out);
}

bool is_word_char(char32_t cp) {
  if (cp == '_') return true;
  const auto c = static_cast<unsigned>(unicode::category(cp));
  return c <= static_cast<unsigned>(unicode::Category::Lo) ||
         (c >= static_cast<unsigned>(unicode::Category::Nd) && c <= static_cast<unsigned>(unicode::Category::No));
}

char32_t last_code_point(std::string_view s) {
  std::size_t p = s.size();
  do {
    --p;
  } while (p > 0 && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80);
  return unicode::next_code_point(s, p);
}

}  // namespace

struct Tokenizer::Impl {
  std::string origin;
  std::uint64_t owner = 0;

  // Model.
  bool byte_level = false;  // vocabulary strings are GPT-2 byte-level encoded
  std::vector<std::string> tokens;  // id -> vocabulary string (added tokens included)
  std::size_t model_vocab_size = 0; // one past the model vocabulary's largest id
  StringMap vocab;                  // vocabulary string -> id
  StringMap raw_vocab;              // raw bytes -> id (byte-level only; else use vocab)
  std::array<std::int32_t, 256> byte_ids{};  // byte-level: id of each single byte
  std::array<std::int32_t, 256> fallback_ids{};  // byte_fallback: id of <0xXX>
  std::array<std::int32_t, 128> ascii_ids{};     // not byte-level: id of each ASCII character
  MergeMap merges;
  bool ignore_merges = false;
  bool byte_fallback = false;
  bool fuse_unk = false;
  /// SentencePiece-style vocabularies (no byte-level): a long piece is encoded segment by
  /// segment (each through the word cache), cut before every "▁" that follows another
  /// character, with exactly the ids of encoding it whole: every merge result is a vocabulary
  /// token, so a merge can join the two sides of such a cut only into a token that holds
  /// "x▁" there. The few tokens that do (Gemma 3: ">▁</") are kept with the byte offsets of
  /// those "▁"s, and no cut is made where one of them matches the text across it. Off when
  /// there are more than kMaxSplitExceptions such tokens.
  bool metaspace_split = false;
  std::vector<std::pair<std::string, std::vector<std::size_t>>> split_exceptions;
  bool may_cut(std::string_view piece, std::size_t at) const {
    for (const auto& [token, offsets] : split_exceptions) {
      for (const std::size_t k : offsets) {
        if (at >= k && piece.size() - (at - k) >= token.size() && piece.compare(at - k, token.size(), token) == 0) return false;
      }
    }
    return true;
  }
  std::int32_t unk_id = -1;

  // Added tokens.
  std::vector<AddedToken> added;
  std::vector<bool> special_ids;
  AddedTrie raw_trie, normalized_trie;

  std::vector<NormalizerStep> normalizers;
  std::vector<PreTokenizerStep> pre_tokenizers;
  std::vector<DecoderStep> decoders;
  bool has_decoder = false;
  std::vector<std::int32_t> prefix_ids, suffix_ids;

  // ---- encoding ----
  void encode(std::string_view text, std::vector<std::int32_t>& out, const EncodeOptions& options) const;
  void split_added(std::string_view text, const AddedTrie& trie, bool text_at_origin,
                   std::vector<std::int32_t>& out, ThreadState& ts, bool normalized_pass) const;
  void encode_section(std::string_view section, bool at_origin, std::vector<std::int32_t>& out,
                      ThreadState& ts) const;
  void pre_tokenize_and_model(std::string_view text, bool at_origin, std::vector<std::int32_t>& out,
                              ThreadState& ts) const;
  void apply_split(const PreTokenizerStep& step, const Piece& piece, ThreadState& ts) const;
  void model(std::string_view piece, std::vector<std::int32_t>& out, ThreadState& ts) const;
  void model_word(std::string_view piece, std::vector<std::int32_t>& out, ThreadState& ts) const;
  void bpe(std::string_view piece, std::vector<std::int32_t>& out, ThreadState& ts) const;
  // bpe()'s phases: the piece's initial symbols into ts.syms, then their merges.
  void initial_symbols(std::string_view piece, ThreadState& ts) const;
  void merge_short(const std::vector<ThreadState::Sym>& syms, std::vector<std::int32_t>& out) const;
  void merge_with_heap(std::vector<std::int32_t>& out, ThreadState& ts) const;
};

// ---- encoding -------------------------------------------------------------------------------

void Tokenizer::Impl::encode(std::string_view text, std::vector<std::int32_t>& out,
                             const EncodeOptions& options) const {
  std::string sanitized;
  if (!unicode::is_valid_utf8(text)) {
    sanitized = sanitize_utf8(text);
    text = sanitized;
  }
  ThreadState& ts = thread_state(owner);
  if (options.add_special_tokens) out.insert(out.end(), prefix_ids.begin(), prefix_ids.end());
  if (raw_trie.empty()) {
    encode_section(text, true, out, ts);
  } else {
    split_added(text, raw_trie, true, out, ts, false);
  }
  if (options.add_special_tokens) out.insert(out.end(), suffix_ids.begin(), suffix_ids.end());
}

void Tokenizer::Impl::split_added(std::string_view text, const AddedTrie& trie, bool text_at_origin,
                                  std::vector<std::int32_t>& out, ThreadState& ts,
                                  bool normalized_pass) const {
  std::size_t start = 0;  // start of the pending ordinary text
  auto flush = [&](std::size_t end) {
    if (end <= start) return;
    const auto section = text.substr(start, end - start);
    const bool at_origin = text_at_origin && start == 0;
    if (normalized_pass) {
      pre_tokenize_and_model(section, at_origin, out, ts);
    } else {
      encode_section(section, at_origin, out, ts);
    }
  };
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t len = 0;
    const std::int32_t index = trie.longest(text, pos, len);
    if (index < 0) {
      ++pos;
      continue;
    }
    const AddedToken& token = added[static_cast<std::size_t>(index)];
    std::size_t begin = pos, end = pos + len;
    if (token.single_word) {
      const bool left_ok = begin == 0 || !is_word_char(last_code_point(text.substr(0, begin)));
      std::size_t after = end;
      const bool right_ok = end == text.size() || !is_word_char(unicode::next_code_point(text, after));
      if (!left_ok || !right_ok) {
        ++pos;
        continue;
      }
    }
    if (token.lstrip) {
      while (begin > start) {
        const std::size_t prev = begin;
        std::size_t p = prev;
        do {
          --p;
        } while (p > start && (static_cast<unsigned char>(text[p]) & 0xC0) == 0x80);
        std::size_t q = p;
        if (!unicode::is_white_space(unicode::next_code_point(text, q))) break;
        begin = p;
      }
    }
    if (token.rstrip) {
      while (end < text.size()) {
        std::size_t q = end;
        if (!unicode::is_white_space(unicode::next_code_point(text, q))) break;
        end = q;
      }
    }
    flush(begin);
    out.push_back(token.id);
    start = pos = end;
  }
  flush(text.size());
}

void Tokenizer::Impl::encode_section(std::string_view section, bool at_origin,
                                     std::vector<std::int32_t>& out, ThreadState& ts) const {
  const bool identity = normalizers.empty() || (normalizers.size() == 1 &&
                                                 normalizers[0].kind == NormalizerStep::kNfc &&
                                                 unicode::is_nfc_quick(section));
  if (identity) {
    if (normalized_trie.empty()) {
      pre_tokenize_and_model(section, at_origin, out, ts);
    } else {
      split_added(section, normalized_trie, at_origin, out, ts, true);
    }
    return;
  }
  std::string s(section);
  for (const auto& n : normalizers) {
    switch (n.kind) {
      case NormalizerStep::kNfc:
        s = unicode::to_nfc(s);
        break;
      case NormalizerStep::kPrepend:
        if (!s.empty()) s.insert(0, n.a);
        break;
      case NormalizerStep::kReplaceString:
        replace_all(s, n.a, n.b);
        break;
      case NormalizerStep::kReplaceRegex: {
        std::string r;
        std::size_t pos = 0, b = 0, e = 0;
        while (n.re->find(s, pos, b, e)) {
          r.append(s, pos, b - pos);
          r.append(n.b);
          pos = e;
        }
        r.append(s, pos, std::string::npos);
        s = std::move(r);
        break;
      }
      case NormalizerStep::kStrip: {
        std::size_t b = 0, e = s.size();
        if (n.left) {
          while (b < e) {
            std::size_t q = b;
            if (!unicode::is_white_space(unicode::next_code_point(s, q))) break;
            b = q;
          }
        }
        if (n.right) {
          while (e > b) {
            const char32_t cp = last_code_point(std::string_view(s).substr(0, e));
            if (!unicode::is_white_space(cp)) break;
            std::size_t p = e;
            do {
              --p;
            } while (p > b && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80);
            e = p;
          }
        }
        s = s.substr(b, e - b);
        break;
      }
    }
  }
  if (normalized_trie.empty()) {
    pre_tokenize_and_model(s, at_origin, out, ts);
  } else {
    split_added(s, normalized_trie, at_origin, out, ts, true);
  }
}

void Tokenizer::Impl::apply_split(const PreTokenizerStep& step, const Piece& piece, ThreadState& ts) const {
  auto& segs = ts.segs;
  segs.clear();
  const std::string_view buf = ts.buffer;
  const std::string_view text = buf.substr(piece.begin, piece.end - piece.begin);
  std::size_t prev = 0, b = 0, e = 0;
  auto add = [&](std::size_t mb, std::size_t me) {
    if (mb > prev) segs.push_back({prev, mb, step.invert});
    segs.push_back({mb, me, !step.invert});
    prev = me;
  };
  if (step.re) {
    for (std::size_t pos = 0; step.re->find(text, pos, b, e); pos = e) add(b, e);
  } else if (!step.literal.empty()) {
    for (std::size_t pos = 0; (b = text.find(step.literal, pos)) != std::string_view::npos; pos = b + step.literal.size()) {
      add(b, b + step.literal.size());
    }
  }
  if (prev < text.size()) segs.push_back({prev, text.size(), step.invert});

  auto emit = [&](std::size_t sb, std::size_t se) {
    if (se > sb) ts.next_pieces.push_back({piece.begin + sb, piece.begin + se, piece.at_origin && sb == 0});
  };
  switch (step.behavior) {
    case Behavior::kRemoved:
      for (const auto& s : segs) {
        if (!s.match) emit(s.begin, s.end);
      }
      break;
    case Behavior::kIsolated:
      for (const auto& s : segs) emit(s.begin, s.end);
      break;
    case Behavior::kMergedWithPrevious: {
      bool previous_match = false;
      std::size_t cur_b = 0, cur_e = 0;
      bool have = false;
      for (const auto& s : segs) {
        if (s.match && !previous_match && have) {
          cur_e = s.end;
        } else {
          if (have) emit(cur_b, cur_e);
          cur_b = s.begin, cur_e = s.end, have = true;
        }
        previous_match = s.match;
      }
      if (have) emit(cur_b, cur_e);
      break;
    }
    case Behavior::kMergedWithNext: {
      // Walk backwards: a match joins the segment after it unless that one was a match too.
      std::vector<std::pair<std::size_t, std::size_t>> rev;
      bool previous_match = false;
      for (auto it = segs.rbegin(); it != segs.rend(); ++it) {
        if (it->match && !previous_match && !rev.empty()) {
          rev.back().first = it->begin;
        } else {
          rev.emplace_back(it->begin, it->end);
        }
        previous_match = it->match;
      }
      for (auto it = rev.rbegin(); it != rev.rend(); ++it) emit(it->first, it->second);
      break;
    }
    case Behavior::kContiguous: {
      std::size_t cur_b = 0, cur_e = 0;
      int previous = -1;
      for (const auto& s : segs) {
        if (previous == static_cast<int>(s.match)) {
          cur_e = s.end;
        } else {
          if (previous != -1) emit(cur_b, cur_e);
          cur_b = s.begin, cur_e = s.end;
        }
        previous = static_cast<int>(s.match);
      }
      if (previous != -1) emit(cur_b, cur_e);
      break;
    }
  }
}

void Tokenizer::Impl::pre_tokenize_and_model(std::string_view text, bool at_origin,
                                             std::vector<std::int32_t>& out, ThreadState& ts) const {
  if (text.empty()) return;
  // Fast path: one isolating regex split (the shape of every byte-level model here).
  if (pre_tokenizers.size() == 1 && pre_tokenizers[0].kind == PreTokenizerStep::kSplit &&
      pre_tokenizers[0].re && pre_tokenizers[0].behavior == Behavior::kIsolated && !pre_tokenizers[0].invert) {
    const UnicodeRegex& re = *pre_tokenizers[0].re;
    std::size_t prev = 0, b = 0, e = 0;
    for (std::size_t pos = 0; re.find(text, pos, b, e); pos = e) {
      if (b > prev) model(text.substr(prev, b - prev), out, ts);
      model(text.substr(b, e - b), out, ts);
      prev = e;
    }
    if (prev < text.size()) model(text.substr(prev), out, ts);
    return;
  }
  ts.buffer.assign(text);
  ts.pieces.clear();
  ts.pieces.push_back({0, text.size(), at_origin});
  for (const auto& step : pre_tokenizers) {
    ts.next_pieces.clear();
    for (const Piece& piece : ts.pieces) {
      switch (step.kind) {
        case PreTokenizerStep::kSplit:
          apply_split(step, piece, ts);
          break;
        case PreTokenizerStep::kByteLevel: {
          Piece p = piece;
          if (step.add_prefix_space && ts.buffer[p.begin] != ' ') {
            std::string copy = " " + ts.buffer.substr(p.begin, p.end - p.begin);
            p.begin = ts.buffer.size();
            ts.buffer += copy;
            p.end = ts.buffer.size();
          }
          if (step.re) {
            apply_split(step, p, ts);
          } else {
            ts.next_pieces.push_back(p);
          }
          break;
        }
        case PreTokenizerStep::kMetaspace: {
          std::string s = ts.buffer.substr(piece.begin, piece.end - piece.begin);
          replace_all(s, " ", step.replacement);
          const bool starts = s.compare(0, step.replacement.size(), step.replacement) == 0;
          if (!starts && (step.prepend == PreTokenizerStep::Prepend::kAlways ||
                          (step.prepend == PreTokenizerStep::Prepend::kFirst && piece.at_origin))) {
            s.insert(0, step.replacement);
          }
          Piece p{ts.buffer.size(), 0, piece.at_origin};
          ts.buffer += s;
          p.end = ts.buffer.size();
          if (step.split) {
            apply_split(step, p, ts);
          } else {
            ts.next_pieces.push_back(p);
          }
          break;
        }
      }
    }
    std::swap(ts.pieces, ts.next_pieces);
  }
  // model() uses only the cache and BPE scratch, never buffer or pieces.
  for (const Piece& p : ts.pieces) model(std::string_view(ts.buffer).substr(p.begin, p.end - p.begin), out, ts);
}

void Tokenizer::Impl::model(std::string_view piece, std::vector<std::int32_t>& out, ThreadState& ts) const {
  if (metaspace_split && piece.size() > kMaxCachedBytes) {
    std::size_t start = 0;
    for (std::size_t at = piece.find(kMetaspace, 1); at != std::string_view::npos;
         at = piece.find(kMetaspace, at + kMetaspace.size())) {
      if (at >= kMetaspace.size() && piece.compare(at - kMetaspace.size(), kMetaspace.size(), kMetaspace) == 0) continue;
      if (!may_cut(piece, at)) continue;
      model_word(piece.substr(start, at - start), out, ts);
      start = at;
    }
    model_word(piece.substr(start), out, ts);
    return;
  }
  model_word(piece, out, ts);
}

void Tokenizer::Impl::model_word(std::string_view piece, std::vector<std::int32_t>& out, ThreadState& ts) const {
  if (piece.size() > kMaxCachedBytes) {
    bpe(piece, out, ts);
    return;
  }
  const std::uint64_t h = hash_bytes(piece);
  CacheEntry& entry = ts.cache[h & (kCacheEntries - 1)];
  if (entry.hash == h && entry.key == piece) {
    out.insert(out.end(), entry.ids.begin(), entry.ids.end());
    return;
  }
  const std::size_t first = out.size();
  bpe(piece, out, ts);
  entry.hash = h;
  entry.key.assign(piece);
  entry.ids.assign(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
}

void Tokenizer::Impl::bpe(std::string_view piece, std::vector<std::int32_t>& out, ThreadState& ts) const {
  const StringMap& whole = byte_level ? raw_vocab : vocab;
  if (ignore_merges) {
    if (auto it = whole.find(piece); it != whole.end()) {
      out.push_back(it->second);
      return;
    }
  }
  initial_symbols(piece, ts);
  if (ts.syms.empty()) return;
  ts.syms.back().next = -1;
  if (ts.syms.size() <= kShortWord) {
    // Short words: a linear scan for the best pair beats a heap.
    merge_short(ts.syms, out);
  } else {
    merge_with_heap(out, ts);
  }
}

void Tokenizer::Impl::initial_symbols(std::string_view piece, ThreadState& ts) const {
  auto& syms = ts.syms;
  syms.clear();
  auto push = [&](std::int32_t id, std::size_t start) {
    syms.push_back({id, static_cast<std::int32_t>(syms.size()) - 1, static_cast<std::int32_t>(syms.size()) + 1,
                    static_cast<std::uint32_t>(start)});
  };
  if (byte_level) {
    for (std::size_t i = 0; i < piece.size(); ++i) {
      const std::int32_t id = byte_ids[static_cast<unsigned char>(piece[i])];
      if (id >= 0) {
        push(id, i);
      } else if (unk_id >= 0 && !(fuse_unk && !syms.empty() && syms.back().id == unk_id)) {
        push(unk_id, i);
      }
    }
  } else {
    for (std::size_t pos = 0; pos < piece.size();) {
      const auto c = static_cast<unsigned char>(piece[pos]);
      if (c < 0x80 && ascii_ids[c] >= 0) {
        push(ascii_ids[c], pos++);
        continue;
      }
      const std::size_t start = pos;
      unicode::next_code_point(piece, pos);
      const auto ch = piece.substr(start, pos - start);
      if (auto it = vocab.find(ch); it != vocab.end()) {
        push(it->second, start);
        continue;
      }
      if (byte_fallback) {
        bool all = true;
        for (const char c : ch) all = all && fallback_ids[static_cast<unsigned char>(c)] >= 0;
        if (all) {
          for (std::size_t i = 0; i < ch.size(); ++i) push(fallback_ids[static_cast<unsigned char>(ch[i])], start + i);
          continue;
        }
      }
      if (unk_id >= 0 && !(fuse_unk && !syms.empty() && syms.back().id == unk_id)) push(unk_id, start);
    }
  }
}

void Tokenizer::Impl::merge_short(const std::vector<ThreadState::Sym>& syms, std::vector<std::int32_t>& out) const {
  std::array<std::int32_t, kShortWord> ids;
  std::array<std::uint32_t, kShortWord> ranks;
  std::array<std::int32_t, kShortWord> merged_ids;
  std::size_t n = syms.size();
  for (std::size_t i = 0; i < n; ++i) ids[i] = syms[i].id;
  auto rank_at = [&](std::size_t i) {
    const auto [rank, merged] = merges.find(ids[i], ids[i + 1]);
    ranks[i] = rank;
    merged_ids[i] = merged;
  };
  for (std::size_t i = 0; i + 1 < n; ++i) rank_at(i);
  while (n > 1) {
    std::size_t best = 0;
    for (std::size_t i = 1; i + 1 < n; ++i) {
      if (ranks[i] < ranks[best]) best = i;
    }
    if (ranks[best] == UINT32_MAX) break;
    ids[best] = merged_ids[best];
    for (std::size_t i = best + 1; i + 1 < n; ++i) {
      ids[i] = ids[i + 1];
      ranks[i] = ranks[i + 1];
      merged_ids[i] = merged_ids[i + 1];
    }
    --n;
    if (best > 0) rank_at(best - 1);
    if (best + 1 < n) rank_at(best);
  }
  out.insert(out.end(), ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n));
}

void Tokenizer::Impl::merge_with_heap(std::vector<std::int32_t>& out, ThreadState& ts) const {
  auto& syms = ts.syms;
  auto& heap = ts.heap;
  heap.clear();
  auto consider = [&](std::int32_t left) {
    const std::int32_t right = syms[static_cast<std::size_t>(left)].next;
    if (right < 0) return;
    const auto& l = syms[static_cast<std::size_t>(left)];
    const auto& r = syms[static_cast<std::size_t>(right)];
    const auto [rank, merged] = merges.find(l.id, r.id);
    if (merged < 0) return;
    heap.push_back({rank, l.start, left, l.id, r.id});
    std::push_heap(heap.begin(), heap.end(), std::greater<>{});
  };
  for (std::size_t i = 0; i + 1 < syms.size(); ++i) consider(static_cast<std::int32_t>(i));
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<>{});
    const auto cand = heap.back();
    heap.pop_back();
    auto& l = syms[static_cast<std::size_t>(cand.left)];
    if (l.id != cand.left_id || l.next < 0) continue;  // merged away or changed since
    auto& r = syms[static_cast<std::size_t>(l.next)];
    if (r.id != cand.right_id) continue;
    const auto [rank, merged] = merges.find(l.id, r.id);
    l.id = merged;
    r.id = -1;  // dead
    l.next = r.next;
    if (l.next >= 0) syms[static_cast<std::size_t>(l.next)].prev = cand.left;
    if (l.prev >= 0) consider(l.prev);
    consider(cand.left);
  }
  for (std::int32_t i = 0; i >= 0; i = syms[static_cast<std::size_t>(i)].next) out.push_back(syms[static_cast<std::size_t>(i)].id);
}

// ---- loading --------------------------------------------------------------------------------

namespace {

struct Loader {
  std::string origin;
  core::Error error(std::string_view what) const { return core::fail("{}: {}", origin, what); }

  static std::string type_of(const json::value* v) {
    if (v == nullptr || !v->is_object()) return {};
    const auto* t = v->as_object().if_contains("type");
    if (t == nullptr || !t->is_string()) return {};
    return std::string(t->as_string());
  }
  static bool get_bool(const json::object& o, std::string_view key, bool fallback) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_bool() ? v->as_bool() : fallback;
  }
  static std::optional<std::string> get_string(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return std::string(v->as_string());
  }
  // An optional non-negative integer field (0 when absent or null).
  core::Result<std::size_t> count(const json::object& o, std::string_view where, std::string_view key) const {
    const auto* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) return std::size_t{0};
    if (v->is_uint64()) return static_cast<std::size_t>(v->as_uint64());
    if (!v->is_int64() || v->as_int64() < 0) return error(fmt::format("{} '{}' is not a non-negative integer", where, key));
    return static_cast<std::size_t>(v->as_int64());
  }
  // A token id: an integer from 0 to kMaxTokenId.
  static bool valid_id(const json::value& v) {
    return v.is_int64() && v.as_int64() >= 0 && v.as_int64() <= kMaxTokenId;
  }

  // Pattern: {"String": "..."} or {"Regex": "..."}; exactly one of literal / regex is set.
  core::Result<void> pattern(const json::object& o, std::string_view where, std::string& literal,
                             std::optional<UnicodeRegex>& re) const {
    const auto* p = o.if_contains("pattern");
    if (p == nullptr || !p->is_object()) return error(fmt::format("{} has no pattern object", where));
    const auto& po = p->as_object();
    if (auto s = get_string(po, "String")) {
      literal = *s;
      return {};
    }
    if (auto s = get_string(po, "Regex")) {
      auto compiled = UnicodeRegex::compile(*s);
      if (!compiled) return error(fmt::format("{}: {}", where, compiled.error().message));
      re = std::move(*compiled);
      return {};
    }
    return error(fmt::format("{} pattern must be {{\"String\": ...}} or {{\"Regex\": ...}}", where));
  }

  core::Result<void> normalizer(const json::value& v, std::vector<NormalizerStep>& out) const {
    if (v.is_null()) return {};
    if (!v.is_object()) return error("a normalizer is not an object");
    const std::string type = type_of(&v);
    const auto& o = v.as_object();
    if (type == "Sequence") {
      const auto* list = o.if_contains("normalizers");
      if (list == nullptr || !list->is_array()) return error("normalizer Sequence has no 'normalizers' array");
      for (const auto& n : list->as_array()) {
        if (auto r = normalizer(n, out); !r) return r;
      }
      return {};
    }
    NormalizerStep step;
    if (type == "NFC") {
      step.kind = NormalizerStep::kNfc;
    } else if (type == "Prepend") {
      auto s = get_string(o, "prepend");
      if (!s) return error("normalizer Prepend has no 'prepend' string");
      step.kind = NormalizerStep::kPrepend;
      step.a = *s;
    } else if (type == "Replace") {
      auto content = get_string(o, "content");
      if (!content) return error("normalizer Replace has no 'content' string");
      if (auto r = pattern(o, "normalizer Replace", step.a, step.re); !r) return r;
      step.kind = step.re ? NormalizerStep::kReplaceRegex : NormalizerStep::kReplaceString;
      step.b = *content;
    } else if (type == "Strip") {
      step.kind = NormalizerStep::kStrip;
      step.left = get_bool(o, "strip_left", false);
      step.right = get_bool(o, "strip_right", false);
    } else {
      return error(fmt::format("normalizer type '{}' is not supported (supported: NFC, Prepend, Replace, "
                               "Strip, Sequence)",
                               type.empty() ? "<missing>" : type));
    }
    out.push_back(std::move(step));
    return {};
  }

  static std::optional<Behavior> behavior(std::string_view s) {
    if (s == "Removed") return Behavior::kRemoved;
    if (s == "Isolated") return Behavior::kIsolated;
    if (s == "MergedWithPrevious") return Behavior::kMergedWithPrevious;
    if (s == "MergedWithNext") return Behavior::kMergedWithNext;
    if (s == "Contiguous") return Behavior::kContiguous;
    return std::nullopt;
  }

  core::Result<UnicodeRegex> builtin(std::string_view pattern) const {
    auto re = UnicodeRegex::compile(pattern);
    if (!re) return error(re.error().message);
    return re;
  }

  core::Result<void> pre_tokenizer(const json::value& v, std::vector<PreTokenizerStep>& out,
                                   bool& byte_level) const {
    if (v.is_null()) return {};
    if (!v.is_object()) return error("a pre_tokenizer is not an object");
    const std::string type = type_of(&v);
    const auto& o = v.as_object();
    if (type == "Sequence") {
      const auto* list = o.if_contains("pretokenizers");
      if (list == nullptr || !list->is_array()) return error("pre_tokenizer Sequence has no 'pretokenizers' array");
      for (const auto& n : list->as_array()) {
        if (auto r = pre_tokenizer(n, out, byte_level); !r) return r;
      }
      return {};
    }
    PreTokenizerStep step;
    if (type == "Split") {
      if (auto r = pattern(o, "pre_tokenizer Split", step.literal, step.re); !r) return r;
      const auto b = get_string(o, "behavior");
      const auto parsed = b ? behavior(*b) : std::nullopt;
      if (!parsed) return error(fmt::format("pre_tokenizer Split has an unknown behavior '{}'", b.value_or("<missing>")));
      step.behavior = *parsed;
      step.invert = get_bool(o, "invert", false);
    } else if (type == "ByteLevel") {
      step.kind = PreTokenizerStep::kByteLevel;
      step.add_prefix_space = get_bool(o, "add_prefix_space", true);
      if (get_bool(o, "use_regex", true)) {
        auto re = builtin(kGpt2Pattern);
        if (!re) return re.error();
        step.re = std::move(*re);
      }
      byte_level = true;
      // The byte-to-character mapping is implicit (the model works on raw bytes), so without
      // a prefix space or a regex this step does nothing.
      if (!step.re && !step.add_prefix_space) return {};
    } else if (type == "Metaspace") {
      step.kind = PreTokenizerStep::kMetaspace;
      step.replacement = get_string(o, "replacement").value_or(std::string(kSpmSpace));
      step.split = get_bool(o, "split", true);
      if (auto scheme = get_string(o, "prepend_scheme")) {
        if (*scheme == "always") {
          step.prepend = PreTokenizerStep::Prepend::kAlways;
        } else if (*scheme == "first") {
          step.prepend = PreTokenizerStep::Prepend::kFirst;
        } else if (*scheme == "never") {
          step.prepend = PreTokenizerStep::Prepend::kNever;
        } else {
          return error(fmt::format("pre_tokenizer Metaspace has an unknown prepend_scheme '{}'", *scheme));
        }
      } else {
        step.prepend = get_bool(o, "add_prefix_space", true) ? PreTokenizerStep::Prepend::kAlways
                                                             : PreTokenizerStep::Prepend::kNever;
      }
      step.literal = step.replacement;
      step.behavior = Behavior::kMergedWithNext;
    } else if (type == "Digits") {
      auto re = builtin(R"(\p{N})");
      if (!re) return re.error();
      step.re = std::move(*re);
      step.behavior = get_bool(o, "individual_digits", false) ? Behavior::kIsolated : Behavior::kContiguous;
    } else if (type == "Whitespace") {
      auto re = builtin(R"(\w+|[^\w\s]+)");
      if (!re) return re.error();
      step.re = std::move(*re);
      step.behavior = Behavior::kRemoved;
      step.invert = true;
    } else if (type == "WhitespaceSplit") {
      auto re = builtin(R"(\s+)");
      if (!re) return re.error();
      step.re = std::move(*re);
      step.behavior = Behavior::kRemoved;
    } else {
      return error(fmt::format("pre_tokenizer type '{}' is not supported (supported: Split, ByteLevel, "
                               "Metaspace, Digits, Whitespace, WhitespaceSplit, Sequence)",
                               type.empty() ? "<missing>" : type));
    }
    out.push_back(std::move(step));
    return {};
  }

  core::Result<void> decoder(const json::value& v, std::vector<DecoderStep>& out) const {
    if (!v.is_object()) return error("a decoder is not an object");
    const std::string type = type_of(&v);
    const auto& o = v.as_object();
    if (type == "Sequence") {
      const auto* list = o.if_contains("decoders");
      if (list == nullptr || !list->is_array()) return error("decoder Sequence has no 'decoders' array");
      for (const auto& n : list->as_array()) {
        if (auto r = decoder(n, out); !r) return r;
      }
      return {};
    }
    DecoderStep step;
    if (type == "ByteLevel") {
      step.kind = DecoderStep::kByteLevel;
    } else if (type == "Replace") {
      std::optional<UnicodeRegex> re;
      if (auto r = pattern(o, "decoder Replace", step.a, re); !r) return r;
      if (re) return error("decoder Replace with a Regex pattern is not supported");
      step.kind = DecoderStep::kReplace;
      step.b = get_string(o, "content").value_or("");
    } else if (type == "ByteFallback") {
      step.kind = DecoderStep::kByteFallback;
    } else if (type == "Fuse") {
      step.kind = DecoderStep::kFuse;
    } else if (type == "Strip") {
      step.kind = DecoderStep::kStrip;
      step.a = get_string(o, "content").value_or(" ");
      if (step.a.empty()) return error("decoder Strip has an empty 'content'");
      auto start = count(o, "decoder Strip", "start");
      if (!start) return start.error();
      auto stop = count(o, "decoder Strip", "stop");
      if (!stop) return stop.error();
      step.start = *start;
      step.stop = *stop;
    } else if (type == "Metaspace") {
      step.kind = DecoderStep::kMetaspace;
      step.a = get_string(o, "replacement").value_or(std::string(kSpmSpace));
      if (auto scheme = get_string(o, "prepend_scheme")) {
        step.prepend = *scheme != "never";
      } else {
        step.prepend = get_bool(o, "add_prefix_space", true);
      }
    } else {
      return error(fmt::format("decoder type '{}' is not supported (supported: ByteLevel, Replace, "
                               "ByteFallback, Fuse, Strip, Metaspace, Sequence)",
                               type.empty() ? "<missing>" : type));
    }
    out.push_back(std::move(step));
    return {};
  }

  core::Result<void> post_processor(const json::value& v, const Tokenizer::Impl& impl,
                                    std::vector<std::int32_t>& prefix, std::vector<std::int32_t>& suffix) const {
    if (v.is_null()) return {};
    if (!v.is_object()) return error("a post_processor is not an object");
    const std::string type = type_of(&v);
    const auto& o = v.as_object();
    if (type == "ByteLevel") return {};
    if (type == "Sequence") {
      const auto* list = o.if_contains("processors");
      if (list == nullptr || !list->is_array()) return error("post_processor Sequence has no 'processors' array");
      for (const auto& n : list->as_array()) {
        if (auto r = post_processor(n, impl, prefix, suffix); !r) return r;
      }
      return {};
    }
    if (type != "TemplateProcessing") {
      return error(fmt::format("post_processor type '{}' is not supported (supported: TemplateProcessing, "
                               "ByteLevel, Sequence)",
                               type.empty() ? "<missing>" : type));
    }
    const auto* single = o.if_contains("single");
    const auto* specials = o.if_contains("special_tokens");
    if (single == nullptr || !single->is_array() || specials == nullptr || !specials->is_object()) {
      return error("post_processor TemplateProcessing needs a 'single' array and a 'special_tokens' object");
    }
    bool seen_sequence = false;
    for (const auto& item : single->as_array()) {
      if (!item.is_object()) return error("post_processor TemplateProcessing: 'single' items must be objects");
      const auto& io = item.as_object();
      if (io.if_contains("Sequence") != nullptr) {
        seen_sequence = true;
        continue;
      }
      const auto* special = io.if_contains("SpecialToken");
      const auto name = special != nullptr && special->is_object() ? get_string(special->as_object(), "id") : std::nullopt;
      if (!name) return error("post_processor TemplateProcessing: 'single' item is neither Sequence nor SpecialToken");
      const auto* entry = specials->as_object().if_contains(*name);
      const auto* ids = entry != nullptr && entry->is_object() ? entry->as_object().if_contains("ids") : nullptr;
      if (ids == nullptr || !ids->is_array()) {
        return error(fmt::format("post_processor TemplateProcessing: special token '{}' has no ids", *name));
      }
      for (const auto& id : ids->as_array()) {
        if (!id.is_int64() || id.as_int64() < 0 || static_cast<std::size_t>(id.as_int64()) >= impl.tokens.size()) {
          return error(fmt::format("post_processor TemplateProcessing: special token '{}' has an id outside the vocabulary", *name));
        }
        (seen_sequence ? suffix : prefix).push_back(static_cast<std::int32_t>(id.as_int64()));
      }
    }
    return {};
  }

  core::Result<void> model(const json::object& m, Tokenizer::Impl& impl) const {
    const std::string type = get_string(m, "type").value_or("BPE");
    if (type != "BPE") return error(fmt::format("model type '{}' is not supported (only BPE)", type));
    if (const auto* d = m.if_contains("dropout"); d != nullptr && !d->is_null()) {
      if (!d->is_number()) return error("model 'dropout' is neither null nor a number");
      if (d->to_number<double>() > 0.0) return error("BPE dropout is not supported (it makes tokenization random)");
    }
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
      if (auto s = get_string(m, key); s && !s->empty()) {
        return error(fmt::format("BPE {} '{}' is not supported", key, *s));
      }
    }
    const auto* vocab = m.if_contains("vocab");
    if (vocab == nullptr || !vocab->is_object()) return error("model has no 'vocab' object");
    std::int64_t max_id = -1;
    for (const auto& kv : vocab->as_object()) {
      if (!valid_id(kv.value())) {
        return error(fmt::format("vocab entry '{}' has no valid id (an integer from 0 to {})", std::string_view(kv.key()),
                                 kMaxTokenId));
      }
      max_id = std::max(max_id, kv.value().as_int64());
    }
    impl.tokens.resize(static_cast<std::size_t>(max_id + 1));
    impl.model_vocab_size = impl.tokens.size();
    impl.vocab.reserve(vocab->as_object().size());
    for (const auto& kv : vocab->as_object()) {
      const auto id = static_cast<std::int32_t>(kv.value().as_int64());
      impl.vocab.emplace(std::string(kv.key()), id);
      impl.tokens[static_cast<std::size_t>(id)] = std::string(kv.key());
      if (impl.byte_level) {
        if (auto raw = byte_level_to_raw(kv.key())) impl.raw_vocab.emplace(std::move(*raw), id);
      }
    }
    impl.ignore_merges = get_bool(m, "ignore_merges", false);
    impl.byte_fallback = get_bool(m, "byte_fallback", false);
    impl.fuse_unk = get_bool(m, "fuse_unk", false);
    if (auto unk = get_string(m, "unk_token")) {
      auto it = impl.vocab.find(*unk);
      if (it == impl.vocab.end()) return error(fmt::format("unk_token '{}' is not in the vocabulary", *unk));
      impl.unk_id = it->second;
    }
    impl.byte_ids.fill(-1);
    impl.fallback_ids.fill(-1);
    impl.ascii_ids.fill(-1);
    if (!impl.byte_level) {
      for (std::size_t c = 0; c < 128; ++c) {
        const char ch = static_cast<char>(c);
        if (auto it = impl.vocab.find(std::string_view(&ch, 1)); it != impl.vocab.end()) impl.ascii_ids[c] = it->second;
      }
    }
    for (int b = 0; b < 256; ++b) {
      if (impl.byte_level) {
        std::string s;
        unicode::append_utf8(s, byte_table().to_char[static_cast<std::size_t>(b)]);
        if (auto it = impl.vocab.find(s); it != impl.vocab.end()) impl.byte_ids[static_cast<std::size_t>(b)] = it->second;
        const bool in_utf8 = b < 0xC0 || (b >= 0xC2 && b <= 0xF4);
        if (impl.byte_ids[static_cast<std::size_t>(b)] < 0 && in_utf8 && impl.unk_id < 0) {
          return error(fmt::format("byte-level vocabulary lacks the token for byte 0x{:02X} and has no unk_token", b));
        }
      }
      if (impl.byte_fallback) {
        if (auto it = impl.vocab.find(fmt::format("<0x{:02X}>", b)); it != impl.vocab.end()) {
          impl.fallback_ids[static_cast<std::size_t>(b)] = it->second;
        }
      }
    }
    const auto* merges = m.if_contains("merges");
    if (merges == nullptr || !merges->is_array()) return error("model has no 'merges' array");
    const auto& list = merges->as_array();
    impl.merges.reserve(list.size());
    std::string joined;
    for (std::size_t rank = 0; rank < list.size(); ++rank) {
      std::string_view a, b;
      const auto& item = list[rank];
      if (item.is_string()) {
        const std::string_view s = item.as_string();
        const auto space = s.find(' ');
        if (space == std::string_view::npos || s.find(' ', space + 1) != std::string_view::npos) {
          return error(fmt::format("merge {} '{}' is not two tokens separated by one space", rank, s));
        }
        a = s.substr(0, space), b = s.substr(space + 1);
      } else if (item.is_array() && item.as_array().size() == 2 && item.as_array()[0].is_string() &&
                 item.as_array()[1].is_string()) {
        a = item.as_array()[0].as_string(), b = item.as_array()[1].as_string();
      } else {
        return error(fmt::format("merge {} is neither \"a b\" nor [\"a\", \"b\"]", rank));
      }
      joined.assign(a).append(b);
      const auto ia = impl.vocab.find(a), ib = impl.vocab.find(b), ij = impl.vocab.find(joined);
      if (ia == impl.vocab.end() || ib == impl.vocab.end() || ij == impl.vocab.end()) {
        return error(fmt::format("merge {} ('{}' '{}') uses a token that is not in the vocabulary", rank, a, b));
      }
      impl.merges.insert(ia->second, ib->second, static_cast<std::uint32_t>(rank), ij->second);
    }
    return {};
  }

  core::Result<void> added_tokens(const json::value* v, Tokenizer::Impl& impl) const {
    if (v == nullptr || v->is_null()) return {};
    if (!v->is_array()) return error("'added_tokens' is not an array");
    for (const auto& t : v->as_array()) {
      if (!t.is_object()) return error("'added_tokens' entry is not an object");
      const auto& o = t.as_object();
      AddedToken token;
      const auto content = get_string(o, "content");
      const auto* id = o.if_contains("id");
      if (!content || content->empty() || id == nullptr || !valid_id(*id)) {
        return error(fmt::format("'added_tokens' entry needs a non-empty 'content' and an 'id' (an integer from 0 to {})",
                                 kMaxTokenId));
      }
      token.content = *content;
      token.id = static_cast<std::int32_t>(id->as_int64());
      token.special = get_bool(o, "special", false);
      token.normalized = get_bool(o, "normalized", !token.special);
      token.lstrip = get_bool(o, "lstrip", false);
      token.rstrip = get_bool(o, "rstrip", false);
      token.single_word = get_bool(o, "single_word", false);
      const auto index = static_cast<std::int32_t>(impl.added.size());
      // With no normalizer, "normalized" tokens see the same text as raw ones.
      (token.normalized && !impl.normalizers.empty() ? impl.normalized_trie : impl.raw_trie).add(token.content, index);
      if (static_cast<std::size_t>(token.id) >= impl.tokens.size()) impl.tokens.resize(static_cast<std::size_t>(token.id) + 1);
      impl.tokens[static_cast<std::size_t>(token.id)] = token.content;
      impl.vocab.emplace(token.content, token.id);
      impl.added.push_back(std::move(token));
    }
    impl.special_ids.assign(impl.tokens.size(), false);
    for (const auto& t : impl.added) impl.special_ids[static_cast<std::size_t>(t.id)] = t.special;
    return {};
  }
};

core::Result<std::string> read_file(const std::filesystem::path& path) {
  return core::read_input_file(path.string(), core::kMaxTokenizerBytes, "tokenizer");
}

}  // namespace

core::Result<Tokenizer> Tokenizer::load(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::path file = path;
  if (std::filesystem::is_directory(path, ec)) file = path / "tokenizer.json";
  if (!std::filesystem::exists(file, ec)) {
    return core::fail("{}: no such file (give a tokenizer.json or a folder holding one)", file.string());
  }
  auto text = read_file(file);
  if (!text) return text.error();
  return from_json(*text, file.string());
}

core::Result<Tokenizer> Tokenizer::from_json(std::string_view text, std::string_view origin) {
  Loader loader{std::string(origin)};
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) return loader.error(fmt::format("not valid JSON ({})", ec.message()));
  if (!root.is_object()) return loader.error("top level is not a JSON object");
  const auto& o = root.as_object();

  auto impl = std::make_shared<Impl>();
  impl->origin = std::string(origin);
  impl->owner = g_next_owner.fetch_add(1);

  static const json::value kNull;
  auto field = [&](std::string_view key) -> const json::value& {
    const auto* v = o.if_contains(key);
    return v != nullptr ? *v : kNull;
  };
  auto check_object = [&](std::string_view key) -> core::Result<void> {
    const auto& v = field(key);
    if (!v.is_null() && !v.is_object()) return loader.error(fmt::format("'{}' is neither null nor an object", key));
    return {};
  };
  for (const char* key : {"normalizer", "pre_tokenizer", "post_processor", "decoder", "model"}) {
    if (auto r = check_object(key); !r) return r.error();
  }
  if (!field("model").is_object()) return loader.error("has no 'model' object");

  if (auto r = loader.normalizer(field("normalizer"), impl->normalizers); !r) return r.error();
  if (auto r = loader.pre_tokenizer(field("pre_tokenizer"), impl->pre_tokenizers, impl->byte_level); !r) return r.error();
  if (auto r = loader.model(field("model").as_object(), *impl); !r) return r.error();
  if (!impl->byte_level) {
    // The model's tokens holding "x▁" (see metaspace_split), with the offsets of those "▁"s.
    for (const auto& t : impl->tokens) {
      std::vector<std::size_t> offsets;
      for (auto at = t.find(kMetaspace, 1); at != std::string::npos; at = t.find(kMetaspace, at + kMetaspace.size())) {
        if (at < kMetaspace.size() || t.compare(at - kMetaspace.size(), kMetaspace.size(), kMetaspace) != 0) offsets.push_back(at);
      }
      if (!offsets.empty()) impl->split_exceptions.emplace_back(t, std::move(offsets));
    }
    impl->metaspace_split = impl->split_exceptions.size() <= kMaxSplitExceptions;
    if (!impl->metaspace_split) impl->split_exceptions.clear();
  }
  if (auto r = loader.added_tokens(o.if_contains("added_tokens"), *impl); !r) return r.error();
  if (!field("decoder").is_null()) {
    impl->has_decoder = true;
    if (auto r = loader.decoder(field("decoder"), impl->decoders); !r) return r.error();
  }
  if (auto r = loader.post_processor(field("post_processor"), *impl, impl->prefix_ids, impl->suffix_ids); !r) {
    return r.error();
  }
  if (impl->special_ids.size() < impl->tokens.size()) impl->special_ids.resize(impl->tokens.size(), false);
  return Tokenizer(std::move(impl));
}

std::vector<std::int32_t> Tokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  std::vector<std::int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  impl_->encode(text, ids, options);
  return ids;
}

void Tokenizer::encode_into(std::string_view text, std::vector<std::int32_t>& out,
                            const EncodeOptions& options) const {
  impl_->encode(text, out, options);
}

core::Result<std::string> Tokenizer::decode(std::span<const std::int32_t> ids, const DecodeOptions& options) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (const std::int32_t id : ids) {
    if (id < 0 || static_cast<std::size_t>(id) >= impl_->tokens.size() || impl_->tokens[static_cast<std::size_t>(id)].empty()) {
      return core::fail("token id {} is not in the vocabulary of {}", id, impl_->origin);
    }
    if (options.skip_special_tokens && impl_->special_ids[static_cast<std::size_t>(id)]) continue;
    tokens.push_back(impl_->tokens[static_cast<std::size_t>(id)]);
  }
  if (!impl_->has_decoder) {
    std::string joined;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0) joined.push_back(' ');
      joined += tokens[i];
    }
    return core::Result<std::string>(boost::system::in_place_value, std::move(joined));
  }
  const auto& table = byte_table();
  for (const auto& step : impl_->decoders) {
    switch (step.kind) {
      case DecoderStep::kByteLevel: {
        std::string bytes;
        for (const auto& t : tokens) {
          std::string raw;
          bool ok = true;
          for (std::size_t pos = 0; pos < t.size() && ok;) {
            const auto it = table.to_byte.find(unicode::next_code_point(t, pos));
            ok = it != table.to_byte.end();
            if (ok) raw.push_back(static_cast<char>(it->second));
          }
          bytes += ok ? raw : t;
        }
        tokens.assign(1, sanitize_utf8(bytes));
        break;
      }
      case DecoderStep::kReplace:
        for (auto& t : tokens) replace_all(t, step.a, step.b);
        break;
      case DecoderStep::kByteFallback: {
        std::vector<std::string> next;
        std::string pending;
        auto flush = [&] {
          if (pending.empty()) return;
          if (unicode::is_valid_utf8(pending)) {
            next.push_back(pending);
          } else {
            for (std::size_t i = 0; i < pending.size(); ++i) next.emplace_back("\xEF\xBF\xBD");
          }
          pending.clear();
        };
        for (auto& t : tokens) {
          unsigned value = 0;
          if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>' &&
              std::sscanf(t.c_str() + 3, "%2x", &value) == 1 && std::isxdigit(static_cast<unsigned char>(t[3])) &&
              std::isxdigit(static_cast<unsigned char>(t[4]))) {
            pending.push_back(static_cast<char>(value));
            continue;
          }
          flush();
          next.push_back(std::move(t));
        }
        flush();
        tokens = std::move(next);
        break;
      }
      case DecoderStep::kFuse: {
        std::string all;
        for (const auto& t : tokens) all += t;
        tokens.assign(1, std::move(all));
        break;
      }
      case DecoderStep::kStrip:
        for (auto& t : tokens) {
          std::size_t b = 0, e = t.size();
          for (std::size_t i = 0; i < step.start && t.compare(b, step.a.size(), step.a) == 0 && b < e; ++i) b += step.a.size();
          for (std::size_t i = 0; i < step.stop && e >= b + step.a.size() &&
                                  t.compare(e - step.a.size(), step.a.size(), step.a) == 0;
               ++i) {
            e -= step.a.size();
          }
          t = t.substr(b, e - b);
        }
        break;
      case DecoderStep::kMetaspace:
        for (std::size_t i = 0; i < tokens.size(); ++i) {
          replace_all(tokens[i], step.a, " ");
          if (i == 0 && step.prepend && !tokens[i].empty() && tokens[i][0] == ' ') tokens[i].erase(0, 1);
        }
        break;
    }
  }
  std::string out;
  for (const auto& t : tokens) out += t;
  return core::Result<std::string>(boost::system::in_place_value, std::move(out));
}

std::size_t Tokenizer::vocab_size() const { return impl_->tokens.size(); }

std::size_t Tokenizer::model_vocab_size() const { return impl_->model_vocab_size; }

bool Tokenizer::is_special(std::int32_t id) const {
  return id >= 0 && static_cast<std::size_t>(id) < impl_->special_ids.size() &&
         impl_->special_ids[static_cast<std::size_t>(id)];
}

std::optional<std::int32_t> Tokenizer::token_to_id(std::string_view token) const {
  if (auto it = impl_->vocab.find(token); it != impl_->vocab.end()) return it->second;
  return std::nullopt;
}

std::optional<std::string_view> Tokenizer::id_to_token(std::int32_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= impl_->tokens.size() || impl_->tokens[static_cast<std::size_t>(id)].empty()) {
    return std::nullopt;
  }
  return impl_->tokens[static_cast<std::size_t>(id)];
}

}  // namespace llmload::tokenizer
