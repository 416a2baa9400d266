// downloadFile / downloadBytes / downloadToFile against a local server that sends the file in
// pieces: every byte arrives, progress is reported, the stream is live (not buffered), and a body cut
// off mid-way is a typed error that leaves no file behind, neither the target nor a `.partial`.
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createAgentClient,
  downloadBytes,
  downloadFile,
  downloadToFile,
  HopxConnectionError,
  HopxTimeoutError,
} from '../../src/index.js';
import {
  AGENT_TOKEN,
  partialFiles,
  patternBytes,
  type RawServer,
  SANDBOX_ID,
  sha256,
  sha256OfFile,
  startRawServer,
  tempDir,
} from './transfer-support.js';

const REMOTE = '/workspace/out/result file.bin';
const SIZE = 256 * 1024 + 3;
const BYTES = patternBytes(SIZE, 11);
const CHUNK = 32 * 1024;

let server: RawServer | undefined;
let temp: Awaited<ReturnType<typeof tempDir>>;
const seen: Array<{ method: string; url: URL; authorization: string | undefined }> = [];

beforeEach(async () => {
  temp = await tempDir();
  seen.length = 0;
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await temp.cleanup();
});

const agentFor = (url: string, extra: { timeout?: number; fetch?: typeof fetch } = {}) =>
  createAgentClient({ sandbox: { id: SANDBOX_ID, public_host: url, auth_token: AGENT_TOKEN }, ...extra });

const written = (res: import('node:http').ServerResponse, chunk: Uint8Array) =>
  new Promise<void>((resolve, reject) => res.write(chunk, (error) => (error ? reject(error) : resolve())));
const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Serves BYTES for REMOTE in CHUNK-sized writes, each flushed before the next. `withLength: false`
 * sends it chunked. `after` decides what happens once `stopAt` bytes went out.
 */
async function startFileServer({
  withLength = true,
  stopAt = SIZE,
  after = 'end' as 'end' | 'destroy' | 'stall',
  declared = SIZE,
  gate,
}: {
  withLength?: boolean;
  stopAt?: number;
  after?: 'end' | 'destroy' | 'stall';
  declared?: number;
  gate?: Promise<void>;
} = {}) {
  server = await startRawServer(async (req, res) => {
    const url = new URL(req.url!, 'http://agent');
    seen.push({ method: req.method!, url, authorization: req.headers.authorization });
    if (url.pathname !== '/files/download' || url.searchParams.get('path') !== REMOTE) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return void res.end(
        JSON.stringify({ error: 'File not found', code: 'FILE_NOT_FOUND', path: url.searchParams.get('path') }),
      );
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      ...(withLength ? { 'content-length': String(declared) } : {}),
    });
    for (let offset = 0; offset < stopAt; offset += CHUNK) {
      await written(res, BYTES.subarray(offset, Math.min(offset + CHUNK, stopAt)));
      if (offset === 0 && gate) await gate;
      await nextTick();
    }
    if (after === 'destroy') req.socket.destroy();
    else if (after === 'end') res.end();
    // 'stall': keep the connection open and send nothing more.
  });
  return server;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<{ bytes: Uint8Array; chunks: number }> {
  const parts: Uint8Array[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) parts.push(chunk);
  return { bytes: new Uint8Array(Buffer.concat(parts)), chunks: parts.length };
}

function expectClimbingTo(calls: Array<[number, number | undefined]>, size: number, total: number | undefined) {
  expect(calls.length).toBeGreaterThan(1);
  for (let i = 0; i < calls.length; i++) {
    expect(calls[i]![1]).toBe(total);
    if (i > 0) expect(calls[i]![0]).toBeGreaterThan(calls[i - 1]![0]);
  }
  expect(calls.at(-1)![0]).toBe(size);
}

describe('a complete download', () => {
  it('downloadFile: GET /files/download?path=..., size from Content-Length, the stream yields every byte', async () => {
    const { url } = await startFileServer();
    const calls: Array<[number, number | undefined]> = [];
    const { stream, size } = await downloadFile(agentFor(url), REMOTE, { onProgress: (r, t) => calls.push([r, t]) });
    expect(size).toBe(SIZE);
    const { bytes, chunks } = await readAll(stream);
    expect(bytes.length).toBe(SIZE);
    expect(sha256(bytes)).toBe(sha256(BYTES));
    expect(chunks).toBeGreaterThan(1);
    expectClimbingTo(calls, SIZE, SIZE);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('GET');
    expect(seen[0]!.url.searchParams.get('path')).toBe(REMOTE);
    expect(seen[0]!.authorization).toBe(`Bearer ${AGENT_TOKEN}`);
  });

  it('downloadFile hands over the stream before the body has arrived, and reads on demand', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { url } = await startFileServer({ gate });
    // Resolving at all proves the body was not buffered: the server sends no more than the first
    // chunk until the test has read it.
    const { stream } = await downloadFile(agentFor(url), REMOTE);
    const reader = stream.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    expect(Buffer.from(first.value!).equals(Buffer.from(BYTES.subarray(0, first.value!.length)))).toBe(true);
    release();
    const rest: Uint8Array[] = [first.value!];
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest.push(r.value);
    expect(sha256(Buffer.concat(rest))).toBe(sha256(BYTES));
  }, 10_000); // a client that buffered the body would wait for the gate forever

  it('downloadBytes returns exactly the file', async () => {
    const { url } = await startFileServer();
    const calls: Array<[number, number | undefined]> = [];
    const bytes = await downloadBytes(agentFor(url), REMOTE, { onProgress: (r, t) => calls.push([r, t]) });
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes.length).toBe(SIZE);
    expect(sha256(bytes)).toBe(sha256(BYTES));
    expectClimbingTo(calls, SIZE, SIZE);
  });

  it('downloadToFile writes exactly the file, reports progress, and leaves no .partial file', async () => {
    const { url } = await startFileServer();
    const target = join(temp.dir, 'result.bin');
    const calls: Array<[number, number | undefined]> = [];
    const result = await downloadToFile(agentFor(url), REMOTE, target, { onProgress: (r, t) => calls.push([r, t]) });
    expect(result).toEqual({ path: target, bytes: SIZE });
    expect(await sha256OfFile(target)).toBe(sha256(BYTES));
    expect(await readdir(temp.dir)).toEqual(['result.bin']);
    expectClimbingTo(calls, SIZE, SIZE);
  });

  it('downloadToFile replaces an existing file only once the new one is complete', async () => {
    const { url } = await startFileServer();
    const target = join(temp.dir, 'result.bin');
    await writeFile(target, 'old content');
    await downloadToFile(agentFor(url), REMOTE, target);
    expect(await sha256OfFile(target)).toBe(sha256(BYTES));
    expect(await readdir(temp.dir)).toEqual(['result.bin']);
  });

  it('without a Content-Length (chunked): every byte, size and progress total undefined', async () => {
    const { url } = await startFileServer({ withLength: false });
    const calls: Array<[number, number | undefined]> = [];
    const { stream, size } = await downloadFile(agentFor(url), REMOTE, { onProgress: (r, t) => calls.push([r, t]) });
    expect(size).toBeUndefined();
    expect(sha256((await readAll(stream)).bytes)).toBe(sha256(BYTES));
    expectClimbingTo(calls, SIZE, undefined);
    const target = join(temp.dir, 'chunked.bin');
    await downloadToFile(agentFor(url), REMOTE, target);
    expect(await sha256OfFile(target)).toBe(sha256(BYTES));
  });

  it('an empty file: zero bytes in memory and an empty file on disk', async () => {
    server = await startRawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '0' });
      res.end();
    });
    const agent = agentFor(server.url);
    expect((await downloadBytes(agent, '/workspace/empty')).length).toBe(0);
    const target = join(temp.dir, 'empty');
    expect(await downloadToFile(agent, '/workspace/empty', target)).toEqual({ path: target, bytes: 0 });
    expect((await readFile(target)).length).toBe(0);
    expect(await readdir(temp.dir)).toEqual(['empty']);
  });

  it('a gzip-encoded response (Content-Length counts the compressed bytes) still yields the file', async () => {
    // fetch decodes Content-Encoding transparently; Content-Length then says nothing about the
    // number of decoded bytes, so it must not be taken as the file's size.
    const compressed = gzipSync(BYTES.subarray(0, 64 * 1024).map((b) => b & 0x03));
    const plain = BYTES.subarray(0, 64 * 1024).map((b) => b & 0x03);
    server = await startRawServer((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-encoding': 'gzip',
        'content-length': String(compressed.length),
      });
      res.end(compressed);
    });
    const bytes = await downloadBytes(agentFor(server.url), REMOTE);
    expect(sha256(bytes)).toBe(sha256(plain));
    const target = join(temp.dir, 'gz.bin');
    await downloadToFile(agentFor(server.url), REMOTE, target);
    expect(await sha256OfFile(target)).toBe(sha256(plain));
  });
});

describe('a download cut off mid-body', () => {
  const MIB = 1024 * 1024;
  const BIG = patternBytes(MIB, 5);

  /** Content-Length 1 MiB, then the socket is destroyed after half of it. */
  async function startCutOffServer() {
    server = await startRawServer(async (req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(MIB) });
      for (let offset = 0; offset < MIB / 2; offset += CHUNK) await written(res, BIG.subarray(offset, offset + CHUNK));
      req.socket.destroy();
    });
    return server.url;
  }

  /**
   * Content-Length 1 MiB, half the bytes, then a clean end of the connection (FIN, no reset): a
   * raw TCP server, since Node's HTTP server would not end a response short of its length.
   */
  async function startShortServer() {
    const sockets = new Set<Socket>();
    const tcp = createTcpServer((socket) => {
      sockets.add(socket);
      socket.once('data', () => {
        socket.write(
          `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${MIB}\r\nConnection: close\r\n\r\n`,
        );
        socket.end(BIG.subarray(0, MIB / 2));
      });
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    server = {
      url: `http://127.0.0.1:${(tcp.address() as import('node:net').AddressInfo).port}`,
      close: () =>
        new Promise((resolve) => {
          for (const s of sockets) s.destroy();
          tcp.close(() => resolve());
        }),
    };
    return server.url;
  }

  /** A fetch whose response claims 1 MiB and whose body stream closes normally after half. */
  const shortFetch: typeof fetch = async () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(BIG.slice(0, MIB / 4));
          controller.enqueue(BIG.slice(MIB / 4, MIB / 2));
          controller.close();
        },
      }),
      { status: 200, headers: { 'content-type': 'application/octet-stream', 'content-length': String(MIB) } },
    );

  const cases: Array<[string, () => Promise<ReturnType<typeof agentFor>>]> = [
    ['the socket is destroyed', async () => agentFor(await startCutOffServer())],
    ['the connection ends cleanly, short of Content-Length', async () => agentFor(await startShortServer())],
    [
      'the body stream closes short of Content-Length',
      async () => agentFor('http://agent.invalid', { fetch: shortFetch }),
    ],
  ];

  it.each(cases)(
    'when %s: downloadToFile rejects with HopxConnectionError and leaves no file',
    async (_name, agent) => {
      const target = join(temp.dir, 'big.bin');
      const calls: number[] = [];
      const error = await downloadToFile(await agent(), REMOTE, target, { onProgress: (r) => calls.push(r) }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(HopxConnectionError);
      expect(existsSync(target)).toBe(false);
      expect(await partialFiles(temp.dir)).toEqual([]);
      expect(await readdir(temp.dir)).toEqual([]);
      // Some bytes did arrive before the cut: this is the mid-body case, not a failed request.
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.at(-1)!).toBeLessThan(MIB);
    },
  );

  it.each(cases)('when %s: an existing file at the target is left as it was', async (_name, agent) => {
    const target = join(temp.dir, 'big.bin');
    await writeFile(target, 'previous version');
    await expect(downloadToFile(await agent(), REMOTE, target)).rejects.toBeInstanceOf(HopxConnectionError);
    expect(await readFile(target, 'utf8')).toBe('previous version');
    expect(await readdir(temp.dir)).toEqual(['big.bin']);
  });

  it.each(cases)('when %s: downloadBytes rejects with HopxConnectionError', async (_name, agent) => {
    await expect(downloadBytes(await agent(), REMOTE)).rejects.toBeInstanceOf(HopxConnectionError);
  });

  it.each(cases)('when %s: reading the downloadFile stream fails with HopxConnectionError', async (_name, agent) => {
    const { stream, size } = await downloadFile(await agent(), REMOTE);
    expect(size).toBe(MIB);
    await expect(readAll(stream)).rejects.toBeInstanceOf(HopxConnectionError);
  });

  it('a body that stalls mid-way: HopxTimeoutError after the idle timeout, and no file', async () => {
    const { url } = await startFileServer({ stopAt: CHUNK * 2, after: 'stall' });
    const target = join(temp.dir, 'stalled.bin');
    const error = await downloadToFile(agentFor(url, { timeout: 300 }), REMOTE, target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HopxTimeoutError);
    expect(error).toBeInstanceOf(HopxConnectionError);
    expect(await readdir(temp.dir)).toEqual([]);
  });
});
