#!/usr/bin/env bash
# llmload against the naive 60-line client (bench/e2e/reference_client.cpp) at STREAMS streams
# started at once: the simulator pinned to CPU 1 (50 ms to the first token, 20 ms between
# tokens, TOKENS tokens per stream), each client pinned to CPU 0 in turn (llmload --threads 1),
# RUNS alternating runs each. Prints TTFT p50 and ITL p99 of both per run, and whether llmload
# is within 5 ms (TTFT p50) and 1 ms (ITL p99) of the reference. Before run 1 each client makes
# one unmeasured warm-up run of the same size (the simulator's first thousand connections were
# always the slowest, and that run was the reference's), and the order alternates: the
# reference goes first in odd runs, llmload in even ones. The reference sends the very request
# llmload sends (captured once from llmload's own send with strace), so the simulator does the
# same work per request for both and only the clients differ: llmload's request (a 32-word
# prompt, usage requested, a traceparent) costs the one-core simulator more than a two-word
# one, which moved the reference's TTFT p50 by +4 to +16 ms at 1000 streams (BENCHMARKS.md).
# TTFT is vLLM's (first token − the request's own start, connect included) for both; the last
# two columns count from the burst's start instead (every request is due then): the
# reference's first token − its launch, llmload's TTFT from schedule. llmload lets each
# request connect and write before it starts the next, so its own TTFT holds no other
# request's start-up; the burst's total shows in the last column.
#   bench/e2e/side_by_side.sh [BUILD_DIR=build] [STREAMS=1000] [RUNS=3] [TOKENS=200] [LLMLOAD_FLAGS...]
# e.g. bench/e2e/side_by_side.sh build 1000 3 200 --preconnect
# env: REFERENCE_CLIENT (default BUILD_DIR/bench/llmload_reference_client); run it under chrt -f 10 on a loaded machine
set -euo pipefail
build=${1:-build}; streams=${2:-1000}; runs=${3:-3}; tokens=${4:-200}
shift $(( $# < 4 ? $# : 4 ))
extra=("$@")
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
raise_file_limit
work=$(mktemp -d)
trap 'stop_sim; rm -rf "$work"' EXIT
start_sim "$build" 1 --ttft-ms 50 --itl-ms 20
echo "simulator on CPU 1, port $SIM_PORT; clients on CPU 0; $streams streams at once, $tokens tokens each; load: $(cut -d' ' -f1-3 /proc/loadavg)"
# llmload_flags: the bench flags of every llmload run here.
llmload_flags=(--model llmload-sim --request-rate inf --random-input-len 32 --random-output-len "$tokens" --ignore-eos
  --threads 1 --percentile-metrics ttft,itl --metric-percentiles 50,99 --disable-tqdm)
# capture_request: $work/request.bin, the bytes llmload sends for one of its requests (strace of
# a one-request run, every byte hex-escaped).
capture_request() {
  timeout 60 strace -f -qq -xx -s 65536 -e trace=sendto,write,writev -o "$work/strace.txt" "$build/llmload" bench \
    --base-url "http://127.0.0.1:$SIM_PORT" --num-prompts 1 "${llmload_flags[@]}" "${extra[@]}" >/dev/null 2>&1
  python3 - "$work/strace.txt" "$work/request.bin" <<'PY'
import re, sys
for line in open(sys.argv[1]):
    m = re.search(r'"((?:\\x[0-9a-f]{2})+)"', line)
    if m:
        data = bytes.fromhex(m.group(1).replace('\\x', ''))
        if re.match(rb'POST /v1/(completions|chat/completions) ', data):
            open(sys.argv[2], 'wb').write(data)
            sys.exit(0)
sys.exit("no completion request in llmload's strace")
PY
}
# reference_run: sets ref_ttft and ref_itl.
reference_run() {
  local out
  out=$(timeout 120 taskset -c 0 "${REFERENCE_CLIENT:-$build/bench/llmload_reference_client}" 127.0.0.1 "$SIM_PORT" "$streams" "$tokens" "$work/request.bin")
  ref_ttft=$(echo "$out" | awk '{print $2}'); ref_itl=$(echo "$out" | awk '{print $4}'); ref_burst=$(echo "$out" | awk '{print $8}')
}
# llmload_run NAME: sets ll_ttft, ll_itl and ll_sched from result NAME.json.
llmload_run() {
  timeout 300 taskset -c 0 "$build/llmload" bench --base-url "http://127.0.0.1:$SIM_PORT" --num-prompts "$streams" \
    "${llmload_flags[@]}" "${extra[@]}" --save-result --result-dir "$work" --result-filename "$1.json" >"$work/$1.txt" 2>&1 ||
    { echo "llmload failed:"; tail -20 "$work/$1.txt"; exit 1; }
  ll_ttft=$(json_field "$work/$1.json" "round(d['median_ttft_ms'], 2)")
  ll_itl=$(json_field "$work/$1.json" "round(d['p99_itl_ms'], 2)")
  ll_sched=$(json_field "$work/$1.json" "round(d['llmload']['ttft_from_schedule_ms']['p50'], 2)")
}
capture_request
echo "the reference sends llmload's request ($(wc -c <"$work/request.bin") bytes): $(head -c 60 "$work/request.bin" | tr -d '\r\n')..."
reference_run
llmload_run warmup
echo "warm-up (not counted): reference TTFT p50 $ref_ttft ms, ITL p99 $ref_itl ms; llmload $ll_ttft ms, $ll_itl ms"
echo "| run | first | reference TTFT p50 ms | llmload TTFT p50 ms | diff | reference ITL p99 ms | llmload ITL p99 ms | diff | within | from the burst's start p50 ms: reference | llmload |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
within=0
diffs=()
for run in $(seq 1 "$runs"); do
  if [ $((run % 2)) -eq 1 ]; then first=reference; reference_run; llmload_run "r$run"
  else first=llmload; llmload_run "r$run"; reference_run; fi
  verdict=$(python3 -c "import sys; t=float(sys.argv[3])-float(sys.argv[1]); i=float(sys.argv[4])-float(sys.argv[2]); print(f'{t:+.2f} {i:+.2f} ' + ('yes' if t<=5 and i<=1 else 'no'))" \
            "$ref_ttft" "$ref_itl" "$ll_ttft" "$ll_itl")
  read -r dt di ok <<<"$verdict"
  [ "$ok" = yes ] && within=$((within + 1))
  diffs+=("$dt $di")
  echo "| $run | $first | $ref_ttft | $ll_ttft | $dt | $ref_itl | $ll_itl | $di | $ok | $ref_burst | $ll_sched |"
done
# The runs' differences together: mean and a 95% interval (Student's t), since one run of either
# client moves by several milliseconds from the next.
printf '%s\n' "${diffs[@]}" | python3 -c "
import math, statistics as st, sys
rows = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
t = {2: 12.71, 3: 4.30, 4: 3.18, 5: 2.78, 6: 2.57, 7: 2.45, 8: 2.36, 9: 2.31, 10: 2.26}
for k, name in ((0, 'TTFT p50'), (1, 'ITL p99')):
    v = [r[k] for r in rows]
    m = st.mean(v)
    half = t.get(len(v), 2.0) * st.stdev(v) / math.sqrt(len(v)) if len(v) > 1 else float('nan')
    print(f'llmload - reference, {name}: mean {m:+.2f} ms over {len(v)} runs, 95% interval [{m - half:+.2f}, {m + half:+.2f}] ms')
"
echo "llmload within 5 ms (TTFT p50) and 1 ms (ITL p99) of the reference in $within of $runs runs; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
