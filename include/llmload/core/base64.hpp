#pragma once
/// Base64 (RFC 4648), one implementation for the whole tool: image data URLs, HdrHistogram
/// encodings, and the simulator's reading of the images it is sent.

#include "llmload/core/error.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmload::core {

/// Standard alphabet with '=' padding.
std::string base64_encode(std::string_view bytes);
std::string base64_encode(std::span<const std::uint8_t> bytes);

/// Which digits a decoder accepts: the standard alphabet only, or the URL-safe one ('-', '_') too.
enum class Base64Digits { kStandard, kStandardOrUrlSafe };

/// The value (0..63) of one digit; -1 for a character that is not one.
int base64_digit(char c, Base64Digits digits = Base64Digits::kStandard) noexcept;

/// Strict decoding of padded standard base64 (length a multiple of 4, padding only at the end);
/// errors say what is wrong and where.
Result<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace llmload::core
