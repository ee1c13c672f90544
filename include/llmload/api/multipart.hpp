#pragma once
/// `multipart/form-data` bodies (RFC 7578) for the openai-audio backend: the form vLLM's
/// async_request_openai_audio posts to /v1/audio/transcriptions, built before the clock starts
/// like every other body, and the parser the simulator (and the tests) read it back with.
///
/// Layout as aiohttp's FormData writes it: per part `--BOUNDARY` CRLF, the part's
/// `Content-Type`, then `Content-Disposition: form-data; name="..."` (`; filename="..."` for
/// the file), an empty line, the value, CRLF; after the last part `--BOUNDARY--` CRLF. The
/// file part comes first, then one `text/plain; charset=utf-8` part per form field. The
/// boundary is fixed (aiohttp draws a random one per request): kMultipartBoundary.

#include "llmload/core/error.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmload::api {

/// The boundary of every form llmload sends (70 characters at most, RFC 2046).
inline constexpr std::string_view kMultipartBoundary = "llmload-form-3f9c2e7a1d6b4058";

/// "multipart/form-data; boundary=" + kMultipartBoundary: the requests' Content-Type.
std::string multipart_content_type();

/// One part of a form: its name, filename (file parts), content type and value (bytes).
struct FormPart {
  std::string_view name;
  std::optional<std::string_view> filename;
  std::string_view content_type;
  std::string_view value;
};

/// The form of `parts` with kMultipartBoundary. Names and filenames are written in double
/// quotes with `"`, CR and LF percent-encoded (as aiohttp quotes them). Pure.
std::string build_form(const std::vector<FormPart>& parts);

/// The boundary of a `multipart/form-data` Content-Type value (`boundary=` token or quoted
/// string, 1 to 70 characters), or an error saying what is wrong.
core::Result<std::string_view> form_boundary(std::string_view content_type);

/// The parts of a form body with `boundary`, views into `body`, in order. Errors (the
/// simulator answers 400 with them): no opening delimiter, a part without its header block or
/// closing delimiter, a header line without a colon or over 1 KiB, a part without a
/// `Content-Disposition: form-data; name=...`, more than `max_parts` parts. Pure.
core::Result<std::vector<FormPart>> parse_form(std::string_view body, std::string_view boundary,
                                               std::size_t max_parts = 64);

}  // namespace llmload::api
