// parquet_dump FILE: every row of a Parquet file as llmload's reader gives it, one JSON object
// per line (the parquet_pyarrow_interop test compares them with pyarrow's to_pylist()).
// Exit 0, or 2 with the reader's error on stderr.
#include "llmload/workload/parquet_reader.hpp"

#include <boost/json/serialize.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: parquet_dump FILE.parquet\n");
    return 2;
  }
  auto rows = llmload::workload::read_parquet_file(
      argv[1], [](boost::json::object&& row, std::uint64_t) -> llmload::core::Result<void> {
        const std::string line = boost::json::serialize(row);
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fputc('\n', stdout);
        return {};
      });
  if (!rows) {
    std::fprintf(stderr, "%s\n", rows.error().message.c_str());
    return 2;
  }
  return 0;
}
