#!/usr/bin/env bash
# Quick start 2: installs what is needed, builds everything (library, tool, tests, benchmarks)
# and runs the whole test suite, then the checks that keep the hardening true: the
# AddressSanitizer + UBSan job (tools/sanitize.sh asan: unit tests and the integration tests
# but the timing ones, hostile-server matrix included) and a 10-second libFuzzer smoke of every
# fuzz target (tools/fuzz.sh 10). `.ci/run` calls exactly this; a failure in any part fails it.
# LLMLOAD_SKIP_SANITIZE=1 leaves the sanitizer job and the fuzz smoke out (for a quick local
# run; CI never sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh
(cd "${BUILD_DIR:-build}" && ctest --output-on-failure -j"$(nproc)" --timeout 600)
if [ "${LLMLOAD_SKIP_SANITIZE:-0}" = 1 ]; then
  echo "test: LLMLOAD_SKIP_SANITIZE=1: sanitizer job and fuzz smoke skipped"
  exit 0
fi
tools/sanitize.sh asan
tools/fuzz.sh 10
