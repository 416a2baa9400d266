// One side of a diff: a spec file (`.json`, `.yaml`), a git ref (the spec at that commit), or a
// release kept in `releases/<version>/`; each comes out bundled, as one JSON document.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Json } from './change.js';

export interface Side {
  /** What to call it in the report: `openapi.yaml (working tree)`, `v0.1.0`, `releases/0.1.0`. */
  label: string;
  spec: Json;
  /** Where the previous release's type tests and guides are, for the type-level check. */
  typesFrom?: { kind: 'ref'; ref: string } | { kind: 'dir'; dir: string };
}

export class InputError extends Error {}

export const SPEC_FILE = 'openapi.yaml';

/** The repository a module of this folder runs from: src/spec-diff/ (tests) or dist/src/spec-diff/ (npm run diff). */
export function repositoryRoot(moduleUrl: string): string {
  const here = dirname(fileURLToPath(moduleUrl));
  return here.split('\\').join('/').includes('dist/src/') ? join(here, '../../..') : join(here, '../..');
}

/** The working tree's spec. */
export function workingTree(root: string): Side {
  return { label: `${SPEC_FILE} (working tree)`, spec: bundled(join(root, SPEC_FILE), root) };
}

/** The side a command-line argument names: a file, a release folder, or a git ref. */
export function sideOf(argument: string, root: string): Side {
  const path = join(root, argument);
  const file = existsSync(argument) ? argument : existsSync(path) ? path : undefined;
  if (file && /\.(json|ya?ml)$/i.test(file)) {
    const release = /releases\/([^/]+)\/openapi\.json$/.exec(file.split('\\').join('/'));
    return {
      label: argument,
      spec: bundled(file, root),
      ...(release ? { typesFrom: { kind: 'dir' as const, dir: dirname(file) } } : {}),
    };
  }
  if (file) throw new InputError(`${argument}: not a .json or .yaml spec`);
  if (!isCommit(argument, root)) throw new InputError(`${argument} is neither a spec file nor a git ref`);
  return { label: argument, spec: atRef(argument, root), typesFrom: { kind: 'ref', ref: argument } };
}

/** The default base: the last release tag, else the newest release kept in releases/, else HEAD~1. */
export function defaultBase(root: string): Side {
  // Either way a release is called by its tag's name, so that reports read the same on a clone
  // without tags (CI) as on one with them.
  const tag = git(['describe', '--tags', '--abbrev=0', '--match', 'v[0-9]*'], root);
  if (tag) return sideOf(tag, root);
  const release = newestRelease(root);
  if (release) return { ...sideOf(join('releases', release, 'openapi.json'), root), label: `v${release}` };
  if (isCommit('HEAD~1', root)) return sideOf('HEAD~1', root);
  throw new InputError('no base to compare with: no release tag, no releases/ folder and no HEAD~1');
}

/** The newest version under releases/ (by semver order), if any. */
export function newestRelease(root: string): string | undefined {
  const dir = join(root, 'releases');
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir)
    .filter((name) => /^\d+\.\d+\.\d+$/.test(name) && existsSync(join(dir, name, 'openapi.json')))
    .sort(compareVersions)
    .at(-1);
}

export function compareVersions(a: string, b: string): number {
  const [pa, pb] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

function atRef(ref: string, root: string): Json {
  const text = git(['show', `${ref}:${SPEC_FILE}`], root);
  if (text === undefined) throw new InputError(`${ref} has no ${SPEC_FILE}`);
  const spec = parse(text) as Json;
  if (!hasExternalRefs(spec)) return spec;
  // Split across files at that commit: check the commit out into a folder and bundle it there.
  const dir = mkdtempSync(join(tmpdir(), 'hopx-diff-'));
  try {
    execFileSync('sh', ['-c', `git archive "$1" | tar -x -C "$2"`, 'sh', ref, dir], { cwd: root, stdio: 'ignore' });
    return bundled(join(dir, SPEC_FILE), root);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A spec file as one document: parsed, and bundled by Redocly when it refers to other files. */
function bundled(file: string, root: string): Json {
  let spec: Json;
  try {
    spec = parse(readFileSync(file, 'utf8')) as Json;
  } catch (error) {
    throw new InputError(`${file}: ${(error as Error).message}`);
  }
  if (!spec || typeof spec !== 'object' || !spec.paths)
    throw new InputError(`${file}: not an OpenAPI document (no paths)`);
  if (!hasExternalRefs(spec)) return spec;
  const out = join(mkdtempSync(join(tmpdir(), 'hopx-diff-')), 'bundle.json');
  const cli = join(
    dirname(createRequire(join(root, 'package.json')).resolve('@redocly/cli/package.json')),
    'bin/cli.js',
  );
  execFileSync(process.execPath, [cli, 'bundle', file, '-o', out], { cwd: root, stdio: 'ignore' });
  try {
    return JSON.parse(readFileSync(out, 'utf8')) as Json;
  } finally {
    rmSync(dirname(out), { recursive: true, force: true });
  }
}

function hasExternalRefs(spec: Json): boolean {
  return /"\$ref":"(?!#)/.test(JSON.stringify(spec));
}

function isCommit(ref: string, root: string): boolean {
  return git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], root) !== undefined;
}

/** A git command's output, or undefined when it fails (not a repository, unknown ref). */
export function git(args: string[], root: string): string | undefined {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trimEnd();
  } catch {
    return undefined;
  }
}
