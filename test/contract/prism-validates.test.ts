// The contract tests are only as strict as the mock: prove that Prism, as the global setup starts
// it, rejects a request that breaks the spec and fails a response whose example breaks its schema.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
// @ts-expect-error plain ESM script without type declarations
import { startPrism } from '../../scripts/prism.mjs';
import { freePort } from '../support/free-port.js';
import { API_KEY } from './contract-harness.js';

describe('the Prism mock validates both directions', () => {
  it('answers a request that breaks the spec with a 4xx and sl-violations', async () => {
    const response = await fetch(`${inject('prismUrl')}/v1/sandboxes?limit=500`, { headers: { 'X-API-Key': API_KEY } });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers.get('sl-violations')).toContain('limit');
  });

  it('answers a request without credentials with 401', async () => {
    const response = await fetch(`${inject('prismUrl')}/v1/sandboxes`);
    expect(response.status).toBe(401);
  });

  it('fails with 500 when an example breaks its own schema', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hopx-prism-'));
    try {
      const spec = JSON.parse(readFileSync('generated/openapi.json', 'utf8'));
      // SandboxStatus is an open set of strings: only a non-string breaks it.
      spec.paths['/v1/sandboxes/{id}'].get.responses['200'].content['application/json'].example.status = 7;
      writeFileSync(join(dir, 'broken.json'), JSON.stringify(spec));
      const prism = await startPrism({ port: await freePort(), spec: join(dir, 'broken.json') });
      try {
        const response = await fetch(`${prism.url}/v1/sandboxes/1761048129dsaqav4n`, {
          headers: { 'X-API-Key': API_KEY },
        });
        expect(response.status).toBe(500);
        expect(response.headers.get('sl-violations')).toContain('status');
      } finally {
        await prism.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
