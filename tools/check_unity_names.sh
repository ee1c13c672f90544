#!/usr/bin/env bash
# The sanitizer jobs compile in unity batches (tools/sanitize.sh: 8 files as one), so no two
# files of a target may define the same name at namespace scope, anonymous namespaces
# included. Which files share a batch depends on the file list, so a collision that today's
# batches keep apart breaks the job the day a file is added. This check compiles each target's
# sources as ONE file (-fsyntax-only, the target's own flags from compile_commands.json) and
# fails naming every collision: the library, the unit tests and the integration tests.
#   tools/check_unity_names.sh [BUILD_DIR=build]     (a configured build with its precompiled headers built)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ -f "$build/compile_commands.json" ] || { echo "check_unity_names: no $build/compile_commands.json (configure first)" >&2; exit 2; }
python3 - "$build" <<'PY'
import json, os, shlex, subprocess, sys, tempfile
build = sys.argv[1]
commands = json.load(open(os.path.join(build, "compile_commands.json")))
# target -> the folder its objects go to (the precompiled header of the unit tests is shared,
# so the command line alone does not tell the target)
targets = {"llmload_core": "CMakeFiles/llmload_core.dir/", "llmload_unit_tests": "llmload_unit_tests.dir/",
           "llmload_integration_tests": "llmload_integration_tests.dir/"}
def object_of(entry):
    """The object file an entry compiles to (its -o), which names its target's folder."""
    words = shlex.split(entry["command"])
    return words[words.index("-o") + 1] if "-o" in words else ""

failed = 0
for target, marker in targets.items():
    entries = [c for c in commands if marker in object_of(c)]
    if not entries:
        print(f"check_unity_names: {target}: no sources in {build}/compile_commands.json")
        failed += 1
        continue
    argv, skip = [], False
    for a in shlex.split(entries[0]["command"]):
        if skip:
            skip = False
        elif a in ("-o", "-c", "-MF", "-MT"):
            skip = True
        elif a != "-MD":
            argv.append(a)
    with tempfile.NamedTemporaryFile("w", suffix=".cpp", delete=False) as tu:
        tu.write("".join(f'#include "{f}"\n' for f in sorted({c["file"] for c in entries})))
    argv += ["-fsyntax-only", "-fmax-errors=200", "-w", tu.name]
    run = subprocess.run(argv, cwd=entries[0]["directory"], capture_output=True, text=True)
    os.unlink(tu.name)
    errors = [l for l in run.stderr.splitlines() if " error: " in l or " note: previous" in l or "previously" in l]
    if run.returncode != 0:
        failed += 1
        print(f"check_unity_names: {target} ({len(entries)} files) does not compile as one file:")
        print("\n".join(errors[:60]) or run.stderr[-4000:])
    else:
        print(f"check_unity_names: {target}: {len(entries)} files compile as one")
sys.exit(1 if failed else 0)
PY
