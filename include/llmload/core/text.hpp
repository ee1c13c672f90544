#pragma once
/// Small text helpers named once for the whole project: trimming and escaping for HTML/XML.

#include <cstdint>
#include <string>
#include <string_view>

namespace llmload::core {

/// `s` without leading and trailing ASCII white space (space, tab, CR, LF, VT, FF). No copy.
/// Inline: the chunk decoder trims every SSE payload with it.
constexpr std::string_view trim(std::string_view s) noexcept {
  constexpr auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

/// `text` with & < > " ' replaced by entities: safe in HTML/SVG text and quoted attributes.
std::string html_escape(std::string_view text);

/// `text` as one Markdown table cell: '<' and '>' as entities (no raw HTML), '&' as "&amp;"
/// only where it would start an entity, quotes as written ("vLLM's", not an entity), '|'
/// escaped (no column break), CR and LF as spaces (no row break).
std::string markdown_cell(std::string_view text);

/// Appends `v` in decimal to `out` (no locale, no allocation beyond `out`'s growth): the
/// simulator writes every count and id of its answers with it.
void append_int(std::string& out, std::int64_t v);

/// The same escaping for XML text and attributes (&#39; is valid XML too).
inline std::string xml_escape(std::string_view text) { return html_escape(text); }

}  // namespace llmload::core

#include <vector>

namespace llmload::core {

/// Removes secrets (header values such as an API key) from text a server sent back: an error
/// body that echoes the request's headers must not carry the key into a console line or a
/// result file. Values shorter than kMinSecret are left alone (they would mangle text and are
/// no credential); "Bearer X" also redacts X on its own.
class Redactor final {
 public:
  static constexpr std::size_t kMinSecret = 6;
  static constexpr std::string_view kMark = "[redacted]";

  explicit Redactor(const std::vector<std::string>& values);
  /// Replaces every occurrence of every secret in `text`, in place.
  void apply(std::string& text) const;
  /// `text` with every secret replaced.
  std::string redacted(std::string_view text) const;
  bool empty() const { return secrets_.empty(); }

 private:
  std::vector<std::string> secrets_;  ///< longest first, so a value and its part both go
};

}  // namespace llmload::core
