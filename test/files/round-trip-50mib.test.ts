// A 50 MiB file of random bytes goes up with uploadFile (from its path) and comes back with
// downloadToFile. The local agent streams the multipart body through a strict parser, hashing the
// file part and writing it to disk as it arrives; the three SHA-256 digests (source, what the
// server received, what came back) must agree.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAgentClient, downloadToFile, uploadFile } from '../../src/index.js';
import {
  AGENT_TOKEN,
  boundaryOf,
  fileSink,
  type MultipartPart,
  MultipartReader,
  type RawServer,
  SANDBOX_ID,
  sha256OfFile,
  startRawServer,
  tempDir,
} from './transfer-support.js';

const MIB = 1024 * 1024;
const SIZE = 50 * MIB;
const DESTINATION = '/workspace/big/random.bin';

let temp: Awaited<ReturnType<typeof tempDir>>;
let server: RawServer;
let sourcePath: string;
let sourceHash: string;
let storedPath: string;
const received: Array<{ contentLength: string | undefined; bytes: number; parts: MultipartPart[] }> = [];

beforeAll(async () => {
  temp = await tempDir('hopx-roundtrip-');
  sourcePath = join(temp.dir, 'source.bin');
  storedPath = join(temp.dir, 'stored-by-agent.bin');

  // The source: random bytes written 1 MiB at a time, hashed on the way.
  const hash = createHash('sha256');
  const out = createWriteStream(sourcePath);
  for (let i = 0; i < SIZE / MIB; i++) {
    const chunk = randomBytes(MIB);
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  sourceHash = hash.digest('hex');

  // The agent: stores the `file` part of an upload; serves what it stored.
  server = await startRawServer(async (req, res) => {
    const url = new URL(req.url!, 'http://agent');
    if (req.method === 'POST' && url.pathname === '/files/upload') {
      const reader = new MultipartReader(boundaryOf(req.headers['content-type']), (name) =>
        name === 'file' ? fileSink(storedPath) : undefined,
      );
      let bytes = 0;
      for await (const chunk of req) {
        bytes += (chunk as Buffer).length;
        reader.write(chunk as Buffer);
      }
      const parts = await reader.end();
      received.push({ contentLength: req.headers['content-length'], bytes, parts });
      const path = parts.find((p) => p.name === 'path')?.data?.toString() ?? '';
      const size = parts.find((p) => p.name === 'file')?.size ?? 0;
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ success: true, path, size, message: 'File uploaded successfully' }));
    }
    if (req.method === 'GET' && url.pathname === '/files/download' && url.searchParams.get('path') === DESTINATION) {
      const { size } = await stat(storedPath);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
      return pipeline(createReadStream(storedPath), res);
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'not found', code: 'FILE_NOT_FOUND' }));
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await temp?.cleanup();
});

it('uploads 50 MiB from a path and downloads it back with the same SHA-256', async () => {
  const agent = createAgentClient({ sandbox: { id: SANDBOX_ID, public_host: server.url, auth_token: AGENT_TOKEN } });

  let uploadCalls = 0;
  let lastSent = -1;
  const result = await uploadFile(agent, DESTINATION, sourcePath, {
    onProgress: (sent, total) => {
      uploadCalls++;
      expect(total).toBe(SIZE);
      expect(sent).toBeGreaterThanOrEqual(lastSent);
      lastSent = sent;
    },
  });
  expect(result).toEqual({ success: true, path: DESTINATION, size: SIZE, message: 'File uploaded successfully' });
  expect(lastSent).toBe(SIZE);
  expect(uploadCalls).toBeGreaterThan(10);

  // What the server received: one request, exactly two parts, the file part hashed as it streamed.
  expect(received).toHaveLength(1);
  const [{ contentLength, bytes, parts }] = received as [(typeof received)[number]];
  expect(contentLength).toBe(String(bytes));
  expect(parts.map((p) => p.name).sort()).toEqual(['file', 'path']);
  const filePart = parts.find((p) => p.name === 'file')!;
  expect(parts.find((p) => p.name === 'path')!.data!.toString()).toBe(DESTINATION);
  expect(filePart.filename).toBe('random.bin');
  expect(filePart.contentType).toBe('application/octet-stream');
  expect(filePart.size).toBe(SIZE);
  expect(filePart.sha256).toBe(sourceHash);
  expect(await sha256OfFile(storedPath)).toBe(sourceHash);

  // And back.
  const downloadDir = join(temp.dir, 'downloads');
  await mkdir(downloadDir);
  const target = join(downloadDir, 'random.bin');
  let downloadCalls = 0;
  let lastReceived = -1;
  const download = await downloadToFile(agent, DESTINATION, target, {
    onProgress: (got, total) => {
      downloadCalls++;
      expect(total).toBe(SIZE);
      expect(got).toBeGreaterThan(lastReceived);
      lastReceived = got;
    },
  });
  expect(download).toEqual({ path: target, bytes: SIZE });
  expect(lastReceived).toBe(SIZE);
  expect(downloadCalls).toBeGreaterThan(10);
  expect((await stat(target)).size).toBe(SIZE);
  expect(await sha256OfFile(target)).toBe(sourceHash);
  expect(await readdir(downloadDir)).toEqual(['random.bin']);
}, 60_000);
