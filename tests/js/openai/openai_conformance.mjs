// Conformance of `llmload sim` with the official `openai` npm client, a client nobody here
// wrote: streaming and non-streaming completions and chat (text, finish reasons, usage with
// include_usage), the chat stream helper, /v1/models, and OpenAI errors surfacing as the
// package's APIError subclasses with the right status and message.
//
//   node openai_conformance.mjs /path/to/llmload
//
// Starts the simulator on a free loopback port (--port 0, read back from its banner), runs
// every check, prints one line per check and exits 1 if any failed. Run by the
// openai_conformance CTest entry (tests/js/CMakeLists.txt).
import OpenAI from 'openai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const llmload = process.argv[2];
if (!llmload) {
  console.error('usage: node openai_conformance.mjs /path/to/llmload');
  process.exit(2);
}

const MODEL = 'conformance-model';
// The simulator's first generated tokens (sim::token_text): deterministic.
const FIRST_TOKENS = [' the', ' model', ' of'];

function startSimulator() {
  const child = spawn(llmload, ['sim', '--host', '127.0.0.1', '--port', '0', '--model', MODEL,
                                '--ttft-ms', '5', '--itl-ms', '1'],
                      { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no banner from llmload sim after 20 s: ${seen}`)), 20000);
    child.on('exit', (code) => reject(new Error(`llmload sim exited early (${code}): ${seen}`)));
    child.stdout.on('data', (d) => {
      seen += d;
      const m = /at (http:\/\/127\.0\.0\.1:(\d+))/.exec(seen);
      if (m && m[2] !== '0') {
        clearTimeout(timer);
        resolve({ child, baseURL: `${m[1]}/v1` });
      }
    });
  });
}

let failures = 0;
function check(cond, what) {
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`);
  if (!cond) failures += 1;
}
function eq(actual, expected, what) {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  check(a === e, a === e ? what : `${what}: got ${a}, expected ${e}`);
}

async function expectError(promiseFn, Class, status, messagePart, what) {
  try {
    await promiseFn();
    check(false, `${what}: no error was thrown`);
  } catch (err) {
    check(err instanceof Class, `${what}: ${err?.constructor?.name} is ${Class.name}`);
    check(err instanceof OpenAI.APIError, `${what}: is an OpenAI.APIError`);
    eq(err.status, status, `${what}: status`);
    check(typeof err.message === 'string' && err.message.includes(messagePart),
          `${what}: message '${err.message}' contains '${messagePart}'`);
  }
}

async function main() {
  const { child, baseURL } = await startSimulator();
  // A dummy key: the simulator ignores it; retries off so that 429/500 surface at once.
  const client = new OpenAI({ apiKey: 'sk-conformance', baseURL, maxRetries: 0, timeout: 20000 });
  try {
    // Streaming completion with include_usage.
    {
      const stream = await client.completions.create({
        model: MODEL, prompt: 'hello streaming world', max_tokens: 5, stream: true,
        stream_options: { include_usage: true },
      });
      let text = '', finish = null, usage = null, chunks = 0;
      const ids = new Set();
      for await (const chunk of stream) {
        if (chunk.choices.length > 0) {
          chunks += 1;
          text += chunk.choices[0].text;
          finish = chunk.choices[0].finish_reason ?? finish;
        }
        if (chunk.usage) usage = chunk.usage;
        eq(chunk.object, 'text_completion', 'completion chunk object');
        ids.add(chunk.id);
        check(chunk.model === MODEL && Number.isInteger(chunk.created), 'completion chunk model and created');
      }
      check(ids.size === 1 && [...ids][0].startsWith('cmpl-'), `completion stream: one id for all chunks (${[...ids]})`);
      eq(chunks, 5, 'completion stream: one chunk per token');
      check(text.startsWith(FIRST_TOKENS.join('')), `completion stream text '${text}'`);
      eq(finish, 'length', 'completion stream finish_reason');
      eq(usage, { prompt_tokens: 3, total_tokens: 8, completion_tokens: 5 }, 'completion stream usage');
      const whole = await client.completions.create({ model: MODEL, prompt: 'hello streaming world', max_tokens: 5 });
      eq(whole.choices[0].text, text, 'non-streaming completion text equals the streamed text');
      eq(whole.usage.completion_tokens, 5, 'non-streaming completion usage');
      eq(whole.model, MODEL, 'non-streaming completion model');
    }

    // Streaming chat with include_usage.
    {
      const stream = await client.chat.completions.create({
        model: MODEL, messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi there' }],
        max_completion_tokens: 4, stream: true, stream_options: { include_usage: true },
        temperature: 0.5, top_p: 0.9, seed: 7,
      });
      let text = '', role = null, finish = null, usage = null;
      const ids = new Set();
      for await (const chunk of stream) {
        eq(chunk.object, 'chat.completion.chunk', 'chat chunk object');
        ids.add(chunk.id);
        if (chunk.choices.length > 0) {
          const delta = chunk.choices[0].delta;
          role = delta.role ?? role;
          text += delta.content ?? '';
          finish = chunk.choices[0].finish_reason ?? finish;
        }
        if (chunk.usage) usage = chunk.usage;
      }
      check(ids.size === 1 && [...ids][0].startsWith('chatcmpl-'), `chat stream: one id for all chunks (${[...ids]})`);
      eq(role, 'assistant', 'chat stream role');
      check(text.startsWith(FIRST_TOKENS.join('')), `chat stream text '${text}'`);
      eq(finish, 'length', 'chat stream finish_reason');
      eq(usage, { prompt_tokens: 4, total_tokens: 8, completion_tokens: 4 }, 'chat stream usage');

      const whole = await client.chat.completions.create({
        model: MODEL, messages: [{ role: 'user', content: 'hi there' }], max_tokens: 4,
      });
      eq(whole.object, 'chat.completion', 'non-streaming chat object');
      eq(whole.choices[0].message.role, 'assistant', 'non-streaming chat role');
      eq(whole.choices[0].message.content, text, 'non-streaming chat text equals the streamed text');
      eq(whole.usage.prompt_tokens, 2, 'non-streaming chat usage');

      // The package's stream helper accumulates the chunks into a chat.completion.
      const runner = client.chat.completions.stream({
        model: MODEL, messages: [{ role: 'user', content: 'hi there' }], max_tokens: 4,
        stream_options: { include_usage: true },
      });
      const final = await runner.finalChatCompletion();
      eq(final.choices[0].message.content, text, 'stream helper: final message');
      eq(final.usage?.completion_tokens, 4, 'stream helper: usage');
    }

    // Models.
    {
      const ids = [];
      for await (const model of client.models.list()) ids.push(model.id);
      eq(ids, [MODEL], 'models.list');
    }

    // Errors as the package's APIError subclasses.
    await expectError(() => client.completions.create({ model: 'no-such-model', prompt: 'x', max_tokens: 1 }),
                      OpenAI.NotFoundError, 404, 'does not exist', 'unknown model');
    await expectError(() => client.chat.completions.create({ model: MODEL, messages: 'not a list', max_tokens: 1 }),
                      OpenAI.BadRequestError, 400, 'messages', 'bad body');
    await expectError(() => client.completions.create({ model: MODEL, prompt: 'x', max_tokens: 0 }),
                      OpenAI.BadRequestError, 400, 'max_tokens', 'max_tokens 0');
    await expectError(() => client.chat.completions.create(
                        { model: MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: 1 },
                        { headers: { 'x-llmload-fault': 'status=429' } }),
                      OpenAI.RateLimitError, 429, 'Simulated HTTP 429', 'fault status=429');
    await expectError(() => client.completions.create(
                        { model: MODEL, prompt: 'x', max_tokens: 1, stream: true },
                        { headers: { 'x-llmload-fault': 'status=500' } }),
                      OpenAI.InternalServerError, 500, 'Simulated HTTP 500', 'fault status=500 (streaming request)');
    // An error event in the middle of a stream is thrown by the package's stream reader.
    await expectError(async () => {
      const stream = await client.completions.create(
        { model: MODEL, prompt: 'x', max_tokens: 5, stream: true },
        { headers: { 'x-llmload-fault': 'error-after=2' } });
      for await (const chunk of stream) void chunk;
    }, OpenAI.APIError, undefined, 'simulated failure', 'error event mid-stream');
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  console.log(failures === 0 ? 'all checks passed' : `${failures} check(s) failed`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((err) => {
  console.error(`openai conformance: ${err?.stack ?? err}`);
  process.exit(1);
});
