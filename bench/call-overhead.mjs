// Cost of one typed call: our client against raw fetch (the floor) and the official SDK, all calling
// GET /v1/sandboxes on the same local server in this one run. Reported as ratios to raw fetch.
import { createServer } from 'node:http';
import { Sandbox } from '@hopx-ai/sdk';
import { createControlPlaneClient } from '../dist/src/index.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.YmVuY2htYXJrLXNlY3JldA';
const CALLS = 2000;
const WARMUP = 200;

export async function callOverhead() {
  const sandbox = (i) => ({
    id: `17610481${String(i).padStart(2, '0')}dsaqav4n`,
    object: 'sandbox',
    status: 'running',
    template_id: '291',
    template_name: 'code-interpreter',
    region: 'eu-1001',
    public_host: 'https://7777-1761048129dsaqav4n.eu-1001.vms.hopx.dev',
    created_at: '2025-10-21T12:02:09Z',
  });
  const page = JSON.stringify({
    object: 'list',
    data: Array.from({ length: 20 }, (_, i) => sandbox(i)),
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
  const results = {};
  // Interleave rounds so that machine noise hits every client alike.
  for (const name of Object.keys(clients)) for (let i = 0; i < WARMUP; i++) await clients[name]();
  const totals = Object.fromEntries(Object.keys(clients).map((n) => [n, 0]));
  for (let round = 0; round < 4; round++) {
    for (const [name, call] of Object.entries(clients)) {
      const started = performance.now();
      for (let i = 0; i < CALLS / 4; i++) if ((await call()) !== 20) throw new Error(`${name} returned a wrong page`);
      totals[name] += performance.now() - started;
    }
  }
  server.close();
  for (const [name, ms] of Object.entries(totals)) results[name] = (ms * 1000) / CALLS;
  console.log(`\nOne call of GET /v1/sandboxes (20 sandboxes), ${CALLS} sequential calls each`);
  console.table(
    Object.entries(results).map(([client, us]) => ({
      client,
      'µs per call': us.toFixed(0),
      'x raw fetch': (us / results['raw fetch']).toFixed(2),
    })),
  );
  console.log(
    `hopx-api is ${(results['@hopx-ai/sdk'] / results['hopx-api']).toFixed(2)}x as fast as the official SDK per call`,
  );
  return true;
}
