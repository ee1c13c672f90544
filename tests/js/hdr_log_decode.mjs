// Decodes an HdrHistogram interval log with hdr-histogram-js, an implementation independent of
// llmload's, and prints per-interval figures as JSON. With --expect it also compares them with
// the figures llmload's C++ code wrote for the same log and exits 1 on any difference.
//
//   node hdr_log_decode.mjs LOG [--expect EXPECTED.json] [--ticks N] [--spectrum]
//
// Figures per interval: tag, start/end timestamps as the reader computes them (ms since the
// epoch), total count, min (getValueAtPercentile(0)), max (getValueAtPercentile(100)), p50,
// p90, p99, p99.9, mean, standard deviation and the percentile spectrum (value, percentile
// level, cumulative count) with N ticks per half distance (default 5; the expected file's value
// with --expect). The spectrum is compared always and printed only with --spectrum.
//
// min and max come from getValueAtPercentile(0 / 100), which are the reference's getMinValue /
// getMaxValue of a decoded histogram. The decoded object's `maxValue` field is not used: in this
// library it is the highest equivalent value plus (unit - 1), off by that for lowest
// discernible values above 1.
//
// Counts, min, max and percentiles must match exactly (both sides use the same slot layout);
// mean, standard deviation and spectrum levels are doubles computed with the same operations in
// the same order, so they are compared exactly too.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const hdr = require("hdr-histogram-js");

function usage(message) {
  process.stderr.write(`hdr_log_decode: ${message}\n`);
  process.stderr.write(
    "usage: node hdr_log_decode.mjs LOG [--expect EXPECTED.json] [--ticks N] [--spectrum]\n",
  );
  process.exit(2);
}

function parseArgs(argv) {
  const args = { log: null, expect: null, ticks: 5, spectrum: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--expect") args.expect = argv[++i] ?? usage("--expect needs a file");
    else if (a === "--ticks") args.ticks = Number.parseInt(argv[++i] ?? usage("--ticks needs a number"), 10);
    else if (a === "--spectrum") args.spectrum = true;
    else if (a.startsWith("--")) usage(`unknown option ${a}`);
    else if (args.log === null) args.log = a;
    else usage(`unexpected argument ${a}`);
  }
  if (args.log === null) usage("no log file given");
  if (!(args.ticks >= 1)) usage("--ticks must be at least 1");
  return args;
}

function spectrum(histogram, ticks) {
  const rows = [];
  const it = histogram.percentileIterator; // the iterator outputPercentileDistribution uses
  it.reset(ticks);
  while (it.hasNext()) {
    const v = it.next();
    rows.push([v.valueIteratedTo, v.percentileLevelIteratedTo, v.totalCountToThisValue]);
  }
  return rows;
}

// The raw interval lines, for the columns the reader does not expose (Interval_Max).
function intervalLines(text) {
  return text
    .split(/\r\n|\r|\n/)
    .filter((l) => l !== "" && !l.startsWith("#") && !l.startsWith('"') && l.includes(","));
}

function decodeLog(text, ticks) {
  // 64-bit (float64) counts: the default 32-bit buckets would wrap counts above 2^32.
  const reader = new hdr.HistogramLogReader(text, 64);
  const lines = intervalLines(text);
  const intervals = [];
  for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
    const line = lines[intervals.length] ?? "";
    const fields = line.split(",");
    if (fields[0].startsWith("Tag=")) fields.shift();
    intervals.push({
      tag: h.tag,
      start_timestamp_ms: h.startTimeStampMsec,
      end_timestamp_ms: h.endTimeStampMsec,
      interval_max_column: Number.parseFloat(fields[2]),
      lowest_discernible_value: h.lowestDiscernibleValue,
      highest_trackable_value: h.highestTrackableValue,
      significant_digits: h.numberOfSignificantValueDigits,
      total_count: h.totalCount,
      min: h.getValueAtPercentile(0),
      max: h.getValueAtPercentile(100),
      p50: h.getValueAtPercentile(50),
      p90: h.getValueAtPercentile(90),
      p99: h.getValueAtPercentile(99),
      p99_9: h.getValueAtPercentile(99.9),
      mean: h.mean,
      stddev: h.stdDeviation,
      spectrum: spectrum(h, ticks),
    });
  }
  if (intervals.length !== lines.length) {
    throw new Error(`the reader decoded ${intervals.length} intervals from ${lines.length} interval lines`);
  }
  return intervals;
}

function compare(actual, expected) {
  const problems = [];
  const ratio = expected.max_value_unit_ratio;
  if (actual.length !== expected.intervals.length) {
    problems.push(`${actual.length} intervals decoded, ${expected.intervals.length} expected`);
  }
  const n = Math.min(actual.length, expected.intervals.length);
  for (let i = 0; i < n; i++) {
    const a = actual[i];
    const e = expected.intervals[i];
    const where = `interval ${i} (${e.tag})`;
    const same = (field, av, ev) => {
      if (av !== ev) problems.push(`${where}: ${field} is ${av} in hdr-histogram-js, ${ev} in llmload`);
    };
    same("tag", a.tag, e.tag);
    for (const k of ["total_count", "min", "max", "p50", "p90", "p99", "p99_9", "mean", "stddev"]) {
      same(k, a[k], e[k]);
    }
    // Timestamps: the reader adds StartTime (3 decimals) to the offset (3 decimals) in floating
    // point, so allow well under a millisecond.
    const start = expected.start_time_ms + e.start_offset_ms;
    if (Math.abs(a.start_timestamp_ms - start) > 0.01) {
      problems.push(`${where}: start ${a.start_timestamp_ms} ms, expected ${start} ms`);
    }
    if (Math.abs(a.end_timestamp_ms - (start + e.length_ms)) > 0.01) {
      problems.push(`${where}: end ${a.end_timestamp_ms} ms, expected ${start + e.length_ms} ms`);
    }
    // Interval_Max is max / ratio printed with 3 decimals.
    if (!(Math.abs(a.interval_max_column - a.max / ratio) <= 0.0005 + 1e-9)) {
      problems.push(`${where}: Interval_Max column ${a.interval_max_column}, max/ratio is ${a.max / ratio}`);
    }
    if (a.spectrum.length !== e.spectrum.length) {
      problems.push(`${where}: spectrum has ${a.spectrum.length} rows, expected ${e.spectrum.length}`);
    }
    const rows = Math.min(a.spectrum.length, e.spectrum.length);
    for (let r = 0; r < rows; r++) {
      const [av, ap, ac] = a.spectrum[r];
      const [ev, ep, ec] = e.spectrum[r];
      if (av !== ev || ap !== ep || ac !== ec) {
        problems.push(`${where}: spectrum row ${r} is [${av}, ${ap}, ${ac}], expected [${ev}, ${ep}, ${ec}]`);
        break;
      }
    }
  }
  return problems;
}

const args = parseArgs(process.argv.slice(2));
const expected = args.expect ? JSON.parse(readFileSync(args.expect, "utf8")) : null;
const ticks = expected?.ticks_per_half_distance ?? args.ticks;
const intervals = decodeLog(readFileSync(args.log, "utf8"), ticks);
const printed = args.spectrum ? intervals : intervals.map(({ spectrum, ...rest }) => rest);
process.stdout.write(`${JSON.stringify({ intervals: printed }, null, 1)}\n`);
if (expected) {
  const problems = compare(intervals, expected);
  for (const p of problems) process.stderr.write(`MISMATCH ${p}\n`);
  if (problems.length > 0) {
    process.stderr.write(`hdr_log_decode: ${problems.length} difference(s) between llmload and hdr-histogram-js\n`);
    process.exit(1);
  }
  process.stderr.write(
    `hdr_log_decode: all ${intervals.length} intervals match hdr-histogram-js ` +
      `(counts, min, max, p50/p90/p99/p99.9, mean, stddev, percentile spectra, timestamps)\n`,
  );
}
