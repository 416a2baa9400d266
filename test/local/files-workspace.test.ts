// Files in workspace mode: the sandbox's code sees this machine's paths, so the file API maps every
// absolute path into the sandbox's own folder (`/workspace/x` is `<folder>/root/workspace/x`), and
// this machine's files stay out of reach (`/etc/passwd` names a file the sandbox does not have).
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { downloadBytes, FileNotFoundError, uploadFile } from '../../src/index.js';
import { useLocalHopx } from './local-harness.js';

const local = useLocalHopx({ isolation: 'workspace' });
const onDisk = (sandboxId: string, path: string) => join(local.local.dataDir, 'sandboxes', sandboxId, 'root', path);

describe('files on the local HopX (workspace isolation)', () => {
  it('keeps every file in the sandbox’s folder: write, upload, list, download, remove', async () => {
    expect(local.local.isolation.mode).toBe('workspace');
    const { sandbox, agent } = await local.sandbox();
    await agent.POST('/files/mkdir', { body: { path: '/workspace/data' } });
    await agent.POST('/files/write', { body: { path: '/workspace/data/notes.txt', content: 'local', mode: '0600' } });
    const bytes = new Uint8Array(100_000).map((_, i) => i % 256);
    await uploadFile(agent, '/workspace/data/blob.bin', bytes);
    expect(await readFile(onDisk(sandbox.id, '/workspace/data/notes.txt'), 'utf8')).toBe('local');
    expect((await stat(onDisk(sandbox.id, '/workspace/data/notes.txt'))).mode & 0o777).toBe(0o600);
    const listing = await agent.GET('/files/list', { params: { query: { path: 'data' } } });
    expect(listing.files?.map((f) => [f?.name, f?.size, f?.permissions])).toEqual([
      ['blob.bin', 100_000, '-rw-r--r--'],
      ['notes.txt', 5, '-rw-------'],
    ]);
    expect(
      Buffer.compare(Buffer.from(await downloadBytes(agent, '/workspace/data/blob.bin')), Buffer.from(bytes)),
    ).toBe(0);
    await agent.DELETE('/files/remove', { params: { query: { path: '/workspace/data' } } });
    await expect(stat(onDisk(sandbox.id, '/workspace/data'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it("maps absolute paths into the sandbox's folder, never onto this machine", async () => {
    const { sandbox, agent } = await local.sandbox();
    const passwd = await agent.GET('/files/read', { params: { query: { path: '/etc/passwd' } } }).catch((e) => e);
    expect(passwd).toBeInstanceOf(FileNotFoundError);
    // A top-level folder the sandbox makes is its own.
    await agent.POST('/files/mkdir', { body: { path: '/opt/tool' } });
    await agent.POST('/files/write', { body: { path: '/opt/tool/config', content: 'x' } });
    expect(await readFile(onDisk(sandbox.id, '/opt/tool/config'), 'utf8')).toBe('x');
    await expect(stat('/opt/tool/config')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
