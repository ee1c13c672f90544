#!/usr/bin/env bash
# Sanitizer runs with Debian's gcc, each in its own build folder and building only what it
# runs:
#   asan  AddressSanitizer + UndefinedBehaviorSanitizer: the unit and integration tests
#         (build-asan/; the npm reference comparisons and the browser test are left out:
#         they test other programs' output, not llmload's memory)
#   tsan  ThreadSanitizer: the runner, simulator and scraper integration tests (build-tsan/)
#   tools/sanitize.sh [asan|tsan]...   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=("$@")
[ ${#jobs[@]} -gt 0 ] || jobs=(asan tsan)
for job in "${jobs[@]}"; do
  case "$job" in
    asan)
      dir=build-asan
      cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLLMLOAD_SANITIZE=address,undefined \
        -DLLMLOAD_BUILD_BENCH=OFF -DLLMLOAD_BUILD_TOOLS=OFF ${CMAKE_ARGS:-}
      cmake --build "$dir" -j"$(nproc)" --target llmload llmload_unit_tests llmload_integration_tests
      export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
      "$dir/tests/llmload_unit_tests" --gtest_brief=1
      "$dir/tests/llmload_integration_tests" --gtest_brief=1 --gtest_filter='-Slow*'
      ;;
    tsan)
      dir=build-tsan
      cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLLMLOAD_SANITIZE=thread \
        -DLLMLOAD_BUILD_BENCH=OFF -DLLMLOAD_BUILD_TOOLS=OFF ${CMAKE_ARGS:-}
      cmake --build "$dir" -j"$(nproc)" --target llmload llmload_integration_tests
      export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
      "$dir/tests/llmload_integration_tests" --gtest_brief=1 \
        --gtest_filter='Runner*:SimServer*:SimFaults*:SimFaultRate*:SimEngineServer*:SimLimits*:SimExactMode*:KeepAliveClient*:Tls*:BenchCli.ServerMetrics*'
      ;;
    *) echo "sanitize: unknown job '$job' (asan or tsan)" >&2; exit 2 ;;
  esac
done
