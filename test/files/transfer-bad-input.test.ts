// Bad input to uploads and downloads, each a clear typed error: a path the agent refuses (403
// PATH_NOT_ALLOWED), a missing local file, a directory given as a file, an unreadable file, a local
// file cut short while it is sent, a download target in a folder that does not exist, a file the
// agent does not have (404).

import { mkdir, readdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localFileError } from '../../src/files/local-file.js';
import {
  createAgentClient,
  downloadBytes,
  downloadFile,
  downloadToFile,
  FileNotFoundError,
  HopxLocalFileError,
  NotFoundError,
  PathNotAllowedError,
  PermissionDeniedError,
  uploadFile,
} from '../../src/index.js';
import { type ScriptedServer, sendJson, startRawServer, startScriptedServer } from '../support/scripted-server.js';
import { AGENT_TOKEN, SANDBOX_ID, tempDir } from './transfer-support.js';

const FORBIDDEN = {
  error: 'Access to path /etc/shadow is not allowed',
  code: 'PATH_NOT_ALLOWED',
  path: '/etc/shadow',
  request_id: '6b8f2d1a-0c3e-4a5b-9f7d-2e1c0b9a8d76',
};
const MISSING = {
  error: 'File not found: /workspace/missing.txt',
  code: 'FILE_NOT_FOUND',
  path: '/workspace/missing.txt',
};

let server: ScriptedServer;
let temp: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  temp = await tempDir();
});
afterEach(async () => {
  await server?.close();
  await temp.cleanup();
});

/** An agent that answers every request with `status` and `body`. */
async function startAgent(status: number, body: unknown, throwOnError = false) {
  server = await startScriptedServer((_req, res) => sendJson(res, status, body));
  return createAgentClient({
    sandbox: { id: SANDBOX_ID, public_host: server.url, auth_token: AGENT_TOKEN },
    throwOnError,
  });
}

describe('403 PATH_NOT_ALLOWED', () => {
  it.each([false, true])(
    'uploadFile (throwOnError: %s) rejects with PathNotAllowedError, sent once',
    async (throwOnError) => {
      const agent = await startAgent(403, FORBIDDEN, throwOnError);
      const error = await uploadFile(agent, '/etc/shadow', new Blob(['x'])).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PathNotAllowedError);
      expect(error).toBeInstanceOf(PermissionDeniedError);
      expect((error as PathNotAllowedError).status).toBe(403);
      expect((error as PathNotAllowedError).code).toBe('PATH_NOT_ALLOWED');
      expect((error as PathNotAllowedError).body.path).toBe('/etc/shadow');
      expect(server.seen).toHaveLength(1);
    },
  );

  it('uploadFile from a local path: PathNotAllowedError', async () => {
    const local = join(temp.dir, 'shadow');
    await writeFile(local, 'root:*:19000:0:99999:7:::\n');
    const agent = await startAgent(403, FORBIDDEN);
    await expect(uploadFile(agent, '/etc/shadow', local)).rejects.toBeInstanceOf(PathNotAllowedError);
  });

  it('downloadFile, downloadBytes and downloadToFile reject with PathNotAllowedError', async () => {
    const agent = await startAgent(403, FORBIDDEN);
    await expect(downloadFile(agent, '/etc/shadow')).rejects.toBeInstanceOf(PathNotAllowedError);
    await expect(downloadBytes(agent, '/etc/shadow')).rejects.toBeInstanceOf(PathNotAllowedError);
    await expect(downloadToFile(agent, '/etc/shadow', join(temp.dir, 'shadow'))).rejects.toBeInstanceOf(
      PathNotAllowedError,
    );
    expect(await readdir(temp.dir)).toEqual([]);
  });
});

describe('uploadFile from a local file that cannot be used: HopxLocalFileError, no request', () => {
  it('a missing file: reason not-found, with the path', async () => {
    const agent = await startAgent(200, { success: true, path: '/workspace/x' });
    const missing = join(temp.dir, 'no-such-file.csv');
    const error = await uploadFile(agent, '/workspace/x.csv', missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HopxLocalFileError);
    expect((error as HopxLocalFileError).reason).toBe('not-found');
    expect((error as HopxLocalFileError).path).toBe(missing);
    expect((error as HopxLocalFileError).message).toContain(missing);
    expect(server.seen).toHaveLength(0);
  });

  it('a directory: reason is-directory, with the path', async () => {
    const agent = await startAgent(200, { success: true, path: '/workspace/x' });
    const folder = join(temp.dir, 'a-folder');
    await mkdir(folder);
    const error = await uploadFile(agent, '/workspace/a-folder', folder).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HopxLocalFileError);
    expect((error as HopxLocalFileError).reason).toBe('is-directory');
    expect((error as HopxLocalFileError).path).toBe(folder);
    expect(server.seen).toHaveLength(0);
  });

  it('a missing file with a throwing client: the same HopxLocalFileError', async () => {
    const agent = await startAgent(200, { success: true, path: '/workspace/x' }, true);
    const error = await uploadFile(agent, '/workspace/x.csv', join(temp.dir, 'gone')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HopxLocalFileError);
    expect((error as HopxLocalFileError).reason).toBe('not-found');
    expect(server.seen).toHaveLength(0);
  });

  // Tests run as root, which reads any file whatever its mode: the mapping is checked directly.
  it('an unreadable file (EACCES): reason permission-denied, with the path', () => {
    const error = localFileError(
      '/data/locked.bin',
      'read',
      Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }),
    );
    expect(error).toBeInstanceOf(HopxLocalFileError);
    expect(error.reason).toBe('permission-denied');
    expect(error.path).toBe('/data/locked.bin');
    expect(error.message).toBe('Local file /data/locked.bin cannot be read (permission denied)');
  });
});

describe('uploadFile from a local file that changes while it is sent', () => {
  it('a file cut short once the upload began: the upload fails naming the file', async () => {
    const MiB = 1024 * 1024;
    const local = join(temp.dir, 'growing-log.bin');
    // Far more than the socket buffers hold: the client cannot have read it all when it is cut.
    await writeFile(local, new Uint8Array(32 * MiB).fill(7));
    let received = 0;
    const raw = await startRawServer((req, res) => {
      req.once('data', () => void truncate(local, MiB));
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
      });
      req.on('error', () => {});
      req.on('end', () => sendJson(res, 200, { success: true, path: '/workspace/log.bin' }));
    });
    try {
      const agent = createAgentClient({
        sandbox: { id: SANDBOX_ID, public_host: raw.url, auth_token: AGENT_TOKEN },
        maxRetries: 0,
      });
      const error = await uploadFile(agent, '/workspace/log.bin', local).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain(local);
      expect((error as Error).message).toContain('changed while being sent');
      expect(received).toBeLessThan(32 * MiB);
    } finally {
      await raw.close();
    }
  });
});

describe('downloadToFile to a local path that cannot be written', () => {
  it('a folder that does not exist: HopxLocalFileError reason not-found, with the path', async () => {
    const agent = await startAgent(200, {});
    const target = join(temp.dir, 'no', 'such', 'folder', 'report.pdf');
    const error = await downloadToFile(agent, '/workspace/report.pdf', target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HopxLocalFileError);
    expect((error as HopxLocalFileError).reason).toBe('not-found');
    expect((error as HopxLocalFileError).path).toBe(target);
    expect(await readdir(temp.dir)).toEqual([]);
  });

  it('a target that is an existing directory: HopxLocalFileError reason is-directory, nothing left behind', async () => {
    server = await startScriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '5' });
      res.end('hello');
    });
    const agent = createAgentClient({ sandbox: { id: SANDBOX_ID, public_host: server.url, auth_token: AGENT_TOKEN } });
    const folder = join(temp.dir, 'existing-folder');
    await mkdir(folder);
    const error = await downloadToFile(agent, '/workspace/report.pdf', folder).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HopxLocalFileError);
    expect((error as HopxLocalFileError).reason).toBe('is-directory');
    expect((error as HopxLocalFileError).path).toBe(folder);
    expect(await readdir(temp.dir)).toEqual(['existing-folder']);
    expect(await readdir(folder)).toEqual([]);
  });
});

describe('404 FILE_NOT_FOUND', () => {
  it('downloadFile rejects with FileNotFoundError carrying the API error', async () => {
    const agent = await startAgent(404, MISSING);
    const error = await downloadFile(agent, '/workspace/missing.txt').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileNotFoundError);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as FileNotFoundError).status).toBe(404);
    expect((error as FileNotFoundError).code).toBe('FILE_NOT_FOUND');
    expect((error as FileNotFoundError).body.path).toBe('/workspace/missing.txt');
    expect(server.seen).toHaveLength(1);
  });

  it.each([false, true])('downloadBytes (throwOnError: %s) rejects with FileNotFoundError', async (throwOnError) => {
    const agent = await startAgent(404, MISSING, throwOnError);
    await expect(downloadBytes(agent, '/workspace/missing.txt')).rejects.toBeInstanceOf(FileNotFoundError);
  });

  it('downloadToFile rejects with FileNotFoundError and creates no file', async () => {
    const agent = await startAgent(404, MISSING);
    const target = join(temp.dir, 'missing.txt');
    await expect(downloadToFile(agent, '/workspace/missing.txt', target)).rejects.toBeInstanceOf(FileNotFoundError);
    expect(await readdir(temp.dir)).toEqual([]);
  });
});
