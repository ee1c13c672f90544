#!/usr/bin/env bash
# Builds every fuzz target with clang-14 and libFuzzer (Debian: clang-14, libfuzzer-14-dev; the
# library sources the targets need, found from their includes (tools/CMakeLists.txt), built
# with -fsanitize=fuzzer-no-link,address,undefined, -O1 -gline-tables-only unless FUZZ_CXXFLAGS
# says otherwise) in build-fuzz/, then
# runs each for SECONDS (default 20) from a copy of its seed corpus (tools/fuzz/corpus/<name>),
# and prints one line per target: executions, coverage (edges), corpus size, crashes. Any crash,
# sanitizer report, leak, timeout (10 s for one input) or out-of-memory (2 GB) fails it (exit 1).
# Run by hand (not in .ci/run yet: the 10 s smoke still finds crashes, see BENCHMARKS.md).
# A crash leaves its input in build-fuzz/crashes/<target>/; minimise it with
#   build-fuzz/tools/<target>_fuzz -minimize_crash=1 -runs=100000 <input>
# and add the result as a regression test beside the parser's unit tests.
#   tools/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
shift || true
build_dir="${FUZZ_BUILD_DIR:-build-fuzz}"
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_CXX_FLAGS="${FUZZ_CXXFLAGS:--O1 -gline-tables-only}" \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DLLMLOAD_SANITIZE=fuzzer-no-link,address,undefined -DLLMLOAD_FUZZ=ON \
    -DLLMLOAD_BUILD_TESTS=OFF -DLLMLOAD_BUILD_BENCH=OFF ${CMAKE_ARGS:-}
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for src in tools/fuzz/*_fuzz.cpp; do targets+=("$(basename "$src" .cpp)"); done
fi
cmake --build "$build_dir" -j"$(nproc)" --target "${targets[@]}"
failed=0
for t in "${targets[@]}"; do
  name="${t%_fuzz}"
  work="$build_dir/corpus/$name"
  crashes="$build_dir/crashes/$name"
  mkdir -p "$work" "$crashes"
  if [ -d "tools/fuzz/corpus/$name" ]; then cp -n tools/fuzz/corpus/"$name"/* "$work"/ 2>/dev/null || true; fi
  log="$build_dir/$name.log"
  set +e
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$build_dir/tools/$t" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 \
    -max_len=65536 -timeout=10 -artifact_prefix="$crashes/" "$work" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  [ -n "$execs" ] || execs=$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#')
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  corpus=$(ls "$work" | wc -l)
  found=$(ls "$crashes" | wc -l)
  echo "fuzz $name: ${seconds}s, ${execs:-0} executions, coverage ${cov} edges, corpus ${corpus}, ${found} crashes (exit ${rc})"
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then failed=1; tail -30 "$log"; fi
done
exit "$failed"
