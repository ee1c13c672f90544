#include "llmload/metrics/hdr_histogram.hpp"

#include "llmload/core/rng.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace llmload::metrics {
namespace {

constexpr std::int64_t kHourUs = 3600LL * 1000 * 1000;
constexpr std::int64_t kHourNs = kHourUs * 1000;

HdrHistogram make(std::int64_t lowest, std::int64_t highest, int digits) {
  return HdrHistogram(HdrConfig{lowest, highest, digits});
}

// ---- layout ---------------------------------------------------------------------------------

// 2·10^3 = 2000 rounds up to 2048 slots per bucket; 2048·2^k must exceed 3.6e9, so k = 21
// doublings: 22 buckets and (22 + 1)·1024 counts (HdrHistogram_c's test_create expects the same).
TEST(HdrHistogram, LayoutOfOneHourInMicrosecondsAtThreeDigits) {
  const auto h = make(1, kHourUs, 3);
  EXPECT_EQ(h.sub_bucket_count(), 2048);
  EXPECT_EQ(h.unit_magnitude(), 0);
  EXPECT_EQ(h.bucket_count(), 22);
  EXPECT_EQ(h.counts_length(), 23552u);
}

// The default (1 ns .. 1 h): 2048·2^31 = 2^42 > 3.6e12 > 2^41, so 32 buckets.
TEST(HdrHistogram, DefaultLayoutIsOneHourInNanoseconds) {
  const HdrHistogram h;
  EXPECT_EQ(h.config().highest_trackable_value, kHourNs);
  EXPECT_EQ(h.bucket_count(), 32);
  EXPECT_EQ(h.counts_length(), 33u * 1024u);
}

TEST(HdrHistogram, LayoutForOtherDigitsAndUnits) {
  // 2·10 = 20 -> 32 slots; 2·10^5 -> 2^18.
  EXPECT_EQ(make(1, 100, 1).sub_bucket_count(), 32);
  EXPECT_EQ(make(1, kHourNs, 5).sub_bucket_count(), 262144);
  // lowest 1000 rounds down to 512: unit magnitude 9.
  EXPECT_EQ(make(1000, kHourNs, 3).unit_magnitude(), 9);
  // 2048·512·2^k > 3.6e12 -> k = 22.
  EXPECT_EQ(make(1000, kHourNs, 3).bucket_count(), 23);
}

TEST(HdrHistogram, RejectsInvalidConfigs) {
  const struct {
    HdrConfig config;
    const char* says;
  } cases[] = {
      {{0, 1000, 3}, "lowest_discernible_value is 0"},
      {{1, 1000, 0}, "significant_digits is 0"},
      {{1, 1000, 6}, "significant_digits is 6"},
      {{10, 19, 3}, "at least twice"},
      {{1, INT64_MAX, 3}, "at most"},
      {{std::int64_t{1} << 55, std::int64_t{1} << 60, 3}, "too large"},
  };
  for (const auto& c : cases) {
    const auto r = HdrHistogram::create(c.config);
    ASSERT_FALSE(r) << c.says;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().message;
    EXPECT_THROW(HdrHistogram{c.config}, std::invalid_argument);
  }
  EXPECT_TRUE(HdrHistogram::create({1, 2, 1}));
  EXPECT_TRUE(HdrHistogram::create({1, INT64_MAX / 2, 3}));
}

// ---- equivalence at 3 digits (HdrHistogram's own expectations, from the layout math) ---------

TEST(HdrHistogram, EquivalentValueRangesAtThreeDigits) {
  const auto h = make(1, kHourUs, 3);
  // 0..2047: one value per slot; 2048..4095: slots of 2; 4096..8191: 4; 8192..16383: 8.
  EXPECT_EQ(h.equivalent_range_size(1), 1);
  EXPECT_EQ(h.equivalent_range_size(2047), 1);
  EXPECT_EQ(h.equivalent_range_size(2048), 2);
  EXPECT_EQ(h.equivalent_range_size(2500), 2);
  EXPECT_EQ(h.equivalent_range_size(8191), 4);
  EXPECT_EQ(h.equivalent_range_size(8192), 8);
  EXPECT_EQ(h.equivalent_range_size(10000), 8);

  EXPECT_EQ(h.lowest_equivalent_value(10007), 10000);
  EXPECT_EQ(h.lowest_equivalent_value(10009), 10008);

  EXPECT_EQ(h.highest_equivalent_value(8180), 8183);
  EXPECT_EQ(h.highest_equivalent_value(8191), 8191);
  EXPECT_EQ(h.highest_equivalent_value(8193), 8199);
  EXPECT_EQ(h.highest_equivalent_value(9995), 9999);
  EXPECT_EQ(h.highest_equivalent_value(10007), 10007);
  EXPECT_EQ(h.highest_equivalent_value(10008), 10015);

  EXPECT_EQ(h.median_equivalent_value(4), 4);
  EXPECT_EQ(h.median_equivalent_value(5), 5);
  EXPECT_EQ(h.median_equivalent_value(4000), 4001);
  EXPECT_EQ(h.median_equivalent_value(8000), 8002);
  EXPECT_EQ(h.median_equivalent_value(10007), 10004);

  EXPECT_EQ(h.next_non_equivalent_value(10007), 10008);
  EXPECT_TRUE(h.values_are_equivalent(10000, 10007));
  EXPECT_FALSE(h.values_are_equivalent(10007, 10008));

  // 1e8 lies in [2^26, 2^27): slots of 2^(26-10) = 65536; 1e8 / 65536 = 1525.9.
  EXPECT_EQ(h.lowest_equivalent_value(100'000'000), 1525 * 65536);
  EXPECT_EQ(h.highest_equivalent_value(100'000'000), 1526 * 65536 - 1);
}

TEST(HdrHistogram, RelativeSlotWidthNeverExceedsTheDigits) {
  const HdrHistogram h;
  for (std::int64_t v = 1; v < kHourNs; v = v * 3 + 1) {
    EXPECT_LE(static_cast<double>(h.equivalent_range_size(v) - 1) / static_cast<double>(v), 1e-3)
        << v;
  }
}

TEST(HdrHistogram, UnitMagnitudeGroupsSmallValues) {
  const auto h = make(1000, kHourNs, 3);  // unit 512
  EXPECT_EQ(h.lowest_equivalent_value(1), 0);
  EXPECT_EQ(h.highest_equivalent_value(1), 511);
  EXPECT_EQ(h.lowest_equivalent_value(12345), 12288);  // 24 · 512
  EXPECT_EQ(h.equivalent_range_size(12345), 512);
}

// ---- recording and statistics ------------------------------------------------------------------

TEST(HdrHistogram, EmptyHistogramReportsZeros) {
  const HdrHistogram h;
  EXPECT_EQ(h.total_count(), 0);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.stddev(), 0.0);
  EXPECT_EQ(h.value_at_percentile(50), 0);
  EXPECT_TRUE(h.percentile_spectrum().empty());
}

// Uniform 1..10000: p50 wants the 5000th value, which sits in slot [5000, 5003] (slots of 4),
// and the answer is that slot's highest value; likewise for the others (slots of 8 above 8192).
TEST(HdrHistogram, PercentilesOfUniformOneToTenThousand) {
  HdrHistogram h;
  for (std::int64_t v = 1; v <= 10000; ++v) h.record(v);
  EXPECT_EQ(h.total_count(), 10000);
  EXPECT_EQ(h.value_at_percentile(50), 5003);
  EXPECT_NEAR(static_cast<double>(h.value_at_percentile(50)), 5000.0, 5.0);  // within 0.1 %
  EXPECT_EQ(h.value_at_percentile(90), 9007);                                // [9000, 9007]
  EXPECT_EQ(h.value_at_percentile(99), 9903);                                // [9896, 9903]
  EXPECT_EQ(h.value_at_percentile(99.9), 9991);                              // [9984, 9991]
  EXPECT_EQ(h.value_at_percentile(10), 1000);                                // exact below 2048
  EXPECT_EQ(h.value_at_percentile(0), 1);
  EXPECT_EQ(h.value_at_percentile(100), 10007);  // [10000, 10007]
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 10007);
  EXPECT_NEAR(h.mean(), 5000.5, 5.0005);
  EXPECT_NEAR(h.stddev(), 2886.75, 2.887);  // sqrt((10000^2 - 1) / 12)
  // Out-of-range percentiles clamp.
  EXPECT_EQ(h.value_at_percentile(150), 10007);
  EXPECT_EQ(h.value_at_percentile(-3), 1);
}

// HdrHistogram's classic check: 10000 values of 1000 and one of 1e8.
TEST(HdrHistogram, PercentilesWithOneOutlier) {
  auto h = make(1, kHourUs, 3);
  h.record(1000, 10000);
  h.record(100'000'000);
  EXPECT_EQ(h.value_at_percentile(30), 1000);
  EXPECT_EQ(h.value_at_percentile(99), 1000);
  EXPECT_EQ(h.value_at_percentile(99.99), 1000);
  EXPECT_EQ(h.value_at_percentile(99.999), 1526 * 65536 - 1);
  EXPECT_EQ(h.value_at_percentile(100), 1526 * 65536 - 1);
  EXPECT_EQ(h.max(), 1526 * 65536 - 1);
  // mean = (1000·10000 + median(1e8 slot)) / 10001, median = 1525·65536 + 32768.
  EXPECT_DOUBLE_EQ(h.mean(), (1000.0 * 10000 + (1525.0 * 65536 + 32768)) / 10001.0);
}

// The reference rounds the wanted count up after stepping back one ulp, so 99 % of 100 values
// is the 99th value even though 0.99 · 100 = 99.00000000000001 in binary.
TEST(HdrHistogram, PercentileCountRoundsLikeTheReference) {
  HdrHistogram h;
  for (std::int64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.value_at_percentile(99), 99);
  EXPECT_EQ(h.value_at_percentile(99.5), 100);
  EXPECT_EQ(h.value_at_percentile(1), 1);
  EXPECT_EQ(h.value_at_percentile(0.5), 1);
  EXPECT_EQ(h.value_at_percentile(50), 50);
}

// Beyond 2^53 the percentile arithmetic in doubles is inexact (the reference's too); p100 is
// still max() and the spectrum still ends, with its closing row at the total (found by fuzzing:
// the level step underflows next to 100 % and the reference's iterator never stops).
TEST(HdrHistogram, HugeTotalsKeepPercentilesAndSpectrumSane) {
  HdrHistogram h;
  h.record(1000, std::int64_t{1} << 60);
  h.record(2000, 3);
  EXPECT_EQ(h.value_at_percentile(100), 2000);
  EXPECT_EQ(h.max(), 2000);
  EXPECT_EQ(h.value_at_percentile(99.99), 1000);
  const auto rows = h.percentile_spectrum(5);
  ASSERT_FALSE(rows.empty());
  EXPECT_LT(rows.size(), 1000u);
  EXPECT_EQ(rows.back().value, 2000);
  EXPECT_EQ(rows.back().percentile, 100.0);
  EXPECT_EQ(rows.back().total_count, (std::int64_t{1} << 60) + 3);
}

TEST(HdrHistogram, RecordWithCount) {
  HdrHistogram a;
  HdrHistogram b;
  a.record(777, 5);
  for (int i = 0; i < 5; ++i) b.record(777);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.count_at_value(777), 5);
  a.record(777, 0);  // nothing
  EXPECT_EQ(a.total_count(), 5);
}

TEST(HdrHistogram, ClampsValuesAboveHighestTrackable) {
  auto h = make(1, 1'000'000, 3);
  h.record(5'000'000);
  h.record(2'000'000, 3);
  h.record(1'000'000);
  EXPECT_EQ(h.clamped(), 4);
  EXPECT_EQ(h.total_count(), 5);
  EXPECT_EQ(h.count_at_value(1'000'000), 5);
  // 1e6 lies in [2^19, 2^20): slots of 512; 1e6 / 512 = 1953.1.
  EXPECT_EQ(h.max(), 1954 * 512 - 1);
  EXPECT_EQ(h.value_at_percentile(50), 1954 * 512 - 1);
}

TEST(HdrHistogram, RejectsNegativeValuesAndCounts) {
  HdrHistogram h;
  h.record(-1);
  h.record(-5, 4);
  h.record(10, -3);
  EXPECT_EQ(h.rejected(), 1 + 4 + 1);
  EXPECT_EQ(h.total_count(), 0);
  h.record(0);
  EXPECT_EQ(h.total_count(), 1);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
}

TEST(HdrHistogram, ResetForgetsEverything) {
  HdrHistogram h;
  for (std::int64_t v = 1; v <= 5000; v += 7) h.record(v * 1000);
  h.record(-1);
  h.record(kHourNs * 2);
  ASSERT_GT(h.total_count(), 0);
  h.reset();
  EXPECT_EQ(h, HdrHistogram());
  EXPECT_EQ(h.total_count(), 0);
  EXPECT_EQ(h.clamped(), 0);
  EXPECT_EQ(h.rejected(), 0);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.value_at_percentile(99), 0);
  h.record(42);
  EXPECT_EQ(h.min(), 42);
  EXPECT_EQ(h.max(), 42);
  EXPECT_EQ(h.total_count(), 1);
}

TEST(HdrHistogram, ForEachBucketVisitsNonEmptySlotsInOrder) {
  HdrHistogram h;
  h.record(3);
  h.record(2049, 2);  // slot [2048, 2049]
  h.record(10007);    // slot [10000, 10007]
  std::vector<HdrBucket> seen;
  h.for_each_bucket([&](const HdrBucket& b) { seen.push_back(b); });
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].lowest_value, 3);
  EXPECT_EQ(seen[0].highest_value, 3);
  EXPECT_EQ(seen[0].count, 1);
  EXPECT_EQ(seen[1].lowest_value, 2048);
  EXPECT_EQ(seen[1].highest_value, 2049);
  EXPECT_EQ(seen[1].count, 2);
  EXPECT_EQ(seen[2].lowest_value, 10000);
  EXPECT_EQ(seen[2].highest_value, 10007);
}

// Ticks of 10 % up to 50 %, then 5 % to 75 %, 2.5 % to 87.5 %, ...; a final row at 100 %.
TEST(HdrHistogram, PercentileSpectrumFollowsHalfDistanceTicks) {
  HdrHistogram h;
  for (std::int64_t v = 1; v <= 10000; ++v) h.record(v);
  const auto rows = h.percentile_spectrum(5);
  ASSERT_GE(rows.size(), 14u);
  const struct {
    std::int64_t value;
    double percentile;
    std::int64_t total;
  } want[] = {
      {1, 0.0, 1},          {1000, 10.0, 1000},  {2000, 20.0, 2000}, {3001, 30.0, 3001},
      {4001, 40.0, 4001},   {5003, 50.0, 5003},  {5503, 55.0, 5503}, {6003, 60.0, 6003},
      {6503, 65.0, 6503},   {7003, 70.0, 7003},  {7503, 75.0, 7503}, {7751, 77.5, 7751},
  };
  for (std::size_t i = 0; i < std::size(want); ++i) {
    EXPECT_EQ(rows[i].value, want[i].value) << i;
    EXPECT_DOUBLE_EQ(rows[i].percentile, want[i].percentile) << i;
    EXPECT_EQ(rows[i].total_count, want[i].total) << i;
  }
  EXPECT_EQ(rows.back().value, 10007);
  EXPECT_EQ(rows.back().percentile, 100.0);
  EXPECT_EQ(rows.back().total_count, 10000);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_GE(rows[i].value, rows[i - 1].value);
    EXPECT_GE(rows[i].percentile, rows[i - 1].percentile);
    EXPECT_GE(rows[i].total_count, rows[i - 1].total_count);
  }
}

TEST(HdrHistogram, PercentileSpectrumOfOneValue) {
  HdrHistogram h;
  h.record(1234, 3);
  // The first slot holds everything: the 0 % row, then the closing 100 % row.
  const auto rows = h.percentile_spectrum(5);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].value, 1234);
  EXPECT_EQ(rows[0].percentile, 0.0);
  EXPECT_EQ(rows[0].total_count, 3);
  EXPECT_EQ(rows[1].value, 1234);
  EXPECT_EQ(rows[1].percentile, 100.0);
  EXPECT_EQ(rows[1].total_count, 3);
}

// ---- merge ----------------------------------------------------------------------------------------

std::vector<std::int64_t> latencies(std::uint64_t seed, int n) {
  core::Rng rng(seed, "hdr-test");
  std::vector<std::int64_t> v;
  for (int i = 0; i < n; ++i) {
    // Log-uniform from 1 µs to 100 s, in ns.
    v.push_back(static_cast<std::int64_t>(std::exp(std::log(1e3) + rng.uniform01() * std::log(1e8))));
  }
  return v;
}

TEST(HdrHistogram, MergeEqualsRecordingIntoOne) {
  HdrHistogram a;
  HdrHistogram b;
  HdrHistogram all;
  for (const auto v : latencies(1, 20000)) {
    a.record(v);
    all.record(v);
  }
  for (const auto v : latencies(2, 5000)) {
    b.record(v);
    all.record(v);
  }
  b.record(-7);
  all.record(-7);
  b.record(kHourNs * 3);
  all.record(kHourNs * 3);
  a.merge(b);
  EXPECT_EQ(a, all);
  EXPECT_EQ(a.total_count(), all.total_count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.mean(), all.mean());
  EXPECT_EQ(a.stddev(), all.stddev());
  EXPECT_EQ(a.clamped(), 1);
  EXPECT_EQ(a.rejected(), 1);
  for (const double p : {0.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    EXPECT_EQ(a.value_at_percentile(p), all.value_at_percentile(p)) << p;
  }
}

TEST(HdrHistogram, MergeIntoEmptyAndFromEmpty) {
  HdrHistogram a;
  HdrHistogram empty;
  for (const auto v : latencies(3, 100)) a.record(v);
  const HdrHistogram before = a;
  a.merge(empty);
  EXPECT_EQ(a, before);
  empty.merge(a);
  EXPECT_EQ(empty, a);
  EXPECT_EQ(empty.min(), a.min());
  EXPECT_EQ(empty.max(), a.max());
}

TEST(HdrHistogram, MergeWithItselfDoublesCounts) {
  HdrHistogram a;
  a.record(10, 3);
  a.record(5000);
  a.merge(a);
  EXPECT_EQ(a.total_count(), 8);
  EXPECT_EQ(a.count_at_value(10), 6);
  EXPECT_EQ(a.count_at_value(5000), 2);
}

// A coarser source (unit 512): its slot [999936, 1000447] is re-recorded at its midpoint
// 1000192, which lands in the finer histogram's slot [999936, 1000447] (slots of 512 there too).
TEST(HdrHistogram, MergeAcrossLayoutsUsesSlotMidpoints) {
  HdrHistogram fine;
  auto coarse = make(1000, kHourNs, 3);
  coarse.record(1'000'000, 4);
  coarse.record(100);  // slot [0, 511] -> midpoint 256
  ASSERT_FALSE(fine.same_layout(coarse));
  fine.merge(coarse);
  EXPECT_EQ(fine.total_count(), 5);
  EXPECT_EQ(fine.count_at_value(1'000'192), 4);
  EXPECT_EQ(fine.count_at_value(256), 1);
  EXPECT_EQ(fine.min(), 256);

  // Fewer digits: 2 digits keeps 256 slots per bucket, so 5000 sits in a slot of 32
  // [4992, 5023] with midpoint 5008.
  auto two_digits = make(1, kHourNs, 2);
  two_digits.record(5000, 2);
  HdrHistogram three;
  three.merge(two_digits);
  EXPECT_EQ(three.count_at_value(5008), 2);
}

TEST(HdrHistogram, MergeClampsToTheNarrowerRange) {
  auto narrow = make(1, 1'000'000, 3);
  HdrHistogram wide;
  wide.record(5'000'000, 2);
  wide.record(10);
  narrow.merge(wide);
  EXPECT_EQ(narrow.total_count(), 3);
  EXPECT_EQ(narrow.clamped(), 2);
  EXPECT_EQ(narrow.count_at_value(1'000'000), 2);
  EXPECT_EQ(narrow.max(), 1954 * 512 - 1);
}

// ---- encoding --------------------------------------------------------------------------------------

// digits 1, highest 100: 32 slots per bucket, 3 buckets, 64 counts. Counts 0,0,0,2,0,1 encode as
// a run of three empty slots (-3 -> zigzag 5), 2 (-> 4), a single empty slot (0), 1 (-> 2).
TEST(HdrHistogramEncoding, GoldenBytesOfATinyHistogram) {
  auto h = make(1, 100, 1);
  h.record(3, 2);
  h.record(5);
  const std::vector<std::uint8_t> want = {
      0x1c, 0x84, 0x93, 0x13,                          // V2 cookie, word-size nibble 1
      0x00, 0x00, 0x00, 0x04,                          // payload length
      0x00, 0x00, 0x00, 0x00,                          // normalizing index offset
      0x00, 0x00, 0x00, 0x01,                          // significant digits
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  // lowest discernible value
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64,  // highest trackable value
      0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 1.0
      0x05, 0x04, 0x00, 0x02,
  };
  EXPECT_EQ(h.encode(), want);
  const auto back = HdrHistogram::decode(want);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, h);
}

TEST(HdrHistogramEncoding, EmptyHistogramEncodesOneZero) {
  const auto bytes = make(1, 100, 1).encode();
  ASSERT_EQ(bytes.size(), 41u);
  EXPECT_EQ(bytes[7], 1);
  EXPECT_EQ(bytes[40], 0);
}

TEST(HdrHistogramEncoding, CompressedBase64StartsWithTheReferencePrefix) {
  HdrHistogram h;
  h.record(12345);
  const auto compressed = h.encode_compressed();
  EXPECT_EQ(compressed[0], 0x1c);
  EXPECT_EQ(compressed[1], 0x84);
  EXPECT_EQ(compressed[2], 0x93);
  EXPECT_EQ(compressed[3], 0x14);
  EXPECT_EQ(h.encode_compressed_base64().substr(0, 6), "HISTFA");
}

std::vector<HdrHistogram> round_trip_cases() {
  std::vector<HdrHistogram> cases;
  cases.emplace_back();  // empty
  HdrHistogram one;
  one.record(1);
  cases.push_back(one);
  HdrHistogram zeros;
  zeros.record(0, 7);
  zeros.record(3);
  cases.push_back(zeros);
  HdrHistogram spread;
  for (const auto v : latencies(9, 3000)) spread.record(v);
  spread.record(kHourNs * 5);
  cases.push_back(spread);
  // Counts at varint size boundaries: 63 and 64 (1 and 2 bytes), 2^52 (8 bytes; a 9-byte
  // count is above the 2^53 that decode() accepts, see ATotalAbove2To53IsACorruptEncoding).
  HdrHistogram big;
  big.record(100, 63);
  big.record(200, 64);
  big.record(300, std::int64_t{1} << 40);
  big.record(kHourNs, std::int64_t{1} << 52);
  cases.push_back(big);
  auto coarse = make(1000, kHourNs, 2);
  for (const auto v : latencies(10, 500)) coarse.record(v);
  cases.push_back(coarse);
  auto fine = make(1, 10'000'000, 5);
  for (const auto v : latencies(11, 500)) fine.record(v / 100);
  cases.push_back(fine);
  return cases;
}

TEST(HdrHistogramEncoding, RoundTripsInAllThreeForms) {
  for (const auto& h : round_trip_cases()) {
    SCOPED_TRACE(h.total_count());
    const auto plain = HdrHistogram::decode(h.encode());
    ASSERT_TRUE(plain) << plain.error().message;
    EXPECT_EQ(*plain, h);
    const auto compressed = HdrHistogram::decode_compressed(h.encode_compressed());
    ASSERT_TRUE(compressed) << compressed.error().message;
    EXPECT_EQ(*compressed, h);
    std::string padded = " ";  // surrounding whitespace is ignored
    padded += h.encode_compressed_base64();
    padded += '\n';
    const auto text = HdrHistogram::decode_compressed_base64(padded);
    ASSERT_TRUE(text) << text.error().message;
    EXPECT_EQ(*text, h);
    EXPECT_EQ(text->config(), h.config());
    EXPECT_EQ(text->min(), h.min());
    EXPECT_EQ(text->max(), h.max());
    EXPECT_EQ(text->mean(), h.mean());
    for (const double p : {0.0, 50.0, 99.0, 99.99, 100.0}) {
      EXPECT_EQ(text->value_at_percentile(p), h.value_at_percentile(p)) << p;
    }
    // Re-encoding the decoded histogram gives the same bytes.
    EXPECT_EQ(text->encode(), h.encode());
  }
}

// Encoded by hdr-histogram-js 3.0.1 (Float64Histogram(1, 3600e9, 3): values 0, 1, 2, 1000, 2047,
// 2048, 2049, 10007, 1e6 ×3, 1e8, 3.6e12 and 5000 ×70), with the figures that library printed.
// It writes 1 as normalizing offset and an integer 1 as conversion ratio; both are ignored.
TEST(HdrHistogramEncoding, DecodesHdrHistogramJsOutput) {
  const auto h = HdrHistogram::decode_compressed_base64(
      "HISTFAAAAEF4nJNpmSzMwMAgzcDAwMjAwMDMAAGMDAzMbgY7FjDA+ExMTCf5mVYLMLEcFO5h/MvP9DuLbWkm0+pPjEwAAzELZA==");
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->config(), (HdrConfig{1, kHourNs, 3}));
  EXPECT_EQ(h->total_count(), 83);
  EXPECT_EQ(h->value_at_percentile(0), 0);
  EXPECT_EQ(h->value_at_percentile(50), 5003);
  EXPECT_EQ(h->value_at_percentile(90), 5003);
  EXPECT_EQ(h->value_at_percentile(99), 3601330077695);
  EXPECT_EQ(h->max(), 3601330077695);
  EXPECT_EQ(h->mean(), 43377827456.72289);
  EXPECT_EQ(h->stddev(), 392791521898.4617);
  EXPECT_EQ(h->count_at_value(1'000'000), 3);
  EXPECT_EQ(h->count_at_value(5000), 70);

  HdrHistogram mine;
  for (const std::int64_t v :
       {0LL, 1LL, 2LL, 1000LL, 2047LL, 2048LL, 2049LL, 10007LL, 1000000LL, 1000000LL, 1000000LL,
        100000000LL, 3600000000000LL}) {
    mine.record(v);
  }
  mine.record(5000, 70);
  EXPECT_EQ(*h, mine);
}

// Float64Histogram(1000, 6e10, 2) with 12345·i for i = 1..500, by hdr-histogram-js 3.0.1.
TEST(HdrHistogramEncoding, DecodesHdrHistogramJsOutputWithUnitMagnitude) {
  const auto h = HdrHistogram::decode_compressed_base64(
      "HISTFAAAAF54nJNpmSzMwMD4jIGBgZGBgYGJAQyYXzAwMPD+cI9ggAJGfSZdFAjiKzOJIkFxKM3NxIkTosqxMjGTCfHpZG"
      "KgCSJWIQsTE0FEWAX5etjYWECIhQ0PwiXDBAD5cQys");
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->config(), (HdrConfig{1000, 60'000'000'000, 2}));
  EXPECT_EQ(h->total_count(), 500);
  EXPECT_EQ(h->value_at_percentile(0), 12288);
  EXPECT_EQ(h->value_at_percentile(50), 3096575);
  EXPECT_EQ(h->value_at_percentile(90), 5570559);
  EXPECT_EQ(h->value_at_percentile(99), 6127615);
  EXPECT_EQ(h->value_at_percentile(100), 6193151);
  EXPECT_EQ(h->mean(), 3092373.504);
  EXPECT_EQ(h->stddev(), 1781806.2382771685);
}

// ---- decoding garbage ---------------------------------------------------------------------------

void set_length(std::vector<std::uint8_t>& compressed, std::size_t length) {
  for (int i = 0; i < 4; ++i) compressed[4 + i] = static_cast<std::uint8_t>(length >> (24 - 8 * i));
}

void expect_error(const core::Result<HdrHistogram>& r, const std::string& says) {
  ASSERT_FALSE(r) << "decoded garbage; wanted an error saying: " << says;
  EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
}

TEST(HdrHistogramEncoding, RejectsMalformedPlainEncodings) {
  auto h = make(1, 100, 1);
  h.record(3, 2);
  h.record(5);
  const auto good = h.encode();
  using Bytes = std::vector<std::uint8_t>;

  expect_error(HdrHistogram::decode({}), "shorter than the 40-byte");
  expect_error(HdrHistogram::decode(Bytes(good.begin(), good.begin() + 39)), "shorter");

  Bytes bad = good;
  bad[0] = 0x12;
  expect_error(HdrHistogram::decode(bad), "not a V2 encoding cookie");
  bad = good;
  bad[3] = 0x14;
  expect_error(HdrHistogram::decode(bad), "compressed encoding");

  bad = good;
  bad[15] = 9;  // digits
  expect_error(HdrHistogram::decode(bad), "significant_digits is 9");
  bad = good;
  bad[23] = 0;  // lowest 0
  expect_error(HdrHistogram::decode(bad), "lowest_discernible_value is 0");
  bad = good;
  bad[24] = 0xff;  // highest negative
  expect_error(HdrHistogram::decode(bad), "highest_trackable_value");

  bad = good;
  bad[7] = 5;  // payload length past the end
  expect_error(HdrHistogram::decode(bad), "truncated");
  bad = good;
  bad[6] = 0x10;  // more than 9 bytes per slot
  expect_error(HdrHistogram::decode(bad), "exceeds");

  bad = good;
  bad[40] = 0x81;  // a varint that never ends within the payload
  bad[41] = 0x80;
  bad[42] = 0x80;
  bad[43] = 0x80;
  expect_error(HdrHistogram::decode(bad), "runs past");

  bad = good;
  bad[40] = 0x7f;  // zigzag -64: a run over all 64 slots...
  bad[41] = 0x02;  // ...then a count at slot 64, past the end
  expect_error(HdrHistogram::decode(bad), "more counts than");

  bad = good;
  bad[40] = 0x81;  // zigzag -65
  bad[41] = 0x01;
  bad[42] = 0x02;
  bad[43] = 0x02;
  expect_error(HdrHistogram::decode(bad), "empty slots");

  // Two counts of INT64_MAX (zigzag 2^64 - 2: 0xfe, then 0xff in the other eight bytes).
  Bytes overflow(good.begin(), good.begin() + 40);
  for (int i = 0; i < 2; ++i) {
    overflow.push_back(0xfe);
    for (int j = 0; j < 8; ++j) overflow.push_back(0xff);
  }
  overflow[4] = 0;
  overflow[5] = 0;
  overflow[6] = 0;
  overflow[7] = 18;
  expect_error(HdrHistogram::decode(overflow), "passes 2^53");
}

// Plain encoding of a default-layout histogram whose slots 0.. hold `counts` (zigzag varints).
std::vector<std::uint8_t> default_layout_with_counts(const std::vector<std::int64_t>& counts) {
  std::vector<std::uint8_t> bytes = HdrHistogram().encode();
  bytes.resize(40);
  for (const std::int64_t c : counts) {
    auto z = static_cast<std::uint64_t>(c) << 1;  // counts here are non-negative
    for (int i = 0; i < 8 && (z >> 7) != 0; ++i, z >>= 7) bytes.push_back(static_cast<std::uint8_t>((z & 0x7f) | 0x80));
    bytes.push_back(static_cast<std::uint8_t>(z));
  }
  const auto payload = static_cast<std::uint32_t>(bytes.size() - 40);
  for (int i = 0; i < 4; ++i) bytes[4 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(payload >> (24 - 8 * i));
  return bytes;
}

// Found by fuzzing (hdr_decode): one count of INT64_MAX decoded, then merged into a histogram
// holding one value, overflowed the merged total (UBSan: signed overflow in merge). A total
// above 2^53 is now a corrupt encoding; 2^53 itself still decodes and merges.
TEST(HdrHistogramEncoding, ATotalAbove2To53IsACorruptEncoding) {
  constexpr std::int64_t k2To53 = std::int64_t{1} << 53;
  expect_error(HdrHistogram::decode(default_layout_with_counts({INT64_MAX})), "passes 2^53");
  expect_error(HdrHistogram::decode(default_layout_with_counts({k2To53, 1})), "at slot 1");
  auto at_limit = HdrHistogram::decode(default_layout_with_counts({k2To53 - 1, 1}));
  ASSERT_TRUE(at_limit) << at_limit.error().message;
  EXPECT_EQ(at_limit->total_count(), k2To53);
  HdrHistogram merged;
  merged.record(1000);
  EXPECT_TRUE(merged.merge(*at_limit));
  EXPECT_EQ(merged.total_count(), k2To53 + 1);
}

// A merge whose total would pass INT64_MAX changes nothing and says so, instead of wrapping.
TEST(HdrHistogram, AMergeThatWouldOverflowChangesNothing) {
  HdrHistogram big;
  big.record(1000, INT64_MAX - 1);
  HdrHistogram two;
  two.record(5, 2);
  EXPECT_FALSE(big.merge(two));
  EXPECT_EQ(big.total_count(), INT64_MAX - 1);
  EXPECT_EQ(big.count_at_value(5), 0);
  EXPECT_EQ(big.min(), big.lowest_equivalent_value(1000));
  HdrHistogram one;
  one.record(5);
  EXPECT_TRUE(big.merge(one));
  EXPECT_EQ(big.total_count(), INT64_MAX);
  EXPECT_FALSE(big.merge(big));
  EXPECT_EQ(big.total_count(), INT64_MAX);
}

TEST(HdrHistogramEncoding, RejectsMalformedCompressedEncodings) {
  HdrHistogram h;
  for (const auto v : latencies(5, 200)) h.record(v);
  const auto good = h.encode_compressed();
  using Bytes = std::vector<std::uint8_t>;

  expect_error(HdrHistogram::decode_compressed(Bytes{0x1c, 0x84}), "shorter");
  Bytes bad = good;
  bad[3] = 0x13;
  expect_error(HdrHistogram::decode_compressed(bad), "not a V2 compressed");
  bad = good;
  bad[4] = 0x7f;
  expect_error(HdrHistogram::decode_compressed(bad), "announced");
  // The deflate stream cut short (and its announced length with it).
  bad = Bytes(good.begin(), good.end() - 10);
  set_length(bad, good.size() - 18);
  expect_error(HdrHistogram::decode_compressed(bad), "truncated");
  bad = good;
  bad[8] ^= 0xff;  // zlib header
  expect_error(HdrHistogram::decode_compressed(bad), "corrupt");
  // A valid deflate stream of something that is not a histogram.
  Bytes plain = h.encode();
  plain[0] = 0;
  uLongf length = compressBound(static_cast<uLong>(plain.size()));
  bad.assign(8 + length, 0);
  ASSERT_EQ(compress(bad.data() + 8, &length, plain.data(), static_cast<uLong>(plain.size())), Z_OK);
  bad.resize(8 + length);
  bad[0] = 0x1c;
  bad[1] = 0x84;
  bad[2] = 0x93;
  bad[3] = 0x14;
  set_length(bad, length);
  expect_error(HdrHistogram::decode_compressed(bad), "not a V2 encoding cookie");
  bad.resize(8 + 4);  // ...and that stream cut after 4 bytes
  set_length(bad, 4);
  expect_error(HdrHistogram::decode_compressed(bad), "truncated");

  expect_error(HdrHistogram::decode_compressed_base64("HISTF"), "multiple of 4");
  expect_error(HdrHistogram::decode_compressed_base64("HIST*AAA"), "invalid character at offset 4");
  expect_error(HdrHistogram::decode_compressed_base64("HI=TFAAA"), "invalid character");
  expect_error(HdrHistogram::decode_compressed_base64("AAAAAAAAAAAA"), "not a V2 compressed");
}

// Every prefix and every single-byte corruption of valid encodings decodes or fails cleanly.
TEST(HdrHistogramEncoding, NeverCrashesOnTruncationOrCorruption) {
  HdrHistogram h;
  for (const auto v : latencies(6, 300)) h.record(v);
  for (const auto& good : {h.encode(), h.encode_compressed()}) {
    const bool compressed = good[3] == 0x14;
    auto decode = [&](std::span<const std::uint8_t> b) {
      return compressed ? HdrHistogram::decode_compressed(b) : HdrHistogram::decode(b);
    };
    for (std::size_t n = 0; n < good.size(); ++n) {
      const auto r = decode(std::span(good).first(n));
      if (r) {
        EXPECT_GE(r->total_count(), 0);
      }
    }
    for (std::size_t i = 0; i < good.size(); ++i) {
      for (const std::uint8_t flip : {0x01, 0x80, 0xff}) {
        auto bad = good;
        bad[i] ^= flip;
        const auto r = decode(bad);
        if (!r) continue;
        EXPECT_GE(r->total_count(), 0);
        EXPECT_LE(r->min(), r->max());
        EXPECT_LE(r->value_at_percentile(50), r->value_at_percentile(100));
      }
    }
  }
}

}  // namespace
}  // namespace llmload::metrics
