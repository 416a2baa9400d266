// `npm run diff` as a command (its main(), in this process): files and git refs as sides, the
// exit codes, the JSON shape, the ignore file (an entry that matches nothing is reported), the
// release gate, and the type-level check of a previous release's code.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../../src/spec-diff/cli.js';
import { typeCheckPrevious } from '../../src/spec-diff/type-check.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'hopx-diff-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A small spec: GET /things/{id} answers a Thing with a required `name`. */
function spec(
  version: string,
  thing: object = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
) {
  return {
    openapi: '3.1.0',
    info: { title: 'fixture', version },
    paths: {
      '/things/{id}': {
        get: {
          operationId: 'getThing',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'ok',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
            },
          },
        },
      },
    },
    components: { schemas: { Thing: thing } },
  };
}
const optionalName = { type: 'object', properties: { name: { type: 'string' } } };

function file(name: string, content: object | string): string {
  const path = join(work, name);
  writeFileSync(
    path,
    typeof content === 'string' ? content : name.endsWith('.json') ? JSON.stringify(content) : stringify(content),
  );
  return path;
}

async function run(argv: string[], at = root) {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    return { code: await main(argv, at), stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('npm run diff: sides and exit codes', () => {
  it('exits 0 for the same spec, as JSON and as YAML', async () => {
    const result = await run([file('a.json', spec('1.0.0')), file('a.yaml', spec('1.0.0'))]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('0 breaking, 0 warnings, 0 info');
  });

  it('exits 1 on a breaking change and writes the JSON the issue specifies', async () => {
    const json = join(work, 'changes.json');
    const result = await run([
      file('b.json', spec('1.0.0')),
      file('h.json', spec('1.1.0', optionalName)),
      '--json',
      json,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('[response-property-became-optional]');
    expect(JSON.parse(readFileSync(json, 'utf8'))).toEqual({
      changes: [
        {
          id: 'response-property-became-optional',
          level: 'breaking',
          operation: 'GET /things/{id}',
          pointer: '/components/schemas/Thing/properties/name',
          message: expect.stringContaining('`name`'),
        },
      ],
    });
  });

  it('exits 2 on what it cannot read or understand', async () => {
    expect((await run([join(work, 'missing.yaml')])).code).toBe(2);
    expect((await run([file('bad.yaml', 'paths: [unclosed'), file('ok.yaml', spec('1.0.0'))])).code).toBe(2);
    expect((await run([file('not-openapi.json', { hello: 'world' }), file('ok2.json', spec('1.0.0'))])).code).toBe(2);
    expect((await run(['no-such-ref-or-file'])).stderr).toContain('neither a spec file nor a git ref');
    expect((await run(['a', 'b', 'c'])).code).toBe(2);
    expect((await run(['--no-such-option'])).code).toBe(2);
  });

  it('reads both sides from git refs, bundling a spec split across files', async () => {
    const repo = join(work, 'repo');
    mkdirSync(repo);
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
        cwd: repo,
        stdio: 'ignore',
      });
    git('init', '-q');
    writeFileSync(join(repo, 'package.json'), '{}');
    // The schema lives in its own file: the side must be bundled before it is compared.
    const split = spec('1.0.0') as { components: { schemas: Record<string, unknown> } };
    split.components.schemas.Thing = { $ref: './thing.yaml' };
    writeFileSync(join(repo, 'openapi.yaml'), stringify(split));
    writeFileSync(join(repo, 'thing.yaml'), stringify(spec('1.0.0').components.schemas.Thing));
    git('add', '.');
    git('commit', '-qm', 'one');
    writeFileSync(join(repo, 'thing.yaml'), stringify(optionalName));
    git('commit', '-qam', 'two');
    // Redocly (to bundle) is found from the repository's package.json: point it at ours.
    writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'x' }));
    execFileSync('ln', ['-s', join(root, 'node_modules'), join(repo, 'node_modules')]);
    const result = await run(['HEAD~1', 'HEAD'], repo);
    expect(result.stdout + result.stderr).toContain('[response-property-became-optional]');
    expect(result.code).toBe(1);
  }, 30_000);
});

describe('npm run diff: the ignore file and the release gate', () => {
  it('accepts an ignored change (exit 0) and reports an entry that matches nothing', async () => {
    const ignore = file(
      'ignore.yaml',
      [
        '- operation: GET /things/{id}',
        '  id: response-property-became-optional',
        '  reason: name was never sent by the platform (verified 2026-11)',
        '- operation: GET /gone',
        '  id: api-removed-without-deprecation',
        '  reason: an old excuse',
      ].join('\n'),
    );
    const result = await run([
      file('ib.json', spec('1.0.0')),
      file('ih.json', spec('1.1.0', optionalName)),
      '--ignore',
      ignore,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Ignored (--ignore):');
    expect(result.stdout).toContain('name was never sent by the platform');
    expect(result.stdout).toContain(
      '[ignore-entry-unused] the ignore entry for api-removed-without-deprecation on GET /gone matches no change',
    );
  });

  it('refuses an ignore entry without a reason', async () => {
    const ignore = file('no-reason.yaml', '- operation: GET /things/{id}\n  id: response-property-became-optional\n');
    expect((await run([file('nb.json', spec('1.0.0')), file('nh.json', spec('1.0.0')), '--ignore', ignore])).code).toBe(
      2,
    );
  });

  it('--gate lets a breaking change through only with a raised major version', async () => {
    const base = file('gb.json', spec('1.4.0'));
    const minor = await run([base, file('g1.json', spec('1.5.0', optionalName)), '--gate']);
    expect(minor.code).toBe(1);
    expect(minor.stdout).toContain("info.version's major is still 1: raise it");
    const major = await run([base, file('g2.json', spec('2.0.0', optionalName)), '--gate']);
    expect(major.code).toBe(0);
    expect(major.stdout).toContain("with info.version's major raised (1 → 2): allowed");
  });
});

describe('the type-level check', () => {
  it("names what no longer compiles in a release's type tests and guide examples, and only that", () => {
    const release = join(work, 'releases', '9.9.9');
    mkdirSync(join(release, 'type-tests'), { recursive: true });
    mkdirSync(join(release, 'guides'), { recursive: true });
    writeFileSync(
      join(release, 'type-tests', 'old.test-d.ts'),
      [
        "import { createControlPlaneClient } from '../../src/index.js';",
        "const hopx = createControlPlaneClient({ apiKey: 'hopx_live_a.b' });",
        'void hopx;',
        '// @ts-expect-error: refused then, accepted now: looser is not breaking',
        'const loose: string = "fine";',
        "import { clientThatWasRemoved } from '../../src/index.js';",
        'void clientThatWasRemoved;',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(release, 'guides', 'guide.md'),
      [
        '# A guide',
        '',
        '```ts',
        "import { createControlPlaneClient } from 'hopx-api';",
        "const hopx = createControlPlaneClient({ apiKey: 'x' });",
        'const n: number = hopx;',
        '```',
        '',
      ].join('\n'),
    );
    const changes = typeCheckPrevious({ kind: 'dir', dir: release }, root);
    expect(changes.map((c) => [c.id, c.level, c.pointer])).toEqual([
      ['client-code-no-longer-compiles', 'breaking', expect.stringMatching(/guides\/guide\.md:6$/)],
      ['client-code-no-longer-compiles', 'breaking', expect.stringMatching(/type-tests\/old\.test-d\.ts:6$/)],
    ]);
    expect(changes[1]?.message).toContain('clientThatWasRemoved');
  });
});
