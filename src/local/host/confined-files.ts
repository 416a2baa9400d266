// Opening, writing and removing a sandbox's files without leaving the sandbox. resolveSandboxPath()
// (sandbox-fs.ts) walks a path one component at a time; between that walk and the open, the
// sandbox's own code could swap a directory for a symbolic link. In namespace mode that matters
// most: the sandbox is reached through /proc/<pid>/root, and an absolute link met on the way there
// is followed in *this* machine's root, not the sandbox's. So every open here
//
//   - refuses a link as the last component (O_NOFOLLOW) and never blocks on a FIFO (O_NONBLOCK);
//   - then asks the kernel where the opened file really is (/proc/self/fd/<fd>): anything but the
//     place the walk found is refused with the spec's 403 PATH_NOT_ALLOWED;
//   - and works on below a directory through that verified descriptor (`/proc/self/fd/<fd>/name`),
//     so a later swap of a parent directory cannot redirect the write, rename or removal.
//
// Writes go to a temporary name in the destination's own directory and are renamed into place, so
// a reader sees the old file or the new one, never half of one.
import { randomBytes } from 'node:crypto';
import { constants, createWriteStream, type Stats, type WriteStream } from 'node:fs';
import { type FileHandle, link, lstat, mkdir, open, readlink, realpath, rename, rm, unlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { STAGING_SUFFIX } from './file-watcher.js';
import { PathError, type ResolvedPath } from './sandbox-fs.js';
import type { SandboxHost } from './sandbox-host.js';

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const DIRECTORY_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Where the sandbox's `/` is on this machine, as the kernel names it (cached per sandbox). */
const roots = new WeakMap<SandboxHost, Promise<string>>();
function rootOnHost(sandbox: SandboxHost): Promise<string> {
  let root = roots.get(sandbox);
  if (!root) {
    root = realpath(sandbox.hostPathOf('/'));
    roots.set(sandbox, root);
  }
  return root;
}

/** A path that reaches `name` (or the file itself) through an open descriptor, not through the tree. */
function throughDescriptor(handle: FileHandle, hostPath: string, name?: string): string {
  const base = process.platform === 'linux' ? `/proc/self/fd/${handle.fd}` : hostPath;
  return name === undefined ? base : `${base}/${name}`;
}

/** Throws PATH_NOT_ALLOWED unless `handle` is the file at sandbox path `path`. */
async function verifyLocation(sandbox: SandboxHost, handle: FileHandle, path: ResolvedPath): Promise<void> {
  const [actual, root] = await Promise.all([
    process.platform === 'linux' ? readlink(`/proc/self/fd/${handle.fd}`) : realpath(path.host),
    rootOnHost(sandbox),
  ]);
  const expected = path.path === '/' ? root : `${root}${path.path}`;
  if (actual !== expected)
    throw new PathError(403, 'PATH_NOT_ALLOWED', `${path.path} leads outside the sandbox`, path.path);
}

/** Opens with `flags`, turning a last-component link (ELOOP under O_NOFOLLOW) into a refusal. */
async function openVerified(sandbox: SandboxHost, path: ResolvedPath, flags: number): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path.host, flags);
  } catch (error) {
    // O_NOFOLLOW meeting a link: ELOOP, or ENOTDIR when a directory was asked for.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || (code === 'ENOTDIR' && (await lstat(path.host).catch(() => undefined))?.isSymbolicLink()))
      throw new PathError(403, 'PATH_NOT_ALLOWED', `${path.path} became a symbolic link`, path.path);
    throw error;
  }
  try {
    await verifyLocation(sandbox, handle, path);
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** What is at a resolved path (the thing itself, not a link's target), or undefined. */
export function inspect(path: ResolvedPath): Promise<Stats | undefined> {
  return lstat(path.host).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  });
}

export class NotARegularFile extends Error {
  constructor(
    readonly path: string,
    readonly isDirectory: boolean,
  ) {
    super(isDirectory ? `${path} is a directory` : `${path} is not a regular file`);
  }
}

/**
 * Opens a regular file for reading. A directory, FIFO, socket or device is refused before it is
 * opened (a FIFO would block; a device might do something), and checked again once open.
 */
export async function openRegularFile(
  sandbox: SandboxHost,
  path: ResolvedPath,
): Promise<{ handle: FileHandle; stats: Stats; streamPath: string }> {
  const before = await lstat(path.host);
  if (!before.isFile()) throw new NotARegularFile(path.path, before.isDirectory());
  const handle = await openVerified(sandbox, path, READ_FLAGS);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new NotARegularFile(path.path, stats.isDirectory());
    return { handle, stats, streamPath: throughDescriptor(handle, path.host) };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** A verified directory: read it and work below it through `at(name)`. Close it when done. */
export interface OpenDirectory {
  handle: FileHandle;
  /** The directory itself, or an entry of it, reached through the verified descriptor. */
  at(name?: string): string;
  close(): Promise<void>;
}

export async function openDirectory(sandbox: SandboxHost, path: ResolvedPath): Promise<OpenDirectory> {
  const handle = await openVerified(sandbox, path, DIRECTORY_FLAGS);
  return {
    handle,
    at: (name) => throughDescriptor(handle, path.host, name),
    close: () => handle.close(),
  };
}

/** The directory holding `path`, and `path`'s own name in it. */
export function parentOf(path: ResolvedPath): { parent: ResolvedPath; name: string } {
  return {
    parent: { path: posix.dirname(path.path), host: posix.dirname(path.host) },
    name: posix.basename(path.path),
  };
}

/**
 * Creates the directory at `path` and any missing parents (`mkdir -p`), starting from the nearest
 * directory that exists, which is verified first. Answers whether it was created (false: it was
 * already there).
 */
export async function makeDirectories(sandbox: SandboxHost, path: ResolvedPath): Promise<boolean> {
  const missing: string[] = [];
  let existing = path;
  while (!(await inspect(existing)) && existing.path !== '/') {
    const { parent, name } = parentOf(existing);
    missing.unshift(name);
    existing = parent;
  }
  const base = await openDirectory(sandbox, existing);
  try {
    if (missing.length > 0) await mkdir(base.at(missing.join('/')), { recursive: true, mode: 0o755 });
  } finally {
    await base.close();
  }
  // What was made is checked like anything else: a directory, where the walk said.
  await (await openDirectory(sandbox, path)).close();
  return missing.length > 0;
}

/** Removes the file, link or directory (with everything in it) at `path`, not what a link points to. */
export async function removeEntry(sandbox: SandboxHost, path: ResolvedPath): Promise<void> {
  const { parent, name } = parentOf(path);
  const directory = await openDirectory(sandbox, parent);
  try {
    await lstat(directory.at(name));
    await rm(directory.at(name), { recursive: true, force: false, maxRetries: 2 });
  } finally {
    await directory.close();
  }
}

export class FileExists extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists`);
  }
}

/**
 * A file being written: bytes go to a temporary name next to the destination; `commit()` gives it
 * its mode and renames it into place (or links it, which fails if the name is taken, when it must
 * not overwrite); `abort()` removes it. Either one closes everything.
 */
export class PendingFile {
  private done = false;

  private constructor(
    readonly path: ResolvedPath,
    private readonly directory: OpenDirectory,
    private readonly handle: FileHandle,
    private readonly tempName: string,
    private readonly name: string,
  ) {}

  /** Opens a temporary file in `path`'s directory, which must exist. */
  static async create(sandbox: SandboxHost, path: ResolvedPath): Promise<PendingFile> {
    const { parent, name } = parentOf(path);
    if (parent.path === path.path) throw new NotARegularFile(path.path, true);
    const directory = await openDirectory(sandbox, parent);
    const tempName = `.${name.slice(0, 100)}.${randomBytes(6).toString('hex')}${STAGING_SUFFIX}`;
    try {
      const handle = await open(directory.at(tempName), CREATE_FLAGS, 0o600);
      return new PendingFile(path, directory, handle, tempName, name);
    } catch (error) {
      await directory.close();
      throw error;
    }
  }

  async write(bytes: Uint8Array | string): Promise<void> {
    await this.handle.writeFile(bytes);
  }

  /**
   * A stream into the file. It writes to the descriptor without owning it (a FileHandle's own
   * stream would keep the handle from closing), so commit or abort still closes the file.
   */
  writable(): WriteStream {
    return createWriteStream('', { fd: this.handle.fd, autoClose: false });
  }

  /** Puts the file in place with `mode`; answers its size. Throws FileExists (overwrite false) or EISDIR. */
  async commit(mode: number, overwrite: boolean): Promise<number> {
    try {
      await this.handle.chmod(mode);
      const { size } = await this.handle.stat();
      await this.handle.close();
      const temp = this.directory.at(this.tempName);
      const target = this.directory.at(this.name);
      const existing = await lstat(target).catch(() => undefined);
      if (existing?.isDirectory()) throw new NotARegularFile(this.path.path, true);
      if (overwrite) {
        await rename(temp, target);
      } else {
        try {
          await link(temp, target);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new FileExists(this.path.path);
          throw error;
        }
        await unlink(temp);
      }
      this.done = true;
      return size;
    } catch (error) {
      await this.abort();
      throw error;
    } finally {
      await this.directory.close().catch(() => {});
    }
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.handle.close().catch(() => {});
    await unlink(this.directory.at(this.tempName)).catch(() => {});
    await this.directory.close().catch(() => {});
  }
}
