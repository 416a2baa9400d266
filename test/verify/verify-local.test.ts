// The conformance run against the local HopX: both are built from the same spec, so the run finds
// nothing at all (not even informational drift), and it checks every group of operations its
// scenario promises, HTTP, Server-Sent Events and WebSocket frames alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHopx, startLocalHopx } from '../../src/local/index.js';
import { exitCodeOf, runVerify, type VerifyReport } from '../../src/verify/verify-run.js';

let local: LocalHopx;
let report: VerifyReport;

beforeAll(async () => {
  local = await startLocalHopx({ log: () => {} });
  report = await runVerify({ target: local.url, apiKey: local.apiKey, budgetSeconds: 120 });
}, 150_000);
afterAll(() => local?.close());

/** What the scenario must check, group by group (the list). */
const MUST_CHECK = [
  'GET /health',
  'POST /v1/sandboxes',
  'GET /v1/sandboxes/{id}',
  'GET /v1/sandboxes',
  'POST /v1/sandboxes/{id}/token/refresh',
  'POST /execute',
  'POST /execute/background',
  'POST /execute/ipython',
  'POST /commands/run',
  'GET /execute/processes',
  'POST /execute/kill/{process_id}',
  'POST /files/write',
  'GET /files/read',
  'GET /files/list',
  'GET /files/exists',
  'POST /files/mkdir',
  'POST /files/upload',
  'GET /files/download',
  'DELETE /files/remove',
  'GET /env',
  'PATCH /env',
  'GET /metrics/snapshot',
  'GET /v1/sandboxes/stream',
  'GET /v1/sandboxes/{id}/metrics/stream',
  'WebSocket /execute/stream',
  'WebSocket /terminal',
  'WebSocket /files/watch',
  'GET /v1/templates',
  'GET /v1/templates/{name}',
  'GET /desktop/vnc/status',
  'DELETE /v1/sandboxes/{id}',
];

describe('npm run verify against the local HopX', () => {
  it('finds no drift, not even informational', () => {
    expect(report.failure).toBeUndefined();
    expect(report.findings).toEqual([]);
    expect(report.outcome).toBe('conforming');
    expect(exitCodeOf(report, 'info')).toBe(0);
  });

  it('checked every group of operations, and calls nothing conforming that it did not check', () => {
    const checked = new Map(report.operations.map((o) => [o.operation, o]));
    expect(MUST_CHECK.filter((key) => !(checked.get(key)?.checked ?? 0))).toEqual([]);
    expect(report.operations.filter((o) => o.conforming > o.checked)).toEqual([]);
    // Events and frames count one by one: the streams carried more than one message each.
    expect(checked.get('GET /v1/sandboxes/stream')?.checked).toBeGreaterThan(1);
    expect(checked.get('WebSocket /execute/stream')?.checked).toBeGreaterThan(2);
  });

  it('deleted its one sandbox', () => {
    expect(report.sandbox).toMatchObject({ deleted: true });
  });
});
