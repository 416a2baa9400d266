// The local HopX, measured: how fast it starts and creates sandboxes, what running code through it
// costs over spawning the interpreter directly, whether 100 sandboxes can be created at once, and
// the same typed calls against it and against Prism. Medians of several runs, all in this one run.
import { execFileSync, spawn } from 'node:child_process';
import { createAgentClient, createControlPlaneClient } from '../dist/src/index.js';
import { startLocalHopx } from '../dist/src/local/index.js';
import { startPrism } from '../scripts/prism.mjs';
import { freePort, median, time } from './measure.mjs';
import { comparedRow, limitRow } from './result-row.mjs';

export async function localHopx() {
  const rows = [];
  const area = 'local HopX';

  // 1. Ready: from the call to a Control Plane that answers.
  const starts = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const local = await startLocalHopx();
    await fetch(`${local.url}/health`);
    starts.push(performance.now() - started);
    await local.close();
  }
  const startMs = median(starts);
  rows.push(
    limitRow({
      area,
      measure: 'ready: startLocalHopx() until /health answers',
      value: startMs,
      unit: 'ms',
      below: 500,
    }),
  );

  const local = await startLocalHopx();
  const hopx = createControlPlaneClient({ apiKey: local.apiKey, baseUrl: local.url, throwOnError: true });
  try {
    // 2. Creating a sandbox (after a warm-up, as a test suite would see it).
    await hopx.DELETE('/v1/sandboxes/{id}', {
      params: { path: { id: (await hopx.POST('/v1/sandboxes', { body: { template_name: 'base' } })).id } },
    });
    const creates = [];
    for (let i = 0; i < 20; i++) {
      const { ms, value } = await time(() => hopx.POST('/v1/sandboxes', { body: { template_name: 'base' } }));
      creates.push(ms);
      await hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: value.id } } });
    }
    const createMs = median(creates);
    rows.push(limitRow({ area, measure: 'POST /v1/sandboxes', value: createMs, unit: 'ms', below: 50 }));

    // 3. /execute of a one-liner against spawning the same python3 directly.
    const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    const sandbox = await hopx.POST('/v1/sandboxes', { body: { template_name: 'code-interpreter' } });
    const agent = createAgentClient({ sandbox, controlPlane: hopx, throwOnError: true });
    const direct = () =>
      new Promise((resolve, reject) => {
        const child = spawn(python, ['-u', '-c', 'print(6 * 7)'], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
        });
        child.on('error', reject);
        child.on('close', () =>
          out === '42\n' ? resolve() : reject(new Error(`direct run printed ${JSON.stringify(out)}`)),
        );
      });
    const viaApi = async () => {
      const run = await agent.POST('/execute', { body: { code: 'print(6 * 7)', language: 'python' } });
      if (run.stdout !== '42\n') throw new Error(`/execute printed ${JSON.stringify(run.stdout)}`);
    };
    for (let i = 0; i < 3; i++) {
      await direct();
      await viaApi();
    }
    const directs = [];
    const apis = [];
    for (let i = 0; i < 15; i++) {
      directs.push((await time(direct)).ms);
      apis.push((await time(viaApi)).ms);
    }
    rows.push(
      comparedRow({
        area,
        measure: `POST /execute print(6*7) (${local.isolation.mode} isolation), at most 1.5x the cost of python3 -c`,
        value: median(apis),
        unit: 'ms',
        baseline: 'python3 -c',
        baselineValue: median(directs),
        higherIsBetter: false,
        minRatio: 1 / 1.5,
      }),
    );
    await hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: sandbox.id } } });

    // 4. 100 sandboxes created at once.
    const { ms: burstMs, value: burst } = await time(() =>
      Promise.allSettled(
        Array.from({ length: 100 }, () => hopx.POST('/v1/sandboxes', { body: { template_name: 'base' } })),
      ),
    );
    const failed = burst.filter((r) => r.status === 'rejected');
    if (failed.length) console.error(`100 concurrent creates, first error: ${failed[0].reason.message}`);
    rows.push(
      limitRow({
        area,
        measure: `100 sandboxes created at once (all done in ${burstMs.toFixed(0)} ms)`,
        value: failed.length,
        unit: 'failed',
        below: 1,
      }),
    );
    await local.reset();

    // 5. The same typed calls against the local HopX and against Prism.
    const prism = await startPrism({ port: await freePort() });
    try {
      const onPrism = createControlPlaneClient({ apiKey: local.apiKey, baseUrl: prism.url, throwOnError: true });
      const calls = { 'local HopX': hopx, Prism: onPrism };
      const perCall = {};
      for (const client of Object.values(calls)) for (let i = 0; i < 50; i++) await client.GET('/v1/templates');
      for (const [name, client] of Object.entries(calls)) {
        const samples = [];
        for (let round = 0; round < 5; round++)
          samples.push(
            (
              await time(async () => {
                for (let i = 0; i < 100; i++) await client.GET('/v1/templates');
              })
            ).ms / 100,
          );
        perCall[name] = median(samples);
      }
      rows.push(
        comparedRow({
          area,
          measure: 'GET /v1/templates through the typed client',
          value: perCall['local HopX'] * 1000,
          unit: 'µs/call',
          baseline: 'Prism',
          baselineValue: perCall.Prism * 1000,
          higherIsBetter: false,
          minRatio: 1,
        }),
      );
    } finally {
      await prism.stop();
    }
  } finally {
    await local.close();
  }
  return rows;
}
