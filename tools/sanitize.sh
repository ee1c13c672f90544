#!/usr/bin/env bash
# Sanitizer runs with Debian's gcc, each in its own build folder and building only what it
# runs, with precompiled headers (CMakeLists.txt, LLMLOAD_PCH), unity builds (8 files compiled
# as one: about half the compile CPU; SANITIZE_UNITY=OFF, UNITY_BATCH=N) and cheap flags: the
# tests that run under them judge no time, so the code need not be fast, only checked.
#   asan  AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer included), -O0
#         (ASAN_CXXFLAGS; gcc's UBSan at -O1 more than doubles the compile time, and -g1 adds a
#         fifth: reports name functions, not lines; ASAN_CXXFLAGS='-O0 -g1' for lines): the
#         library, the llmload binary (the CLI suites run it), every unit test and the
#         integration suites of outside input (build-asan/): the hostile-server matrix, the
#         hardening CLI checks, the simulator's limits, requests and TLS, the runner's wire, SSE
#         and chunk paths, the keep-alive client, the scraper, and the report, validate and
#         dataset commands, listed with the files that define them in
#         tests/integration/asan_suites.txt. They run in llmload_asan_integration_tests
#         (tests/CMakeLists.txt), compiled from only those files (11 of 37), and the job fails
#         if a listed suite has no test in it or the filter selects none. Left out: suites that
#         judge time or rate (Timing*, Slow*, early stop, soak, live metrics, repeats, search,
#         OTLP proof, and three such tests by name, below; the sanitizers slow client and
#         simulator several times) and the npm reference and browser tests (other programs'
#         output). ASAN_INTEGRATION=FILTER builds the full llmload_integration_tests and runs
#         FILTER in it: ASAN_INTEGRATION='-Timing*:Slow*' runs every other integration test.
#   tsan  ThreadSanitizer, -O1 -g1 (TSAN_CXXFLAGS): llmload_thread_tests (build-tsan/), the
#         integration tests of the runner, the simulator, the keep-alive client, TLS and the
#         scraper (tests/CMakeLists.txt), linked with only the library sources they need (about
#         90 of 150) and no llmload binary; its suites that judge time and the one test that
#         runs the binary (Tls.BenchCommandOverHttps) are left out (TSAN_FILTER).
# Each test binary runs as two gtest shards in parallel. Reports go to files
# (build-*/sanitizer-reports/, so that one from an llmload child process a test started is seen
# even where the test only checks its exit code); any report, a failing test, or a filter that
# selects no test (gtest would pass with "0 tests") fails the job (exit 1) and is printed.
# Each job ends with one line: "sanitize <job>: green in N s" (build and tests) or
# "... FAILED after N s".
#   tools/sanitize.sh [asan|tsan]...   (default: both)
# With ccache (CMAKE_ARGS=-DCMAKE_CXX_COMPILER_LAUNCHER=ccache), precompiled headers need
# CCACHE_SLOPPINESS=pch_defines,time_macros to be cached; it is set here unless given.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=("$@")
[ ${#jobs[@]} -gt 0 ] || jobs=(asan tsan)
export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
asan_cxxflags="${ASAN_CXXFLAGS:--O0}"
# Unity builds (CMakeLists.txt): UNITY_BATCH files compiled as one (default 8); SANITIZE_UNITY=OFF
# compiles file by file. The Release build in .ci/run stays file by file, which keeps each
# file's own includes honest.
unity="${SANITIZE_UNITY:-ON}"
unity_batch="${UNITY_BATCH:-8}"
tsan_cxxflags="${TSAN_CXXFLAGS:--O1 -g1}"
# Three tests outside the Timing* suites judge time too (requests sent in a 300 ms duration;
# each request dispatched within 15 ms of its time; the last tokens of four streams within
# 5 ms); under a sanitizer on a busy host they fail for slowness alone, so the sanitizer jobs
# leave them out by name.
judges_time="RunnerSim.ADurationEndsAClosedLoopThatSendsItsSpecsInTurn:RunnerSim.RequestsLeaveAtTheirScheduledTimes"
judges_time+=":SimEngineServer.ConcurrentChatStreamsGetTheirTokensAtTheSameSteps"
# The ASan job's integration suites: tests/integration/asan_suites.txt, the one list, from
# which tests/CMakeLists.txt builds llmload_asan_integration_tests. A suite S matches S.* and,
# value-parameterized, PREFIX/S.*. ASAN_INTEGRATION (a gtest filter) runs the full
# llmload_integration_tests instead.
asan_suites=()
while read -r suite _; do
  case "$suite" in [A-Za-z]*) asan_suites+=("$suite") ;; esac
done <tests/integration/asan_suites.txt
asan_filter=""
for suite in "${asan_suites[@]}"; do asan_filter+="${asan_filter:+:}$suite.*:*/$suite.*"; done
if [ -n "${ASAN_INTEGRATION:-}" ]; then
  asan_integration_target=llmload_integration_tests
  asan_integration="$ASAN_INTEGRATION"
else
  asan_integration_target=llmload_asan_integration_tests
  asan_integration="$asan_filter-$judges_time"
fi
tsan_filter="${TSAN_FILTER:--Timing*:Slow*:Tls.BenchCommandOverHttps:$judges_time}"

configure() {  # build dir, sanitizers, compiler flags
  if [ ! -f "$1/CMakeCache.txt" ]; then
    # shellcheck disable=SC2086
    cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="$3" \
      -DLLMLOAD_SANITIZE="$2" -DLLMLOAD_BUILD_BENCH=OFF -DLLMLOAD_BUILD_TOOLS=OFF \
      -DCMAKE_UNITY_BUILD="$unity" -DCMAKE_UNITY_BUILD_BATCH_SIZE="$unity_batch" ${CMAKE_ARGS:-}
  fi
}

# count_tests BINARY FILTER: how many tests FILTER selects in BINARY.
count_tests() {
  "$1" --gtest_list_tests --gtest_filter="$2" | grep -c '^  ' || true
}

# check_suites BINARY SUITE...: fails, naming them, if any SUITE has no test in BINARY (a
# filter that matches nothing runs "0 tests" and passes).
check_suites() {
  local bin="$1" missing=() suite
  shift
  for suite in "$@"; do
    [ "$(count_tests "$bin" "$suite.*:*/$suite.*")" -gt 0 ] || missing+=("$suite")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "sanitize: no test of ${missing[*]} in $bin (tests/integration/asan_suites.txt)" >&2
  return 1
}

# run_shards NAME BINARY FILTER: two shards in parallel, logs in the build folder, the
# summary lines printed, the whole log of a failing shard printed. Fails if FILTER selects
# no test.
run_shards() {
  local name="$1" bin="$2" filter="$3" failed=0 i count
  local pids=()
  count="$(count_tests "$bin" "$filter")"
  if [ "$count" -eq 0 ]; then
    echo "sanitize $name: the filter '$filter' selects no test in $bin" >&2
    return 1
  fi
  echo "sanitize $name: $count tests"
  for i in 0 1; do
    GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=$i timeout 1500 "$bin" --gtest_brief=1 \
      --gtest_filter="$filter" >"$bin.shard$i.log" 2>&1 &
    pids+=($!)
  done
  for i in 0 1; do
    if ! wait "${pids[$i]}"; then failed=1; fi
  done
  for i in 0 1; do
    if [ "$failed" -ne 0 ]; then cat "$bin.shard$i.log"; fi
    echo "sanitize $name shard $i/2: $(grep -E '^\[(==========|  PASSED  |  FAILED  )\] [0-9]' "$bin.shard$i.log" | tr '\n' ' ')"
  done
  return "$failed"
}

# reports DIR: prints every sanitizer report written under DIR; fails if there is one.
reports() {
  local found=0 f
  for f in "$1"/*; do
    [ -f "$f" ] || continue
    found=1
    echo "sanitize: report $f:"
    cat "$f"
  done
  return "$found"
}

for job in "${jobs[@]}"; do
  start=$(date +%s)
  failed=0
  case "$job" in
    asan)
      dir=build-asan
      configure "$dir" address,undefined "$asan_cxxflags"
      cmake --build "$dir" -j"$(nproc)" --target llmload llmload_unit_tests "$asan_integration_target"
      rm -rf "$dir/sanitizer-reports" && mkdir -p "$dir/sanitizer-reports"
      # quarantine_size_mb=64 (ASan's default 256): freed memory ASan holds back counts as
      # llmload's resident memory, which the hostile-server matrix bounds at 512 MiB.
      export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:quarantine_size_mb=64:log_path=$PWD/$dir/sanitizer-reports/asan"
      export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$PWD/$dir/sanitizer-reports/ubsan"
      run_shards "asan unit" "$dir/tests/llmload_unit_tests" '*' || failed=1
      if [ -z "${ASAN_INTEGRATION:-}" ]; then
        check_suites "$dir/tests/$asan_integration_target" "${asan_suites[@]}" || failed=1
      fi
      run_shards "asan integration" "$dir/tests/$asan_integration_target" "$asan_integration" || failed=1
      reports "$dir/sanitizer-reports" || failed=1
      ;;
    tsan)
      dir=build-tsan
      configure "$dir" thread "$tsan_cxxflags"
      cmake --build "$dir" -j"$(nproc)" --target llmload_thread_tests
      rm -rf "$dir/sanitizer-reports" && mkdir -p "$dir/sanitizer-reports"
      export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=$PWD/$dir/sanitizer-reports/tsan"
      run_shards "tsan threads" "$dir/tests/llmload_thread_tests" "$tsan_filter" || failed=1
      reports "$dir/sanitizer-reports" || failed=1
      ;;
    *) echo "sanitize: unknown job '$job' (asan or tsan)" >&2; exit 2 ;;
  esac
  if [ "$failed" -ne 0 ]; then
    echo "sanitize $job: FAILED after $(( $(date +%s) - start )) s"
    exit 1
  fi
  echo "sanitize $job: green in $(( $(date +%s) - start )) s"
done
