#!/usr/bin/env bash
# Quick start 1: installs what is needed, builds llmload, and benchmarks the built-in
# simulator with the load of the vllm-ascend serving benchmark (200 requests at 16 requests/s,
# random dataset). Extra arguments are passed to `llmload bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh --target llmload
exec build/llmload bench --num-prompts 200 --request-rate 16 "$@"
