#!/usr/bin/env bash
# Installs everything llmload needs to build, test and benchmark, from Debian 12's
# repositories only. Idempotent: when every package is present it changes nothing and
# needs no network.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-dev libboost-json1.81-dev libssl-dev openssl ca-certificates
  libsimdjson-dev libyaml-cpp-dev libfmt-dev libcli11-dev zlib1g-dev libturbojpeg0-dev
  libsnappy-dev libzstd-dev liblz4-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  libgtest-dev libgmock-dev libbenchmark-dev
  universal-ctags strace valgrind
  clang-14 libfuzzer-14-dev libclang-rt-14-dev
  nodejs python3-venv
  chromium
  prometheus
  openmpi-bin
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# libsnappy-dev, libzstd-dev, liblz4-dev: the SNAPPY, ZSTD and LZ4 pages of Parquet dataset files.
# python3-venv: the Parquet interop test (parquet_pyarrow_interop) makes a virtual environment
# in the build tree and installs the pinned pyarrow from PyPI into it (tests/parquet/).
# clang-14, libfuzzer-14-dev, libclang-rt-14-dev: tools/fuzz.sh builds the fuzz targets with
# libFuzzer, AddressSanitizer and UBSan (the runtimes are in libclang-rt-14-dev).
# chromium: the report_html_browser test opens the HTML report headless.
# prometheus: the live-metrics test (LiveMetrics.*) starts /usr/bin/prometheus itself, with its
# own config and storage in a temporary folder; the package's system service plays no part.
# openmpi-bin: the sharded-run test (ShardMerge.*) launches four shards with mpirun.
# valgrind: bench/e2e/dispatch_cost.sh counts a new request's instructions with callgrind (a
# slope between two run sizes; no hardware counters are needed).
# universal-ctags: the function_length test (tools/check_function_length.sh) reads function
# start and end lines from it.
# Tests fetch reference implementations (tokenizers, hdr-histogram-js) from the npm registry.
# Debian's npm package depends on Debian's nodejs; a nodejs that already ships npm (as
# NodeSource's does) must not be replaced, so npm is installed only when the command is missing.
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#packages[@]} build packages present"
fi
