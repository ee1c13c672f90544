#include "llmload/metrics/hdr_histogram.hpp"

#include "llmload/core/base64.hpp"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <new>
#include <stdexcept>
#include <utility>

namespace llmload::metrics {

namespace {

constexpr std::int64_t kMaxHighestTrackable = std::numeric_limits<std::int64_t>::max() / 2;

// The most values a decoded histogram may hold: 2^53, the largest count a double holds
// exactly (percentiles are computed in doubles), far beyond any run (285 years at a million
// values a second), and low enough that 1024 such histograms merge without overflow.
constexpr std::int64_t kMaxDecodedTotal = std::int64_t{1} << 53;

// Cookies as the reference writes them: the V2 bases with 0x10 in the word-size nibble. Readers
// compare only the bases (cookie & ~0xf0), as Java and JS do.
constexpr std::uint32_t kEncodingCookieBase = 0x1c849303;
constexpr std::uint32_t kCompressedCookieBase = 0x1c849304;
constexpr std::uint32_t kEncodingCookie = kEncodingCookieBase | 0x10;
constexpr std::uint32_t kCompressedCookie = kCompressedCookieBase | 0x10;
constexpr std::uint32_t kCookieBaseMask = ~std::uint32_t{0xf0};

constexpr std::size_t kHeaderBytes = 40;      // cookie .. conversion ratio
constexpr std::size_t kCompressedHeaderBytes = 8;
constexpr std::size_t kMaxVarintBytes = 9;    // LEB128-64b9B: the 9th byte carries 8 bits

// The derived shape of a valid config.
struct Layout {
  int unit_magnitude = 0;
  int sub_bucket_count_magnitude = 0;
  int bucket_count = 0;
  std::size_t counts_length = 0;
};

std::int64_t pow10(int digits) {
  std::int64_t v = 1;
  for (int i = 0; i < digits; ++i) v *= 10;
  return v;
}

core::Result<Layout> layout_of(const HdrConfig& c) {
  if (c.lowest_discernible_value < 1) {
    return core::fail("HdrHistogram lowest_discernible_value is {}; it must be at least 1",
                      c.lowest_discernible_value);
  }
  if (c.significant_digits < 1 || c.significant_digits > 5) {
    return core::fail(
        "HdrHistogram significant_digits is {}; it must be between 1 and 5 (3 keeps 0.1 % "
        "precision)",
        c.significant_digits);
  }
  if (c.highest_trackable_value > kMaxHighestTrackable) {
    return core::fail("HdrHistogram highest_trackable_value is {}; it must be at most {} (2^62 - 1)",
                      c.highest_trackable_value, kMaxHighestTrackable);
  }
  if (c.lowest_discernible_value > c.highest_trackable_value / 2) {
    return core::fail(
        "HdrHistogram highest_trackable_value is {}; it must be at least twice "
        "lowest_discernible_value ({})",
        c.highest_trackable_value, c.lowest_discernible_value);
  }
  Layout l;
  l.unit_magnitude = 63 - std::countl_zero(static_cast<std::uint64_t>(c.lowest_discernible_value));
  // The smallest power of two >= 2·10^digits: single-unit resolution up to there.
  const std::int64_t single_unit_limit = 2 * pow10(c.significant_digits);
  l.sub_bucket_count_magnitude =
      std::max(1, static_cast<int>(std::bit_width(static_cast<std::uint64_t>(single_unit_limit - 1))));
  if (l.unit_magnitude + l.sub_bucket_count_magnitude > 62) {
    return core::fail(
        "HdrHistogram lowest_discernible_value {} is too large for {} significant digits: the "
        "first bucket would not fit 63 bits; lower one of them",
        c.lowest_discernible_value, c.significant_digits);
  }
  // Bucket k covers [0, sub_bucket_count·2^(unit+k)); add buckets until the highest fits.
  // smallest_untrackable never exceeds 2^62, since highest <= 2^62 - 1.
  std::int64_t smallest_untrackable = std::int64_t{1} << (l.unit_magnitude + l.sub_bucket_count_magnitude);
  l.bucket_count = 1;
  while (smallest_untrackable <= c.highest_trackable_value) {
    smallest_untrackable <<= 1;
    ++l.bucket_count;
  }
  l.counts_length = static_cast<std::size_t>(l.bucket_count + 1)
                    << (l.sub_bucket_count_magnitude - 1);
  return l;
}

// ---- byte helpers -------------------------------------------------------------------------

void put_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
void put_be64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
void set_be32(std::uint8_t* at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}
std::uint32_t get_be32(const std::uint8_t* at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | at[i];
  return v;
}
std::uint64_t get_be64(const std::uint8_t* at) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | at[i];
  return v;
}

// ZigZag, then LEB128 with at most 9 bytes: eight 7-bit groups and a final full byte.
void put_zigzag(std::vector<std::uint8_t>& out, std::int64_t value) {
  auto z = (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
  for (int i = 0; i < 8; ++i) {
    if ((z >> 7) == 0) {
      out.push_back(static_cast<std::uint8_t>(z));
      return;
    }
    out.push_back(static_cast<std::uint8_t>((z & 0x7f) | 0x80));
    z >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(z));
}

// Reads one varint from [pos, end); false if it runs past end.
bool get_zigzag(std::span<const std::uint8_t> bytes, std::size_t& pos, std::size_t end,
                std::int64_t& value) {
  std::uint64_t z = 0;
  bool done = false;
  for (int i = 0; i < 8 && !done; ++i) {
    if (pos >= end) return false;
    const std::uint8_t b = bytes[pos++];
    z |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
    done = (b & 0x80) == 0;
  }
  if (!done) {
    if (pos >= end) return false;
    z |= static_cast<std::uint64_t>(bytes[pos++]) << 56;
  }
  value = static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
  return true;
}


// ---- zlib -----------------------------------------------------------------------------------

// Inflates a zlib stream incrementally, so that the caller can stop at the size the embedded
// header announces instead of inflating whatever the input expands to.
class Inflater final {
 public:
  explicit Inflater(std::span<const std::uint8_t> in) {
    stream_.next_in = const_cast<Bytef*>(in.data());  // zlib's API is not const-correct
    stream_.avail_in = static_cast<uInt>(in.size());
    ok_ = inflateInit(&stream_) == Z_OK;
  }
  ~Inflater() {
    if (ok_) inflateEnd(&stream_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Appends exactly `want` bytes to `out`, or fails.
  core::Result<void> read(std::vector<std::uint8_t>& out, std::size_t want) {
    if (!ok_) return core::fail("HdrHistogram compressed encoding: zlib could not start");
    const std::size_t start = out.size();
    out.resize(start + want);
    std::size_t got = 0;
    while (got < want) {
      if (ended_) break;
      stream_.next_out = out.data() + start + got;
      stream_.avail_out = static_cast<uInt>(want - got);
      const int rc = inflate(&stream_, Z_NO_FLUSH);
      got = want - stream_.avail_out;
      if (rc == Z_STREAM_END) {
        ended_ = true;
      } else if (rc == Z_MEM_ERROR) {
        throw std::bad_alloc();
      } else if (rc != Z_OK) {
        return core::fail("HdrHistogram compressed encoding: the deflate stream is {}",
                          rc == Z_BUF_ERROR ? "truncated" : "corrupt");
      }
    }
    if (got < want) {
      return core::fail("HdrHistogram compressed encoding: the inflated data ends after {} of {} bytes",
                        start + got, start + want);
    }
    return {};
  }

 private:
  z_stream stream_{};
  bool ok_ = false;
  bool ended_ = false;
};

}  // namespace

// ---- construction ---------------------------------------------------------------------------

core::Result<void> HdrHistogram::validate(const HdrConfig& config) {
  auto layout = layout_of(config);
  if (!layout) return layout.error();
  return {};
}

core::Result<HdrHistogram> HdrHistogram::create(const HdrConfig& config) {
  if (auto ok = validate(config); !ok) return ok.error();
  return HdrHistogram(config);
}

HdrHistogram::HdrHistogram(const HdrConfig& config) : config_(config) {
  const auto layout = layout_of(config);
  if (!layout) throw std::invalid_argument(layout.error().message);
  unit_magnitude_ = layout->unit_magnitude;
  sub_bucket_half_count_magnitude_ = layout->sub_bucket_count_magnitude - 1;
  sub_bucket_half_count_ = std::int64_t{1} << sub_bucket_half_count_magnitude_;
  sub_bucket_mask_ = ((std::uint64_t{1} << layout->sub_bucket_count_magnitude) - 1) << unit_magnitude_;
  leading_zero_count_base_ = 64 - unit_magnitude_ - layout->sub_bucket_count_magnitude;
  bucket_count_ = layout->bucket_count;
  counts_.assign(layout->counts_length, 0);
}

// ---- recording --------------------------------------------------------------------------------

void HdrHistogram::reject(std::int64_t value, std::int64_t count) noexcept {
  if (count < 0) {
    ++rejected_;
  } else if (count > 0 && value < 0) {
    rejected_ += count;
  }
}

bool HdrHistogram::merge(const HdrHistogram& other) noexcept {
  // Read everything from `other` first: it may be *this.
  const std::int64_t other_total = other.total_count_;
  const std::int64_t other_min = other.min_;
  const std::int64_t other_max = other.max_;
  const std::int64_t other_clamped = other.clamped_;
  const std::int64_t other_rejected = other.rejected_;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  // Every slot and clamped_ are at most the total, so a total that fits keeps them in range.
  if (other_total > kMax - total_count_ || other_rejected > kMax - rejected_) return false;
  if (other_total > 0) {
    if (same_layout(other) && other_max <= config_.highest_trackable_value) {
      const std::size_t last = index_of(other_max);
      for (std::size_t i = index_of(other_min); i <= last; ++i) counts_[i] += other.counts_[i];
      total_count_ += other_total;
      min_ = std::min(min_, other_min);
      max_ = std::max(max_, other_max);
    } else {
      // Different slots: each of other's slots goes where its midpoint falls here. (Never
      // reached for other == *this.)
      other.for_each_bucket([this](const HdrBucket& b) {
        record(b.lowest_value + (b.highest_value - b.lowest_value + 1) / 2, b.count);
      });
    }
  }
  clamped_ += other_clamped;
  rejected_ += other_rejected;
  return true;
}

void HdrHistogram::reset() noexcept {
  if (total_count_ > 0) {
    std::fill(counts_.begin() + static_cast<std::ptrdiff_t>(index_of(min_)),
              counts_.begin() + static_cast<std::ptrdiff_t>(index_of(max_)) + 1, 0);
  }
  total_count_ = 0;
  min_ = std::numeric_limits<std::int64_t>::max();
  max_ = 0;
  clamped_ = 0;
  rejected_ = 0;
}

void HdrHistogram::establish_totals() noexcept {
  total_count_ = 0;
  min_ = std::numeric_limits<std::int64_t>::max();
  max_ = 0;
  std::size_t first = counts_.size();
  std::size_t last = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    if (first == counts_.size()) first = i;
    last = i;
    total_count_ += counts_[i];
  }
  if (first == counts_.size()) return;
  min_ = value_from_index(first);
  max_ = std::min(value_from_index(last) + slot_size_at(last) - 1, config_.highest_trackable_value);
}

// ---- statistics -------------------------------------------------------------------------------

std::int64_t HdrHistogram::min() const noexcept {
  return total_count_ == 0 ? 0 : value_from_index(index_of(min_));
}

std::int64_t HdrHistogram::max() const noexcept {
  if (total_count_ == 0) return 0;
  const std::size_t i = index_of(max_);
  return value_from_index(i) + slot_size_at(i) - 1;
}

double HdrHistogram::mean() const noexcept {
  if (total_count_ == 0) return 0.0;
  double total = 0.0;
  for_each_bucket([&](const HdrBucket& b) {
    const std::int64_t median = b.lowest_value + (b.highest_value - b.lowest_value + 1) / 2;
    total += static_cast<double>(median) * static_cast<double>(b.count);
  });
  return total / static_cast<double>(total_count_);
}

double HdrHistogram::stddev() const noexcept {
  if (total_count_ == 0) return 0.0;
  const double m = mean();
  double total = 0.0;
  for_each_bucket([&](const HdrBucket& b) {
    const std::int64_t median = b.lowest_value + (b.highest_value - b.lowest_value + 1) / 2;
    const double deviation = static_cast<double>(median) - m;
    total += deviation * deviation * static_cast<double>(b.count);
  });
  return std::sqrt(total / static_cast<double>(total_count_));
}

std::int64_t HdrHistogram::value_at_percentile(double percentile) const noexcept {
  if (total_count_ == 0) return 0;
  const double p = percentile >= 0.0 ? std::min(percentile, 100.0) : 0.0;  // NaN -> 0
  const double fp_count = p / 100.0 * static_cast<double>(total_count_);
  // The product can come out one ulp above an integer; stepping back one ulp before the
  // ceiling keeps e.g. 99 % of 100 values at 99, not 100 (the reference does the same).
  // Counts are compared as integers, and the wanted count is capped at the total, so that
  // p100 is max() even when the total exceeds 2^53 and the product above is inexact.
  std::int64_t wanted = total_count_;
  if (p < 100.0) {
    const double ulp = fp_count > 0.0 ? std::nextafter(fp_count, HUGE_VAL) - fp_count : 0.0;
    const double w = std::max(std::ceil(fp_count - ulp), 1.0);
    if (w < static_cast<double>(total_count_)) wanted = static_cast<std::int64_t>(w);
  }
  const std::size_t first = index_of(min_);
  const std::size_t last = index_of(max_);
  std::int64_t running = 0;
  for (std::size_t i = first; i <= last; ++i) {
    running += counts_[i];
    if (running >= wanted) {
      return p == 0.0 ? value_from_index(i) : value_from_index(i) + slot_size_at(i) - 1;
    }
  }
  return max();  // not reached: the running count ends at total_count_
}

std::int64_t HdrHistogram::count_at_value(std::int64_t value) const noexcept {
  return counts_[index_of(std::clamp<std::int64_t>(value, 0, config_.highest_trackable_value))];
}

std::vector<HdrPercentileRow> HdrHistogram::percentile_spectrum(int ticks_per_half_distance) const {
  std::vector<HdrPercentileRow> rows;
  if (total_count_ == 0) return rows;
  const double ticks = std::max(1, ticks_per_half_distance);
  const double total = static_cast<double>(total_count_);
  // The reference's PercentileIterator, step by step: a slot's count joins the running total
  // once; a row is due when the slot is non-empty and the running percentile reaches the
  // level; after the last value one more row at exactly 100 %.
  double level = 0.0;
  bool reached_last = false;
  std::size_t i = index_of(min_);
  const std::size_t last = index_of(max_);
  std::int64_t running = 0;
  bool fresh = true;
  for (;;) {
    if (running >= total_count_) {
      if (reached_last) break;
      reached_last = true;
      level = 100.0;
    }
    bool emitted = false;
    while (i <= last) {
      const std::int64_t count = counts_[i];
      if (fresh) {
        running += count;
        fresh = false;
      }
      if (count != 0 && 100.0 * static_cast<double>(running) / total >= level) {
        rows.push_back({value_from_index(i) + slot_size_at(i) - 1, level, running});
        const double steps = ticks * std::pow(2.0, std::floor(std::log2(100.0 / (100.0 - level))) + 1.0);
        const double next = level + 100.0 / steps;
        if (!(next > level)) {
          // The step underflowed next to 100 % (only with totals near 2^53 and beyond, where
          // the reference would loop forever): only the closing row remains.
          if (!reached_last) {
            rows.push_back({value_from_index(last) + slot_size_at(last) - 1, 100.0, total_count_});
          }
          return rows;
        }
        level = next;
        emitted = true;
        break;
      }
      ++i;
      fresh = true;
    }
    if (!emitted) break;
  }
  return rows;
}

// ---- equivalence ------------------------------------------------------------------------------

std::int64_t HdrHistogram::lowest_equivalent_value(std::int64_t value) const noexcept {
  return value_from_index(index_of(std::clamp<std::int64_t>(value, 0, config_.highest_trackable_value)));
}

std::int64_t HdrHistogram::equivalent_range_size(std::int64_t value) const noexcept {
  return slot_size_at(index_of(std::clamp<std::int64_t>(value, 0, config_.highest_trackable_value)));
}

std::int64_t HdrHistogram::next_non_equivalent_value(std::int64_t value) const noexcept {
  return lowest_equivalent_value(value) + equivalent_range_size(value);
}

std::int64_t HdrHistogram::highest_equivalent_value(std::int64_t value) const noexcept {
  return next_non_equivalent_value(value) - 1;
}

std::int64_t HdrHistogram::median_equivalent_value(std::int64_t value) const noexcept {
  return lowest_equivalent_value(value) + equivalent_range_size(value) / 2;
}

bool operator==(const HdrHistogram& a, const HdrHistogram& b) noexcept {
  return a.config_ == b.config_ && a.total_count_ == b.total_count_ && a.counts_ == b.counts_;
}

// ---- encoding -----------------------------------------------------------------------------------

std::vector<std::uint8_t> HdrHistogram::encode() const {
  std::vector<std::uint8_t> out;
  out.reserve(kHeaderBytes + 64);
  put_be32(out, kEncodingCookie);
  put_be32(out, 0);  // payload length, set below
  put_be32(out, 0);  // normalizing index offset
  put_be32(out, static_cast<std::uint32_t>(config_.significant_digits));
  put_be64(out, static_cast<std::uint64_t>(config_.lowest_discernible_value));
  put_be64(out, static_cast<std::uint64_t>(config_.highest_trackable_value));
  put_be64(out, std::bit_cast<std::uint64_t>(1.0));  // integer-to-double conversion ratio
  const std::size_t limit = index_of(max_) + 1;  // 1 when empty, as the reference
  std::size_t i = 0;
  while (i < limit) {
    const std::int64_t count = counts_[i++];
    if (count != 0) {
      put_zigzag(out, count);
      continue;
    }
    std::int64_t zeros = 1;
    while (i < limit && counts_[i] == 0) {
      ++zeros;
      ++i;
    }
    put_zigzag(out, zeros > 1 ? -zeros : 0);
  }
  set_be32(out.data() + 4, static_cast<std::uint32_t>(out.size() - kHeaderBytes));
  return out;
}

std::vector<std::uint8_t> HdrHistogram::encode_compressed(int compression_level) const {
  const std::vector<std::uint8_t> plain = encode();
  uLongf length = compressBound(static_cast<uLong>(plain.size()));
  std::vector<std::uint8_t> out(kCompressedHeaderBytes + length);
  const int level = compression_level < -1 || compression_level > 9 ? Z_DEFAULT_COMPRESSION
                                                                     : compression_level;
  const int rc = compress2(out.data() + kCompressedHeaderBytes, &length, plain.data(),
                           static_cast<uLong>(plain.size()), level);
  if (rc != Z_OK) throw std::bad_alloc();  // the buffer is large enough: only memory can fail
  out.resize(kCompressedHeaderBytes + length);
  set_be32(out.data(), kCompressedCookie);
  set_be32(out.data() + 4, static_cast<std::uint32_t>(length));
  return out;
}

std::string HdrHistogram::encode_compressed_base64() const {
  return core::base64_encode(encode_compressed());
}

namespace {

// The header fields of a V2 encoding, validated against its layout.
struct Header {
  HdrConfig config;
  std::size_t payload_length = 0;
  std::size_t max_payload_length = 0;
};

core::Result<Header> parse_header(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kHeaderBytes) {
    return core::fail("HdrHistogram encoding: {} bytes is shorter than the 40-byte V2 header",
                      bytes.size());
  }
  const std::uint32_t cookie = get_be32(bytes.data());
  if ((cookie & kCookieBaseMask) != kEncodingCookieBase) {
    if ((cookie & kCookieBaseMask) == kCompressedCookieBase) {
      return core::fail("HdrHistogram encoding: this is a compressed encoding (cookie {:#010x})",
                        cookie);
    }
    return core::fail("HdrHistogram encoding: cookie {:#010x} is not a V2 encoding cookie "
                      "(0x1c849303 with any word-size nibble)",
                      cookie);
  }
  Header h;
  h.payload_length = get_be32(bytes.data() + 4);
  const auto digits = static_cast<std::int32_t>(get_be32(bytes.data() + 12));
  h.config.significant_digits = digits;
  h.config.lowest_discernible_value = static_cast<std::int64_t>(get_be64(bytes.data() + 16));
  h.config.highest_trackable_value = static_cast<std::int64_t>(get_be64(bytes.data() + 24));
  auto layout = layout_of(h.config);
  if (!layout) {
    return core::fail("HdrHistogram encoding: unsupported layout: {}", layout.error().message);
  }
  h.max_payload_length = layout->counts_length * kMaxVarintBytes;
  if (h.payload_length > h.max_payload_length) {
    return core::fail("HdrHistogram encoding: payload length {} exceeds the {} bytes its layout "
                      "can need",
                      h.payload_length, h.max_payload_length);
  }
  return h;
}

}  // namespace

core::Result<HdrHistogram> HdrHistogram::decode(std::span<const std::uint8_t> bytes) {
  auto header = parse_header(bytes);
  if (!header) return header.error();
  const std::size_t end = kHeaderBytes + header->payload_length;
  if (bytes.size() < end) {
    return core::fail("HdrHistogram encoding: payload of {} bytes is truncated to {}",
                      header->payload_length, bytes.size() - kHeaderBytes);
  }
  HdrHistogram h(header->config);
  const std::size_t length = h.counts_.size();
  const std::size_t top = h.index_of(h.config_.highest_trackable_value);
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::size_t pos = kHeaderBytes;
  std::size_t index = 0;
  std::int64_t total = 0;
  while (pos < end) {
    std::int64_t value = 0;
    if (!get_zigzag(bytes, pos, end, value)) {
      return core::fail("HdrHistogram encoding: a count at slot {} runs past the payload's end", index);
    }
    if (value < 0) {
      if (value == std::numeric_limits<std::int64_t>::min() ||
          static_cast<std::uint64_t>(-value) > length - index) {
        return core::fail("HdrHistogram encoding: a run of {} empty slots at slot {} passes the "
                          "{} slots of its layout",
                          value == std::numeric_limits<std::int64_t>::min() ? kMax : -value, index,
                          length);
      }
      index += static_cast<std::size_t>(-value);
      continue;
    }
    if (index >= length) {
      return core::fail("HdrHistogram encoding: more counts than the {} slots of its layout", length);
    }
    if (value > 0) {
      if (value > kMaxDecodedTotal - total) {
        return core::fail("HdrHistogram encoding: the total count passes 2^53 ({}) at slot {}: a corrupt "
                          "encoding (no run records that many values; sums of such counts would overflow "
                          "64 bits)",
                          kMaxDecodedTotal, index);
      }
      total += value;
      const std::size_t target = std::min(index, top);
      if (target != index) h.clamped_ += value;
      h.counts_[target] += value;
    }
    ++index;
  }
  h.establish_totals();
  return h;
}

core::Result<HdrHistogram> HdrHistogram::decode_compressed(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kCompressedHeaderBytes) {
    return core::fail("HdrHistogram compressed encoding: {} bytes is shorter than its 8-byte header",
                      bytes.size());
  }
  const std::uint32_t cookie = get_be32(bytes.data());
  if ((cookie & kCookieBaseMask) != kCompressedCookieBase) {
    return core::fail("HdrHistogram compressed encoding: cookie {:#010x} is not a V2 compressed "
                      "encoding cookie (0x1c849304 with any word-size nibble)",
                      cookie);
  }
  const std::size_t deflated = get_be32(bytes.data() + 4);
  if (deflated > bytes.size() - kCompressedHeaderBytes) {
    return core::fail("HdrHistogram compressed encoding: {} compressed bytes announced, {} present",
                      deflated, bytes.size() - kCompressedHeaderBytes);
  }
  Inflater inflater(bytes.subspan(kCompressedHeaderBytes, deflated));
  std::vector<std::uint8_t> plain;
  if (auto ok = inflater.read(plain, kHeaderBytes); !ok) return ok.error();
  auto header = parse_header(plain);
  if (!header) return header.error();
  if (auto ok = inflater.read(plain, header->payload_length); !ok) return ok.error();
  return decode(plain);
}

core::Result<HdrHistogram> HdrHistogram::decode_compressed_base64(std::string_view text) {
  const auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  auto bytes = core::base64_decode(text);
  if (!bytes) return core::fail("HdrHistogram {}", bytes.error().message);
  return decode_compressed(*bytes);
}

SampleStats stats_ms_of_us(const HdrHistogram& us, std::span<const double> percentiles) {
  SampleStats s;
  s.count = static_cast<std::size_t>(us.total_count());
  if (s.count == 0) return s;
  const auto ms = [](std::int64_t v) { return static_cast<double>(v) / 1000.0; };
  s.mean = us.mean() / 1000.0;
  s.min = ms(us.min());
  s.max = ms(us.max());
  s.median = ms(us.value_at_percentile(50));
  for (const double p : percentiles) s.percentiles.push_back({p, ms(us.value_at_percentile(p))});
  return s;
}

}  // namespace llmload::metrics
