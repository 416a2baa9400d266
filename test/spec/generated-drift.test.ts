// generated/ is output: what is committed must be exactly what `npm run generate` writes now
// (the bundle in both formats and the TypeScript types).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('generated/', () => {
  it('matches a fresh npm run generate (bundle and types)', () => {
    let output = '';
    let exitCode = 0;
    try {
      output = execFileSync(process.execPath, ['scripts/generate.mjs', '--check'], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error: any) {
      exitCode = error.status;
      output = `${error.stdout}${error.stderr}`;
    }
    expect(output).toContain('generated/ is up to date');
    expect(exitCode).toBe(0);
  }, 60_000);
});
