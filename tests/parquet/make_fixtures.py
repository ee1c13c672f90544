"""Writes the small Parquet files checked in for the tests that run without PyPI (each under
6 KiB), with pyarrow (tests/parquet/requirements.txt):
  tests/data/parquet/nested-zstd-v2.parquet + .jsonl  nested Hub-style columns, ZSTD, data
      page v2, dictionaries; the .jsonl is pyarrow's to_pylist() (binary as base64), what
      llmload's reader must give (ParquetReader.* unit tests)
  tests/data/parquet/flat-gzip-plain.parquet + .jsonl  flat columns with nulls, GZIP, PLAIN
  tests/data/parquet/flat-snappy-delta.parquet + .jsonl  the same in DELTA_* and BYTE_STREAM_SPLIT
  tests/data/parquet/gsm8k-test.parquet     openai/gsm8k records (question, answer), SNAPPY
  tests/data/parquet/gsm8k-lz4.parquet      the same records, LZ4
  tests/data/parquet/instructcoder.parquet  likaixin/InstructCoder records, uncompressed
  tests/data/parquet/librispeech-asr.parquet  openslr/librispeech_asr's columns, the audio a
      struct {bytes, path} of 16 kHz mono WAVs of silence (0.5, 1.25 and 0.25 s), SNAPPY
and copies of them as the parquet fuzz target's seed corpus (tools/fuzz/corpus/parquet/).
Usage (from the repository root): python tests/parquet/make_fixtures.py
"""

import json
import os
import shutil
import struct
import sys

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, os.path.dirname(__file__))
from pyarrow_interop import FLAT_ENCODINGS, flat_table, nested_table, plain  # noqa: E402

DATA = os.path.join("tests", "data", "parquet")
CORPUS = os.path.join("tools", "fuzz", "corpus", "parquet")


def write(name, table, expected=False, **options):
    path = os.path.join(DATA, name)
    pq.write_table(table, path, **options)
    if expected:
        with open(path.replace(".parquet", ".jsonl"), "w") as f:
            for row in pq.read_table(path).to_pylist():
                f.write(json.dumps(plain(row), ensure_ascii=False) + "\n")
    shutil.copy(path, os.path.join(CORPUS, name))
    print(path, os.path.getsize(path), "bytes")


def wav(seconds, rate=16000):
    """A 16-bit mono PCM WAV of silence."""
    data = bytes(2 * int(seconds * rate))
    fmt = struct.pack("<IHHIIHH", 16, 1, 1, rate, 2 * rate, 2, 16)
    return b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + fmt + b"data" + struct.pack("<I", len(data)) + data


def librispeech_table():
    """openslr/librispeech_asr's columns (file, audio, text, speaker_id, chapter_id, id)."""
    ids = ["1272-128104-0000", "1272-128104-0001", "1272-128104-0002"]
    audio_type = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    return pa.table({
        "file": [i + ".flac" for i in ids],
        "audio": pa.array([{"bytes": wav(s), "path": i + ".flac"} for s, i in zip([0.5, 1.25, 0.25], ids)],
                          type=audio_type),
        "text": ["MISTER QUILTER IS THE APOSTLE", "NOR IS MISTER QUILTER'S MANNER", "HE TELLS US THAT"],
        "speaker_id": pa.array([1272, 1272, 1272], type=pa.int64()),
        "chapter_id": pa.array([128104, 128104, 128104], type=pa.int64()),
        "id": ids,
    })


def main():
    os.makedirs(DATA, exist_ok=True)
    os.makedirs(CORPUS, exist_ok=True)
    write("nested-zstd-v2.parquet", nested_table(12), expected=True, compression="zstd", data_page_version="2.0")
    write("flat-gzip-plain.parquet", flat_table(16), expected=True, compression="gzip", use_dictionary=False)
    write("flat-snappy-delta.parquet", flat_table(40), expected=True, compression="snappy", use_dictionary=False,
          column_encoding=FLAT_ENCODINGS)
    gsm8k = pa.table({
        "question": ["Tom has 3 apples and buys 4 more. How many apples does he have?",
                     "A train travels 60 km in 1 hour. How far does it go in 3 hours?",
                     "Sara reads 12 pages a day. How many pages does she read in a week?"],
        "answer": ["3 + 4 = 7\n#### 7", "60 * 3 = 180\n#### 180", "12 * 7 = 84\n#### 84"],
    })
    write("gsm8k-test.parquet", gsm8k, compression="snappy")
    write("gsm8k-lz4.parquet", gsm8k, compression="lz4")
    coder = pa.table({
        "instruction": ["Add a docstring.", "Rename f to add_one.", "Use a list comprehension."],
        "input": ["def f(x):\n    return x + 1", "def f(x):\n    return x + 1",
                  "out = []\nfor x in xs:\n    out.append(x * 2)"],
        "output": ['def f(x):\n    """Adds one."""\n    return x + 1', "def add_one(x):\n    return x + 1",
                   "out = [x * 2 for x in xs]"],
    })
    write("instructcoder.parquet", coder, compression="none")
    write("librispeech-asr.parquet", librispeech_table(), compression="snappy")


if __name__ == "__main__":
    main()
