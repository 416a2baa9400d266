// The conformance run against a HopX that drifts on purpose (a proxy in front of the local HopX
// that alters one kind of message): each drift is reported once, at the operation and the JSON
// pointer where it is, with a reproducer; structural drift fails the run (exit 1), and what the
// spec leaves open on purpose (an undeclared field, a value outside an open set) is information.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHopx, startLocalHopx } from '../../src/local/index.js';
import { exitCodeOf, runVerify } from '../../src/verify/verify-run.js';
import { type Drift, EXPECTED, startDriftingProxy } from './drifting-proxy.js';

let local: LocalHopx;
beforeAll(async () => {
  local = await startLocalHopx({ log: () => {} });
});
afterAll(() => local?.close());

async function verifyThrough(drift: Drift) {
  const proxy = await startDriftingProxy(local.url, drift);
  try {
    const report = await runVerify({ target: proxy.url, apiKey: local.apiKey, budgetSeconds: 60 });
    return { report, altered: proxy.altered() };
  } finally {
    await proxy.close();
  }
}

const informational: Drift[] = ['unknown-enum-value', 'undeclared-field'];

describe('npm run verify against a drifting HopX', () => {
  it('reports nothing when the proxy alters nothing', async () => {
    const { report } = await verifyThrough('none');
    expect(report.findings).toEqual([]);
    expect(exitCodeOf(report, 'info')).toBe(0);
  });

  for (const drift of Object.keys(EXPECTED) as Array<Exclude<Drift, 'none'>>) {
    it(`reports ${drift} once, where it is`, async () => {
      const { report, altered } = await verifyThrough(drift);
      expect(altered).toBeGreaterThan(0);
      expect(report.failure).toBeUndefined();
      const { operation, pointer } = EXPECTED[drift];
      expect(report.findings.map((f) => ({ operation: f.operation, pointer: f.pointer }))).toEqual([
        { operation, pointer },
      ]);
      const [finding] = report.findings;
      expect(finding?.request?.url).toMatch(/^(http|ws):\/\/127\.0\.0\.1:\d+\//);
      expect(JSON.stringify(report)).not.toContain(local.apiKey);
      if (informational.includes(drift)) {
        expect(finding?.level).toBe('info');
        expect(exitCodeOf(report)).toBe(0);
        expect(exitCodeOf(report, 'info')).toBe(1);
      } else {
        expect(finding?.level).toBe('error');
        expect(report.outcome).toBe('drift');
        expect(exitCodeOf(report)).toBe(1);
        expect(report.operations.find((o) => o.operation === operation)?.drift).toBe(1);
      }
    });
  }
});
