#!/usr/bin/env bash
# Quick start 2: installs what is needed, builds everything (library, tool, tests, benchmarks)
# and runs the whole test suite. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j"$(nproc)" --timeout 600
