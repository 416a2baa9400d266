// Cost of one typed call: our client against raw fetch (the floor it is held to) and the official
// SDK, all calling GET /v1/sandboxes on the same local server in this one run, one call at a time
// and 64 at once. Rounds are interleaved and each client's median round is compared.
import { createServer } from 'node:http';
import { Sandbox } from '@hopx-ai/sdk';
import { createControlPlaneClient } from '../dist/src/index.js';
import { interleavedMedians } from './measure.mjs';
import { comparedRow } from './result-row.mjs';

const apiKey = 'hopx_live_a1b2c3d4e5f6.YmVuY2htYXJrLXNlY3JldA';
const ROUNDS = 9;
const CALLS_PER_ROUND = 400;
const CONCURRENCY = 64;
const WARMUP = 300;

export async function callOverhead() {
  const page = JSON.stringify({
    object: 'list',
    data: Array.from({ length: 20 }, (_, i) => ({
      id: `17610481${String(i).padStart(2, '0')}dsaqav4n`,
      object: 'sandbox',
      status: 'running',
      template_id: '291',
      template_name: 'code-interpreter',
      region: 'eu-1001',
      public_host: 'https://7777-1761048129dsaqav4n.eu-1001.vms.hopx.dev',
      created_at: '2025-10-21T12:02:09Z',
    })),
    has_more: false,
    next_cursor: null,
    request_id: 'req_bench',
  });
  const server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(page) }).end(page),
  );
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const baseUrl = `http://127.0.0.1:${server.address().port}`;
  const hopx = createControlPlaneClient({ apiKey, baseUrl });
  const clients = {
    'raw fetch': async () =>
      (await (await fetch(`${baseUrl}/v1/sandboxes`, { headers: { 'X-API-Key': apiKey } })).json()).data.length,
    'hopx-api': async () => (await hopx.GET('/v1/sandboxes')).data.data.length,
    '@hopx-ai/sdk': async () => (await Sandbox.list({ apiKey, baseURL: baseUrl })).length,
  };
  /** µs per call over one round of `CALLS_PER_ROUND` calls, `parallel` in flight at a time. */
  const round = (call, parallel) => async () => {
    let left = CALLS_PER_ROUND;
    const worker = async () => {
      while (left-- > 0) if ((await call()) !== 20) throw new Error('a client returned a wrong page');
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: parallel }, worker));
    return ((performance.now() - started) * 1000) / CALLS_PER_ROUND;
  };
  try {
    for (const call of Object.values(clients)) for (let i = 0; i < WARMUP; i++) await call();
    const rows = [];
    for (const [label, parallel] of [
      ['one at a time', 1],
      [`${CONCURRENCY} at once`, CONCURRENCY],
    ]) {
      const perCall = await interleavedMedians(
        Object.fromEntries(Object.entries(clients).map(([name, call]) => [name, round(call, parallel)])),
        ROUNDS,
      );
      for (const [name, minRatio] of [
        ['hopx-api', 1],
        ['@hopx-ai/sdk', undefined],
      ]) {
        rows.push(
          comparedRow({
            area: 'typed call',
            measure: `${name}: GET /v1/sandboxes (20 sandboxes), ${label}`,
            value: perCall[name],
            unit: 'µs/call',
            baseline: 'raw fetch',
            baselineValue: perCall['raw fetch'],
            higherIsBetter: false,
            minRatio,
          }),
        );
      }
    }
    return rows;
  } finally {
    server.close();
  }
}
