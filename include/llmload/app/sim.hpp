#pragma once
/// `llmload sim`: the simulated server as a standalone process.

#include "llmload/sim/sim_server.hpp"

#include <string>

namespace CLI {
class App;
}

namespace llmload::app {

/// Registers --host --port --threads --model --ttft-ms --itl-ms --default-max-tokens
/// --no-send-stamp, and the engine mode's --mode --preset --max-num-seqs
/// --max-num-batched-tokens --kv-cache-tokens --block-size --max-model-len --max-waiting
/// --no-enable-prefix-caching --mean-output-tokens --seed --step-overhead-us
/// --per-prefill-token-us --per-decode-seq-us --per-context-token-us --time-scale, and
/// --fault-rate --fault-kinds and the answers mode's flags (add_answer_options) on `app`,
/// writing into `options` (which must outlive parsing). A --preset is applied before the
/// explicit engine flags, which override it. Defaults are SimOptions' own; out-of-range values
/// are CLI11 validation errors.
void add_sim_options(CLI::App& app, sim::SimOptions& options);

/// Registers the answers mode's flags --<prefix>answers FILE, --<prefix>answer-accuracy P,
/// --<prefix>answer-accuracy-by-category CAT=P,... and --<prefix>answer-accuracy-after
/// TIME=P,... (prefix "" for `llmload sim`, "sim-" for bench's built-in simulator), writing
/// into `answers`; malformed lists are CLI11 validation errors naming the flag.
void add_answer_options(CLI::App& app, sim::AnswerSettings& answers, const std::string& prefix = "");

/// Starts the server, prints "llmload sim: serving model 'M' at http://HOST:PORT (fixed
/// timing: TTFT X ms, ITL Y ms)" on stdout, serves until SIGINT or SIGTERM, stops and
/// returns 0. A bad --answers file (or setting) is printed on stderr with exit code 2. If it
/// cannot listen, prints the reason on stderr and returns 1. Blocks the
/// calling thread; installs its signal handlers for the duration of the call only.
int run_sim(const sim::SimOptions& options);

}  // namespace llmload::app
