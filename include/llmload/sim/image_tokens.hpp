#pragma once
/// Image parts of chat requests, as the simulator counts them: the pixel size read from the
/// image header inside a base64 data URL (PNG IHDR, JPEG SOFn, GIF logical screen; pixels are
/// never decoded) and Qwen2-VL's image-token rule. Pure functions, thread-safe.

#include "llmload/sim/api_error.hpp"

#include <cstdint>
#include <string_view>

namespace llmload::sim {

/// Width and height in pixels.
struct ImageSize {
  std::int64_t width = 0;
  std::int64_t height = 0;
};

/// Reads the size from the first bytes of a PNG, JPEG or GIF file. 400 (naming the format
/// problem) for anything else or a truncated header.
ApiResult<ImageSize> read_image_size(std::string_view bytes);

/// Decodes a `data:<mime>;base64,<payload>` URL far enough to read the image's size (the
/// whole payload for a JPEG whose SOF is late). 400 for other URL schemes (the simulator
/// cannot fetch), non-base64 data URLs, bad base64 or an unknown image format.
ApiResult<ImageSize> data_url_image_size(std::string_view url);

/// Qwen2-VL's resize limits: pixels of the resized image (min 4 patches of 28x28 by default,
/// max 12845056 as in the model's preprocessor config).
struct ImageTokenRule {
  std::int64_t patch = 28;  ///< merged patch side (14-pixel ViT patches merged 2x2)
  std::int64_t min_pixels = 56 * 56;
  std::int64_t max_pixels = 12845056;
};

/// Tokens of one image under Qwen2-VL's smart_resize: each side rounded (half to even) to a
/// multiple of `patch`, scaled down or up to stay within [min_pixels, max_pixels], then one
/// token per patch. 1080x810 → 1092x812 → 39 x 29 = 1131. Sizes < 1 give 0.
std::int64_t qwen2_vl_image_tokens(ImageSize size, const ImageTokenRule& rule = {}) noexcept;

}  // namespace llmload::sim
