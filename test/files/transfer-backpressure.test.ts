// Neither direction reads ahead of the side that is slower: a download is read from the network no
// further ahead of the disk than about one write batch, and an upload is read from the disk no
// further ahead of the network than one read. No clock: the slow side is a gate the test opens one
// step at a time, the fast side a counting source (a `fetch` that serves or takes the body chunk
// by chunk and counts), and after each step the test lets every pending promise run
// (setImmediate turns) before it looks at the counts.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAgentClient, downloadToFile, uploadFile } from '../../src/index.js';
import {
  AGENT_TOKEN,
  parseMultipart,
  patternBytes,
  SANDBOX_ID,
  sha256,
  sha256OfFile,
  tempDir,
} from './transfer-support.js';

/** What the client did to the files it opened: bytes read, and writes held until the test lets them go. */
const disk = vi.hoisted(() => {
  const state = {
    /** Bytes read from files opened for reading. */
    read: 0,
    /** Bytes written to files opened for writing, once each write completed. */
    written: 0,
    /** Writes are held until released (a slow disk). */
    slowWrites: false,
    held: [] as Array<() => void>,
    waiting: undefined as (() => void) | undefined,
    /** The next write that is being held (resolves at once if one already is). */
    nextHeldWrite(): Promise<() => void> {
      const take = () => state.held.shift() as () => void;
      if (state.held.length) return Promise.resolve(take());
      return new Promise((resolve) => {
        state.waiting = () => resolve(take());
      });
    },
    reset() {
      Object.assign(state, { read: 0, written: 0, slowWrites: false, held: [], waiting: undefined });
    },
  };
  return state;
});

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  type Handle = import('node:fs/promises').FileHandle;
  const watched = (handle: Handle): Handle =>
    new Proxy(handle, {
      get(target, key) {
        if (key === 'readv')
          return async (...args: Parameters<Handle['readv']>) => {
            const result = await target.readv(...args);
            disk.read += result.bytesRead;
            return result;
          };
        if (key === 'write' || key === 'writev')
          return async (...args: unknown[]) => {
            if (disk.slowWrites) {
              await new Promise<void>((release) => {
                disk.held.push(release);
                disk.waiting?.();
                disk.waiting = undefined;
              });
            }
            const result = await (target[key] as (...a: unknown[]) => Promise<{ bytesWritten: number }>)(...args);
            disk.written += result.bytesWritten;
            return result;
          };
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  const open = async (...args: Parameters<typeof fs.promises.open>) => watched(await fs.promises.open(...args));
  const promises = { ...fs.promises, open };
  return { ...fs, promises, default: { ...fs, promises } };
});

const CHUNK = 64 * 1024;
const MiB = 1024 * 1024;

/** Lets everything that is ready run: the client's reads are promise chains, done within a few turns. */
async function settled() {
  for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
}

let temp: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  temp = await tempDir();
  disk.reset();
});
afterEach(async () => {
  disk.reset();
  await temp.cleanup();
});

const agentWith = (fetch: typeof globalThis.fetch) =>
  createAgentClient({
    sandbox: { id: SANDBOX_ID, public_host: 'http://agent.test', auth_token: AGENT_TOKEN },
    fetch,
  });

describe('downloadToFile behind a slow disk', () => {
  it('reads the body no further ahead of the file than about one write batch', async () => {
    const size = 4 * MiB;
    const bytes = patternBytes(size, 21);
    let served = 0;
    // The counting source: hands out one chunk each time the client pulls, and counts them.
    const fetch = async () =>
      new Response(
        new ReadableStream<Uint8Array>(
          {
            pull(controller) {
              if (served >= size) return controller.close();
              controller.enqueue(bytes.slice(served, served + CHUNK));
              served += CHUNK;
            },
          },
          { highWaterMark: 0 },
        ),
        { headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) } },
      );
    disk.slowWrites = true;
    const target = join(temp.dir, 'out.bin');
    let finished = false;
    const download = downloadToFile(agentWith(fetch as typeof globalThis.fetch), '/workspace/out.bin', target).finally(
      () => {
        finished = true;
        disk.waiting?.();
      },
    );

    let mostAhead = 0;
    let writes = 0;
    for (;;) {
      const release = await disk.nextHeldWrite().catch(() => undefined);
      if (finished || !release) break;
      writes++;
      // Whatever the client reads while this write is held, it has read by now.
      await settled();
      mostAhead = Math.max(mostAhead, served - disk.written);
      release();
    }

    expect(await download).toEqual({ path: target, bytes: size });
    expect(await sha256OfFile(target)).toBe(sha256(bytes));
    expect(writes).toBeGreaterThan(4);
    // One batch being written, the next one gathered: far less than the 4 MiB a reader that did
    // not wait for the disk would have taken.
    expect(mostAhead).toBeLessThanOrEqual(MiB);
  });
});

describe('uploadFile over a slow network', () => {
  it('reads the local file no further ahead of what fetch has taken than one read', async () => {
    const size = 4 * MiB + 5;
    const bytes = patternBytes(size, 22);
    const local = join(temp.dir, 'in.bin');
    await writeFile(local, bytes);
    disk.read = 0;

    let taken = 0;
    let mostAhead = 0;
    let request: { body: Buffer; contentType: string } | undefined;
    // The counting sink: takes the body one chunk at a time, letting the client run between chunks.
    const fetch = async (_url: string | URL | Request, init: RequestInit) => {
      const reader = (init.body as ReadableStream<Uint8Array>).getReader();
      const parts: Uint8Array[] = [];
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        parts.push(r.value);
        taken += r.value.byteLength;
        await settled();
        mostAhead = Math.max(mostAhead, disk.read - taken);
      }
      request = { body: Buffer.concat(parts), contentType: new Headers(init.headers).get('content-type') ?? '' };
      return Response.json({ success: true, path: '/workspace/in.bin', size });
    };

    await uploadFile(agentWith(fetch as typeof globalThis.fetch), '/workspace/in.bin', local);
    const file = (await parseMultipart(request!.body, request!.contentType)).find((part) => part.name === 'file');
    expect(file?.sha256).toBe(sha256(bytes));
    expect(disk.read).toBe(size);
    // One read's worth (1 MiB) at most, of a 4 MiB file.
    expect(mostAhead).toBeLessThanOrEqual(MiB);
  });
});
