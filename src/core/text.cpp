#include "llmload/core/text.hpp"

namespace llmload::core {
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

std::string markdown_cell(std::string_view text) {
  std::string out;
  for (const char c : html_escape(text)) {
    if (c == '|') out += "\\|";
    else out += c == '\n' || c == '\r' ? ' ' : c;
  }
  return out;
}

}  // namespace llmload::core
