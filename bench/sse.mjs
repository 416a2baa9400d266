// Server-Sent Events throughput: events/s of our stream (streamSandboxEvents through the public
// client) against the floor anyone would write by hand (fetch, a body reader, TextDecoder in
// streaming mode, eventsource-parser, JSON.parse), both reading the same stream from a local server
// in another process. Also the same two over bytes already in memory (the cost of the iterator
// alone, no target), and what checking every event against the spec costs (as the verify tool
// does; the client itself never does). Ours decodes each chunk whole, holding back a character cut
// by the chunk's end (src/internal/utf8-decoder.ts): in Node 20 that is several times faster than
// the streaming mode the floor uses, and part of why the ratio is near 1.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createParser } from 'eventsource-parser';
import { interleavedMedians } from './measure.mjs';
import { comparedRow } from './result-row.mjs';

const EVENTS = 60_000;
const ROUNDS = 9;
const apiKey = 'hopx_live_a1b2c3d4e5f6.YmVuY2htYXJrLXNlY3JldA';
const self = fileURLToPath(import.meta.url);

export async function sseThroughput() {
  const { createControlPlaneClient, openEventStream, streamSandboxEvents } = await import('../dist/src/index.js');
  const server = fork(self, ['serve'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const port = await new Promise((resolve, reject) => {
      server.once('message', resolve);
      server.once('error', reject);
      server.once('exit', (code) => reject(new Error(`the SSE server exited (${code})`)));
    });
    const url = `http://127.0.0.1:${port}/v1/sandboxes/stream`;
    const hopx = createControlPlaneClient({ apiKey, baseUrl: `http://127.0.0.1:${port}` });

    /** Reads EVENTS events through our client; `each` sees every event's data. */
    const ours =
      (each = () => {}) =>
      async () => {
        const started = performance.now();
        let n = 0;
        for await (const event of streamSandboxEvents(hopx)) {
          each(event.data);
          if (++n === EVENTS) break;
        }
        return rate(n, started, 'hopx-api');
      };
    const baseline = async () => {
      const started = performance.now();
      const response = await fetch(url, { headers: { 'X-API-Key': apiKey, Accept: 'text/event-stream' } });
      return rate(await parseAll(response.body.getReader()), started, 'fetch + eventsource-parser');
    };

    // The verify tool's check of one event (src/verify/observer.ts): the local HopX's validator.
    const { SpecValidator } = await import('../dist/src/local/spec-validator.js');
    const { loadSpec } = await import('../dist/src/local/spec.js');
    const validator = new SpecValidator(loadSpec());
    const operation = validator.operations.find((op) => op.key === 'GET /v1/sandboxes/stream');
    if (!operation) throw new Error('no GET /v1/sandboxes/stream in the spec');
    const validate = (data) => {
      const violations = validator.validateEvent(operation, data);
      if (violations.length) throw new Error(`a bench event does not fit the spec: ${violations[0].message}`);
    };

    // The same bytes from memory, cut as the network cut them: only the parsing path is measured.
    const chunks = sseChunks();
    const memoryBody = () =>
      new ReadableStream({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(chunk);
          controller.close();
        },
      });
    const oursInMemory = async () => {
      const started = performance.now();
      let n = 0;
      const stream = openEventStream('bench', async () => memoryBody(), { maxReconnects: 0 });
      for await (const _ of stream) if (++n === EVENTS) break;
      return rate(n, started, 'openEventStream in memory');
    };
    const parserInMemory = async () => {
      const started = performance.now();
      return rate(await parseAll(memoryBody().getReader()), started, 'parser in memory');
    };

    // One warm-up of each before measuring.
    for (const run of [baseline, ours(), ours(validate), parserInMemory, oursInMemory]) await run();
    const wire = await interleavedMedians({ baseline, ours: ours(), validated: ours(validate) }, ROUNDS);
    const memory = await interleavedMedians({ parser: parserInMemory, ours: oursInMemory }, ROUNDS);

    const events = `${EVENTS.toLocaleString('en')} sandbox events`;
    return [
      comparedRow({
        area: 'SSE',
        measure: `streamSandboxEvents over loopback, ${events}`,
        value: wire.ours,
        unit: 'events/s',
        baseline: 'fetch + reader + TextDecoder (stream) + eventsource-parser + JSON.parse',
        baselineValue: wire.baseline,
        higherIsBetter: true,
        minRatio: 0.9,
      }),
      comparedRow({
        area: 'SSE',
        measure: `openEventStream over bytes in memory, ${events}`,
        value: memory.ours,
        unit: 'events/s',
        baseline: 'TextDecoder (stream) + eventsource-parser + JSON.parse, same chunks',
        baselineValue: memory.parser,
        higherIsBetter: true,
      }),
      comparedRow({
        area: 'SSE',
        measure: `streamSandboxEvents, each event's data checked against the spec (verify's SpecValidator.validateEvent), ${events}`,
        value: wire.validated,
        unit: 'events/s',
        baseline: 'streamSandboxEvents unchecked',
        baselineValue: wire.ours,
        higherIsBetter: true,
      }),
    ];
  } finally {
    server.kill();
  }
}

/** The floor: a reader loop into eventsource-parser, each event's data parsed as JSON. */
async function parseAll(reader) {
  let n = 0;
  const parser = createParser({
    onEvent: (message) => {
      JSON.parse(message.data);
      n++;
    },
  });
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  return n;
}

function rate(n, started, who) {
  if (n !== EVENTS) throw new Error(`${who} read ${n} events instead of ${EVENTS}`);
  return n / ((performance.now() - started) / 1000);
}

// --- the stream ------------------------------------------------------------------------------

const sandboxId = (i) => `17610${String(48129 + (i % 500)).padStart(5, '0')}dsaqav4n`;

/** The i-th event of the organization's stream: mostly status changes, some creations (with the sandbox) and deletions. */
function sandboxEvent(i) {
  const id = `${1761048131000 + i}-${(i % 3) + 1}`;
  const timestamp = new Date(Date.UTC(2025, 9, 21, 12, 2, 11) + i * 37).toISOString();
  const sandbox_id = sandboxId(i);
  const kind = i % 10;
  if (kind === 0) {
    return {
      id,
      type: 'sandbox.created',
      sandbox_id,
      status: 'creating',
      previous_status: null,
      timestamp,
      sandbox: {
        id: sandbox_id,
        object: 'sandbox',
        status: 'creating',
        template_id: '291',
        template_name: 'code-interpreter',
        region: 'eu-1001',
        public_host: `https://7777-${sandbox_id}.eu-1001.vms.hopx.dev`,
        resources: { vcpu: 2, memory_mb: 2048, disk_mb: 10240 },
        internet_access: true,
        timeout_seconds: 3600,
        created_at: timestamp,
        expires_at: null,
      },
    };
  }
  if (kind === 9)
    return { id, type: 'sandbox.deleted', sandbox_id, status: 'stopped', previous_status: 'running', timestamp };
  const running = i % 2 === 0;
  return {
    id,
    type: 'sandbox.status_changed',
    sandbox_id,
    status: running ? 'running' : 'paused',
    previous_status: running ? 'paused' : 'running',
    timestamp,
  };
}

/**
 * The whole stream as the server writes it: `retry:` first, a heartbeat comment now and then, events
 * in bursts of 1 to 32 (one write each), one write in eight cut inside an event. Deterministic.
 */
function sseChunks() {
  const encoder = new TextEncoder();
  const texts = ['retry: 1000\n\n'];
  let random = 7;
  const next = (n) => {
    random = (Math.imul(random, 1103515245) + 12345) >>> 0;
    return (random >>> 8) % n;
  };
  let burst = '';
  let size = next(32) + 1;
  for (let i = 0; i < EVENTS; i++) {
    const event = sandboxEvent(i);
    burst += `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    if (i % 1000 === 999) burst += ': keep-alive\n\n';
    if (--size > 0 && i < EVENTS - 1) continue;
    if (next(8) === 0 && burst.length > 2) {
      const cut = next(burst.length - 1) + 1;
      texts.push(burst.slice(0, cut), burst.slice(cut));
    } else texts.push(burst);
    burst = '';
    size = next(32) + 1;
  }
  return texts.map((text) => encoder.encode(text));
}

/** The server process: streams the same bytes to every request, then ends the response. */
async function serve() {
  const chunks = sseChunks().map((bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const server = createServer(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.on('error', () => {});
    for (const chunk of chunks) {
      if (res.destroyed) return;
      if (!res.write(chunk)) await drained(res);
    }
    res.end();
  });
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
  process.on('disconnect', () => process.exit(0));
}

/** Resolves when `res` takes more, or is gone. */
function drained(res) {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

if (process.argv[1] === self && process.argv[2] === 'serve') await serve();
