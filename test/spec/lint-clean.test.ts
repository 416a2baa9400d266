// `redocly lint` must pass with no error and no warning, and the ignore file may only hold the
// deliberate exceptions no rule setting can express, each explained.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { deref, isWebSocket, spec } from './bundled-spec.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const redocly = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');

describe('redocly lint', () => {
  it('reports 0 errors and 0 warnings on openapi.yaml', () => {
    let output = '';
    let exitCode = 0;
    try {
      output = execFileSync(process.execPath, [redocly, 'lint', '--format=json'], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error: any) {
      exitCode = error.status;
      output = error.stdout;
    }
    const report = JSON.parse(output);
    const problems = report.problems.map(
      (p: any) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer}`,
    );
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(exitCode).toBe(0);
  }, 60_000);

  it('ignores only WebSocket routes for operation-2xx-response, each with a reason', () => {
    const text = readFileSync(`${root}/.redocly.lint-ignore.yaml`, 'utf8');
    const ignore = YAML.parse(text) as Record<string, Record<string, string[]>>;
    expect(Object.keys(ignore)).toEqual(['openapi.yaml']);
    const rules = ignore['openapi.yaml']!;
    expect(Object.keys(rules)).toEqual(['operation-2xx-response']);
    const pointers = rules['operation-2xx-response']!;
    for (const pointer of pointers) {
      const responses = deref({ $ref: pointer });
      expect(responses, pointer).toBeDefined();
      const op = deref({ $ref: pointer.replace(/\/responses$/, '') });
      expect(isWebSocket(op), `${pointer} is a WebSocket route`).toBe(true);
    }
    const wsCount = Object.values(spec.paths)
      .flatMap((item: any) => Object.values(item))
      .filter((op: any) => op?.responses?.['101']).length;
    expect(pointers).toHaveLength(wsCount);
    expect(text).toMatch(/^# .*101/m);
  });
});
