// A build's COPY step, with Docker's rules: the archive uploaded for the step's files_hash is
// unpacked into a scratch folder, its files_hash re-derived where the archive allows it, and each
// source copied to the destination inside the template: a directory's contents into it; a file
// into it when it is a directory (an existing one, one ending in `/`, or the target of several
// sources), else to it as the file's new name.
//
// Files reach the template's filesystem through node-tar, which refuses to write through a
// symbolic link: nothing an earlier RUN step left in the template can send them elsewhere (in
// namespace mode the template's `/` is /proc/<pid>/root, where an absolute link would otherwise
// mean this machine's own paths).
import { randomBytes } from 'node:crypto';
import { chmod, link, lstat, mkdir, readdir, readlink, rm, stat, symlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { create, extract } from 'tar';
import { hashCopyStep } from '../template-build/files-hash.js';
import { StepFailure } from './build-record.js';
import type { Local } from './context.js';
import { storedContext } from './context-store.js';
import type { SandboxHost } from './host/sandbox-host.js';

export interface CopyStep {
  sources: string[];
  dest: string;
  filesHash: string | undefined;
  /** Octal mode for the copied files (JavaScript SDK). */
  permissions: string | undefined;
  /** `user[:group]` (JavaScript SDK); the local HopX runs as the current user and leaves it. */
  owner: string | undefined;
}

export interface CopyContext {
  local: Local;
  host: SandboxHost;
  /** A folder of the build's own, outside the template's filesystem. */
  scratch: string;
  /** The working directory so far (a relative destination is relative to it). */
  workdir: string;
  log(line: string): void;
}

export async function runCopy(ctx: CopyContext, step: CopyStep): Promise<void> {
  if (!step.filesHash)
    throw new StepFailure(
      'COPY has no filesHash: its files must be uploaded through POST /v1/templates/files/upload-link first',
    );
  const archive = await storedContext(ctx.local, step.filesHash);
  if (!archive)
    throw new StepFailure(
      `no build context with files_hash ${step.filesHash} was uploaded to this local HopX: COPY has no files to copy`,
    );
  const work = join(ctx.scratch, `copy-${randomBytes(4).toString('hex')}`);
  const context = join(work, 'context');
  const layout = join(work, 'layout');
  await mkdir(context, { recursive: true });
  await mkdir(layout, { recursive: true });
  // The archive was checked when it was stored (context-store.ts); node-tar checks again.
  await extract({ file: archive, cwd: context, strict: true, umask: 0, preserveOwner: false });
  await verifyHash(ctx, context, step);

  const dest = step.dest.startsWith('/') ? step.dest : posix.join(ctx.workdir, step.dest);
  const several = step.sources.length > 1 || step.sources.some(isGlob);
  const intoDirectory = several || step.dest.endsWith('/') || (await isDirectoryIn(ctx.host, dest));
  const entries: string[] = [];
  for (const source of step.sources) {
    const matches = isGlob(source) ? await globIn(context, source) : [contextPath(source)];
    if (matches.length === 0) throw new StepFailure(`COPY source ${source} matches nothing in the uploaded files`);
    for (const match of matches) {
      const found = await lstat(join(context, match)).catch(() => undefined);
      if (!found) throw new StepFailure(`COPY source ${source} is not in the uploaded files`);
      if (found.isDirectory()) await layOutDirectory(join(context, match), layout, dest, entries);
      else {
        const target = intoDirectory ? posix.join(dest, posix.basename(match)) : posix.normalize(dest);
        await layOut(join(context, match), layout, target, entries);
      }
    }
  }
  if (step.permissions !== undefined) await applyPermissions(layout, entries, step.permissions);
  if (step.owner) ctx.log(`owner ${step.owner} not applied: the local HopX runs everything as the current user`);
  await writeIntoTemplate(ctx.host, layout, entries, dest);
  const files = await countFiles(layout, entries);
  ctx.log(`copied ${files} file${files === 1 ? '' : 's'} to ${dest}`);
}

/**
 * The SDKs hash `COPY <src> <dest>` and each file's path, mode, size, mtime in ms and content. The
 * archive keeps mtimes in whole seconds (a tar header field), so the hash can be re-derived only
 * for files whose mtime had no milliseconds; otherwise the log says why it was not.
 */
async function verifyHash(ctx: CopyContext, context: string, step: CopyStep): Promise<void> {
  const short = `${step.filesHash?.slice(0, 12)}…`;
  let derived: string | undefined;
  try {
    derived = (await hashCopyStep(context, step.sources, step.dest)).filesHash;
  } catch {
    derived = undefined;
  }
  if (derived === step.filesHash) {
    ctx.log(`files_hash ${short} re-derived from the uploaded files: it matches`);
    return;
  }
  ctx.log(
    `⚠ files_hash ${short} not re-derived from the uploaded files: the archive keeps modification times in whole ` +
      'seconds while the hash covers milliseconds (and the JavaScript SDK hashes its own way); the files are the ' +
      "ones uploaded for this hash through the upload link's signed URL",
  );
}

const isGlob = (source: string) => /[*?[]/.test(source);

/** A source as a path inside the unpacked context (`.` for all of it); it cannot leave the context. */
function contextPath(source: string): string {
  const normal = posix.normalize(source.trim()).replace(/\/+$/, '');
  if (normal.startsWith('/') || normal === '..' || normal.startsWith('../'))
    throw new StepFailure(`COPY source ${source} is outside the build context`);
  return normal === '' ? '.' : normal;
}

/** Paths under `context` that a `*`, `?` and `**` pattern matches (the JavaScript SDK sends globs). */
async function globIn(context: string, pattern: string): Promise<string[]> {
  const normal = contextPath(pattern);
  const regex = new RegExp(
    `^${normal
      .split('**')
      .map((part) =>
        part
          .split('')
          .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|\\]/g, '\\$&')))
          .join(''),
      )
      .join('.*')}$`,
  );
  const found: string[] = [];
  async function walk(relative: string): Promise<void> {
    for (const name of await readdir(join(context, relative))) {
      const path = relative ? `${relative}/${name}` : name;
      if (regex.test(path)) found.push(path);
      if ((await lstat(join(context, path))).isDirectory()) await walk(path);
    }
  }
  await walk('');
  return found.sort();
}

/** Places one file or link at `target` (a template path) in the layout. */
async function layOut(from: string, layout: string, target: string, entries: string[]): Promise<void> {
  const at = join(layout, target);
  await mkdir(posix.dirname(at), { recursive: true });
  // A later source wins over an earlier one at the same target, as in Docker.
  await rm(at, { force: true });
  const found = await lstat(from);
  if (found.isSymbolicLink()) await symlink(await readlink(from), at);
  else await link(from, at);
  entries.push(target.slice(1));
}

/** Places a directory's contents under `target`, keeping their own directories. */
async function layOutDirectory(from: string, layout: string, target: string, entries: string[]): Promise<void> {
  await mkdir(join(layout, target), { recursive: true });
  for (const name of (await readdir(from)).sort()) {
    const child = join(from, name);
    const childTarget = posix.join(target, name);
    if ((await lstat(child)).isDirectory()) {
      await mkdir(join(layout, childTarget), { recursive: true, mode: (await stat(child)).mode & 0o7777 });
      entries.push(childTarget.slice(1));
      await layOutDirectory(child, layout, childTarget, entries);
    } else await layOut(child, layout, childTarget, entries);
  }
}

async function applyPermissions(layout: string, entries: string[], permissions: string): Promise<void> {
  if (!/^[0-7]{3,4}$/.test(permissions))
    throw new StepFailure(`COPY permissions ${permissions} is not an octal mode such as 0755`);
  for (const entry of entries) {
    const at = join(layout, entry);
    if (!(await lstat(at)).isSymbolicLink()) await chmod(at, Number.parseInt(permissions, 8));
  }
}

/** Writes the layout's entries into the template's `/`, refusing any path that goes through a link. */
async function writeIntoTemplate(host: SandboxHost, layout: string, entries: string[], dest: string): Promise<void> {
  if (entries.length === 0) return;
  const into = host.hostPathOf('/').replace(/\/+$/, '');
  try {
    await pipeline(
      create({ cwd: layout, portable: true, noDirRecurse: true }, [...new Set(entries)]),
      extract({ cwd: into, strict: true, umask: 0, dmode: 0o755, preserveOwner: false }),
    );
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'TAR_SYMLINK_ERROR')
      throw new StepFailure(
        `COPY to ${dest}: the path goes through a symbolic link in the template, which the local HopX does not write through`,
      );
    throw new StepFailure(`COPY to ${dest} failed: ${(error as Error).message}`);
  }
}

/** Whether `path` is a directory in the template (Docker copies a file into an existing directory). */
async function isDirectoryIn(host: SandboxHost, path: string): Promise<boolean> {
  return stat(host.hostPathOf(posix.normalize(path))).then(
    (found) => found.isDirectory(),
    () => false,
  );
}

async function countFiles(layout: string, entries: string[]): Promise<number> {
  let files = 0;
  for (const entry of entries) if (!(await lstat(join(layout, entry))).isDirectory()) files++;
  return files;
}
