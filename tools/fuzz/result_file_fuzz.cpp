// Fuzz target of the result-file reader behind `llmload report` and `compare`: a run or an
// error naming the file, never a crash.
#include "llmload/report/result_reader.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)llmload::report::parse_report_run(text, "fuzz.json");
  return 0;
}
