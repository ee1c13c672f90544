#include "llmload/core/text.hpp"

#include <fmt/format.h>

namespace llmload::core {

void append_int(std::string& out, std::int64_t v) {
  const fmt::format_int f(v);
  out.append(f.data(), f.size());
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace llmload::core

#include <algorithm>
#include <cctype>

namespace llmload::core {

Redactor::Redactor(const std::vector<std::string>& values) {
  for (const auto& value : values) {
    const std::string_view v = trim(value);
    if (v.size() >= kMinSecret) secrets_.emplace_back(v);
    for (const std::string_view scheme : {"Bearer ", "bearer ", "Basic ", "basic "}) {
      if (v.starts_with(scheme) && trim(v.substr(scheme.size())).size() >= kMinSecret) {
        secrets_.emplace_back(trim(v.substr(scheme.size())));
      }
    }
  }
  std::sort(secrets_.begin(), secrets_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  secrets_.erase(std::unique(secrets_.begin(), secrets_.end()), secrets_.end());
}

void Redactor::apply(std::string& text) const {
  for (const auto& secret : secrets_) {
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + kMark.size())) {
      text.replace(at, secret.size(), kMark);
    }
  }
}

std::string Redactor::redacted(std::string_view text) const {
  std::string out(text);
  apply(out);
  return out;
}

namespace {

/// True when text[at] ('&') starts something a Markdown renderer reads as an entity ("&lt;").
bool starts_entity(std::string_view text, std::size_t at) {
  std::size_t i = at + 1;
  if (i < text.size() && text[i] == '#') ++i;
  const std::size_t start = i;
  while (i < text.size() && i - start < 32 && std::isalnum(static_cast<unsigned char>(text[i])) != 0) ++i;
  return i > start && i < text.size() && text[i] == ';';
}

}  // namespace

std::string markdown_cell(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += starts_entity(text, i) ? "&amp;" : "&"; break;
      case '|': out += "\\|"; break;
      case '\n':
      case '\r': out += ' '; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace llmload::core
