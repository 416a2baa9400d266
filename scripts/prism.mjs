// Starts Prism on generated/openapi.json and resolves once it answers. Shared by `npm run mock`
// and the tests' global setup. Prism is spawned as `node <prism>/dist/index.js`, never
// through npx, so that killing the child really stops Prism; and it exits by itself when its parent
// process is gone.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const prismEntry = createRequire(import.meta.url).resolve('@stoplight/prism-cli/dist/index.js');
const exitWithParent = fileURLToPath(new URL('./exit-with-parent.cjs', import.meta.url));

/**
 * @param {{ port: number, host?: string, spec?: string, stdio?: 'inherit' | 'pipe', readyTimeoutMs?: number }} options
 * @returns {Promise<{ url: string, stop: () => Promise<void> }>}
 */
export async function startPrism({
  port,
  host = '127.0.0.1',
  spec = 'generated/openapi.json',
  stdio = 'pipe',
  readyTimeoutMs = 60_000,
}) {
  // With our stdin as its lifeline (exit-with-parent.cjs), Prism ends when we do, however we end.
  const child = spawn(
    process.execPath,
    ['--require', exitWithParent, prismEntry, 'mock', spec, '--errors', '-h', host, '-p', String(port), '-v', 'warn'],
    {
      cwd: root,
      stdio: ['pipe', stdio, stdio],
    },
  );
  child.stdin.on('error', () => {});
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output = (output + chunk).slice(-4000);
  });
  child.stderr?.on('data', (chunk) => {
    output = (output + chunk).slice(-4000);
  });
  const url = `http://${host}:${port}`;
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Prism exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Prism did not answer on ${url} within ${readyTimeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
