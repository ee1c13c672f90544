#include "llmload/tokenizer/unicode_regex.hpp"

#include "llmload/tokenizer/unicode.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

namespace llmload::tokenizer {

namespace {

using unicode::Category;
constexpr std::uint32_t kUnbounded = std::numeric_limits<std::uint32_t>::max();

constexpr std::uint32_t bit(Category c) { return 1u << static_cast<unsigned>(c); }
constexpr std::uint32_t kLetters =
    bit(Category::Lu) | bit(Category::Ll) | bit(Category::Lt) | bit(Category::Lm) | bit(Category::Lo);
constexpr std::uint32_t kMarks = bit(Category::Mn) | bit(Category::Mc) | bit(Category::Me);
constexpr std::uint32_t kNumbers = bit(Category::Nd) | bit(Category::Nl) | bit(Category::No);
constexpr std::uint32_t kPunct = bit(Category::Pc) | bit(Category::Pd) | bit(Category::Ps) |
                                 bit(Category::Pe) | bit(Category::Pi) | bit(Category::Pf) |
                                 bit(Category::Po);
constexpr std::uint32_t kSymbols =
    bit(Category::Sm) | bit(Category::Sc) | bit(Category::Sk) | bit(Category::So);
constexpr std::uint32_t kSeparators = bit(Category::Zs) | bit(Category::Zl) | bit(Category::Zp);
constexpr std::uint32_t kOther = bit(Category::Cc) | bit(Category::Cf) | bit(Category::Cs) |
                                 bit(Category::Co) | bit(Category::Cn);
constexpr std::uint32_t kWord = kLetters | kMarks | bit(Category::Nd) | bit(Category::Pc);

std::optional<std::uint32_t> category_mask(std::string_view name) {
  static constexpr std::pair<std::string_view, std::uint32_t> kNames[] = {
      {"L", kLetters}, {"M", kMarks}, {"N", kNumbers}, {"P", kPunct}, {"S", kSymbols},
      {"Z", kSeparators}, {"C", kOther}, {"L&", bit(Category::Lu) | bit(Category::Ll) | bit(Category::Lt)},
      {"LC", bit(Category::Lu) | bit(Category::Ll) | bit(Category::Lt)},
      {"Letter", kLetters}, {"Mark", kMarks}, {"Number", kNumbers}, {"Punctuation", kPunct},
      {"Symbol", kSymbols}, {"Separator", kSeparators}, {"Other", kOther},
      {"Lu", bit(Category::Lu)}, {"Ll", bit(Category::Ll)}, {"Lt", bit(Category::Lt)},
      {"Lm", bit(Category::Lm)}, {"Lo", bit(Category::Lo)}, {"Mn", bit(Category::Mn)},
      {"Mc", bit(Category::Mc)}, {"Me", bit(Category::Me)}, {"Nd", bit(Category::Nd)},
      {"Nl", bit(Category::Nl)}, {"No", bit(Category::No)}, {"Pc", bit(Category::Pc)},
      {"Pd", bit(Category::Pd)}, {"Ps", bit(Category::Ps)}, {"Pe", bit(Category::Pe)},
      {"Pi", bit(Category::Pi)}, {"Pf", bit(Category::Pf)}, {"Po", bit(Category::Po)},
      {"Sm", bit(Category::Sm)}, {"Sc", bit(Category::Sc)}, {"Sk", bit(Category::Sk)},
      {"So", bit(Category::So)}, {"Zs", bit(Category::Zs)}, {"Zl", bit(Category::Zl)},
      {"Zp", bit(Category::Zp)}, {"Cc", bit(Category::Cc)}, {"Cf", bit(Category::Cf)},
      {"Cs", bit(Category::Cs)}, {"Co", bit(Category::Co)}, {"Cn", bit(Category::Cn)},
  };
  for (const auto& [n, m] : kNames) {
    if (n == name) return m;
  }
  return std::nullopt;
}

// The syntax tree: a node is a class, a sequence, an alternation, a repeat or a lookahead.
struct Node {
  enum Kind { kClass, kSeq, kAlt, kRepeat, kLook } kind = kSeq;
  std::uint32_t cls = 0;
  std::uint32_t min = 0, max = 0;
  bool greedy = true;
  bool negative = false;
  std::vector<Node> children;
};

bool nullable(const Node& n) {
  switch (n.kind) {
    case Node::kClass: return false;
    case Node::kLook: return true;
    case Node::kRepeat: return n.min == 0 || nullable(n.children[0]);
    case Node::kAlt:
      return std::any_of(n.children.begin(), n.children.end(), [](const Node& c) { return nullable(c); });
    case Node::kSeq:
      return std::all_of(n.children.begin(), n.children.end(), [](const Node& c) { return nullable(c); });
  }
  return true;
}

class Parser {
 public:
  Parser(std::string_view pattern, std::vector<UnicodeRegex::CharClass>& classes)
      : p_(pattern), classes_(classes) {}

  core::Result<Node> parse() {
    auto node = alternation(false);
    if (!node) return node;
    if (pos_ < p_.size()) return error("unbalanced ')'");
    return node;
  }

 private:
  core::Error error(std::string_view what) const {
    return core::fail("regex /{}/: {} at offset {}", p_, what, pos_);
  }
  bool at_end() const { return pos_ >= p_.size(); }
  char32_t peek() const {
    std::size_t p = pos_;
    return unicode::next_code_point(p_, p);
  }
  char32_t take() { return unicode::next_code_point(p_, pos_); }

  core::Result<Node> alternation(bool case_insensitive) {
    Node alt{Node::kAlt};
    for (;;) {
      auto seq = sequence(case_insensitive);
      if (!seq) return seq;
      alt.children.push_back(std::move(*seq));
      if (at_end() || p_[pos_] != '|') break;
      ++pos_;
    }
    if (alt.children.size() == 1) return std::move(alt.children[0]);
    return alt;
  }

  core::Result<Node> sequence(bool ci) {
    Node seq{Node::kSeq};
    while (!at_end() && p_[pos_] != '|' && p_[pos_] != ')') {
      auto atom_node = atom(ci);
      if (!atom_node) return atom_node;
      auto quantified = quantifier(std::move(*atom_node));
      if (!quantified) return quantified;
      seq.children.push_back(std::move(*quantified));
    }
    return seq;
  }

  core::Result<Node> quantifier(Node atom_node) {
    if (at_end()) return atom_node;
    std::uint32_t min = 0, max = 0;
    const char c = p_[pos_];
    if (c == '*') {
      min = 0, max = kUnbounded, ++pos_;
    } else if (c == '+') {
      min = 1, max = kUnbounded, ++pos_;
    } else if (c == '?') {
      min = 0, max = 1, ++pos_;
    } else if (c == '{') {
      const std::size_t save = pos_;
      ++pos_;
      auto number = [&]() -> std::optional<std::uint32_t> {
        std::uint32_t v = 0;
        const std::size_t start = pos_;
        while (!at_end() && p_[pos_] >= '0' && p_[pos_] <= '9' && v < 100000) v = v * 10 + static_cast<std::uint32_t>(p_[pos_++] - '0');
        if (pos_ == start) return std::nullopt;
        return v;
      };
      auto lo = number();
      if (!lo) {
        pos_ = save;
        return error("'{' without a repetition count (write \\{ for a literal brace)");
      }
      min = max = *lo;
      if (!at_end() && p_[pos_] == ',') {
        ++pos_;
        auto hi = number();
        max = hi ? *hi : kUnbounded;
      }
      if (at_end() || p_[pos_] != '}') return error("unterminated {n,m} repetition");
      ++pos_;
      if (max < min) return error("repetition {n,m} with m < n");
      if (max != kUnbounded && max > 1000) return error("repetition count above 1000");
    } else {
      return atom_node;
    }
    if (atom_node.kind == Node::kLook) return error("quantified lookahead");
    bool greedy = true;
    if (!at_end() && p_[pos_] == '?') {
      greedy = false;
      ++pos_;
    } else if (!at_end() && p_[pos_] == '+') {
      return error("possessive quantifier (unsupported)");
    }
    if (max == kUnbounded && nullable(atom_node)) return error("unbounded repetition of something that can match empty");
    if (!at_end() && (p_[pos_] == '*' || p_[pos_] == '+' || p_[pos_] == '?' || p_[pos_] == '{')) {
      return error("nested quantifier");
    }
    Node rep{Node::kRepeat};
    rep.min = min, rep.max = max, rep.greedy = greedy;
    rep.children.push_back(std::move(atom_node));
    return rep;
  }

  std::uint32_t add_class(UnicodeRegex::CharClass cls, bool ci) {
    if (ci) {
      const auto ranges = cls.ranges;
      for (const auto& [lo, hi] : ranges) {
        for (char32_t c = std::max<char32_t>(lo, 'A'); c <= std::min<char32_t>(hi, 'Z'); ++c) cls.ranges.push_back({c + 32, c + 32});
        for (char32_t c = std::max<char32_t>(lo, 'a'); c <= std::min<char32_t>(hi, 'z'); ++c) cls.ranges.push_back({c - 32, c - 32});
      }
    }
    std::sort(cls.ranges.begin(), cls.ranges.end());
    for (char32_t c = 0; c < 128; ++c) {
      if (cls.contains_slow(c)) cls.ascii[c >> 6] |= std::uint64_t{1} << (c & 63);
    }
    classes_.push_back(std::move(cls));
    return static_cast<std::uint32_t>(classes_.size() - 1);
  }

  Node class_node(UnicodeRegex::CharClass cls, bool ci) {
    Node n{Node::kClass};
    n.cls = add_class(std::move(cls), ci);
    return n;
  }

  // After a backslash: fills `cls` for class escapes, or sets `literal`.
  core::Result<void> escape(UnicodeRegex::CharClass& cls, std::optional<char32_t>& literal) {
    if (at_end()) return error("pattern ends with '\\'");
    const char32_t c = take();
    auto hex = [&](std::size_t digits) -> std::optional<char32_t> {
      char32_t v = 0;
      for (std::size_t i = 0; i < digits; ++i) {
        if (at_end()) return std::nullopt;
        const char h = p_[pos_++];
        int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
        if (d < 0) return std::nullopt;
        v = v * 16 + static_cast<char32_t>(d);
      }
      return v;
    };
    switch (c) {
      case 'p': case 'P': {
        std::string name;
        if (!at_end() && p_[pos_] == '{') {
          const auto close = p_.find('}', pos_);
          if (close == std::string_view::npos) return error("unterminated \\p{");
          name = std::string(p_.substr(pos_ + 1, close - pos_ - 1));
          pos_ = close + 1;
        } else if (!at_end()) {
          name = std::string(1, p_[pos_++]);
        }
        bool negate = c == 'P';
        if (!name.empty() && name[0] == '^') {
          negate = !negate;
          name.erase(0, 1);
        }
        const auto mask = category_mask(name);
        if (!mask) return error("unsupported Unicode property \\p{" + name + "} (only general categories)");
        (negate ? cls.not_categories : cls.categories) |= *mask;
        return {};
      }
      case 's': cls.white_space = true; return {};
      case 'S': cls.not_white_space = true; return {};
      case 'd': cls.categories |= bit(Category::Nd); return {};
      case 'D': cls.not_categories |= bit(Category::Nd); return {};
      case 'w': cls.categories |= kWord; return {};
      case 'W': cls.not_categories |= kWord; return {};
      case 'n': literal = U'\n'; return {};
      case 'r': literal = U'\r'; return {};
      case 't': literal = U'\t'; return {};
      case 'f': literal = U'\f'; return {};
      case 'v': literal = U'\v'; return {};
      case 'a': literal = U'\a'; return {};
      case 'e': literal = U'\x1B'; return {};
      case 'x': {
        std::optional<char32_t> v;
        if (!at_end() && p_[pos_] == '{') {
          ++pos_;
          const auto close = p_.find('}', pos_);
          if (close == std::string_view::npos || close == pos_ || close - pos_ > 6) return error("malformed \\x{...}");
          v = hex(close - pos_);
          ++pos_;
        } else {
          v = hex(2);
        }
        if (!v || *v > 0x10FFFF) return error("malformed \\x escape");
        literal = *v;
        return {};
      }
      case 'u': {
        auto v = hex(4);
        if (!v) return error("malformed \\u escape");
        literal = *v;
        return {};
      }
      default:
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
          return error(std::string("unsupported escape \\") + static_cast<char>(c));
        }
        literal = c;
        return {};
    }
  }

  core::Result<Node> bracket(bool ci) {
    UnicodeRegex::CharClass cls;
    if (!at_end() && p_[pos_] == '^') {
      cls.negated = true;
      ++pos_;
    }
    bool first = true;
    for (;;) {
      if (at_end()) return error("unterminated character class");
      if (p_[pos_] == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      if (p_[pos_] == '[') return error("nested character class (unsupported)");
      if (p_.substr(pos_, 2) == "&&") return error("class intersection && (unsupported)");
      std::optional<char32_t> lo;
      if (p_[pos_] == '\\') {
        ++pos_;
        auto r = escape(cls, lo);
        if (!r) return r.error();
        if (!lo) continue;
      } else {
        lo = take();
      }
      char32_t hi = *lo;
      if (pos_ + 1 < p_.size() && p_[pos_] == '-' && p_[pos_ + 1] != ']') {
        ++pos_;
        std::optional<char32_t> h;
        if (p_[pos_] == '\\') {
          ++pos_;
          UnicodeRegex::CharClass ignored;
          auto r = escape(ignored, h);
          if (!r) return r.error();
          if (!h) return error("class escape as the end of a range");
        } else {
          h = take();
        }
        hi = *h;
        if (hi < *lo) return error("character range out of order");
      }
      cls.ranges.push_back({*lo, hi});
    }
    return class_node(std::move(cls), ci);
  }

  core::Result<Node> atom(bool ci) {
    const char c = p_[pos_];
    if (c == '(') {
      ++pos_;
      bool inner_ci = ci;
      Node::Kind kind = Node::kSeq;
      bool negative = false;
      if (!at_end() && p_[pos_] == '?') {
        ++pos_;
        if (p_.substr(pos_, 1) == ":") {
          ++pos_;
        } else if (p_.substr(pos_, 2) == "i:") {
          inner_ci = true;
          pos_ += 2;
        } else if (p_.substr(pos_, 1) == "=" || p_.substr(pos_, 1) == "!") {
          kind = Node::kLook;
          negative = p_[pos_] == '!';
          ++pos_;
        } else {
          return error("unsupported group syntax '(?'");
        }
      }
      auto inner = alternation(inner_ci);
      if (!inner) return inner;
      if (at_end() || p_[pos_] != ')') return error("missing ')'");
      ++pos_;
      if (kind == Node::kLook) {
        Node look{Node::kLook};
        look.negative = negative;
        look.children.push_back(std::move(*inner));
        return look;
      }
      return inner;
    }
    if (c == '[') {
      ++pos_;
      return bracket(ci);
    }
    if (c == '^' || c == '$') return error(std::string("anchor '") + c + "' (unsupported)");
    if (c == '*' || c == '+' || c == '?' || c == '{') return error("quantifier without an operand");
    UnicodeRegex::CharClass cls;
    if (c == '.') {
      ++pos_;
      cls.negated = true;
      cls.ranges.push_back({U'\n', U'\n'});
      return class_node(std::move(cls), false);
    }
    std::optional<char32_t> literal;
    if (c == '\\') {
      ++pos_;
      auto r = escape(cls, literal);
      if (!r) return r.error();
    } else {
      literal = take();
    }
    if (literal) cls.ranges.push_back({*literal, *literal});
    return class_node(std::move(cls), ci);
  }

  std::string_view p_;
  std::size_t pos_ = 0;
  std::vector<UnicodeRegex::CharClass>& classes_;
};

using Inst = UnicodeRegex::Inst;

void emit(const Node& n, std::vector<Inst>& code) {
  auto here = [&] { return static_cast<std::uint32_t>(code.size()); };
  switch (n.kind) {
    case Node::kClass:
      code.push_back({Inst::kClass, false, n.cls});
      return;
    case Node::kSeq:
      for (const auto& c : n.children) emit(c, code);
      return;
    case Node::kAlt: {
      std::vector<std::uint32_t> jumps;
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        const bool last = i + 1 == n.children.size();
        std::uint32_t split = 0;
        if (!last) {
          split = here();
          code.push_back({Inst::kSplit});
          code[split].x = here();
        }
        emit(n.children[i], code);
        if (!last) {
          jumps.push_back(here());
          code.push_back({Inst::kJmp});
          code[split].y = here();
        }
      }
      for (auto j : jumps) code[j].x = here();
      return;
    }
    case Node::kLook: {
      const auto look = here();
      code.push_back({Inst::kLook, n.negative});
      emit(n.children[0], code);
      code.push_back({Inst::kMatch});
      code[look].x = here();
      return;
    }
    case Node::kRepeat: {
      const Node& child = n.children[0];
      if (child.kind == Node::kClass && n.greedy) {
        Inst inst{Inst::kRepeat, false, child.cls};
        inst.min = n.min, inst.max = n.max;
        code.push_back(inst);
        return;
      }
      for (std::uint32_t i = 0; i < n.min; ++i) emit(child, code);
      auto optional_copy = [&](bool loop) {
        const auto split = here();
        code.push_back({Inst::kSplit});
        const auto body = here();
        emit(child, code);
        if (loop) code.push_back({Inst::kJmp, false, 0, split});
        const auto after = here();
        code[split].x = n.greedy ? body : after;
        code[split].y = n.greedy ? after : body;
      };
      if (n.max == kUnbounded) {
        optional_copy(true);
      } else {
        for (std::uint32_t i = n.min; i < n.max; ++i) optional_copy(false);
      }
      return;
    }
  }
}

struct Frame {
  std::uint32_t pc;
  std::size_t pos;
  std::size_t floor;  // npos: a plain alternative; else a greedy repeat giving back one char
};

thread_local std::vector<Frame> t_stack;

std::size_t step_back(std::string_view text, std::size_t pos) {
  do {
    --pos;
  } while (pos > 0 && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80);
  return pos;
}

}  // namespace

bool UnicodeRegex::CharClass::contains_slow(char32_t cp) const {
  bool in = false;
  const auto cat = bit(unicode::category(cp));
  if ((categories & cat) != 0 || (not_categories != 0 && (not_categories & cat) == 0)) in = true;
  if (!in && white_space && unicode::is_white_space(cp)) in = true;
  if (!in && not_white_space && !unicode::is_white_space(cp)) in = true;
  if (!in) {
    for (const auto& [lo, hi] : ranges) {
      if (cp < lo) break;
      if (cp <= hi) {
        in = true;
        break;
      }
    }
  }
  return in != negated;
}

bool UnicodeRegex::CharClass::contains(char32_t cp) const {
  if (cp < 128) return (ascii[cp >> 6] >> (cp & 63)) & 1;
  return contains_slow(cp);
}

core::Result<UnicodeRegex> UnicodeRegex::compile(std::string_view pattern) {
  UnicodeRegex re;
  re.pattern_ = std::string(pattern);
  if (!unicode::is_valid_utf8(pattern)) return core::fail("regex is not valid UTF-8");
  Parser parser(re.pattern_, re.classes_);
  auto root = parser.parse();
  if (!root) return root.error();
  emit(*root, re.code_);
  re.code_.push_back({Inst::kMatch});
  for (auto& inst : re.code_) {
    if (inst.op != Inst::kSplit) continue;
    std::uint64_t first[2] = {0, 0};
    re.first_set(inst.x, first, 0);
    inst.first[0] = first[0];
    inst.first[1] = first[1];
  }
  re.first_set(0, re.start_ascii_, 0);
  return re;
}

void UnicodeRegex::first_set(std::uint32_t pc, std::uint64_t (&out)[2], int depth) const {
  const Inst& in = code_[pc];
  if (depth > 64 || in.op == Inst::kLook || in.op == Inst::kMatch) {
    out[0] = out[1] = ~std::uint64_t{0};
    return;
  }
  switch (in.op) {
    case Inst::kClass:
    case Inst::kRepeat:
      out[0] |= classes_[in.cls].ascii[0];
      out[1] |= classes_[in.cls].ascii[1];
      if (in.op == Inst::kRepeat && in.min == 0) first_set(pc + 1, out, depth + 1);
      return;
    case Inst::kSplit:
      first_set(in.x, out, depth + 1);
      first_set(in.y, out, depth + 1);
      return;
    case Inst::kJmp:
      first_set(in.x, out, depth + 1);
      return;
    default:
      return;
  }
}

std::size_t UnicodeRegex::run(std::uint32_t pc, std::string_view text, std::size_t pos) const {
  auto& stack = t_stack;
  const std::size_t base = stack.size();
  for (;;) {
    const Inst& in = code_[pc];
    bool ok = true;
    switch (in.op) {
      case Inst::kClass: {
        if (pos >= text.size()) {
          ok = false;
          break;
        }
        const auto c = static_cast<unsigned char>(text[pos]);
        if (c < 0x80) {
          ok = (classes_[in.cls].ascii[c >> 6] >> (c & 63)) & 1;
          if (ok) {
            ++pos;
            ++pc;
          }
          break;
        }
        std::size_t next = pos;
        ok = classes_[in.cls].contains(unicode::next_code_point(text, next));
        if (ok) {
          pos = next;
          ++pc;
        }
        break;
      }
      case Inst::kRepeat: {
        const CharClass& cls = classes_[in.cls];
        std::uint32_t count = 0;
        std::size_t p = pos;
        std::size_t floor = pos;
        while (count < in.max && p < text.size()) {
          const auto c = static_cast<unsigned char>(text[p]);
          if (c < 0x80) {
            if (!((cls.ascii[c >> 6] >> (c & 63)) & 1)) break;
            ++p;
            if (++count == in.min) floor = p;
            continue;
          }
          std::size_t next = p;
          if (!cls.contains(unicode::next_code_point(text, next))) break;
          p = next;
          if (++count == in.min) floor = p;
        }
        if (count < in.min) {
          ok = false;
          break;
        }
        if (p > floor) stack.push_back({pc + 1, p, floor});
        pos = p;
        ++pc;
        break;
      }
      case Inst::kSplit:
        if (pos < text.size()) {
          const auto c = static_cast<unsigned char>(text[pos]);
          if (c < 0x80 && !((in.first[c >> 6] >> (c & 63)) & 1)) {
            pc = in.y;  // branch x cannot start with this character
            break;
          }
        }
        stack.push_back({in.y, pos, npos});
        pc = in.x;
        break;
      case Inst::kJmp:
        pc = in.x;
        break;
      case Inst::kLook: {
        const bool matched = run(pc + 1, text, pos) != npos;
        if (matched == in.negative) {
          ok = false;
        } else {
          pc = in.x;
        }
        break;
      }
      case Inst::kMatch:
        stack.resize(base);
        return pos;
    }
    if (ok) continue;
    if (stack.size() == base) return npos;
    Frame f = stack.back();
    stack.pop_back();
    if (f.floor != npos) {
      const std::size_t p = step_back(text, f.pos);
      if (p > f.floor) stack.push_back({f.pc, p, f.floor});
      f.pos = p;
    }
    pc = f.pc;
    pos = f.pos;
  }
}

std::size_t UnicodeRegex::match_at(std::string_view text, std::size_t pos) const {
  return run(0, text, pos);
}

bool UnicodeRegex::find(std::string_view text, std::size_t from, std::size_t& begin,
                        std::size_t& end) const {
  for (std::size_t pos = from; pos < text.size();) {
    // An ASCII character that no match can start with is skipped without running the VM.
    if (const auto c = static_cast<unsigned char>(text[pos]); c < 0x80 && !((start_ascii_[c >> 6] >> (c & 63)) & 1)) {
      ++pos;
      continue;
    }
    const std::size_t e = run(0, text, pos);
    if (e != npos && e > pos) {
      begin = pos;
      end = e;
      return true;
    }
    unicode::next_code_point(text, pos);
  }
  return false;
}

}  // namespace llmload::tokenizer
