#!/usr/bin/env bash
# Builds every fuzz target with clang-14 and libFuzzer (Debian: clang-14, libfuzzer-14-dev; the
# library sources the targets need, found from their includes (tools/CMakeLists.txt), built
# with -fsanitize=fuzzer-no-link,address,undefined, -O1 -gline-tables-only unless FUZZ_CXXFLAGS
# says otherwise) in build-fuzz/, then runs each from its seed corpus (tools/fuzz/corpus/<name>)
# and prints one line per target: executions, coverage (edges), corpus size, crashes. Any crash,
# sanitizer report, leak, timeout (10 s for one input) or out-of-memory (2 GB) fails it (exit 1).
# Two modes:
#   tools/fuzz.sh [SECONDS] [TARGET...]   by hand: each target for SECONDS (default 20) of wall
#                                         clock, growing build-fuzz/corpus/<name> across runs.
#   tools/fuzz.sh --ci [TARGET...]        the CI smoke (tools/test.sh): reproducible, no wall-clock
#                                         bound: each target a fixed number of executions
#                                         (-runs, the table below, sized for about 10 s each on
#                                         one core; FUZZ_RUNS overrides all) with a fixed
#                                         -seed (FUZZ_SEED, default 1), from a fresh copy of the
#                                         seed corpus only, with -reload=0 and address-space
#                                         randomisation off (setarch -R; pointer values reach
#                                         libFuzzer's comparison tables and hash orders), so the
#                                         same tree runs the same inputs.
# A crash leaves its input in build-fuzz/crashes/<target>/; minimise it with
#   build-fuzz/tools/<target>_fuzz -minimize_crash=1 -runs=100000 <input>
# and add the result to tools/fuzz/corpus/<target>/ and as a regression test beside the
# parser's unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."
ci=0
seconds=20
if [ "${1:-}" = "--ci" ]; then
  ci=1
  shift
elif [ $# -gt 0 ]; then
  seconds="$1"
  shift
fi
seed="${FUZZ_SEED:-1}"
# Executions per target in --ci mode (measured rates: BENCHMARKS.md, "Fuzzing").
declare -A ci_runs=(
  [chunk_decoder]=200000 [datasets]=2000 [hdr_decode]=6000 [http_response]=200000
  [image_header]=400000 [models_list]=600000 [profile_yaml]=7000 [prometheus]=80000
  [otlp_receiver]=14000 [parquet]=10000 [result_file]=250000 [sim_request]=250000 [sse_parser]=45000
  [tokenizer_json]=70000
)
build_dir="${FUZZ_BUILD_DIR:-build-fuzz}"
# Precompiled headers (CMakeLists.txt) are cached by ccache only with this sloppiness.
export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
fixed=()
if [ "$ci" -eq 1 ]; then
  if setarch "$(uname -m)" -R true 2>/dev/null; then
    fixed=(setarch "$(uname -m)" -R)
  else
    echo "fuzz: setarch -R is not allowed here; address randomisation stays on, so runs may differ" >&2
  fi
fi
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  # shellcheck disable=SC2086
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
  crashes="$build_dir/crashes/$name"
  if [ "$ci" -eq 1 ]; then
    work="$build_dir/ci-corpus/$name"
    rm -rf "$work" "$crashes"
    runs="${FUZZ_RUNS:-${ci_runs[$name]:-20000}}"
    bound=(-runs="$runs" -seed="$seed" -reload=0)
    what="$runs runs, seed $seed"
  else
    work="$build_dir/corpus/$name"
    bound=(-max_total_time="$seconds")
    what="${seconds}s"
  fi
  # Inputs an earlier run left are kept apart (crashes/earlier/<name>/), so the count below is
  # this run's; a stale file once made a clean 10-minute run print "1 crashes".
  if [ -d "$crashes" ] && [ -n "$(ls -A "$crashes")" ]; then
    mkdir -p "$build_dir/crashes/earlier/$name"
    mv "$crashes"/* "$build_dir/crashes/earlier/$name"/
  fi
  mkdir -p "$work" "$crashes"
  if [ -d "tools/fuzz/corpus/$name" ]; then cp -n tools/fuzz/corpus/"$name"/* "$work"/ 2>/dev/null || true; fi
  log="$build_dir/$name.log"
  start=$(date +%s.%N)
  set +e
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "${fixed[@]}" "$build_dir/tools/$t" "${bound[@]}" -print_final_stats=1 -rss_limit_mb=2048 \
    -max_len=65536 -timeout=10 -artifact_prefix="$crashes/" "$work" >"$log" 2>&1
  rc=$?
  set -e
  wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  [ -n "$execs" ] || execs=$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#')
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  corpus=$(ls "$work" | wc -l)
  found=$(ls "$crashes" | wc -l)
  echo "fuzz $name: $what, ${wall} s, ${execs:-0} executions, coverage ${cov} edges, corpus ${corpus}, ${found} crashes (exit ${rc})"
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then failed=1; tail -30 "$log"; fi
done
exit "$failed"
