// generated/ is output: what is committed must be exactly what `npm run bundle` writes now.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const redocly = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');
const out = mkdtempSync(join(tmpdir(), 'hopx-bundle-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('generated bundle', () => {
  it.each(['openapi.json', 'openapi.yaml'])('generated/%s matches a fresh bundle of openapi.yaml', (file) => {
    execFileSync(process.execPath, [redocly, 'bundle', 'main', '-o', join(out, file)], { cwd: root, stdio: 'ignore' });
    const fresh = readFileSync(join(out, file), 'utf8');
    const committed = readFileSync(join(root, 'generated', file), 'utf8');
    expect(committed === fresh, `generated/${file} is stale: run npm run bundle`).toBe(true);
  }, 60_000);
});
