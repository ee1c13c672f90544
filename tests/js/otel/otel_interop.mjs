// OpenTelemetry's own JavaScript SDK against llmload's trace receiver. This script plays a
// vLLM-shaped server: an OpenAI-style /v1/completions endpoint that, for every request,
// continues the caller's W3C traceparent in an `llm_request` span carrying vLLM's gen_ai.*
// attributes, exported by @opentelemetry/exporter-trace-otlp-grpc (or -proto, OTLP/HTTP)
// through the SDK's BatchSpanProcessor. It runs `llmload bench --otlp-receiver` against
// itself and checks that every request was joined to its span and that the parts llmload
// derived are the attribute values sent, exactly.
//   node otel_interop.mjs LLMLOAD_BINARY WORK_DIR
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { context, propagation, trace, SpanKind } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';

const [llmload, workDir] = process.argv.slice(2);
const REQUESTS = 24;
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

function listenOn(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(null));
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

function closeServer(s) {
  return new Promise((resolve) => s.close(() => resolve()));
}

// A port P free together with P + 1 (the receiver listens on both: OTLP/gRPC on P, OTLP/HTTP
// on P + 1): an ephemeral port alone may have its neighbour taken by another test's socket.
async function freePortPair() {
  for (let attempt = 0; attempt < 50; ++attempt) {
    const first = await listenOn(0);
    const port = first.address().port;
    const second = port < 65535 ? await listenOn(port + 1) : null;
    await closeServer(first);
    if (second) {
      await closeServer(second);
      return port;
    }
  }
  throw new Error('no free pair of neighbouring loopback ports in 50 tries');
}

// Attribute values of the n-th request: whole microseconds, so the result's rows (ms rounded
// to 3 decimals) hold them exactly.
function attributes(n, requestId) {
  const queue = (n + 1) * 0.001, prefill = 0.020 + n * 0.0001, decode = 0.300 + n * 0.002;
  return {
    'gen_ai.response.model': 'otel-interop',
    'gen_ai.request.id': requestId,
    'gen_ai.usage.prompt_tokens': 8,
    'gen_ai.usage.completion_tokens': 2,
    'gen_ai.latency.time_in_queue': queue,
    'gen_ai.latency.time_in_model_prefill': prefill,
    'gen_ai.latency.time_to_first_token': queue + prefill,
    'gen_ai.latency.time_in_model_decode': decode,
    'gen_ai.latency.e2e': queue + prefill + decode,
  };
}

function startServer(tracer, sent) {
  let n = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      if (req.url !== '/v1/completions') { res.writeHead(404).end(); return; }
      const parent = propagation.extract(context.active(), req.headers);
      const i = n++;
      const attrs = attributes(i, `cmpl-${req.headers['x-request-id'] ?? i}-0`);
      const span = tracer.startSpan('llm_request', { kind: SpanKind.SERVER, attributes: attrs }, parent);
      sent[span.spanContext().traceId] = attrs;
      span.end();
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      const chunk = (text, finish) => `data: ${JSON.stringify({ id: 'cmpl-x', object: 'text_completion', created: 1,
        model: 'otel-interop', choices: [{ index: 0, text, logprobs: null, finish_reason: finish }] })}\n\n`;
      res.write(chunk(' a', null));
      res.write(chunk(' b', 'length'));
      res.end(`data: ${JSON.stringify({ id: 'cmpl-x', object: 'text_completion', created: 1, model: 'otel-interop',
        choices: [], usage: { prompt_tokens: 8, completion_tokens: 2, total_tokens: 10 } })}\n\ndata: [DONE]\n\n`);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (code) => resolve({ code, out }));
  });
}

function check(protocol, result, sent) {
  const x = result.llmload;
  const problems = [];
  const fields = x.request_fields;
  const col = (name) => fields.indexOf(name);
  if (x.server_breakdown.requests_joined !== REQUESTS) {
    problems.push(`${x.server_breakdown.requests_joined} of ${REQUESTS} requests joined`);
  }
  const expect = [['server_queue_ms', 'gen_ai.latency.time_in_queue'], ['prefill_ms', 'gen_ai.latency.time_in_model_prefill'],
    ['decode_ms', 'gen_ai.latency.time_in_model_decode'], ['server_ttft_ms', 'gen_ai.latency.time_to_first_token'],
    ['server_e2e_ms', 'gen_ai.latency.e2e']];
  for (const row of x.requests) {
    const attrs = sent[row[col('trace_id')]];
    if (!attrs) { problems.push(`no span was sent for trace ${row[col('trace_id')]}`); continue; }
    for (const [column, key] of expect) {
      const want = Math.round(attrs[key] * 1e6) / 1e3;
      if (row[col(column)] !== want) problems.push(`${column} ${row[col(column)]} != ${want} (${key})`);
    }
  }
  if (problems.length) throw new Error(`${protocol}: ${problems.slice(0, 10).join('; ')}`);
  console.log(`${protocol}: ${REQUESTS} of ${REQUESTS} requests joined, attributes read back exactly`);
}

async function interop(protocol) {
  const port = await freePortPair();
  const exporter = protocol === 'grpc' ? new GrpcExporter({ url: `http://127.0.0.1:${port}` })
                                       : new ProtoExporter({ url: `http://127.0.0.1:${port + 1}/v1/traces` });
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 200 })] });
  const sent = {};
  const server = await startServer(provider.getTracer('vllm.tracing'), sent);
  const resultFile = path.join(workDir, `result-${protocol.replace('/', '-')}.json`);
  const bench = await run(llmload, ['bench', '--base-url', `http://127.0.0.1:${server.address().port}`, '--model', 'otel-interop',
    '--otlp-receiver', `127.0.0.1:${port}`, '--otlp-grace', '20', '--num-prompts', String(REQUESTS),
    '--random-input-len', '8', '--random-output-len', '2', '--request-id-prefix', 'interop-', '--disable-tqdm',
    '--save-result', '--result-filename', resultFile]);
  await provider.shutdown();
  server.close();
  if (bench.code !== 0) throw new Error(`${protocol}: llmload bench exited ${bench.code}:\n${bench.out}`);
  check(protocol, JSON.parse(fs.readFileSync(resultFile, 'utf8')), sent);
}

// A port picked free can still be taken before llmload binds it (tests run in parallel): then,
// and only then, the exchange is run again on new ports.
async function interopRetryingTakenPorts(protocol) {
  for (let attempt = 1; ; ++attempt) {
    try {
      return await interop(protocol);
    } catch (e) {
      if (attempt >= 3 || !String(e.message).includes('Address already in use')) throw e;
      console.log(`${protocol}: a receiver port was taken meanwhile; again on new ports`);
    }
  }
}

try {
  fs.mkdirSync(workDir, { recursive: true });
  await interopRetryingTakenPorts('grpc');
  await interopRetryingTakenPorts('http/protobuf');
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
