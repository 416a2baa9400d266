// What a newcomer and a package user meet first, in one file because both build dist/ (npm start
// compiles the client; npm pack runs prepack): run in parallel, one could read the other's half-written
// output. `npm start` builds, starts the mock, runs the tour, serves the docs and stops on Ctrl-C;
// the `npm pack` output installs into a fresh project that type-checks and runs an example against
// the mock; publint and arethetypeswrong find nothing wrong with it.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAgentClient, createControlPlaneClient } from '../../src/index.js';
import { startLocalHopx } from '../../src/local/index.js';
import { freePort } from '../support/free-port.js';
import { until } from '../support/until.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'hopx-pack-'));
const run = (command: string, args: string[], cwd: string) =>
  execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' },
  });
let tarball = '';

beforeAll(() => {
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root));
  tarball = join(work, packed[0].filename);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the published package', () => {
  it('holds the compiled client, its types and the bundled spec, and no tests or sources of secrets', () => {
    const files: string[] = JSON.parse(run('npm', ['pack', '--dry-run', '--json'], root))[0].files.map(
      (f: { path: string }) => f.path,
    );
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/src/index.js',
        'dist/src/index.d.ts',
        'dist/src/template-build/index.js',
        'dist/generated/schema.d.ts',
        'generated/openapi.json',
        'README.md',
        'package.json',
      ]),
    );
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('src/') || f.includes('.env'))).toEqual([]);
    // The conformance run is this repository's tool (npm run verify), not part of the package.
    expect(files.filter((f) => f.startsWith('dist/src/verify/'))).toEqual([]);
  });

  it('installs into a fresh project that type-checks and runs an example against the mock', () => {
    const project = join(work, 'consumer');
    run('mkdir', ['-p', project], work);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    run('npm', ['install', '--no-save', '--prefer-offline', tarball, '@types/node@20'], project);
    writeFileSync(
      join(project, 'example.ts'),
      `
import { createControlPlaneClient, SandboxNotFoundError, type Sandbox } from 'hopx-api';
import type { TemplateDefinition } from 'hopx-api/template-build';
const hopx = createControlPlaneClient({ apiKey: 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ', baseUrl: process.argv[2], throwOnError: true });
const sandbox: Sandbox = await hopx.POST('/v1/sandboxes', { body: { template_name: 'code-interpreter' } });
const definition: TemplateDefinition = { name: 'x', fromImage: 'python:3.12', steps: [{ run: 'echo hi' }] };
// The spec cannot promise \`id\` (an official SDK falls back to another field): check it once.
const id = sandbox.id;
if (!id) throw new Error('the new sandbox has no id');
try {
  await hopx.GET('/v1/sandboxes/{id}', { params: { path: { id } }, headers: { Prefer: 'code=404' } });
} catch (error) {
  console.log(JSON.stringify({ id, notFound: error instanceof SandboxNotFoundError, steps: definition.steps.length }));
}
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2023', 'dom'],
          types: ['node'],
          skipLibCheck: false,
          outDir: 'out',
        },
        files: ['example.ts'],
      }),
    );
    // The consumer's own compiler pass: strict, and checking the package's declaration files too.
    run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], project);
    const output = run(process.execPath, ['out/example.js', inject('prismUrl')], project);
    expect(JSON.parse(output)).toEqual({ id: '1761048129dsaqav4n', notFound: true, steps: 1 });
  }, 180_000);

  it('is clean for publint and arethetypeswrong', () => {
    expect(run(process.execPath, [join(root, 'node_modules/publint/src/cli.js'), tarball], root)).toContain(
      'All good!',
    );
    // ESM only by design: the CommonJS and node10 resolutions are out of scope (the esm-only profile).
    // attw exits non-zero (and run() throws) on any problem the profile counts.
    const attw = run(
      process.execPath,
      [
        join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js'),
        tarball,
        '--profile',
        'esm-only',
        '--exclude-entrypoints',
        'openapi.json',
        'package.json',
        '--format',
        'table-flipped',
      ],
      root,
    );
    expect(attw).toContain('"hopx-api/template-build"');
    expect(attw).not.toMatch(/node16 \(from ESM\)[^\n]*(💀|❌|⚠️)/);
  }, 120_000);
});

describe('npm start', () => {
  it('builds, starts the local HopX, runs the tour with real results, serves the docs, and stops on Ctrl-C', async () => {
    const [hopxPort, docsPort] = [await freePort(), await freePort()];
    const run = startNpm([], { HOPX_LOCAL_PORT: String(hopxPort), DOCS_PORT: String(docsPort) });
    await run.reached('Ctrl-C stops everything.');
    const { child, exited } = run;
    const output = run.output();
    expect(output, output).toContain('✔ tour finished');
    expect(output).toContain(`Control Plane   http://127.0.0.1:${hopxPort}`);
    expect(output).toContain(`Docs            http://127.0.0.1:${docsPort}/`);
    expect(output).toContain('not a security sandbox');
    // Real results: the code ran, the file read back is the one written, the download is the upload.
    expect(output).toContain('stdout> hello from HopX');
    expect(output).toContain('stdout> 42');
    expect(output).toContain('"exitCode": 0');
    expect(output).toMatch(/3\. wrote a file and read it back\n\{[^}]*"same": true/);
    expect(output).toMatch(/uploaded and downloaded\n\{[^}]*"size": 262144,[^}]*"same": true/);
    expect(output).toMatch(/4\. sandboxes\n\{[^}]*"includesOurs": true/);
    expect(output).toMatch(
      /5\. deleted; the event stream showed\n\[\n {2}"sandbox\.created",\n {2}"sandbox\.deleted"\n\]/,
    );

    // Still up after the tour: the docs and the local HopX answer.
    const page = await fetch(`http://127.0.0.1:${docsPort}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('reference.html');
    expect((await fetch(`http://127.0.0.1:${hopxPort}/health`)).status).toBe(200);

    // Ctrl-C: a clean exit, and nothing left listening.
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const port of [hopxPort, docsPort]) await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  }, 180_000);

  // The runs below reuse the build the run above made (--skip-build), to stay fast.

  it('stops at once, in one line, when a port it was told to use is taken, and starts nothing', async () => {
    const taken = await occupy();
    const run = startNpm(['--skip-build', '--once'], { HOPX_LOCAL_PORT: String(taken.port) });
    expect(await run.exited).toBe(1);
    const message = `npm start: port ${taken.port} (the local HopX) is taken; choose another with --port <port> or HOPX_LOCAL_PORT=<port>.`;
    expect(run.output().trim()).toBe(message);
    const flagged = startNpm(['--skip-build', '--once', '--port', String(taken.port)], {});
    expect(await flagged.exited).toBe(1);
    expect(flagged.output().trim()).toBe(message);
    taken.server.close();
  });

  it('moves to a free port, and says so, when a default port is taken', async () => {
    // The default port: taken by this test, or already by something else (either way, taken).
    const taken = await occupy(4011).catch(() => undefined);
    const run = startNpm(['--skip-build', '--once'], { DOCS_PORT: String(await freePort()) });
    expect(await run.exited, run.output()).toBe(0);
    expect(run.output()).toMatch(
      /port 4011 is taken: the local HopX uses (\d+) instead \(choose with --port <port> or HOPX_LOCAL_PORT=<port>\)/,
    );
    const port = /uses (\d+) instead/.exec(run.output())![1];
    expect(run.output()).toContain(`Control Plane   http://127.0.0.1:${port}`);
    expect(run.output()).toContain('✔ tour finished');
    taken?.server.close();
  }, 60_000);

  it.each([
    ['SIGTERM', (child: ChildProcess) => child.kill('SIGTERM'), 0],
    ['SIGKILL (nothing of its own runs after that)', (child: ChildProcess) => child.kill('SIGKILL'), null],
  ] as const)(
    'leaves no server, sandbox or sandbox process running after %s',
    async (_name, end, code) => {
      const ports = { HOPX_LOCAL_PORT: String(await freePort()), DOCS_PORT: String(await freePort()) };
      const run = startNpm(['--skip-build'], ports);
      await run.reached('Ctrl-C stops everything.');
      // A sandbox of our own, with a process that would run for minutes.
      const apiKey = /API key +(\S+)/.exec(run.output())![1]!;
      const hopx = createControlPlaneClient({
        apiKey,
        baseUrl: `http://127.0.0.1:${ports.HOPX_LOCAL_PORT}`,
        throwOnError: true,
      });
      const sandbox = await hopx.POST('/v1/sandboxes', { body: { template_name: 'base' } });
      const agent = createAgentClient({ sandbox, controlPlane: hopx, throwOnError: true });
      await agent.POST('/commands/background', { body: { command: 'sleep', args: ['300'] } });
      expect(sandboxProcesses(sandbox.id!).length).toBeGreaterThan(0);
      end(run.child);
      expect(await run.exited).toBe(code);
      await until(() => sandboxProcesses(sandbox.id!).length === 0, 5_000, "the sandbox's processes to end");
      for (const port of Object.values(ports)) await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    },
    60_000,
  );

  it('stops everything and exits 1 when the tour fails', async () => {
    const ports = { HOPX_LOCAL_PORT: String(await freePort()), DOCS_PORT: String(await freePort()) };
    // A tour that cannot even load (its compiled file is gone) fails with exit 1.
    const tour = join(root, '.tmp/examples/tour.js');
    renameSync(tour, `${tour}.aside`);
    try {
      const run = startNpm(['--skip-build'], ports);
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain('✘ tour failed (exit 1); everything is stopped');
      for (const port of Object.values(ports)) await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    } finally {
      renameSync(`${tour}.aside`, tour);
    }
  }, 60_000);
});

/** Every npm start a test started: killed after each test, so a failed test leaves nothing running. */
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('npm run verify', () => {
  it('on Ctrl-C stops, deletes the sandbox it made, and exits 2', async () => {
    const local = await startLocalHopx({ log: () => {}, latencyMs: 50 });
    try {
      // dist/ is the build the npm start runs above made (npm run verify compiles it the same way).
      const child = spawn(process.execPath, ['dist/src/verify/cli.js', '--target', local.url], {
        cwd: root,
        env: { ...process.env, HOPX_API_KEY: local.apiKey },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      started.push(child);
      let output = '';
      child.stdout.on('data', (d) => {
        output += d;
      });
      child.stderr.on('data', (d) => {
        output += d;
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await until(
        () => output.includes('the agent:') || child.exitCode !== null,
        60_000,
        `the run to reach the agent:\n${output}`,
      );
      child.kill('SIGINT');
      expect(await exited, output).toBe(2);
      expect(output).toContain('stopping: deleting the sandbox');
      expect(output).toContain('the run failed: interrupted');
      const hopx = createControlPlaneClient({ apiKey: local.apiKey, baseUrl: local.url, throwOnError: true });
      expect((await hopx.GET('/v1/sandboxes')).data).toEqual([]);
      expect(output).not.toContain(local.apiKey);
    } finally {
      await local.close();
    }
  }, 90_000);
});

function startNpm(args: string[], env: Record<string, string>) {
  // Only the ports a test names are chosen; the others are npm start's defaults.
  const { HOPX_LOCAL_PORT, DOCS_PORT, HOPX_API_KEY, HOPX_BASE_URL, ...inherited } = process.env;
  const child = spawn(process.execPath, ['scripts/start.mjs', ...args], {
    cwd: root,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    reached: (text: string) =>
      until(
        () => output.includes(text) || child.exitCode !== null,
        150_000,
        `npm start to print ${JSON.stringify(text)}:\n${output}`,
      ),
  };
}

/** Listens on `port` (default: any) so that npm start finds it taken. */
function occupy(port = 0): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

/** PIDs of the processes of a local HopX sandbox (each carries HOPX_LOCAL_SANDBOX=<id>), whoever their parent is now. */
function sandboxProcesses(sandboxId: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(`HOPX_LOCAL_SANDBOX=${sandboxId}`))
        found.push(Number(name));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}
