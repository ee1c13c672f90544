#!/usr/bin/env bash
# Quick start 2: installs what is needed, builds everything (library, tool, tests, benchmarks),
# runs the whole test suite (the fuzz targets' seed corpora are replayed in it), then the
# libFuzzer smoke: `tools/fuzz.sh --ci` builds the fuzz targets (13: tools/fuzz/*_fuzz.cpp) with clang-14 (build-fuzz/)
# and runs each for a fixed number of executions from a fixed seed, so that the same tree runs
# the same inputs (LLMLOAD_SKIP_FUZZ=1 leaves it out). `.ci/run` calls exactly this; a failure
# in any part fails it. The sanitizer jobs (tools/sanitize.sh asan|tsan) are not in it: their
# cold builds do not fit CI's time budget (BENCHMARKS.md, "Fuzzing and the cost of the
# hardening checks in CI"); they run by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh
(cd "${BUILD_DIR:-build}" && ctest --output-on-failure -j"$(nproc)" --timeout 600)
if [ "${LLMLOAD_SKIP_FUZZ:-0}" != 1 ]; then tools/fuzz.sh --ci; fi
