"""llmload's Parquet reader against pyarrow, the reference writer and reader.

Writes tables of every type llmload reads (flat columns with nulls; Hub-style nested lists of
structs, lists of strings, images as {bytes, path} structs, lists of lists, maps, structs of
lists) with pyarrow, in every codec llmload reads, with dictionaries on and off, DELTA and
BYTE_STREAM_SPLIT encodings, data pages v1 and v2, several pages per column and several row
groups; reads each back with llmload's
reader (the parquet_dump tool: one JSON object per row) and checks that every row equals
pyarrow's Table.to_pylist() (binary as base64, as llmload gives it). Then runs
`llmload bench --dataset-name hf` on Hub-style Parquet exports against the built-in simulator.

Usage: pyarrow_interop.py --dump PARQUET_DUMP --llmload LLMLOAD --work DIR
"""

import argparse
import base64
import itertools
import json
import os
import subprocess
import sys
import zlib
import struct

import pyarrow as pa
import pyarrow.parquet as pq

CODECS = ["none", "snappy", "gzip", "zstd", "lz4"]


def flat_table(rows):
    return pa.table({
        "i32": pa.array([None if i % 7 == 3 else i * 37 - 500 for i in range(rows)], pa.int32()),
        "i64": pa.array([(i * 1234567891011) * (-1) ** i for i in range(rows)], pa.int64()),
        "u32": pa.array([4294967295 - i for i in range(rows)], pa.uint32()),
        "u64": pa.array([18446744073709551615 - i for i in range(rows)], pa.uint64()),
        "i8": pa.array([(i % 256) - 128 for i in range(rows)], pa.int8()),
        "f32": pa.array([None if i % 5 == 0 else i / 3.0 for i in range(rows)], pa.float32()),
        "f64": pa.array([i * 0.1 - 7.25 for i in range(rows)], pa.float64()),
        "flag": pa.array([None if i % 11 == 0 else i % 3 == 0 for i in range(rows)], pa.bool_()),
        "text": pa.array([None if i % 9 == 4 else f"row {i % 13} \u00e9\u4e2d \"q\"\n" for i in range(rows)], pa.string()),
        "blob": pa.array([bytes([(i * k) % 256 for k in range(i % 6)]) for i in range(rows)], pa.binary()),
        "big": pa.array([("x" * (i % 50)) for i in range(rows)], pa.large_string()),
        "req": pa.array([f"r{i}" for i in range(rows)], pa.string()),
        "nothing": pa.array([None] * rows, pa.string()),
    }, schema=pa.schema([
        ("i32", pa.int32()), ("i64", pa.int64()), ("u32", pa.uint32()), ("u64", pa.uint64()),
        ("i8", pa.int8()), ("f32", pa.float32()), ("f64", pa.float64()), ("flag", pa.bool_()),
        ("text", pa.string()), ("blob", pa.binary()), ("big", pa.large_string()),
        pa.field("req", pa.string(), nullable=False), ("nothing", pa.string()),
    ]))


def png_bytes(seed):
    """A tiny valid PNG (1x1, one grey pixel)."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xffffffff)
    raw = b"\x00" + bytes([seed % 256])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def nested_table(rows):
    turn = pa.struct([("from", pa.string()), ("value", pa.string())])
    image = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    conversations, images, answers, grid, tags, meta = [], [], [], [], [], []
    for i in range(rows):
        conversations.append(None if i % 10 == 9 else [
            {"from": "human" if k % 2 == 0 else "gpt", "value": None if (i + k) % 8 == 7 else f"turn {k} of {i}"}
            for k in range(i % 4)])
        images.append([] if i % 3 == 0 else [{"bytes": png_bytes(i + k), "path": None if k else f"img/{i}.png"}
                                              for k in range(1 + i % 2)])
        answers.append(None if i % 6 == 5 else [None if (i + k) % 5 == 0 else f"a{i}.{k}" for k in range(i % 3)])
        grid.append([[j * i for j in range(k % 3)] if (i + k) % 4 else None for k in range(i % 4)])
        tags.append(None if i % 7 == 6 else [(f"k{k}", None if k == 1 else i + k) for k in range(i % 3)])
        meta.append(None if i % 8 == 3 else {"id": i, "labels": [f"l{j}" for j in range(i % 3)],
                                              "inner": None if i % 2 else {"x": float(i) / 4, "ok": i % 3 == 0}})
    schema = pa.schema([
        ("conversations", pa.list_(turn)),
        ("images", pa.list_(image)),
        ("answers", pa.list_(pa.string())),
        ("grid", pa.list_(pa.list_(pa.int64()))),
        ("tags", pa.map_(pa.string(), pa.int32())),
        ("meta", pa.struct([("id", pa.int64()), ("labels", pa.list_(pa.string())),
                            ("inner", pa.struct([("x", pa.float64()), ("ok", pa.bool_())]))])),
    ])
    return pa.table([conversations, images, answers, grid, tags, meta], schema=schema)


def plain(value):
    """to_pylist()'s values as llmload gives them: bytes as base64 text, map pairs as arrays."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def check_file(dump, path):
    got = subprocess.run([dump, path], capture_output=True, text=True)
    if got.returncode != 0:
        return f"{path}: parquet_dump exited {got.returncode}: {got.stderr.strip()}"
    rows = [json.loads(line) for line in got.stdout.splitlines()]
    want = [plain(r) for r in pq.read_table(path).to_pylist()]
    if len(rows) != len(want):
        return f"{path}: {len(rows)} rows, pyarrow reads {len(want)}"
    for i, (a, b) in enumerate(zip(rows, want)):
        if a != b:
            return f"{path}: row {i} differs:\n  llmload: {json.dumps(a)[:600]}\n  pyarrow: {json.dumps(b)[:600]}"
    return None


def write_variants(work, name, table):
    files = []
    for codec, dictionary, page_version in itertools.product(CODECS, [True, False], ["1.0", "2.0"]):
        path = os.path.join(work, f"{name}-{codec}-{'dict' if dictionary else 'plain'}-v{page_version[0]}.parquet")
        pq.write_table(table, path, compression=codec, use_dictionary=dictionary, data_page_version=page_version,
                       data_page_size=512, write_batch_size=16, row_group_size=70)
        files.append(path)
    return files


# Columns in the encodings llmload reads besides PLAIN and dictionaries (pyarrow writes them
# only when asked, other writers by default).
FLAT_ENCODINGS = {"i32": "DELTA_BINARY_PACKED", "i64": "DELTA_BINARY_PACKED", "u64": "DELTA_BINARY_PACKED",
                  "text": "DELTA_BYTE_ARRAY", "big": "DELTA_LENGTH_BYTE_ARRAY", "blob": "DELTA_BYTE_ARRAY",
                  "f32": "BYTE_STREAM_SPLIT", "f64": "BYTE_STREAM_SPLIT", "u32": "BYTE_STREAM_SPLIT"}
NESTED_ENCODINGS = {"conversations.list.element.value": "DELTA_BYTE_ARRAY",
                    "answers.list.element": "DELTA_LENGTH_BYTE_ARRAY",
                    "grid.list.element.list.element": "DELTA_BINARY_PACKED", "meta.id": "DELTA_BINARY_PACKED",
                    "meta.inner.x": "BYTE_STREAM_SPLIT"}


def write_encoded(work, name, table, encodings):
    files = []
    for codec, page_version in itertools.product(CODECS, ["1.0", "2.0"]):
        path = os.path.join(work, f"{name}-{codec}-encoded-v{page_version[0]}.parquet")
        pq.write_table(table, path, compression=codec, use_dictionary=False, column_encoding=encodings,
                       data_page_version=page_version, data_page_size=512, write_batch_size=16, row_group_size=70)
        files.append(path)
    return files


def interop(dump, work):
    failures, count = [], 0
    for name, table, encodings in [("flat", flat_table(200), FLAT_ENCODINGS),
                                   ("nested", nested_table(150), NESTED_ENCODINGS)]:
        for path in write_variants(work, name, table) + write_encoded(work, name, table, encodings):
            count += 1
            problem = check_file(dump, path)
            if problem:
                failures.append(problem)
    # One file in each codec's default settings, as datasets writes them (one row group).
    for codec in CODECS:
        path = os.path.join(work, f"default-{codec}.parquet")
        pq.write_table(nested_table(40), path, compression=codec)
        count += 1
        problem = check_file(dump, path)
        if problem:
            failures.append(problem)
    return count, failures


def bench(llmload, work):
    """`llmload bench --dataset-name hf` on Parquet exports, against the built-in simulator."""
    failures = []
    coder = pa.table({
        "instruction": [f"Add a docstring to function {i}." for i in range(12)],
        "input": [f"def f{i}(x):\n    return x + {i}" for i in range(12)],
        "output": [f'def f{i}(x):\n    """Adds {i}."""\n    return x + {i}' for i in range(12)],
    })
    coder_path = os.path.join(work, "instructcoder-train.parquet")
    pq.write_table(coder, coder_path, compression="zstd")
    arena_dir = os.path.join(work, "vision-arena")
    os.makedirs(arena_dir, exist_ok=True)
    turn = pa.struct([("role", pa.string()), ("content", pa.string())])
    image = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    arena = pa.table([
        [[[{"role": "user", "content": f"What is in picture {i}?"}]] for i in range(6)],
        [[{"bytes": png_bytes(i), "path": None}] for i in range(6)],
    ], schema=pa.schema([("conversation", pa.list_(pa.list_(turn))), ("images", pa.list_(image))]))
    pq.write_table(arena.slice(0, 3), os.path.join(arena_dir, "train-00000-of-00002.parquet"), compression="snappy")
    pq.write_table(arena.slice(3), os.path.join(arena_dir, "train-00001-of-00002.parquet"), compression="gzip")
    runs = [
        (["--hf-name", "likaixin/InstructCoder", "--dataset-path", coder_path, "--num-prompts", "12"], 12,
         "hf (likaixin/InstructCoder): 12 records in 1 file(s)"),
        (["--hf-name", "lmarena-ai/VisionArena-Chat", "--dataset-path", arena_dir, "--backend", "openai-chat",
          "--endpoint", "/v1/chat/completions", "--num-prompts", "6"], 6,
         "hf (lmarena-ai/VisionArena-Chat): 6 records in 2 file(s)"),
    ]
    for i, (args, completed, line) in enumerate(runs):
        result = f"r{i}.json"
        cmd = [llmload, "bench", "--dataset-name", "hf", "--hf-output-len", "4", "--sim-ttft-ms", "1",
               "--sim-itl-ms", "1", "--disable-tqdm", "--save-result", "--result-dir", work,
               "--result-filename", result] + args
        got = subprocess.run(cmd, capture_output=True, text=True)
        if got.returncode != 0:
            failures.append(f"{' '.join(cmd)} exited {got.returncode}:\n{got.stdout[-2000:]}\n{got.stderr[-2000:]}")
            continue
        if line not in got.stdout:
            failures.append(f"{' '.join(cmd)}: no line '{line}' in:\n{got.stdout[-2000:]}")
        with open(os.path.join(work, result)) as f:
            saved = json.load(f)
        if saved.get("completed") != completed or saved.get("total_output_tokens") != 4 * completed:
            failures.append(f"{' '.join(cmd)}: completed {saved.get('completed')}, output tokens "
                            f"{saved.get('total_output_tokens')}; wanted {completed} and {4 * completed}")
        else:
            print(f"bench hf {args[1]} from Parquet: {saved['completed']} completed, "
                  f"{saved['total_input_tokens']} input tokens, {saved['total_output_tokens']} output tokens")
    return failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dump", required=True)
    parser.add_argument("--llmload", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    count, failures = interop(args.dump, args.work)
    print(f"pyarrow {pa.__version__}: {count - len(failures)} of {count} Parquet files read by llmload "
          f"equal to to_pylist()")
    failures += bench(args.llmload, args.work)
    for f in failures:
        print("FAILED:", f, file=sys.stderr)
    print("parquet interop: " + ("FAILED" if failures else "all files and runs as pyarrow reads them"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
