// Retries of uploadFile: a body that can be made again (a local path, a Blob, bytes) is sent again,
// byte for byte, after a 503 or a dropped connection; a one-shot stream is sent once and the failure
// reaches the caller as a typed error.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createAgentClient,
  HopxConnectionError,
  InternalServerError,
  ServiceUnavailableError,
  type UploadSource,
  uploadFile,
} from '../../src/index.js';
import { type ScriptedServer, sendJson, startScriptedServer } from '../support/scripted-server.js';
import { AGENT_TOKEN, parseMultipart, patternBytes, SANDBOX_ID, sha256, tempDir } from './transfer-support.js';

const DESTINATION = '/workspace/upload/data.bin';
const BYTES = patternBytes(200_003, 3);
const UPLOADED = { success: true, path: DESTINATION, size: BYTES.length, message: 'File uploaded successfully' };
const BUSY = { error: 'Agent is busy', code: 'SERVICE_UNAVAILABLE' };

let server: ScriptedServer;
let temp: Awaited<ReturnType<typeof tempDir>>;
let localPath: string;

beforeAll(async () => {
  temp = await tempDir();
  localPath = join(temp.dir, 'data.bin');
  await writeFile(localPath, BYTES);
});
afterAll(async () => temp?.cleanup());
afterEach(async () => server?.close());

/** Answers the first `failures` requests with `fail`, then 200. */
async function startAgent(failures: number, fail: 'busy' | 'reset' = 'busy', throwOnError = false) {
  server = await startScriptedServer((req, res, seen) => {
    if (seen.length > failures) return sendJson(res, 200, UPLOADED);
    if (fail === 'reset') return void req.socket.destroy();
    sendJson(res, 503, BUSY, { 'retry-after': '0' });
  });
  return createAgentClient({
    sandbox: { id: SANDBOX_ID, public_host: server.url, auth_token: AGENT_TOKEN },
    throwOnError,
  });
}

function readableOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + 50_000));
      offset += 50_000;
    },
  });
}

async function* iterableOf(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += 50_000) yield bytes.slice(offset, offset + 50_000);
}

const REPLAYABLE: Array<{ kind: string; make(): UploadSource }> = [
  { kind: 'a local path', make: () => localPath },
  { kind: 'a Blob', make: () => new Blob([BYTES]) },
  { kind: 'a Uint8Array', make: () => BYTES.slice() },
];
const ONE_SHOT: Array<{ kind: string; make(): UploadSource }> = [
  { kind: 'a ReadableStream', make: () => readableOf(BYTES) },
  { kind: 'a ReadableStream with a size', make: () => readableOf(BYTES) },
  { kind: 'an async iterable', make: () => iterableOf(BYTES) },
];

async function expectFileReceived(request: ScriptedServer['seen'][number]) {
  const parts = await parseMultipart(request.body, request.headers['content-type']);
  expect(parts.map((p) => p.name).sort()).toEqual(['file', 'path']);
  expect(parts.find((p) => p.name === 'path')!.data!.toString()).toBe(DESTINATION);
  expect(parts.find((p) => p.name === 'file')!.sha256).toBe(sha256(BYTES));
}

describe('uploadFile retries a replayable body', () => {
  it.each(REPLAYABLE)('from $kind: a 503 then 200 sends the same bytes twice', async ({ make }) => {
    const agent = await startAgent(1);
    expect(await uploadFile(agent, DESTINATION, make())).toEqual(UPLOADED);
    expect(server.seenAt('/files/upload')).toHaveLength(2);
    const [first, second] = server.seen;
    expect(second!.body.equals(first!.body)).toBe(true);
    expect(second!.headers['content-type']).toBe(first!.headers['content-type']);
    expect(second!.headers['content-length']).toBe(String(second!.body.length));
    await expectFileReceived(second!);
  });

  it.each(REPLAYABLE)('from $kind with onProgress: progress restarts and ends at the full size', async ({ make }) => {
    const agent = await startAgent(1);
    const calls: Array<[number, number | undefined]> = [];
    await uploadFile(agent, DESTINATION, make(), { onProgress: (sent, total) => calls.push([sent, total]) });
    expect(server.seen).toHaveLength(2);
    expect(server.seen[1]!.body.equals(server.seen[0]!.body)).toBe(true);
    await expectFileReceived(server.seen[1]!);
    expect(calls.every(([, total]) => total === BYTES.length)).toBe(true);
    // Two climbs, one per attempt: exactly one step back, and each climb reaches the size.
    const restarts = calls.flatMap(([sent], i) => (i > 0 && sent < calls[i - 1]![0] ? [i] : []));
    expect(restarts).toHaveLength(1);
    expect(calls[restarts[0]! - 1]![0]).toBe(BYTES.length);
    expect(calls.at(-1)![0]).toBe(BYTES.length);
  });

  it('from a local path: a connection dropped before the answer is retried with the same bytes', async () => {
    const agent = await startAgent(1, 'reset');
    expect(await uploadFile(agent, DESTINATION, localPath)).toEqual(UPLOADED);
    expect(server.seen).toHaveLength(2);
    expect(server.seen[1]!.body.equals(server.seen[0]!.body)).toBe(true);
    await expectFileReceived(server.seen[1]!);
  });

  it('gives up after the retry budget: three identical attempts, then ServiceUnavailableError', async () => {
    const agent = await startAgent(Infinity);
    const error = await uploadFile(agent, DESTINATION, localPath).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(server.seen).toHaveLength(3);
    expect(server.seen.every((r) => r.body.equals(server.seen[0]!.body))).toBe(true);
  });

  it('maxRetries: 0 sends a path upload once', async () => {
    const agent = await startAgent(1);
    await expect(uploadFile(agent, DESTINATION, localPath, { maxRetries: 0 })).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );
    expect(server.seen).toHaveLength(1);
  });
});

describe('uploadFile sends a one-shot stream once', () => {
  it.each(ONE_SHOT)(
    'from $kind: a 503 reaches the caller as ServiceUnavailableError, after one request',
    async ({ kind, make }) => {
      const agent = await startAgent(1);
      const options = kind.includes('size') ? { size: BYTES.length } : {};
      const error = await uploadFile(agent, DESTINATION, make(), options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect(error).toBeInstanceOf(InternalServerError);
      expect((error as ServiceUnavailableError).status).toBe(503);
      expect((error as ServiceUnavailableError).code).toBe('SERVICE_UNAVAILABLE');
      expect(server.seen).toHaveLength(1);
      // The one request that went out was complete.
      await expectFileReceived(server.seen[0]!);
    },
  );

  it('with a throwing client: the same ServiceUnavailableError, after one request', async () => {
    const agent = await startAgent(1, 'busy', true);
    await expect(uploadFile(agent, DESTINATION, readableOf(BYTES))).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(server.seen).toHaveLength(1);
  });

  it('a connection dropped during a stream upload is a HopxConnectionError, not a second request', async () => {
    const agent = await startAgent(1, 'reset');
    const error = await uploadFile(agent, DESTINATION, iterableOf(BYTES)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HopxConnectionError);
    expect(server.seen).toHaveLength(1);
  });
});
