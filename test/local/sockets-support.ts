// Shared by the WebSocket route tests: finding a sandbox's processes on this machine by an
// environment variable the test gave them, raw upgrades (to see statuses and send headers our
// client never sends), and waiting for a condition.
import { readdir, readFile } from 'node:fs/promises';
import WebSocket from 'ws';
import type { AgentSocket, SocketPath } from '../../src/index.js';

/** PIDs (of this machine) of every process whose environment holds `name=value`. */
export async function processesWith(name: string, value: string): Promise<number[]> {
  const needle = `\0${name}=${value}\0`;
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    if (`\0${environ}`.includes(needle)) found.push(Number(entry));
  }
  return found;
}

export async function waitFor<T>(what: string, probe: () => Promise<T> | T, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export type UpgradeOutcome =
  | { status: 101; ws: WebSocket }
  | { status: number; body: { error?: string; code?: string } };

/** Attempts an upgrade with exactly these headers: the socket when it opens, else the refusal. */
export function upgrade(url: string, headers: Record<string, string>): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), { headers });
    ws.once('open', () => resolve({ status: 101, ws }));
    ws.once('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        ws.terminate();
      });
    });
    ws.once('error', reject);
  });
}

/** Every server message of a raw socket until it closes, and how it closed. */
export function collect(ws: WebSocket): Promise<{ messages: any[]; code: number }> {
  const messages: any[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
  return new Promise((resolve) => ws.once('close', (code) => resolve({ messages, code })));
}

/** Reads a session until a message matches (the session's idle timeout bounds the wait). */
export async function nextMatching<P extends SocketPath>(
  socket: AgentSocket<P>,
  matches: (message: Awaited<ReturnType<AgentSocket<P>['next']>>['value']) => boolean,
) {
  for (;;) {
    const { done, value } = await socket.next();
    if (done) throw new Error(`${socket.path} ended before the expected message`);
    if (matches(value)) return value;
  }
}
