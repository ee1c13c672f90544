#!/usr/bin/env bash
# Quick start 2: installs what is needed, builds everything (library, tool, tests, benchmarks),
# runs the whole test suite (the fuzz targets' seed corpora are replayed in it), then the
# hardening checks:
#   fuzz smoke  `tools/fuzz.sh --ci` builds the fuzz targets (14: tools/fuzz/*_fuzz.cpp) with
#               clang-14 (build-fuzz/) and runs each for a fixed number of executions from a
#               fixed seed, so that the same tree runs the same inputs (LLMLOAD_SKIP_FUZZ=1
#               leaves it out);
#   sanitizers  `tools/sanitize.sh asan` (gcc AddressSanitizer + UBSan: unit tests and the
#               integration suites of outside input, hostile-server matrix included, built
#               from only their 11 files: tests/integration/asan_suites.txt; build-asan/) and `tools/sanitize.sh tsan` (gcc ThreadSanitizer: the runner,
#               simulator and scraper tests; build-tsan/) (LLMLOAD_SKIP_SANITIZE=1 leaves both
#               out, LLMLOAD_SKIP_SANITIZE=asan or =tsan one).
# `.ci/run` calls exactly this; a failure in any part fails it. Each part prints one timing
# line ("ci: <part> N s") and the last line is the total. On a clean clone without a compiler
# cache, on 2 cores, the whole took 31-33 minutes (1,858 and 2,006 s; the sanitizer jobs are unity builds),
# within CI's limit of 40 (BENCHMARKS.md, "Fuzzing and the cost of the hardening checks in
# CI", where the next cuts are named).
set -euo pipefail
cd "$(dirname "$0")/.."
begin=$(date +%s)
# part NAME COMMAND...: runs COMMAND, then prints how long it took (and fails with it).
part() {
  local name="$1" start rc=0
  shift
  start=$(date +%s)
  "$@" || rc=$?
  echo "ci: $name $(( $(date +%s) - start )) s$([ "$rc" -eq 0 ] || echo " (FAILED, exit $rc)")"
  return "$rc"
}
suite() { (cd "${BUILD_DIR:-build}" && ctest --output-on-failure -j"$(nproc)" --timeout 600); }
skip_sanitize="${LLMLOAD_SKIP_SANITIZE:-0}"
part setup tools/setup.sh
part build tools/build.sh
part suite suite
if [ "${LLMLOAD_SKIP_FUZZ:-0}" != 1 ]; then part "fuzz smoke" tools/fuzz.sh --ci; fi
for job in asan tsan; do
  if [ "$skip_sanitize" != 1 ] && [ "$skip_sanitize" != "$job" ]; then part "sanitize $job" tools/sanitize.sh "$job"; fi
done
echo "ci: total $(( $(date +%s) - begin )) s"
