// The timeout bounds each wait for progress, never a whole transfer: an upload that keeps moving at
// a slow rate must finish however long it takes, while one that stops moving fails in time.
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentClient, HopxTimeoutError, uploadFile } from '../../src/index.js';
import { type RawServer, startRawServer } from '../support/scripted-server.js';

const MiB = 1024 * 1024;
let server: RawServer;
afterEach(() => server?.close());

/** An agent that reads request bodies at about `bytesPerSecond`, and stops reading after `stopAfter` bytes. */
async function slowReader(bytesPerSecond: number, stopAfter = Number.POSITIVE_INFINITY) {
  const received = { bytes: 0, requests: 0 };
  server = await startRawServer(async (req, res) => {
    received.requests++;
    const tickMs = 20;
    const perTick = Math.max(1, Math.round((bytesPerSecond * tickMs) / 1000));
    let allowance = perTick;
    req.on('data', (chunk: Buffer) => {
      received.bytes += chunk.length;
      allowance -= chunk.length;
      if (allowance <= 0) {
        req.pause();
        if (received.bytes >= stopAfter) return; // never resume: the body stalls
        setTimeout(
          () => {
            allowance += perTick * Math.ceil(-allowance / perTick + 1);
            req.resume();
          },
          tickMs * Math.ceil(-allowance / perTick + 1),
        );
      }
    });
    req.on('end', () => {
      const body = JSON.stringify({ success: true, path: '/workspace/big.bin', size: received.bytes });
      res
        .writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) })
        .end(body);
    });
  });
  return received;
}

const agentFor = (timeout: number) =>
  createAgentClient({ sandbox: { id: 'sbx', public_host: server.url, auth_token: 'token-0123456789' }, timeout });

describe('a slow upload', () => {
  it('finishes while bytes keep flowing, even when it takes many times the timeout', async () => {
    const received = await slowReader(8 * MiB);
    const size = 24 * MiB;
    const started = Date.now();
    const result = await uploadFile(agentFor(1_000), '/workspace/big.bin', new Blob([new Uint8Array(size)]));
    const took = Date.now() - started;
    expect(took, 'the transfer took longer than the timeout').toBeGreaterThan(1_500);
    expect(result.size).toBeGreaterThan(size);
    expect(received.requests, 'sent once, never retried').toBe(1);
  }, 30_000);

  it('fails with HopxTimeoutError once the server stops taking bytes', async () => {
    const received = await slowReader(64 * MiB, 2 * MiB);
    const agent = createAgentClient({
      sandbox: { id: 'sbx', public_host: server.url, auth_token: 'token-0123456789' },
      timeout: 500,
      maxRetries: 0,
    });
    const started = Date.now();
    const error = await uploadFile(agent, '/workspace/big.bin', new Blob([new Uint8Array(64 * MiB)])).catch((e) => e);
    expect(error).toBeInstanceOf(HopxTimeoutError);
    expect(error.message).toMatch(/no progress for 500 ms while sending the request/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(received.requests).toBe(1);
  }, 30_000);
});
