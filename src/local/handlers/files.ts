// The agent's file operations, on the sandbox's real files: read, write (text or base64, with its
// mode, atomically), list, exists, remove (directories recursively), mkdir -p, streaming upload
// and streaming download. Every path goes through resolveSandboxPath() (confinement, 403/400 on
// escapes) and every open through host/confined-files.ts (no symbolic-link swaps, no FIFOs).
// Sizes, modes and times are the files' own (`lstat`).
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ApiError } from '../api-error.js';
import { type CallContext, type Handler, json } from '../context.js';
import { fileInfo } from '../file-info.js';
import {
  FileExists,
  inspect,
  makeDirectories,
  NotARegularFile,
  openDirectory,
  openRegularFile,
  PendingFile,
  removeEntry,
} from '../host/confined-files.js';
import { type ResolvedPath, resolveSandboxPath } from '../host/sandbox-fs.js';
import { MultipartError, receiveForm } from '../multipart-upload.js';
import { agentSandbox } from './agent-sandbox.js';

const DEFAULT_MODE = 0o644;

const resolve = (ctx: CallContext, path: string) => resolveSandboxPath(agentSandbox(ctx).host, path);

const now = () => new Date().toISOString();

/** The ErrorResponse fields of a file error: the path it is about. */
const about = (path: string) => ({ path });

const errno = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/**
 * The spec's answer for a failure of the file system itself, on operations that document 404
 * (`notFound`) or not (then a missing parent is a 400 DIRECTORY_NOT_FOUND). Refusals that already
 * are answers (ApiError, PathError) pass through.
 */
function fileFailure(error: unknown, path: string, notFound: 'file' | 'parent'): unknown {
  if (error instanceof NotARegularFile) return new ApiError(400, 'INVALID_PATH', error.message, about(path));
  if (error instanceof FileExists)
    return new ApiError(409, 'FILE_ALREADY_EXISTS', `File already exists: ${path} (overwrite is false)`, about(path));
  switch (errno(error)) {
    case 'ENOENT':
      return notFound === 'file'
        ? new ApiError(404, 'FILE_NOT_FOUND', `File not found: ${path}`, about(path))
        : new ApiError(
            400,
            'DIRECTORY_NOT_FOUND',
            `Directory not found: the parent of ${path} does not exist`,
            about(path),
          );
    case 'ENOTDIR':
      return new ApiError(400, 'INVALID_PATH', `${path}: a component of the path is not a directory`, about(path));
    case 'EISDIR':
      return new ApiError(400, 'INVALID_PATH', `${path} is a directory`, about(path));
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new ApiError(403, 'PERMISSION_DENIED', `Permission denied: ${path}`, about(path));
    case 'ENOSPC':
    case 'EDQUOT':
      return new ApiError(500, 'FILE_OPERATION_FAILED', `No space left for ${path}`, about(path));
    default:
      return error;
  }
}

/** `"0644"`, `"755"` or `"0o600"` as permission bits; anything else is a 400. */
function parseMode(mode: string | undefined): number {
  if (mode === undefined) return DEFAULT_MODE;
  const digits = /^(?:0o)?([0-7]{1,4})$/i.exec(mode.trim())?.[1];
  if (digits === undefined)
    throw new ApiError(
      400,
      'INVALID_REQUEST',
      `mode ${JSON.stringify(mode)} is not an octal permission string such as "0644"`,
    );
  return Number.parseInt(digits, 8);
}

function decodeContent(content: string, encoding: string | undefined): Buffer {
  if (encoding !== 'base64') return Buffer.from(content, 'utf8');
  const compact = content.replace(/\s+/g, '');
  // Buffer.from skips characters that are not base64: check first, so a typo is an error, not a short file.
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact) || compact.length % 4 === 1)
    throw new ApiError(400, 'INVALID_REQUEST', 'content is not valid base64 (encoding is base64)');
  return Buffer.from(compact, 'base64');
}

/** The largest file /files/read returns inside JSON; bigger files are for /files/download. */
const readLimit = (ctx: CallContext) => ctx.local.limits.outputBytes;

export const filesHandlers: Record<string, Handler> = {
  async readFile(ctx) {
    const path = await resolve(ctx, String(ctx.query.path));
    try {
      const { handle, stats } = await openRegularFile(agentSandbox(ctx).host, path);
      try {
        if (stats.size > readLimit(ctx))
          throw new ApiError(
            400,
            'INVALID_REQUEST',
            `${path.path} is ${stats.size} bytes, more than the ${readLimit(ctx)} bytes /files/read returns: use GET /files/download`,
            about(path.path),
          );
        const bytes = await handle.readFile();
        return json(200, { content: bytes.toString('utf8'), path: path.path, size: bytes.length });
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw fileFailure(error, path.path, 'file');
    }
  },

  async writeFile(ctx) {
    const body = ctx.body as { path: string; content: string; encoding?: string; mode?: string; overwrite?: boolean };
    const mode = parseMode(body.mode);
    const bytes = decodeContent(body.content, body.encoding);
    const path = await resolve(ctx, body.path);
    let pending: PendingFile | undefined;
    try {
      pending = await PendingFile.create(agentSandbox(ctx).host, path);
      await pending.write(bytes);
      const size = await pending.commit(mode, body.overwrite ?? true);
      return json(200, {
        success: true,
        path: path.path,
        size,
        message: 'File written successfully',
        timestamp: now(),
      });
    } catch (error) {
      await pending?.abort();
      throw fileFailure(error, path.path, 'parent');
    }
  },

  async listFiles(ctx) {
    const path = await resolve(ctx, String(ctx.query.path ?? '/workspace'));
    try {
      const directory = await openDirectory(agentSandbox(ctx).host, path);
      try {
        const names = (await readdir(directory.at())).sort();
        const files = [];
        for (const name of names) {
          // An entry removed while listing is simply not listed.
          const stats = await lstat(directory.at(name)).catch(() => undefined);
          if (stats) files.push(fileInfo(name, path.path === '/' ? `/${name}` : `${path.path}/${name}`, stats));
        }
        return json(200, { path: path.path, count: files.length, files });
      } finally {
        await directory.close();
      }
    } catch (error) {
      if (errno(error) === 'ENOENT')
        throw new ApiError(404, 'DIRECTORY_NOT_FOUND', `Directory not found: ${path.path}`, about(path.path));
      if (errno(error) === 'ENOTDIR')
        throw new ApiError(400, 'INVALID_PATH', `${path.path} is not a directory`, about(path.path));
      throw fileFailure(error, path.path, 'file');
    }
  },

  async checkFileExists(ctx) {
    const path = await resolve(ctx, String(ctx.query.path));
    const stats = await inspect(path);
    return json(200, {
      exists: Boolean(stats),
      path: path.path,
      ...(stats ? { is_directory: stats.isDirectory() } : {}),
    });
  },

  async removeFile(ctx) {
    const path = await resolveEntry(ctx, String(ctx.query.path));
    if (path.path.split('/').filter(Boolean).length < 2)
      // `/workspace`, `/tmp`, ...: the sandbox's own working areas, which its runs need (they start in /workspace).
      throw new ApiError(
        403,
        'PATH_NOT_ALLOWED',
        `${path.path} is one of the sandbox's top-level directories and cannot be removed`,
        about(path.path),
      );
    try {
      await removeEntry(agentSandbox(ctx).host, path);
    } catch (error) {
      throw fileFailure(error, path.path, 'file');
    }
    return json(200, { success: true, path: path.path, message: 'Removed successfully', timestamp: now() });
  },

  async createDirectory(ctx) {
    const path = await resolve(ctx, String(ctx.body.path));
    try {
      const created = await makeDirectories(agentSandbox(ctx).host, path);
      return json(200, {
        success: true,
        path: path.path,
        message: created ? 'Directory created successfully' : 'Directory already exists',
        timestamp: now(),
      });
    } catch (error) {
      if (errno(error) === 'ENOTDIR' || errno(error) === 'EEXIST')
        throw new ApiError(400, 'INVALID_PATH', `${path.path} exists and is not a directory`, about(path.path));
      throw fileFailure(error, path.path, 'parent');
    }
  },

  async uploadFile(ctx) {
    const sandbox = agentSandbox(ctx);
    let pending: PendingFile | undefined;
    let staged: string | undefined;
    try {
      const form = await receiveForm(ctx.req, {
        fileField: 'file',
        async sinkFor(before) {
          if (typeof before.path === 'string') {
            // The destination is known: the bytes go straight next to it.
            pending = await PendingFile.create(sandbox.host, await resolve(ctx, before.path)).catch((error) => {
              throw fileFailure(error, before.path as string, 'parent');
            });
            return pending.writable();
          }
          // `path` comes after the file (the official JS SDK's order): keep the bytes in the
          // sandbox's own folder, outside its filesystem, until it is known.
          const uploads = join(sandbox.host.options.dir, 'uploads');
          await mkdir(uploads, { recursive: true, mode: 0o700 });
          staged = join(uploads, randomBytes(8).toString('hex'));
          return createWriteStream(staged, { flags: 'wx', mode: 0o600 });
        },
      });
      const checked = ctx.local.validator.validateRequest(ctx.operation, {
        path: {},
        query: new URLSearchParams(),
        headers: ctx.headers,
        body: { ...form.fields, ...(form.file ? { file: '(bytes)' } : {}) },
        contentType: ctx.headers['content-type'],
      });
      if (checked.violations.length) {
        const summary = checked.violations.map((v) => `${v.pointer} ${v.message}`).join('; ');
        throw new ApiError(400, 'INVALID_REQUEST', `the request does not match the spec: ${summary}`, {
          details: { violations: checked.violations.map(({ pointer, message }) => ({ pointer, message })) },
        });
      }
      const destination = String(form.fields.path);
      if (!pending) {
        const path = await resolve(ctx, destination);
        pending = await PendingFile.create(sandbox.host, path).catch((error) => {
          throw fileFailure(error, path.path, 'parent');
        });
        await pipeline(createReadStream(staged as string), pending.writable());
      }
      const target = pending.path.path;
      const size = await pending.commit(DEFAULT_MODE, true).catch((error) => {
        throw fileFailure(error, target, 'parent');
      });
      return json(200, { success: true, path: target, size, message: 'File uploaded successfully', timestamp: now() });
    } catch (error) {
      await pending?.abort();
      if (error instanceof MultipartError) throw new ApiError(400, 'INVALID_REQUEST', error.message);
      throw error;
    } finally {
      if (staged) await rm(staged, { force: true });
    }
  },

  async downloadFile(ctx) {
    const path = await resolve(ctx, String(ctx.query.path));
    try {
      const { handle, stats, streamPath } = await openRegularFile(agentSandbox(ctx).host, path);
      // The pipeline streams from `streamPath`, which names this open file, not the path: a swap
      // after the check changes nothing. The file is closed once the answer is over.
      const close = () => void handle.close().catch(() => {});
      if (ctx.signal.aborted) close();
      else ctx.signal.addEventListener('abort', close, { once: true });
      return {
        kind: 'file',
        status: 200,
        contentType: 'application/octet-stream',
        path: streamPath,
        size: stats.size,
        headers: { 'Content-Disposition': attachment(path.path) },
      };
    } catch (error) {
      throw fileFailure(error, path.path, 'file');
    }
  },
};

/** `attachment; filename="..."` for a sandbox path: the plain name where it is ASCII, and RFC 5987's form too where not. */
function attachment(sandboxPath: string): string {
  const name = basename(sandboxPath) || 'download';
  const plain = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return plain === name
    ? `attachment; filename="${name}"`
    : `attachment; filename="${plain}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * Resolves a path to the entry itself: its directory is resolved (links and all), its last name is
 * kept, so removing a symbolic link removes the link, not what it points to.
 */
async function resolveEntry(ctx: CallContext, input: string): Promise<ResolvedPath> {
  const trimmed = input.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  const name = trimmed.slice(slash + 1);
  if (name === '' || name === '.' || name === '..' || name.includes('\0')) return resolve(ctx, input);
  const parent = await resolve(ctx, slash < 0 ? '.' : trimmed.slice(0, slash) || '/');
  return {
    path: parent.path === '/' ? `/${name}` : `${parent.path}/${name}`,
    host: agentSandbox(ctx).host.hostPathOf(parent.path === '/' ? `/${name}` : `${parent.path}/${name}`),
  };
}
