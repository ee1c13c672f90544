#!/usr/bin/env bash
# Quick start 2: installs what is needed, builds everything (library, tool, tests, benchmarks)
# and runs the whole test suite (the fuzz targets' seed corpora are replayed in it). `.ci/run`
# calls exactly this; a failure in any part fails it. The libFuzzer smoke (tools/fuzz.sh 10) and
# the AddressSanitizer job (tools/sanitize.sh asan) are not in it yet: the smoke still finds
# crashes in 10 s (see BENCHMARKS.md, "Fuzzing and the cost of the hardening checks in CI"), and
# the ASan job has not run green within the time budget; both run by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j"$(nproc)" --timeout 600
