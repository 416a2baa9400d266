// The build-context store: the local HopX's stand-in for the platform's presigned object storage.
//
// `POST /v1/templates/files/upload-link` hands out a URL on the local HopX itself, signed (HMAC)
// over the files_hash, the announced size and an expiry: like a presigned URL it needs no API key
// and admits one archive only. A PUT there stores the tar.gz under the data dir after checking it:
// the signature, the announced size, a readable gzip tar, and no entry that would land outside the
// folder it is unpacked into (absolute paths, `..`, links that leave, paths through links: 403
// PATH_NOT_ALLOWED). The store is not a spec operation: the Control Plane server calls
// handleContextUpload() in front of its pipeline.
//
// What the store cannot check is the files_hash itself: the SDKs hash `COPY <src> <dest>` (which
// the upload does not carry) and millisecond mtimes (which a tar header keeps in whole seconds).
// The COPY step re-derives it where it can (build-copy.ts).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { list } from 'tar';
import type { Local } from './context.js';
import { hostAllowed } from './http-pipeline.js';

/** Where PUTs of build contexts go on the Control Plane server. */
export const UPLOAD_PREFIX = '/_local/uploads/';
/** How long an upload link works (the platform's presigned URLs say X-Amz-Expires=3600). */
const LINK_SECONDS = 3600;
const HASH = /^[a-f0-9]{64}$/;
/** Entry types a build context may hold: what the SDKs' tar writers produce. */
const ENTRY_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link']);

const secrets = new WeakMap<Local, Buffer>();
function secretOf(local: Local): Buffer {
  let secret = secrets.get(local);
  if (!secret) {
    secret = randomBytes(32);
    secrets.set(local, secret);
  }
  return secret;
}

const uploadsDir = (local: Local) => posix.join(local.dataDir, 'uploads');
const archivePath = (local: Local, filesHash: string) => posix.join(uploadsDir(local), `${filesHash}.tar.gz`);

/** The stored archive of `filesHash`, or undefined when none was uploaded. */
export async function storedContext(local: Local, filesHash: string): Promise<string | undefined> {
  if (!HASH.test(filesHash)) return undefined;
  const path = archivePath(local, filesHash);
  return access(path).then(
    () => path,
    () => undefined,
  );
}

export type UploadLink = { present: true } | { present: false; url: string; expiresAt: Date };

/** `present` when the archive is stored, else a signed URL that accepts exactly it. */
export async function uploadLinkFor(local: Local, filesHash: string, contentLength: number): Promise<UploadLink> {
  if (await storedContext(local, filesHash)) return { present: true };
  const expiresAt = new Date((Math.floor(Date.now() / 1000) + LINK_SECONDS) * 1000);
  const expires = String(expiresAt.getTime() / 1000);
  const query = new URLSearchParams({
    content_length: String(contentLength),
    expires,
    signature: sign(local, filesHash, contentLength, expires),
  });
  return { present: false, url: `${local.url}${UPLOAD_PREFIX}${filesHash}.tar.gz?${query}`, expiresAt };
}

function sign(local: Local, filesHash: string, contentLength: number, expires: string): string {
  return createHmac('sha256', secretOf(local)).update(`${filesHash}\n${contentLength}\n${expires}`).digest('hex');
}

/** A refusal of the store, answered in the flat error shape the client normalises. */
class StoreError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

/**
 * Serves `PUT /_local/uploads/<files_hash>.tar.gz?...` on the Control Plane server. Returns false
 * (without touching the request) for any other path, so the server hands it to the API pipeline.
 */
export function handleContextUpload(req: IncomingMessage, res: ServerResponse, local: Local): boolean {
  const url = new URL(req.url ?? '/', 'http://local');
  if (!url.pathname.startsWith(UPLOAD_PREFIX)) return false;
  void receive(req, url, local).then(
    () => {
      res.writeHead(200, { 'content-length': '0' }).end();
    },
    (error) => {
      const refusal =
        error instanceof StoreError
          ? error
          : new StoreError(500, 'INTERNAL_ERROR', `the local HopX could not store the upload: ${String(error)}`);
      if (refusal.status === 500) local.log(`local HopX: context upload failed: ${String(error)}`);
      const body = JSON.stringify({
        error: refusal.message,
        code: refusal.code,
        ...(refusal.path === undefined ? {} : { path: refusal.path }),
        timestamp: new Date().toISOString(),
      });
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        // The request body may be unread: do not leave the connection to carry it.
        connection: 'close',
      };
      if (refusal.status === 405) headers.allow = 'PUT';
      if (!res.headersSent) res.writeHead(refusal.status, headers).end(body);
      else res.destroy();
      req.resume();
    },
  );
  return true;
}

async function receive(req: IncomingMessage, url: URL, local: Local): Promise<void> {
  const port = Number(new URL(local.url).port);
  if (req.headers.host !== new URL(local.url).host && !hostAllowed(req.headers.host, port, []))
    throw new StoreError(421, 'PERMISSION_DENIED', `the local HopX only answers requests addressed to it`);
  if (req.method !== 'PUT')
    throw new StoreError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on an upload link: PUT the tar.gz`);
  const name = url.pathname.slice(UPLOAD_PREFIX.length);
  const filesHash = name.endsWith('.tar.gz') ? name.slice(0, -'.tar.gz'.length) : '';
  const announced = Number(url.searchParams.get('content_length'));
  const expires = url.searchParams.get('expires') ?? '';
  const signature = url.searchParams.get('signature') ?? '';
  const expected =
    HASH.test(filesHash) && Number.isInteger(announced) ? sign(local, filesHash, announced, expires) : '';
  if (!expected || !sameHex(signature, expected))
    throw new StoreError(
      403,
      'PERMISSION_DENIED',
      'the upload link is not one this local HopX signed: ask POST /v1/templates/files/upload-link for one',
    );
  if (Number(expires) * 1000 < Date.now())
    throw new StoreError(403, 'PERMISSION_DENIED', 'the upload link has expired: ask for a new one');
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) !== announced)
    throw new StoreError(
      400,
      'INVALID_REQUEST',
      `Content-Length is ${declared} but the upload link was issued for ${announced} bytes`,
    );

  await mkdir(uploadsDir(local), { recursive: true, mode: 0o700 });
  const incoming = posix.join(uploadsDir(local), `.incoming-${randomBytes(8).toString('hex')}`);
  try {
    let size = 0;
    await pipeline(
      req,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          size += chunk.length;
          if (size > announced)
            throw new StoreError(400, 'INVALID_REQUEST', `the upload is larger than the announced ${announced} bytes`);
          yield chunk;
        }
      },
      createWriteStream(incoming, { mode: 0o600 }),
    );
    if (size !== announced)
      throw new StoreError(400, 'INVALID_REQUEST', `the upload has ${size} bytes, not the announced ${announced}`);
    await checkEntries(incoming);
    await rename(incoming, archivePath(local, filesHash));
  } finally {
    await rm(incoming, { force: true });
  }
}

function sameHex(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Reads every entry of the archive and refuses it when one would land outside the folder it is
 * unpacked into, or is not a file, a directory or a link.
 */
export async function checkEntries(file: string): Promise<void> {
  const problems: StoreError[] = [];
  const links = new Set<string>();
  let entries = 0;
  try {
    await list({
      file,
      strict: true,
      onReadEntry(entry) {
        entries++;
        const problem = entryProblem(entry.path, entry.type, entry.linkpath, links);
        if (problem) problems.push(problem);
        if (entry.type === 'SymbolicLink') links.add(normalEntry(entry.path));
      },
    });
  } catch (error) {
    throw new StoreError(
      400,
      'INVALID_REQUEST',
      `the upload is not a readable tar.gz archive: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const [first] = problems;
  if (first) throw first;
  if (entries === 0)
    throw new StoreError(400, 'INVALID_REQUEST', 'the upload is not a tar.gz archive with files in it');
}

const normalEntry = (path: string) => posix.normalize(path).replace(/\/+$/, '');

function entryProblem(
  path: string,
  type: string,
  linkpath: string | undefined,
  links: Set<string>,
): StoreError | undefined {
  const outside = (why: string) =>
    new StoreError(403, 'PATH_NOT_ALLOWED', `archive entry ${JSON.stringify(path)} ${why}: refused`, path);
  if (path.includes('\0')) return outside('contains a NUL byte');
  if (path.startsWith('/') || path.startsWith('\\') || /^[a-zA-Z]:/.test(path))
    return outside('is an absolute path, which would land outside the build context');
  const segments = path.split(/[/\\]/);
  if (segments.includes('..')) return outside('climbs out with `..`, which would land outside the build context');
  const normal = normalEntry(path);
  const parts = normal.split('/');
  for (let i = 1; i < parts.length; i++) {
    if (links.has(parts.slice(0, i).join('/'))) return outside('goes through a symbolic link of the archive');
  }
  if (!ENTRY_TYPES.has(type))
    return new StoreError(
      400,
      'INVALID_REQUEST',
      `archive entry ${JSON.stringify(path)} is a ${type}: a build context holds files, directories and links`,
      path,
    );
  if (type === 'SymbolicLink') {
    const target = linkpath ?? '';
    if (target.startsWith('/')) return outside(`is a symbolic link to the absolute path ${target}`);
    const resolved = posix.normalize(posix.join(posix.dirname(normal), target));
    if (resolved === '..' || resolved.startsWith('../'))
      return outside(`is a symbolic link to ${target}, outside the build context`);
  }
  if (type === 'Link') {
    const target = linkpath ?? '';
    if (target.startsWith('/') || target.split('/').includes('..'))
      return outside(`is a hard link to ${target}, outside the build context`);
  }
  return undefined;
}
