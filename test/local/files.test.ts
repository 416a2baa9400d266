// The local HopX's file operations work on the sandbox's real files (namespace mode, the default
// where the machine allows it): what is written is on disk in the sandbox's folder with its mode,
// read and downloaded back byte for byte, listed with real sizes, removed for real; uploads stream
// in whatever order the parts come; a reader never sees half a written file.
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BadRequestError,
  ConflictError,
  downloadBytes,
  downloadFile,
  FileNotFoundError,
  PathNotAllowedError,
  uploadFile,
} from '../../src/index.js';
import { useLocalHopx } from './local-harness.js';

const READ_LIMIT = 3 * 1024 * 1024;
const local = useLocalHopx({ limits: { outputBytes: READ_LIMIT } });

/** Where sandbox path `/workspace/...` lands in the sandbox's own folder (its filesystem's top layer). */
const onDisk = (sandboxId: string, path: string) => join(local.local.dataDir, 'sandboxes', sandboxId, 'root', path);

describe('files on the local HopX', () => {
  it('writes text and reads it back; the file is on disk with the mode asked for', async () => {
    const { sandbox, agent } = await local.sandbox();
    const content = 'print("héllo")\n';
    const written = await agent.POST('/files/write', {
      body: { path: '/workspace/hello.py', content, mode: '0755', overwrite: true },
    });
    expect(written).toMatchObject({ success: true, path: '/workspace/hello.py', size: Buffer.byteLength(content) });
    const read = await agent.GET('/files/read', { params: { query: { path: '/workspace/hello.py' } } });
    expect(read).toEqual({ content, path: '/workspace/hello.py', size: Buffer.byteLength(content) });
    const host = onDisk(sandbox.id, '/workspace/hello.py');
    expect(await readFile(host, 'utf8')).toBe(content);
    expect((await stat(host)).mode & 0o7777).toBe(0o755);
    // A relative path is relative to /workspace.
    expect(await agent.GET('/files/read', { params: { query: { path: 'hello.py' } } })).toMatchObject({ content });
  });

  it('writes base64 content as the decoded bytes, which download returns exactly', async () => {
    const { agent } = await local.sandbox();
    const bytes = new Uint8Array(Array.from({ length: 256 }, (_, i) => i));
    await agent.POST('/files/write', {
      body: { path: '/workspace/all-bytes.bin', content: Buffer.from(bytes).toString('base64'), encoding: 'base64' },
    });
    expect(Buffer.from(await downloadBytes(agent, '/workspace/all-bytes.bin'))).toEqual(Buffer.from(bytes));
    const error = await agent
      .POST('/files/write', { body: { path: '/workspace/bad.bin', content: 'not base64!', encoding: 'base64' } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(await agent.GET('/files/exists', { params: { query: { path: '/workspace/bad.bin' } } })).toMatchObject({
      exists: false,
    });
  });

  it('refuses to overwrite with overwrite: false (409 FILE_ALREADY_EXISTS) and keeps the file', async () => {
    const { agent } = await local.sandbox();
    await agent.POST('/files/write', { body: { path: '/workspace/keep.txt', content: 'first' } });
    const error = await agent
      .POST('/files/write', {
        body: { path: '/workspace/keep.txt', content: 'second', overwrite: false },
        maxRetries: 0,
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ status: 409, code: 'FILE_ALREADY_EXISTS' });
    expect(await agent.GET('/files/read', { params: { query: { path: '/workspace/keep.txt' } } })).toMatchObject({
      content: 'first',
    });
    // A new name is fine without overwriting.
    await agent.POST('/files/write', { body: { path: '/workspace/new.txt', content: 'x', overwrite: false } });
    expect(await agent.GET('/files/read', { params: { query: { path: '/workspace/new.txt' } } })).toMatchObject({
      content: 'x',
    });
  });

  it('needs the parent directory to exist; mkdir creates parents and is idempotent', async () => {
    const { agent } = await local.sandbox();
    const missing = await agent
      .POST('/files/write', { body: { path: '/workspace/a/b/c.txt', content: 'x' } })
      .catch((e) => e);
    expect(missing).toMatchObject({ status: 400, code: 'DIRECTORY_NOT_FOUND' });
    expect(await agent.POST('/files/mkdir', { body: { path: '/workspace/a/b' } })).toMatchObject({
      success: true,
      message: 'Directory created successfully',
    });
    expect(await agent.POST('/files/mkdir', { body: { path: '/workspace/a/b' } })).toMatchObject({
      message: 'Directory already exists',
    });
    await agent.POST('/files/write', { body: { path: '/workspace/a/b/c.txt', content: 'x' } });
    const onFile = await agent.POST('/files/mkdir', { body: { path: '/workspace/a/b/c.txt/d' } }).catch((e) => e);
    expect(onFile).toMatchObject({ status: 400, code: 'INVALID_PATH' });
  });

  it('lists a directory with real sizes, types, times and permissions, under both spellings', async () => {
    const { agent } = await local.sandbox();
    await agent.POST('/files/mkdir', { body: { path: '/workspace/listing/sub' } });
    await agent.POST('/files/write', { body: { path: '/workspace/listing/b.txt', content: '12345', mode: '0600' } });
    await agent.POST('/files/write', { body: { path: '/workspace/listing/a.txt', content: '' } });
    const listing = await agent.GET('/files/list', { params: { query: { path: '/workspace/listing' } } });
    expect(listing.path).toBe('/workspace/listing');
    expect(listing.count).toBe(3);
    expect(listing.files?.map((f) => f?.name)).toEqual(['a.txt', 'b.txt', 'sub']);
    const [a, b, sub] = listing.files ?? [];
    expect(b).toMatchObject({
      path: '/workspace/listing/b.txt',
      size: 5,
      is_directory: false,
      is_dir: false,
      permissions: '-rw-------',
    });
    expect(a).toMatchObject({ size: 0, permissions: '-rw-r--r--' });
    expect(sub).toMatchObject({ is_directory: true, is_dir: true });
    expect(sub?.permissions).toMatch(/^d/);
    expect(Math.abs(Date.parse(b?.modified_time ?? '') - Date.now())).toBeLessThan(60_000);
    expect(b?.modified).toBe(b?.modified_time);
    // The default is /workspace.
    const workspace = await agent.GET('/files/list');
    expect(workspace.files?.map((f) => f?.name)).toContain('listing');
    const missing = await agent.GET('/files/list', { params: { query: { path: '/workspace/nope' } } }).catch((e) => e);
    expect(missing).toBeInstanceOf(FileNotFoundError);
    const notDir = await agent
      .GET('/files/list', { params: { query: { path: '/workspace/listing/b.txt' } } })
      .catch((e) => e);
    expect(notDir).toMatchObject({ status: 400, code: 'INVALID_PATH' });
  });

  it('answers exists for files, directories and nothing', async () => {
    const { agent } = await local.sandbox();
    await agent.POST('/files/write', { body: { path: '/workspace/here.txt', content: 'x' } });
    const exists = (path: string) => agent.GET('/files/exists', { params: { query: { path } } });
    expect(await exists('/workspace/here.txt')).toEqual({
      exists: true,
      path: '/workspace/here.txt',
      is_directory: false,
    });
    expect(await exists('/workspace')).toMatchObject({ exists: true, is_directory: true });
    expect(await exists('/workspace/not-here.txt')).toEqual({ exists: false, path: '/workspace/not-here.txt' });
  });

  it('removes files and whole directories for real; a missing path is 404; top-level directories stay', async () => {
    const { sandbox, agent } = await local.sandbox();
    await agent.POST('/files/mkdir', { body: { path: '/workspace/tree/deep/er' } });
    await agent.POST('/files/write', { body: { path: '/workspace/tree/deep/er/f.txt', content: 'x' } });
    await agent.POST('/files/write', { body: { path: '/workspace/single.txt', content: 'x' } });
    expect(await agent.DELETE('/files/remove', { params: { query: { path: '/workspace/single.txt' } } })).toMatchObject(
      {
        success: true,
        path: '/workspace/single.txt',
      },
    );
    await agent.DELETE('/files/remove', { params: { query: { path: '/workspace/tree' } } });
    await expect(stat(onDisk(sandbox.id, '/workspace/tree'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(onDisk(sandbox.id, '/workspace/single.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    const missing = await agent
      .DELETE('/files/remove', { params: { query: { path: '/workspace/single.txt' } } })
      .catch((e) => e);
    expect(missing).toBeInstanceOf(FileNotFoundError);
    const workspace = await agent
      .DELETE('/files/remove', { params: { query: { path: '/workspace' } } })
      .catch((e) => e);
    expect(workspace).toBeInstanceOf(PathNotAllowedError);
    expect((await stat(onDisk(sandbox.id, '/workspace'))).isDirectory()).toBe(true);
  });

  it('answers 404 FILE_NOT_FOUND for a missing file and 400 for a directory', async () => {
    const { agent } = await local.sandbox();
    const missing = await agent
      .GET('/files/read', { params: { query: { path: '/workspace/missing.txt' } } })
      .catch((e) => e);
    expect(missing).toBeInstanceOf(FileNotFoundError);
    expect(missing).toMatchObject({ status: 404, code: 'FILE_NOT_FOUND' });
    const download = await agent
      .GET('/files/download', { params: { query: { path: '/workspace/missing.txt' } }, parseAs: 'stream' })
      .catch((e) => e);
    expect(download).toBeInstanceOf(FileNotFoundError);
    const directory = await agent.GET('/files/read', { params: { query: { path: '/workspace' } } }).catch((e) => e);
    expect(directory).toMatchObject({ status: 400, code: 'INVALID_PATH' });
  });

  it('streams an upload to disk and a download back, byte for byte', async () => {
    const { sandbox, agent } = await local.sandbox();
    const bytes = new Uint8Array(5 * 1024 * 1024 + 17);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251;
    const uploaded = await uploadFile(agent, '/workspace/big.bin', bytes);
    expect(uploaded).toMatchObject({ success: true, path: '/workspace/big.bin', size: bytes.length });
    expect((await stat(onDisk(sandbox.id, '/workspace/big.bin'))).size).toBe(bytes.length);
    const back = await downloadBytes(agent, '/workspace/big.bin');
    expect(Buffer.compare(Buffer.from(back), Buffer.from(bytes))).toBe(0);
    // Too big for JSON (over this instance's read limit): /files/read says so; download is the way.
    const tooBig = await agent
      .GET('/files/read', { params: { query: { path: '/workspace/big.bin' } } })
      .catch((e) => e);
    expect(tooBig).toMatchObject({ status: 400 });
    expect(tooBig.message).toContain('/files/download');
  });

  it('takes an upload whose file part comes before its path part (the official JS SDK order)', async () => {
    const { sandbox } = await local.sandbox();
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array([0, 1, 2, 255])]), 'data.bin');
    form.append('path', '/workspace/file-first.bin');
    const response = await fetch(`${sandbox.public_host}/files/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sandbox.auth_token}` },
      body: form,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ success: true, path: '/workspace/file-first.bin', size: 4 });
    expect([...(await readFile(onDisk(sandbox.id, '/workspace/file-first.bin')))]).toEqual([0, 1, 2, 255]);
    // Nothing is left where the bytes waited for their path.
    const uploads = join(local.local.dataDir, 'sandboxes', sandbox.id, 'uploads');
    expect(await readdir(uploads)).toEqual([]);
  });

  it('refuses uploads without a path, without a file, or into a missing directory', async () => {
    const { sandbox, agent } = await local.sandbox();
    const post = (form: FormData) =>
      fetch(`${sandbox.public_host}/files/upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sandbox.auth_token}` },
        body: form,
      });
    const noPath = new FormData();
    noPath.append('file', new Blob(['x']), 'x.txt');
    expect((await post(noPath)).status).toBe(400);
    const noFile = new FormData();
    noFile.append('path', '/workspace/x.txt');
    expect((await post(noFile)).status).toBe(400);
    const missingDirectory = await uploadFile(agent, '/workspace/no/such/dir/x.txt', new Uint8Array([1])).catch(
      (e) => e,
    );
    expect(missingDirectory).toMatchObject({ status: 400, code: 'DIRECTORY_NOT_FOUND' });
    expect(await agent.GET('/files/list')).toMatchObject({ count: 0 });
  });

  it('writes atomically: concurrent readers see the old file or the new one, never a mix or a part', async () => {
    const { agent } = await local.sandbox();
    const size = 1024 * 1024;
    const versions = ['a', 'b', 'c', 'd'].map((letter) => letter.repeat(size));
    await agent.POST('/files/write', { body: { path: '/workspace/atomic.txt', content: versions[0]! } });
    const writes = versions
      .flatMap((content) => [content, content])
      .map((content) => agent.POST('/files/write', { body: { path: '/workspace/atomic.txt', content } }));
    const reads = Array.from({ length: 12 }, () =>
      agent.GET('/files/read', { params: { query: { path: '/workspace/atomic.txt' } } }),
    );
    const [, seen] = await Promise.all([Promise.all(writes), Promise.all(reads)]);
    for (const read of seen) {
      expect(read.size).toBe(size);
      expect(versions).toContain(read.content);
    }
    // No temporary file is left next to it.
    const listing = await agent.GET('/files/list');
    expect(listing.files?.map((f) => f?.name)).toEqual(['atomic.txt']);
  });

  it('survives a sandbox deleted mid-download and mid-upload: the transfers fail, nothing stays open', async () => {
    const { sandbox, agent } = await local.sandbox();
    // Larger than what socket buffers hold, so the download is still going when the sandbox goes.
    const size = 24 * 1024 * 1024;
    await uploadFile(agent, '/workspace/large.bin', new Uint8Array(size));
    const { stream } = await downloadFile(agent, '/workspace/large.bin');
    const reader = stream.getReader();
    expect((await reader.read()).done).toBe(false);
    // An upload that is still sending when the sandbox goes.
    let sent = 0;
    const slow = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        sent += 64 * 1024;
        controller.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const uploading = uploadFile(agent, '/workspace/never.bin', slow, { maxRetries: 0 }).catch((e) => e);
    while (sent < 256 * 1024) await new Promise((resolve) => setTimeout(resolve, 20));
    await local.hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: sandbox.id } } });
    const drained = (async () => {
      for (;;) if ((await reader.read()).done) return 'ended';
    })().catch(() => 'failed');
    // The download stops short of the file (the connection is cut), the upload fails.
    expect(await drained).toBe('failed');
    expect(await uploading).toBeInstanceOf(Error);
    // This process keeps nothing of the sandbox open, and the sandbox's folder is gone.
    const folder = join(local.local.dataDir, 'sandboxes', sandbox.id);
    const open = await Promise.all(
      (await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')),
    );
    expect(open.filter((target) => target.startsWith(folder))).toEqual([]);
    await expect(stat(folder)).rejects.toMatchObject({ code: 'ENOENT' });
    // And the local HopX keeps serving other sandboxes.
    const other = await local.sandbox();
    await other.agent.POST('/files/write', { body: { path: '/workspace/ok.txt', content: 'ok' } });
    expect(await other.agent.GET('/files/read', { params: { query: { path: '/workspace/ok.txt' } } })).toMatchObject({
      content: 'ok',
    });
  });
});
