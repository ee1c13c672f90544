// Fuzz target of the Parquet reader (workload/parquet_reader.hpp): the input is a whole file
// (footer, Thrift metadata, page headers, compressed pages, levels, values, record assembly);
// rows or an error, never a crash, a hang or an allocation past the limits. The limits are
// smaller than a real run's so that libFuzzer's 2 GB memory limit judges the reader's bounds.
#include "llmload/workload/parquet_reader.hpp"

#include <boost/json/serialize.hpp>

#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  llmload::workload::ParquetLimits limits;
  limits.max_decoded_bytes = 64u << 20;
  limits.max_rows = 100000;
  std::size_t chars = 0;
  (void)llmload::workload::read_parquet(
      std::span<const std::uint8_t>(data, size),
      [&](boost::json::object&& row, std::uint64_t) -> llmload::core::Result<void> {
        chars += boost::json::serialize(row).size();
        return {};
      },
      limits);
  (void)chars;
  return 0;
}
