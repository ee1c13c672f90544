#!/usr/bin/env bash
# Fails, listing them, when a function under src/ is longer than the limit (100 lines by
# default; LIMIT overrides), generated Unicode tables aside. Start and end lines come from
# universal-ctags (Debian: universal-ctags; tools/setup.sh installs it). The ctest test
# `function_length` (label lint) runs this script.
#   tools/check_function_length.sh [SRC_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
src="${1:-src}"
limit="${LIMIT:-100}"
ctags_bin=""
for c in ctags-universal universal-ctags ctags; do
  if command -v "$c" >/dev/null 2>&1 && "$c" --version 2>/dev/null | grep -q "Universal Ctags"; then
    ctags_bin="$c"
    break
  fi
done
if [ -z "$ctags_bin" ]; then
  echo "check_function_length: universal-ctags not found; run tools/setup.sh (apt-get install universal-ctags)" >&2
  exit 2
fi

# One tag per line: NAME<TAB>FILE<TAB>PATTERN;"<TAB>KIND<TAB>line:N ... end:M. Only definitions
# (kind f) have an end line; prototypes (p) are one line.
long=$("$ctags_bin" -R --sort=no --languages=C++ --c++-kinds=fp --fields=+ne -o - "$src" |
  awk -F'\t' -v limit="$limit" '
    $2 ~ /(^|\/)(tokenizer|workload)\/unicode_tables\.cpp$/ { next }  # generated tables
    {
      start = 0; end = 0; scope = ""
      for (i = 4; i <= NF; ++i) {
        if ($i ~ /^line:/) start = substr($i, 6) + 0
        else if ($i ~ /^end:/) end = substr($i, 5) + 0
        else if ($i ~ /^(class|struct|namespace):/) { scope = $i; sub(/^[a-z]+:/, "", scope); gsub(/__anon[0-9a-f]+(::)?/, "", scope); sub(/::$/, "", scope) }
      }
      if (start == 0 || end == 0) next
      n = end - start + 1
      if (n > limit) printf "%d\t%s:%d: %s%s is %d lines\n", n, $2, start, (scope == "" ? "" : scope "::"), $1, n
    }' | sort -t$'\t' -k1,1nr | cut -f2-)

if [ -n "$long" ]; then
  count=$(printf '%s\n' "$long" | wc -l)
  echo "check_function_length: $count function(s) under $src/ longer than $limit lines; split each into named steps:"
  printf '%s\n' "$long"
  exit 1
fi
echo "check_function_length: no function under $src/ is longer than $limit lines"
