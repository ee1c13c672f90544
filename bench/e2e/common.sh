# Shared by the bench/e2e scripts: start `llmload sim` pinned to CPUs, read its port, stop it.
# Source it; every function is bounded in time.

# The soft open-file limit as high as the hard one (each stream is a socket on each side).
raise_file_limit() { ulimit -n "$(ulimit -Hn)" 2>/dev/null || true; }

# start_sim BUILD CPUS ARGS...: starts the simulator on 127.0.0.1 (a free port) pinned to
# CPUS; sets SIM_PID and SIM_PORT. Gives up after 10 s.
start_sim() {
  local build=$1 cpus=$2
  shift 2
  SIM_LOG=$(mktemp)
  taskset -c "$cpus" "$build/llmload" sim --host 127.0.0.1 --port 0 "$@" >"$SIM_LOG" 2>&1 &
  SIM_PID=$!
  SIM_PORT=""
  for _ in $(seq 1 100); do
    SIM_PORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$SIM_LOG" | head -1)
    [ -n "$SIM_PORT" ] && return 0
    sleep 0.1
  done
  echo "the simulator did not start: $(cat "$SIM_LOG")" >&2
  return 1
}

stop_sim() {
  if [ -n "${SIM_PID:-}" ]; then kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; fi
  SIM_PID=""
  rm -f "${SIM_LOG:-}"
}

# json_field FILE EXPR: a value of a result file (Python expression on `d`, the parsed JSON).
json_field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
