// The official JavaScript SDK (@hopx-ai/sdk), unchanged, against the local HopX: create a sandbox,
// then write, read, list, upload, download and remove files and set and read environment variables
// through the SDK's own methods, and delete the sandbox. What the SDK sent landed on disk for real.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sandbox } from '@hopx-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalHopx } from './local-harness.js';

const local = useLocalHopx();
let scratch = '';
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'hopx-sdk-files-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const create = () =>
  Sandbox.create({ template: 'code-interpreter', apiKey: local.local.apiKey, baseURL: local.local.url });

describe('the official JS SDK on the local HopX: files and environment variables', () => {
  it('writes, reads, lists, checks, makes directories and removes files', async () => {
    const sandbox = await create();
    try {
      await sandbox.files.mkdir('/workspace/project/src');
      await sandbox.files.write('/workspace/project/src/main.py', 'print("from the SDK")\n');
      await sandbox.files.write('/workspace/project/run.sh', '#!/bin/bash\necho ok\n', { mode: '0755' });
      expect(await sandbox.files.read('/workspace/project/src/main.py')).toBe('print("from the SDK")\n');
      const listing = await sandbox.files.list('/workspace/project');
      expect(listing.map((f) => [f.name, f.is_dir])).toEqual([
        ['run.sh', false],
        ['src', true],
      ]);
      const script = listing.find((f) => f.name === 'run.sh');
      expect(script?.permissions).toBe('-rwxr-xr-x');
      expect(script?.size).toBe(Buffer.byteLength('#!/bin/bash\necho ok\n'));
      expect(Date.parse(script?.modified ?? '')).not.toBeNaN();
      expect(await sandbox.files.exists('/workspace/project/src/main.py')).toBe(true);
      await sandbox.files.remove('/workspace/project/src');
      expect(await sandbox.files.exists('/workspace/project/src/main.py')).toBe(false);
      expect(await sandbox.files.exists('/workspace/project/src')).toBe(false);
    } finally {
      await sandbox.kill();
    }
  });

  it('writes bytes, uploads a local file (file part first) and downloads both byte for byte', async () => {
    const sandbox = await create();
    try {
      const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) % 256));
      const source = join(scratch, 'upload.bin');
      await writeFile(source, bytes);
      await sandbox.files.upload(source, '/workspace/uploaded.bin');
      expect(Buffer.compare(await sandbox.files.download('/workspace/uploaded.bin'), bytes)).toBe(0);
      const small = Buffer.from([0, 255, 1, 254, 10, 13]);
      await sandbox.files.writeBytes('/workspace/small.bin', small);
      expect(Buffer.compare(await sandbox.files.readBytes('/workspace/small.bin'), small)).toBe(0);
      const onDisk = join(local.local.dataDir, 'sandboxes', sandbox.sandboxId, 'root', 'workspace', 'uploaded.bin');
      const stored = await readFile(onDisk);
      expect(Buffer.compare(stored, bytes)).toBe(0);
    } finally {
      await sandbox.kill();
    }
  });

  it('sets, merges, reads, deletes and replaces environment variables, which runs then see', async () => {
    const sandbox = await create();
    try {
      await sandbox.env.set('GREETING', 'hello');
      expect(await sandbox.env.update({ TARGET: 'world' })).toEqual({ GREETING: 'hello', TARGET: 'world' });
      expect(await sandbox.env.get('GREETING')).toBe('hello');
      expect(await sandbox.env.getAll()).toEqual({ GREETING: 'hello', TARGET: 'world' });
      const run = await sandbox.commands.run('echo "$GREETING $TARGET"');
      expect(run.stdout).toBe('hello world\n');
      await sandbox.env.delete('GREETING');
      expect(await sandbox.env.getAll()).toEqual({ TARGET: 'world' });
      expect(await sandbox.env.setAll({ ONLY: 'this' })).toEqual({ ONLY: 'this' });
      expect(await sandbox.env.getAll()).toEqual({ ONLY: 'this' });
    } finally {
      await sandbox.kill();
    }
  });

  it('deletes the sandbox: it is gone from the Control Plane', async () => {
    const sandbox = await create();
    const id = sandbox.sandboxId;
    await sandbox.kill();
    const gone = await local.hopx.GET('/v1/sandboxes/{id}', { params: { path: { id } } }).catch((e) => e);
    expect(gone).toMatchObject({ status: 404 });
  });
});
