// What a newcomer and a package user meet first, in one file because both build dist/ (npm start
// compiles the client; npm pack runs prepack): run in parallel, one could read the other's half-written
// output. `npm start` builds, starts the mock, runs the tour, serves the docs and stops on Ctrl-C;
// the `npm pack` output installs into a fresh project that type-checks and runs an example against
// the mock; publint and arethetypeswrong find nothing wrong with it.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../support/free-port.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'hopx-pack-'));
const run = (command: string, args: string[], cwd: string) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' } });
let tarball = '';

beforeAll(() => {
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root));
  tarball = join(work, packed[0].filename);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the published package', () => {
  it('holds the compiled client, its types and the bundled spec, and no tests or sources of secrets', () => {
    const files: string[] = JSON.parse(run('npm', ['pack', '--dry-run', '--json'], root))[0].files.map((f: { path: string }) => f.path);
    expect(files).toEqual(expect.arrayContaining(['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/template-build/index.js', 'dist/generated/schema.d.ts', 'generated/openapi.json', 'README.md', 'package.json']));
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('src/') || f.includes('.env'))).toEqual([]);
  });

  it('installs into a fresh project that type-checks and runs an example against the mock', () => {
    const project = join(work, 'consumer');
    run('mkdir', ['-p', project], work);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    run('npm', ['install', '--no-save', '--prefer-offline', tarball, '@types/node@20'], project);
    writeFileSync(join(project, 'example.ts'), `
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
`);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2023', 'dom'], types: ['node'], skipLibCheck: false, outDir: 'out' }, files: ['example.ts'] }));
    // The consumer's own compiler pass: strict, and checking the package's declaration files too.
    run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], project);
    const output = run(process.execPath, ['out/example.js', inject('prismUrl')], project);
    expect(JSON.parse(output)).toEqual({ id: '1761048129dsaqav4n', notFound: true, steps: 1 });
  }, 180_000);

  it('is clean for publint and arethetypeswrong', () => {
    expect(run(process.execPath, [join(root, 'node_modules/publint/src/cli.js'), tarball], root)).toContain('All good!');
    // ESM only by design: the CommonJS and node10 resolutions are out of scope (the esm-only profile).
    // attw exits non-zero (and run() throws) on any problem the profile counts.
    const attw = run(process.execPath, [join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js'), tarball, '--profile', 'esm-only', '--exclude-entrypoints', 'openapi.json', 'package.json', '--format', 'table-flipped'], root);
    expect(attw).toContain('"hopx-api/template-build"');
    expect(attw).not.toMatch(/node16 \(from ESM\)[^\n]*(💀|❌|⚠️)/);
  }, 120_000);
});

describe('npm start', () => {
  it('builds, starts the mock, runs the tour, serves the docs, and stops everything on Ctrl-C', async () => {
    const [prism, mock, docs] = [await freePort(), await freePort(), await freePort()];
    const child = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: root,
      env: { ...process.env, PRISM_PORT: String(prism), MOCK_PORT: String(mock), DOCS_PORT: String(docs) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        output += d;
        if (output.includes('Ctrl-C stops everything.')) resolve();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (d) => { output += d; });
      void exited.then((code) => reject(new Error(`npm start exited early (${code}):\n${output}`)));
    });
    expect(output, output).toContain('✔ tour finished');
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

    // Still up after the tour: the docs and the mock answer.
    const page = await fetch(`http://127.0.0.1:${docs}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('reference.html');
    expect((await fetch(`http://127.0.0.1:${mock}/health`)).status).toBe(200);

    // Ctrl-C: a clean exit, and nothing left listening.
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const port of [prism, mock, docs]) {
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    }
  }, 180_000);
});
