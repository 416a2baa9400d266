// `npm start` is the first thing a newcomer runs: it must build everything, start the mock, and run
// the tour to the end. (--once exits after the tour; without it the mock stays up until Ctrl-C.)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('npm start', () => {
  it('builds, starts the mock, prints the URLs and runs the tour to the end', async () => {
    const [prism, mock, docs] = [await freePort(), await freePort(), await freePort()];
    const child = spawn(process.execPath, ['scripts/start.mjs', '--once'], {
      cwd: root,
      env: { ...process.env, PRISM_PORT: String(prism), MOCK_PORT: String(mock), DOCS_PORT: String(docs) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(output, output).toContain('✔ tour finished');
    expect(code).toBe(0);
    expect(output).toContain(`HopX API mock (both APIs)  http://127.0.0.1:${mock}`);
    expect(output).toContain(`Docs                       http://127.0.0.1:${docs}/`);
    // Each step of the tour printed its typed result.
    expect(output).toMatch(/1\. created sandbox\n\{\n {2}"id": "1761048129dsaqav4n"/);
    expect(output).toContain('stdout> hello from HopX');
    expect(output).toContain('stdout> 42');
    expect(output).toContain('"exitCode": 0');
    expect(output).toContain('uploaded a file');
    expect(output).toContain('"bytes":');
    expect(output).toContain('5. deleted');
  }, 180_000);
});
