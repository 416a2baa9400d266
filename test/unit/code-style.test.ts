// The code is formatted and linted by Biome (biome.json): TypeScript, JavaScript and JSON alike.
// `npm run format` fixes what can be fixed; this fails on anything left, so CI does too.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');

it('biome ci finds nothing to format or fix', () => {
  let output = '';
  let status = 0;
  try {
    output = execFileSync(biome, ['ci', '--colors=off', '--max-diagnostics=20', '.'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error: any) {
    status = error.status;
    output = `${error.stdout}${error.stderr}`;
  }
  expect(status, output).toBe(0);
  expect(output).not.toMatch(/Found \d+ (error|warning)/);
});
