#!/usr/bin/env bash
# Where a new request's client time goes, counted rather than timed (so a loaded machine does
# not change the figures): llmload (`--threads 1`) against the 60-line reference client, both
# with one-token streams started at once, at SMALL and LARGE streams; each figure is the slope
# (LARGE − SMALL) / (LARGE − SMALL streams), so start-up, the dataset and the result cancel out.
#   - instructions per request (valgrind's callgrind), llmload's worker thread only (the one
#     on the clock), by function group, and on the dispatch path (the request's start to its
#     bytes on the wire: the dispatcher's turn, which runs the request up to its connect, plus
#     the connect's completion, which runs it up to the first read);
#   - system calls per request (strace -f), the same slope, on the thread that connects (the
#     worker: what is done on the clock) and in the whole process.
# The dataset is a JSON Lines file of 32-word prompts (`--dataset-name custom`), so no
# `/tokenize` exchange is counted. The simulator runs on CPU 1, each client on CPU 0.
#   bench/e2e/dispatch_cost.sh [BUILD_DIR=build] [SMALL=500] [LARGE=1000]
# Needs valgrind, strace and python3 (Debian packages).
set -euo pipefail
build=${1:-build}; small=${2:-500}; large=${3:-1000}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
raise_file_limit
work=$(mktemp -d)
trap 'stop_sim; rm -rf "$work"' EXIT
python3 - "$work/prompts.jsonl" "$large" <<'PY'
import json, random, sys
random.seed(1)
words = "the of and to in is was for on that with as by at from his her an be which or are had it".split()
with open(sys.argv[1], "w") as f:
    for _ in range(int(sys.argv[2])):
        f.write(json.dumps({"prompt": " ".join(random.choice(words) for _ in range(32)), "output_tokens": 1}) + "\n")
PY
start_sim "$build" 1 --ttft-ms 50 --itl-ms 20
llmload_run() {  # llmload_run STREAMS WRAPPER...
  local n=$1; shift
  timeout 300 taskset -c 0 "$@" "$build/llmload" bench --base-url "http://127.0.0.1:$SIM_PORT" --model llmload-sim \
    --dataset-name custom --dataset-path "$work/prompts.jsonl" --custom-output-len 1 --num-prompts "$n" \
    --request-rate inf --ignore-eos --threads 1 --disable-tqdm >"$work/ll$n.log" 2>&1 ||
    { echo "llmload failed:"; tail -5 "$work/ll$n.log"; exit 1; }
}
reference_run() {  # reference_run STREAMS WRAPPER...
  local n=$1; shift
  timeout 300 taskset -c 0 "$@" "${REFERENCE_CLIENT:-$build/bench/llmload_reference_client}" 127.0.0.1 "$SIM_PORT" "$n" 1 \
    >"$work/ref$n.log" 2>&1 || { echo "reference client failed"; exit 1; }
}
for n in "$small" "$large"; do
  llmload_run "$n" valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$work/ll$n.cg"
  reference_run "$n" valgrind --tool=callgrind --callgrind-out-file="$work/ref$n.cg"
  llmload_run "$n" strace -f -qq -o "$work/ll$n.st"
  reference_run "$n" strace -f -qq -o "$work/ref$n.st"
done
# llmload's worker: the thread file with the dispatcher in it (the main thread prepares and reports).
for n in "$small" "$large"; do
  worker=$(grep -l 'dispatcher' "$work"/ll"$n".cg-* | head -1)
  callgrind_annotate --threshold=100 "$worker" >"$work/ll$n.self" 2>/dev/null
  callgrind_annotate --inclusive=yes --threshold=100 "$worker" >"$work/ll$n.incl" 2>/dev/null
  callgrind_annotate --threshold=100 "$work/ref$n.cg" >"$work/ref$n.self" 2>/dev/null
  callgrind_annotate --inclusive=yes --threshold=100 "$work/ref$n.cg" >"$work/ref$n.incl" 2>/dev/null
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); slope between $small and $large one-token streams started at once"
python3 "$here/dispatch_cost.py" "$work" "$small" "$large"
