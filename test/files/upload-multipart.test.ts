// uploadFile on the wire: a local server receives the multipart body and checks it byte by byte
// (boundary, exactly the `path` and `file` parts, filename, part content type, the file's bytes) for
// every kind of source, plus Content-Length and the progress callback.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgentClient, type UploadSource, uploadFile } from '../../src/index.js';
import { type ScriptedServer, sendJson, startScriptedServer } from '../support/scripted-server.js';
import {
  AGENT_TOKEN,
  boundaryOf,
  MultipartReader,
  parseMultipart,
  patternBytes,
  SANDBOX_ID,
  sha256,
  tempDir,
} from './transfer-support.js';

const DESTINATION = '/workspace/data/report.pdf';
const UPLOADED = {
  success: true,
  path: DESTINATION,
  size: 300_017,
  message: 'File uploaded successfully',
  timestamp: '2025-10-21T14:32:05Z',
};
/** Not a power of two, and long enough for a file-backed Blob to be read in several chunks. */
const BYTES = patternBytes(300_017);

let server: ScriptedServer;
let temp: Awaited<ReturnType<typeof tempDir>>;
let localPath: string;

beforeAll(async () => {
  temp = await tempDir();
  localPath = join(temp.dir, 'local-report.bin');
  await writeFile(localPath, BYTES);
});
afterAll(async () => temp?.cleanup());
afterEach(async () => server?.close());

async function startAgent() {
  server = await startScriptedServer((_req, res) => sendJson(res, 200, UPLOADED));
  return createAgentClient({ sandbox: { id: SANDBOX_ID, public_host: server.url, auth_token: AGENT_TOKEN } });
}

/** Splits bytes into uneven chunks, the way a network or a parser hands them over. */
function chunksOf(bytes: Uint8Array): Uint8Array[] {
  const sizes = [1, 4_096, 65_537, 13, 100_000];
  const out: Uint8Array[] = [];
  for (let i = 0, n = 0; i < bytes.length; n++) {
    const size = sizes[n % sizes.length]!;
    out.push(bytes.slice(i, i + size));
    i += size;
  }
  return out;
}

function readableOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  const chunks = chunksOf(bytes);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

async function* iterableOf(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (const chunk of chunksOf(bytes)) {
    await Promise.resolve();
    yield chunk;
  }
}

interface SourceKind {
  kind: string;
  make(): UploadSource;
  /** Whether the request carries a Content-Length without a `size` option. */
  sized: boolean;
}

const SOURCES: SourceKind[] = [
  { kind: 'a local path', make: () => localPath, sized: true },
  { kind: 'a Blob', make: () => new Blob([BYTES.slice(0, 1_000), BYTES.slice(1_000)]), sized: true },
  {
    kind: 'a Uint8Array (a view into a larger buffer)',
    make: () => {
      // Only the view's bytes may go out, not the whole underlying ArrayBuffer.
      const backing = new Uint8Array(BYTES.length + 64).fill(0xee);
      backing.set(BYTES, 32);
      return backing.subarray(32, 32 + BYTES.length);
    },
    sized: true,
  },
  { kind: 'a ReadableStream', make: () => readableOf(BYTES), sized: false },
  { kind: 'an async iterable', make: () => iterableOf(BYTES), sized: false },
];

/** Everything a correct upload of BYTES to DESTINATION looks like on the wire. */
async function expectWellFormedUpload(
  request: ScriptedServer['seen'][number],
  { filename = 'report.pdf', destination = DESTINATION, bytes = BYTES } = {},
) {
  expect(request.method).toBe('POST');
  expect(request.url).toBe('/files/upload');
  expect(request.headers.authorization).toBe(`Bearer ${AGENT_TOKEN}`);
  const contentType = request.headers['content-type'];
  const boundary = boundaryOf(contentType);
  // The boundary must not occur in the file, or the part would end early.
  expect(Buffer.from(bytes).includes(`--${boundary}`)).toBe(false);

  const parts = await parseMultipart(request.body, contentType);
  expect(parts.map((p) => p.name).sort()).toEqual(['file', 'path']);
  const path = parts.find((p) => p.name === 'path')!;
  const file = parts.find((p) => p.name === 'file')!;
  expect(path.filename).toBeUndefined();
  expect(path.data!.toString('utf8')).toBe(destination);
  expect(file.filename).toBe(filename);
  expect(file.contentType).toBe('application/octet-stream');
  expect(file.size).toBe(bytes.length);
  expect(file.sha256).toBe(sha256(bytes));

  // A standard multipart parser (undici's) reads the same two fields from the same bytes.
  const form = await new Response(new Uint8Array(request.body), {
    headers: { 'content-type': contentType! },
  }).formData();
  expect([...form.keys()].sort()).toEqual(['file', 'path']);
  expect(form.getAll('path')).toEqual([destination]);
  const filePart = form.get('file') as File;
  expect(filePart).toBeInstanceOf(File);
  expect(filePart.name).toBe(filename);
  expect(filePart.type).toBe('application/octet-stream');
  expect(sha256(new Uint8Array(await filePart.arrayBuffer()))).toBe(sha256(bytes));
  return { boundary, parts };
}

describe('the test multipart reader is strict', () => {
  const ct = 'multipart/form-data; boundary=XyZ';
  const good =
    '--XyZ\r\nContent-Disposition: form-data; name="path"\r\n\r\n/a\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a"\r\nContent-Type: application/octet-stream\r\n\r\nab\r\ncd\r\n--XyZ--\r\n';
  const enc = (s: string) => new TextEncoder().encode(s);

  it('reads a good body, in any chunking', async () => {
    for (const size of [1, 2, 5, 1000]) {
      const parts = await parseMultipart(enc(good), ct, size);
      expect(parts.map((p) => [p.name, p.filename, p.contentType, p.data!.toString()])).toEqual([
        ['path', undefined, undefined, '/a'],
        ['file', 'a', 'application/octet-stream', 'ab\r\ncd'],
      ]);
    }
  });

  it.each([
    ['another boundary', good, 'multipart/form-data; boundary=Other'],
    ['no close delimiter', good.replace('--XyZ--\r\n', ''), ct],
    ['a preamble', `junk\r\n${good}`, ct],
    ['trailing bytes', `${good}more`, ct],
    ['no Content-Disposition', good.replace('Content-Disposition: form-data; name="path"', 'X-Other: 1'), ct],
    ['not form-data', good.replace('form-data; name="path"', 'attachment; name="path"'), ct],
    ['a JSON content type', good, 'application/json'],
  ])('rejects %s', async (_name, body, contentType) => {
    await expect(parseMultipart(enc(body), contentType)).rejects.toThrow();
  });

  it('hands a part to a sink instead of memory', async () => {
    const got: Buffer[] = [];
    const reader = new MultipartReader('XyZ', (name) =>
      name === 'file'
        ? {
            write: (c) => {
              got.push(c);
            },
            end: async () => {},
          }
        : undefined,
    );
    reader.write(Buffer.from(good));
    const parts = await reader.end();
    expect(Buffer.concat(got).toString()).toBe('ab\r\ncd');
    expect(parts[1]!.data).toBeUndefined();
    expect(parts[1]!.sha256).toBe(sha256(enc('ab\r\ncd')));
  });
});

describe('uploadFile: the multipart body', () => {
  it.each(SOURCES)('from $kind: a path part and a file part with exactly the source bytes', async ({ make, sized }) => {
    const agent = await startAgent();
    const result = await uploadFile(agent, DESTINATION, make());
    expect(result).toEqual(UPLOADED);
    expect(server.seen).toHaveLength(1);
    const request = server.seen[0]!;
    await expectWellFormedUpload(request);
    if (sized) {
      expect(request.headers['content-length']).toBe(String(request.body.length));
      expect(request.headers['transfer-encoding']).toBeUndefined();
    } else {
      expect(request.headers['content-length']).toBeUndefined();
      expect(request.headers['transfer-encoding']).toBe('chunked');
    }
  });

  it.each(SOURCES.filter((s) => !s.sized))(
    'from $kind with a size: the request carries a Content-Length',
    async ({ make }) => {
      const agent = await startAgent();
      await uploadFile(agent, DESTINATION, make(), { size: BYTES.length });
      const request = server.seen[0]!;
      await expectWellFormedUpload(request);
      expect(request.headers['content-length']).toBe(String(request.body.length));
      expect(request.headers['transfer-encoding']).toBeUndefined();
    },
  );

  it.each(SOURCES.filter((s) => s.sized))(
    'from $kind with onProgress: still sent with a Content-Length',
    async ({ make }) => {
      const agent = await startAgent();
      await uploadFile(agent, DESTINATION, make(), { onProgress: () => {} });
      const request = server.seen[0]!;
      await expectWellFormedUpload(request);
      expect(request.headers['content-length']).toBe(String(request.body.length));
    },
  );

  it('each upload gets its own boundary', async () => {
    const agent = await startAgent();
    await uploadFile(agent, DESTINATION, new Uint8Array([1]));
    await uploadFile(agent, DESTINATION, new Uint8Array([1]));
    const [a, b] = server.seen.map((r) => boundaryOf(r.headers['content-type']));
    expect(a).not.toBe(b);
  });

  it('the filename option names the file part; the path part stays the destination', async () => {
    const agent = await startAgent();
    await uploadFile(agent, DESTINATION, new Blob([BYTES]), { filename: 'Q3 summary.pdf' });
    await expectWellFormedUpload(server.seen[0]!, { filename: 'Q3 summary.pdf' });
  });

  it('a non-ASCII destination is sent as UTF-8, its basename as the filename', async () => {
    const agent = await startAgent();
    const destination = '/workspace/données/résumé 1.pdf';
    await uploadFile(agent, destination, BYTES);
    await expectWellFormedUpload(server.seen[0]!, { destination, filename: 'résumé 1.pdf' });
  });

  it('a filename with a quote or a line break cannot break the part headers', async () => {
    const agent = await startAgent();
    await uploadFile(agent, DESTINATION, BYTES, { filename: 'a"b\r\nContent-Type: text/html\r\n.pdf' });
    const request = server.seen[0]!;
    const parts = await parseMultipart(request.body, request.headers['content-type']);
    expect(parts.map((p) => p.name).sort()).toEqual(['file', 'path']);
    const file = parts.find((p) => p.name === 'file')!;
    expect(file.filename).not.toMatch(/["\r\n]/);
    expect(file.headers.filter(([k]) => k === 'content-type')).toEqual([['content-type', 'application/octet-stream']]);
    expect(file.sha256).toBe(sha256(BYTES));
  });

  it('an empty file is a file part with no bytes', async () => {
    const agent = await startAgent();
    await uploadFile(agent, '/workspace/empty.txt', new Uint8Array(0));
    await expectWellFormedUpload(server.seen[0]!, {
      destination: '/workspace/empty.txt',
      filename: 'empty.txt',
      bytes: new Uint8Array(0),
    });
  });
});

describe('uploadFile: onProgress', () => {
  /** Progress calls must climb (never go back) and finish at the file size. */
  function expectClimbingTo(calls: Array<[number, number | undefined]>, size: number, total: number | undefined) {
    expect(calls.length).toBeGreaterThan(0);
    for (const [sent, t] of calls) {
      expect(t).toBe(total);
      expect(sent).toBeGreaterThanOrEqual(0);
      expect(sent).toBeLessThanOrEqual(size);
    }
    for (let i = 1; i < calls.length; i++) expect(calls[i]![0]).toBeGreaterThanOrEqual(calls[i - 1]![0]);
    expect(calls.at(-1)![0]).toBe(size);
  }

  it.each(SOURCES.filter((s) => s.sized))(
    'from $kind: climbs to the file size, total is the size',
    async ({ make }) => {
      const agent = await startAgent();
      const calls: Array<[number, number | undefined]> = [];
      await uploadFile(agent, DESTINATION, make(), { onProgress: (sent, total) => calls.push([sent, total]) });
      expectClimbingTo(calls, BYTES.length, BYTES.length);
    },
  );

  it('from a local path: reported as the file is read, not only at the end', async () => {
    const big = join(temp.dir, 'big.bin');
    const size = 2 * 1024 * 1024 + 5;
    await writeFile(big, patternBytes(size, 99));
    const agent = await startAgent();
    const calls: Array<[number, number | undefined]> = [];
    await uploadFile(agent, '/workspace/big.bin', big, { onProgress: (sent, total) => calls.push([sent, total]) });
    expectClimbingTo(calls, size, size);
    // Several distinct values strictly between 0 and the size: the file went out in pieces.
    expect(new Set(calls.map(([s]) => s).filter((s) => s > 0 && s < size)).size).toBeGreaterThan(2);
  });

  it.each(SOURCES.filter((s) => !s.sized))(
    'from $kind without a size: climbs to the file size, total undefined',
    async ({ make }) => {
      const agent = await startAgent();
      const calls: Array<[number, number | undefined]> = [];
      await uploadFile(agent, DESTINATION, make(), { onProgress: (sent, total) => calls.push([sent, total]) });
      expectClimbingTo(calls, BYTES.length, undefined);
      expect(new Set(calls.map(([s]) => s).filter((s) => s > 0 && s < BYTES.length)).size).toBeGreaterThan(2);
      await expectWellFormedUpload(server.seen[0]!);
    },
  );

  it.each(SOURCES.filter((s) => !s.sized))('from $kind with a size: total is that size', async ({ make }) => {
    const agent = await startAgent();
    const calls: Array<[number, number | undefined]> = [];
    await uploadFile(agent, DESTINATION, make(), {
      size: BYTES.length,
      onProgress: (sent, total) => calls.push([sent, total]),
    });
    expectClimbingTo(calls, BYTES.length, BYTES.length);
  });
});
