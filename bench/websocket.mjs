// Throughput of an agent WebSocket stream: our client iterating `/execute/stream` against a plain
// `ws` client that only JSON.parses and counts, both reading the same 100,000-frame flood from the
// same local server in this one run. The server writes the whole flood pre-encoded in one go, so
// the reader is what is measured, not the writer.
import { WebSocket, WebSocketServer } from 'ws';
import { createAgentClient, streamExecution } from '../dist/src/index.js';
import { interleavedMedians } from './measure.mjs';
import { comparedRow } from './result-row.mjs';

const FRAMES = 100_000;
const ROUNDS = 9;

/** The flood as the agent sends it: stdout with some stderr, then result and complete (openapi.yaml shapes). */
function flood() {
  const at = '2025-10-21T14:32:05.123Z';
  const messages = [];
  for (let i = 0; i < FRAMES - 2; i++) {
    messages.push(
      i % 10 === 9
        ? { type: 'stderr', data: `warning: item ${i} took longer than expected\n`, timestamp: at }
        : { type: 'stdout', data: `processed item ${i} of ${FRAMES - 2}\n`, timestamp: at },
    );
  }
  messages.push({ type: 'result', exit_code: 0, execution_time: 12.345, timestamp: at });
  messages.push({ type: 'complete', success: true });
  return Buffer.concat(messages.map((message) => textFrame(JSON.stringify(message))));
}

/** One unmasked server-to-client text frame (RFC 6455 §5.2). */
function textFrame(text) {
  const payload = Buffer.from(text);
  const length = payload.length;
  const header = length < 126 ? Buffer.from([0x81, length]) : Buffer.from([0x81, 126, length >> 8, length & 0xff]);
  if (length > 0xffff) throw new Error('frame too long for this bench');
  return Buffer.concat([header, payload]);
}

export async function websocketThroughput() {
  const frames = flood();
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  server.on('connection', (ws) => {
    ws.once('message', () => {
      // The flood straight onto the TCP socket (ws has no public call for pre-encoded frames),
      // then a normal close, which ws queues behind it.
      ws._socket.write(frames);
      ws.close(1000, 'done');
    });
  });
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `ws://127.0.0.1:${server.address().port}`;
  const agent = createAgentClient({
    sandbox: {
      id: 'bench',
      public_host: `http://127.0.0.1:${server.address().port}`,
      auth_token: 'bench-token-0123456789',
    },
  });

  const rate = (count, started) => {
    if (count !== FRAMES) throw new Error(`received ${count} frames of ${FRAMES}`);
    return FRAMES / ((performance.now() - started) / 1000);
  };
  const subjects = {
    'ws + JSON.parse': () =>
      new Promise((resolve, reject) => {
        const started = performance.now();
        const ws = new WebSocket(`${url}/execute/stream`, {
          headers: { Authorization: 'Bearer bench-token-0123456789' },
          perMessageDeflate: false,
        });
        let count = 0;
        ws.on('open', () => ws.send(JSON.stringify({ type: 'execute', code: 'work()' })));
        ws.on('message', (data) => {
          const message = JSON.parse(data);
          count++;
          if (message.type === 'complete') {
            ws.close(1000, 'done');
            resolve(rate(count, started));
          }
        });
        ws.on('error', reject);
        ws.on('close', () => reject(new Error(`closed after ${count} frames`)));
      }),
    'hopx-api': async () => {
      const started = performance.now();
      let count = 0;
      let last;
      for await (const message of await streamExecution(agent, { code: 'work()' })) {
        count++;
        last = message;
      }
      if (last?.type !== 'complete') throw new Error(`the stream ended on ${last?.type}`);
      return rate(count, started);
    },
  };
  try {
    // Warm-up: JIT both paths before measuring.
    await interleavedMedians(subjects, 2);
    const medians = await interleavedMedians(subjects, ROUNDS);
    return [
      comparedRow({
        area: 'WebSocket',
        measure: `execute stream, ${FRAMES.toLocaleString('en-US')} frames`,
        value: medians['hopx-api'],
        unit: 'frames/s',
        baseline: 'ws + JSON.parse',
        baselineValue: medians['ws + JSON.parse'],
        higherIsBetter: true,
        minRatio: 0.9,
      }),
    ];
  } finally {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
}
