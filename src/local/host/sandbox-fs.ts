// Paths the API names, confined to the sandbox: every file operation of the local HopX resolves its
// path here first. The path is resolved one component at a time, symlinks included, the way the
// sandbox's own code would see it (in namespace mode an absolute link points into the sandbox; in
// workspace mode at this machine, and one that leaves the sandbox's folder is refused). A `..` that
// climbs above `/`, a NUL byte, or a directory the platform does not let the API touch is refused
// with the spec's `403 PATH_NOT_ALLOWED` (`400 INVALID_PATH` for a malformed path).
import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import type { SandboxHost } from './sandbox-host.js';

export class PathError extends Error {
  constructor(
    readonly status: 400 | 403,
    readonly code: 'INVALID_PATH' | 'PATH_NOT_ALLOWED',
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

export interface ResolvedPath {
  /** The path inside the sandbox, normalised, with every symlink resolved: `/workspace/a.txt`. */
  path: string;
  /** Where that is on this machine. */
  host: string;
}

/** Where the file API may go: the sandbox's working areas, and folders its template or code made. */
const ALLOWED_ROOTS = new Set(['workspace', 'tmp', 'home', 'opt', 'app', 'data', 'srv', 'mnt']);
/** This machine's own folders: in namespace mode the sandbox sees them (read-only in spirit); the API never does. */
const SYSTEM_ROOTS = new Set([
  'etc',
  'proc',
  'sys',
  'dev',
  'usr',
  'bin',
  'sbin',
  'lib',
  'lib32',
  'lib64',
  'libx32',
  'boot',
  'root',
  'var',
  'run',
  'snap',
]);
const MAX_LINKS = 40;

/**
 * Resolves `input` (absolute, or relative to `/workspace`) in `sandbox`. Missing trailing components
 * are fine (a file about to be written); what exists is followed, links and all.
 */
export async function resolveSandboxPath(sandbox: SandboxHost, input: string): Promise<ResolvedPath> {
  if (typeof input !== 'string' || input === '')
    throw new PathError(400, 'INVALID_PATH', 'the path is empty', String(input));
  if (input.includes('\0'))
    throw new PathError(400, 'INVALID_PATH', 'the path contains a NUL byte', input.replace(/\0/g, '\\0'));
  const absolute = input.startsWith('/') ? input : `/workspace/${input}`;
  let pending = absolute.split('/').filter(Boolean);
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const segment = pending.shift() as string;
    if (segment === '.') continue;
    if (segment === '..') {
      if (resolved.length === 0)
        throw new PathError(403, 'PATH_NOT_ALLOWED', `${input} climbs above the sandbox's root`, input);
      resolved.pop();
      continue;
    }
    const candidate = `/${[...resolved, segment].join('/')}`;
    const stat = await lstat(sandbox.hostPathOf(candidate)).catch(() => undefined);
    if (!stat?.isSymbolicLink()) {
      resolved.push(segment);
      if (!stat) {
        // Nothing there: the rest cannot be links. Keep normalising (a later `..` still counts).
        continue;
      }
      continue;
    }
    if (++links > MAX_LINKS) throw new PathError(403, 'PATH_NOT_ALLOWED', `${input}: too many symbolic links`, input);
    const target = await readlink(sandbox.hostPathOf(candidate));
    pending = [...linkTarget(sandbox, target, input), ...pending];
    if (target.startsWith('/')) resolved.length = 0;
  }
  const path = `/${resolved.join('/')}`;
  const top = resolved[0];
  const allowed =
    top === undefined
      ? false
      : sandbox.mode === 'workspace'
        ? true
        : ALLOWED_ROOTS.has(top) || (!SYSTEM_ROOTS.has(top) && (await madeBySandbox(sandbox, top)));
  if (!allowed)
    throw new PathError(403, 'PATH_NOT_ALLOWED', `${path} is outside the directories the file API may use`, input);
  return { path, host: sandbox.hostPathOf(path) };
}

/** A link's target as path segments to walk next (from the sandbox's root when absolute). */
function linkTarget(sandbox: SandboxHost, target: string, input: string): string[] {
  if (!target.startsWith('/')) return target.split('/').filter(Boolean);
  if (sandbox.mode === 'namespace') return target.split('/').filter(Boolean);
  // Workspace mode: the code sees this machine's paths, so an absolute link means one of them.
  const root = `${sandbox.root}/`;
  const normal = posix.normalize(target);
  if (!normal.startsWith(root))
    throw new PathError(
      403,
      'PATH_NOT_ALLOWED',
      `${input} goes through a symbolic link that leaves the sandbox`,
      input,
    );
  return normal.slice(root.length).split('/').filter(Boolean);
}

/** A top-level folder the sandbox's own layer has (its template or its code made it). */
async function madeBySandbox(sandbox: SandboxHost, top: string): Promise<boolean> {
  return Boolean(await lstat(`${sandbox.root}/${top}`).catch(() => undefined));
}
