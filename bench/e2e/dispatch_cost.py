"""Reads the callgrind and strace outputs of dispatch_cost.sh and prints per-request slopes.

dispatch_cost.py WORK SMALL LARGE: WORK holds {ll,ref}{SMALL,LARGE}.{self,incl,st}.
"""
import re
import sys

work, small, large = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
per = float(large - small)

# Function groups, first match wins (a symbol's own instructions, callgrind's "self" cost).
GROUPS = [
    ("allocation (malloc/free, new/delete)", r"malloc|_int_free|\bfree\b|operator new|operator delete|memalign|unlink_chunk|sysmalloc|thread_info_base::(de)?allocate"),
    ("watchdog timer (queue insert/cancel, handler)", r"Watchdog|RequestDeadlines|timer_queue|cancel_timer|wait_handler|schedule_timer|chrono_time_traits|basic_waitable_timer"),
    ("chunk JSON (simdjson, decoder)", r"simdjson|ChunkDecoder|read_document|read_choice"),
    ("read/parse (HTTP parser, SSE, recorder)", r"read_response|beast::http|SinkResponseParser|sse::|HttpResponseReader|ResponseRecorder|find_eol|flat_buffer|memchr|isspace"),
    ("write (async_write, request bytes)", r"write_op|send_op|buffer_sequence_adapter<boost::asio::const_buffer|memcpy|memmove"),
    ("socket setup and connect (Asio)", r"connect_op|socket_ops::(socket|connect|setsockopt|getsockopt|poll_connect|non_blocking_connect)|do_open|register_descriptor|basic_socket<|range_connect|net::async_connect|open_socket|ip::address|inet_ntop|sprintf|vfprintf|IO_default"),
    ("request coroutines (llmload: runner; reference: run_stream)", r"runtime::\(anonymous namespace\)::(exchange|request_coroutine|dispatcher|open_connection|send_request|Worker|InFlight|Counters)|ConnectionPool|ConcurrencyGate|run_stream"),
    ("coroutine frames and handlers (Asio)", r"awaitable|co_spawn|any_io_executor|any_executor|executor_function|executor_op|binder0|this_coro|coroutine|\.actor|pump|thread_call_stack|thread_context"),
    ("event loop (Asio scheduler, epoll reactor, locks)", r"scheduler|epoll_reactor|descriptor_state|reactor_op|socket_ops|pthread_mutex|conditionally_enabled|recv_op|op_queue"),
    ("other llmload code", r"llmload::"),
]


def load(path):
    costs = {}
    for line in open(path, errors="replace"):
        m = re.match(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\S.*)$", line)
        if m and ":" in m.group(2):
            name = m.group(2).strip()
            costs[name] = costs.get(name, 0) + int(m.group(1).replace(",", ""))
    return costs


def slope(who, kind):
    a, b = load(f"{work}/{who}{small}.{kind}"), load(f"{work}/{who}{large}.{kind}")
    return {k: (b.get(k, 0) - a.get(k, 0)) / per for k in set(a) | set(b)}


def total(who):
    def summary(n):
        for line in open(f"{work}/{who}{n}.self"):
            if line.strip().endswith("PROGRAM TOTALS"):
                return int(line.split()[0].replace(",", ""))
        return 0
    return (summary(large) - summary(small)) / per


def grouped(costs):
    out = {g: 0.0 for g, _ in GROUPS}
    out["other"] = 0.0
    for name, c in costs.items():
        for g, pattern in GROUPS:
            if re.search(pattern, name):
                out[g] += c
                break
        else:
            out["other"] += c
    return out


def incl(costs, pattern):
    """The largest inclusive cost among symbols matching `pattern` (one frame of the chain)."""
    found = [c for name, c in costs.items() if re.search(pattern, name)]
    return max(found) if found else 0.0


ll_self, ref_self = slope("ll", "self"), slope("ref", "self")
ll_incl, ref_incl = slope("ll", "incl"), slope("ref", "incl")
print(f"instructions per request (user space): llmload worker thread {total('ll'):,.0f}, reference client {total('ref'):,.0f}")
print("| function group | llmload | reference |")
print("|---|---|---|")
gl, gr = grouped(ll_self), grouped(ref_self)
for g in gl:
    print(f"| {g} | {gl[g]:,.0f} | {gr[g]:,.0f} |")
ll_start = incl(ll_incl, r"runtime::\(anonymous namespace\)::dispatcher\(")
ll_conn = incl(ll_incl, r"reactive_socket_connect_op<.*>::do_complete")
ref_start = incl(ref_incl, r"executor_op<boost::asio::detail::executor_function.*do_complete")
ref_conn = incl(ref_incl, r"reactive_socket_connect_op<.*>::do_complete")
print(f"dispatch path (start to bytes on the wire): llmload {ll_start + ll_conn:,.0f} "
      f"(start to connect {ll_start:,.0f}, connected to first read {ll_conn:,.0f}); "
      f"reference {ref_start + ref_conn:,.0f} ({ref_start:,.0f} + {ref_conn:,.0f})")


def syscalls(who, worker_only):
    """Calls per request by name: the thread that calls connect() (the worker), or every thread."""
    def calls(n):
        by_thread = {}
        for line in open(f"{work}/{who}{n}.st", errors="replace"):
            m = re.match(r"(\d+)\s+(?:<\.\.\. )?(\w+)[( ]", line)
            if m and "resumed>" not in line.split(m.group(2), 1)[1][:12]:
                t = by_thread.setdefault(m.group(1), {})
                t[m.group(2)] = t.get(m.group(2), 0) + 1
        if worker_only:
            return max(by_thread.values(), key=lambda t: t.get("connect", 0))
        out = {}
        for t in by_thread.values():
            for k, v in t.items():
                out[k] = out.get(k, 0) + v
        return out
    a, b = calls(small), calls(large)
    s = {k: (b.get(k, 0) - a.get(k, 0)) / per for k in set(a) | set(b)}
    return {k: v for k, v in sorted(s.items()) if abs(v) >= 0.05}


for who, label in (("ll", "llmload"), ("ref", "reference")):
    for worker_only, where in ((True, "on the connecting thread"), (False, "whole process")):
        s = syscalls(who, worker_only)
        print(f"system calls per request, {label}, {where}: {sum(s.values()):.2f}: " + ", ".join(f"{k} {v:.2f}" for k, v in s.items()))
