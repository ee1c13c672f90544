// multipart/form-data bodies and their parser (api/multipart.hpp).

#include "llmload/api/multipart.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <fmt/format.h>

namespace llmload::api {
namespace {

constexpr std::size_t kMaxHeaderLine = 1024;

void append_quoted(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    if (c == '"') {
      out += "%22";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else {
      out += c;
    }
  }
  out += '"';
}

/// The value of `key=` in a header's parameters (quoted or a token), or nullopt.
std::optional<std::string_view> parameter(std::string_view header, std::string_view key) {
  std::size_t at = 0;
  while ((at = header.find(';', at)) != std::string_view::npos) {
    ++at;
    while (at < header.size() && (header[at] == ' ' || header[at] == '\t')) ++at;
    if (!boost::algorithm::istarts_with(header.substr(at), key) || header.substr(at + key.size(), 1) != "=") continue;
    std::string_view rest = header.substr(at + key.size() + 1);
    if (rest.starts_with('"')) {
      const auto end = rest.find('"', 1);
      if (end == std::string_view::npos) return std::nullopt;
      return rest.substr(1, end - 1);
    }
    return rest.substr(0, rest.find_first_of("; \t"));
  }
  return std::nullopt;
}

/// One part's header block (up to the empty line) into `part`.
core::Result<void> read_part_headers(std::string_view block, FormPart& part) {
  bool disposition = false;
  while (!block.empty()) {
    const auto eol = block.find("\r\n");
    const std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 2);
    if (line.size() > kMaxHeaderLine) return core::fail("a part's header line is over {} bytes", kMaxHeaderLine);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return core::fail("a part's header line has no ':'");
    const std::string_view name = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    while (value.starts_with(' ')) value.remove_prefix(1);
    if (boost::algorithm::iequals(name, "content-type")) {
      part.content_type = value;
    } else if (boost::algorithm::iequals(name, "content-disposition")) {
      if (!boost::algorithm::istarts_with(value, "form-data")) return core::fail("a part's Content-Disposition is not form-data");
      const auto field = parameter(value, "name");
      if (!field) return core::fail("a part's Content-Disposition has no name");
      part.name = *field;
      part.filename = parameter(value, "filename");
      disposition = true;
    }
  }
  if (!disposition) return core::fail("a part without Content-Disposition");
  return {};
}

}  // namespace

std::string multipart_content_type() { return fmt::format("multipart/form-data; boundary={}", kMultipartBoundary); }

std::string build_form(const std::vector<FormPart>& parts) {
  std::size_t size = 64;
  for (const auto& p : parts) size += p.value.size() + p.name.size() + p.filename.value_or("").size() + 160;
  std::string out;
  out.reserve(size);
  for (const auto& p : parts) {
    out += "--";
    out += kMultipartBoundary;
    out += "\r\nContent-Type: ";
    out += p.content_type;
    out += "\r\nContent-Disposition: form-data; name=";
    append_quoted(out, p.name);
    if (p.filename) {
      out += "; filename=";
      append_quoted(out, *p.filename);
    }
    out += "\r\n\r\n";
    out += p.value;
    out += "\r\n";
  }
  out += "--";
  out += kMultipartBoundary;
  out += "--\r\n";
  return out;
}

core::Result<std::string_view> form_boundary(std::string_view content_type) {
  if (!boost::algorithm::istarts_with(content_type, "multipart/form-data")) {
    return core::fail("Content-Type must be multipart/form-data");
  }
  const auto boundary = parameter(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) {
    return core::fail("multipart/form-data without a boundary of 1 to 70 characters");
  }
  return *boundary;
}

core::Result<std::vector<FormPart>> parse_form(std::string_view body, std::string_view boundary,
                                               std::size_t max_parts) {
  const std::string delimiter = fmt::format("--{}", boundary);
  const std::string next = fmt::format("\r\n--{}", boundary);
  if (!body.starts_with(delimiter)) return core::fail("the form does not start with its boundary");
  std::vector<FormPart> parts;
  std::size_t at = delimiter.size();
  while (true) {
    if (body.substr(at, 2) == "--") return parts;  // the closing delimiter
    if (body.substr(at, 2) != "\r\n") return core::fail("the form's boundary is not followed by CRLF");
    at += 2;
    if (parts.size() == max_parts) return core::fail("the form has more than {} parts", max_parts);
    const auto blank = body.find("\r\n\r\n", at);
    if (blank == std::string_view::npos) return core::fail("a part without its header block");
    FormPart part;
    if (auto r = read_part_headers(body.substr(at, blank - at), part); !r) return r.error();
    const std::size_t value_at = blank + 4;
    const auto end = body.find(next, value_at);
    if (end == std::string_view::npos) return core::fail("a part without a closing boundary");
    part.value = body.substr(value_at, end - value_at);
    parts.push_back(part);
    at = end + next.size();
  }
}

}  // namespace llmload::api
