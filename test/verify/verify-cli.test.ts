// `npm run verify` as a command (its main(), in this process): exit 2 when the run itself cannot be
// done — an unreachable target, a refused key, a spent budget — with a clear message and no
// sandbox left behind; the allowance file; the JSON and Markdown reports; usage errors.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createControlPlaneClient } from '../../src/index.js';
import { type LocalHopx, startLocalHopx } from '../../src/local/index.js';
import { main } from '../../src/verify/cli.js';
import { EXPECTED, startDriftingProxy } from './drifting-proxy.js';

let local: LocalHopx;
let slow: LocalHopx;
let dir: string;
beforeAll(async () => {
  [local, slow] = await Promise.all([
    startLocalHopx({ log: () => {} }),
    startLocalHopx({ log: () => {}, latencyMs: 150 }),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'hopx-verify-'));
});
afterAll(async () => {
  await Promise.all([local?.close(), slow?.close()]);
  await rm(dir, { recursive: true, force: true });
});

/** Runs main() and keeps what it printed. */
async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    const code = await main(argv, env);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

async function sandboxCount(target: LocalHopx): Promise<number> {
  const hopx = createControlPlaneClient({ apiKey: target.apiKey, baseUrl: target.url, throwOnError: true });
  return (await hopx.GET('/v1/sandboxes', { params: { query: { limit: 100 } } })).data?.length ?? 0;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

afterEach(async () => {
  expect(await sandboxCount(local), 'a run left a sandbox behind').toBe(0);
  expect(await sandboxCount(slow), 'a run left a sandbox behind').toBe(0);
});

describe('npm run verify: the run itself fails (exit 2)', () => {
  it('cannot reach the target', async () => {
    const result = await run(['--target', `http://127.0.0.1:${await closedPort()}`, '--api-key', local.apiKey]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('the run failed: the Control Plane cannot be reached');
  });

  it('the key is refused, and says so without printing it', async () => {
    const wrong = 'hopx_live_wrongkey1234.c2VjcmV0LXRoYXQtaXMtd3Jvbmc';
    const result = await run(['--target', local.url], { HOPX_API_KEY: wrong });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('the API key was refused (401)');
    expect(result.stdout + result.stderr).not.toContain(wrong);
  });

  it('the budget is spent: it stops, deletes its sandbox, and never calls it conforming', async () => {
    const json = join(dir, 'budget.json');
    const result = await run(['--target', slow.url, '--api-key', slow.apiKey, '--budget', '3', '--json', json]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('the budget of 3 s was spent');
    const report = JSON.parse(await readFile(json, 'utf8'));
    expect(report.outcome).toBe('failed');
    expect(report.sandbox).toMatchObject({ deleted: true });
  });

  it('refuses unclear arguments', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['--target', local.url, '--live'])).code).toBe(2);
    expect((await run(['--target', local.url, '--budget', 'soon'], { HOPX_API_KEY: local.apiKey })).code).toBe(2);
    expect((await run(['--target', local.url, '--unknown'])).code).toBe(2);
    expect((await run(['--target', local.url], {})).stderr).toContain('No API key');
  });
});

describe('npm run verify: reports and allowances', () => {
  it('writes a JSON and a Markdown report of a clean run, and exits 0', async () => {
    const json = join(dir, 'clean.json');
    const markdown = join(dir, 'clean.md');
    const result = await run(['--target', local.url, '--json', json, '--markdown', markdown], {
      HOPX_API_KEY: local.apiKey,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/no drift · \d+ of 102 operations checked · 0 errors, 0 informational, 0 allowed/);
    const report = JSON.parse(await readFile(json, 'utf8'));
    expect(report).toMatchObject({ outcome: 'conforming', findings: [] });
    expect(await readFile(markdown, 'utf8')).toContain('| `POST /execute` | 1 | 1 | 0 | 0 |');
  });

  it('accepts a known drift listed in --allow (exit 0), and reports an allowance that matched nothing', async () => {
    const proxy = await startDriftingProxy(local.url, 'wrong-type');
    try {
      const { operation, pointer } = EXPECTED['wrong-type'];
      const allow = join(dir, 'allow.yaml');
      await writeFile(
        allow,
        [
          `- operation: ${operation}`,
          `  pointer: ${pointer}`,
          '  reason: the platform sends vcpu as a string (tracked upstream)',
          '- operation: GET /v1/templates',
          '  pointer: /body/data/*',
          '  reason: an old difference that is gone',
        ].join('\n'),
      );
      const drifting = await run(['--target', proxy.url, '--api-key', local.apiKey]);
      expect(drifting.code).toBe(1);
      expect(drifting.stdout).toContain(`error   ${operation} ${pointer}`);
      const allowed = await run(['--target', proxy.url, '--api-key', local.apiKey, '--allow', allow]);
      expect(allowed.code).toBe(0);
      expect(allowed.stdout).toContain(`allowed ${operation} ${pointer}`);
      expect(allowed.stdout).toContain('allowance matched nothing: GET /v1/templates /body/data/*');
    } finally {
      await proxy.close();
    }
  });

  it('refuses an allowance without a reason', async () => {
    const allow = join(dir, 'bad-allow.yaml');
    await writeFile(allow, '- operation: GET /v1/templates\n  pointer: /body\n');
    const result = await run(['--target', local.url, '--allow', allow], { HOPX_API_KEY: local.apiKey });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('needs operation, pointer and a reason');
  });
});
