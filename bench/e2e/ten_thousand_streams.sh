#!/usr/bin/env bash
# 10,000 concurrent streams held open by one llmload process (--threads 2) against the
# simulator on loopback: long streams at a slow token rate (TOKENS tokens, one every ITL_MS),
# started over RAMP_S seconds so the kernel keeps up. Prints completion, the peak RSS per
# stream (the whole process's peak RSS over the streams: an upper bound), open files at the
# peak, and the receive delay and self-check from the result.
#   bench/e2e/ten_thousand_streams.sh [BUILD_DIR=build] [STREAMS=10000] [TOKENS=60] [ITL_MS=500] [RAMP_S=10]
# Both sides need STREAMS + 64 open files: the hard limit (ulimit -Hn) must allow it.
set -euo pipefail
build=${1:-build}; streams=${2:-10000}; tokens=${3:-60}; itl=${4:-500}; ramp=${5:-10}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
raise_file_limit
echo "open-file limit $(ulimit -n); local ports $(cat /proc/sys/net/ipv4/ip_local_port_range | tr '\t' '-')"
work=$(mktemp -d)
trap 'stop_sim; rm -rf "$work"' EXIT
cpus=$(( $(nproc) - 1 ))
start_sim "$build" "$cpus" --ttft-ms 100 --itl-ms "$itl"
rate=$(python3 -c "print($streams / $ramp)")
start=$(date +%s.%N)
"$build/llmload" bench --base-url "http://127.0.0.1:$SIM_PORT" --model llmload-sim --num-prompts "$streams" \
  --request-rate "$rate" --burstiness 1000 --random-input-len 16 --random-output-len "$tokens" --ignore-eos \
  --threads 2 --disable-tqdm --save-result --result-dir "$work" --result-filename r.json >"$work/out.txt" 2>&1 &
pid=$!
peak_fds=0
while kill -0 "$pid" 2>/dev/null; do
  fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l || echo 0)
  [ "$fds" -gt "$peak_fds" ] && peak_fds=$fds
  hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status" 2>/dev/null || true)
  [ -n "$hwm" ] && peak_kib=$hwm
  sleep 0.5
done
wait "$pid" || { echo "llmload failed:"; tail -30 "$work/out.txt"; exit 1; }
elapsed=$(python3 -c "print(round($(date +%s.%N) - $start, 1))")
r="$work/r.json"
echo "streams $streams, $tokens tokens at $itl ms, started over $ramp s; wall ${elapsed} s; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "completed $(json_field "$r" "d['completed']") failed $(json_field "$r" "d['failed']") peak concurrent $(json_field "$r" "d['llmload']['peak_concurrency_exact']")"
echo "peak RSS ${peak_kib} KiB = $(python3 -c "print(round(${peak_kib} / $streams, 2))") KiB per stream (whole process); peak open files $peak_fds"
echo "receive delay p50 $(json_field "$r" "round(d['llmload']['receive_delay_ms']['median'], 2)") ms p99 $(json_field "$r" "round(d['llmload']['receive_delay_ms']['p99'], 2)") ms max $(json_field "$r" "round(d['llmload']['receive_delay_ms']['max'], 2)") ms"
echo "client saturated: $(json_field "$r" "d['llmload']['client_saturated']"); findings: $(json_field "$r" "[f['text'] for f in d['llmload']['client_check']['findings']]")"
grep -i "warn\|limit" "$work/out.txt" | head -5 || true
