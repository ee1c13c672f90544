#!/usr/bin/env bash
# Configures (Release by default) and builds llmload into ./build. Extra arguments go to
# `cmake --build` (e.g. `--target llmload`). BUILD_DIR and CMAKE_ARGS override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
# Precompiled headers (CMakeLists.txt) are cached by ccache only with this sloppiness.
export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  # shellcheck disable=SC2086
  cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-}
fi
cmake --build "$build_dir" -j"$(nproc)" "$@"
