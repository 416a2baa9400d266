// One WebSocket session of a conformance run, on the raw socket: the observer must see every frame
// exactly as the agent sent it, which a typed session (that parses and ends on errors) would hide.
// It sends the client's messages, checks each of theirs and ours, and ends at the route's final
// message (`x-websocket.final`), when `done` says so, or when the socket closes.
import WebSocket from 'ws';
import { REDACTED } from '../internal/secrets.js';
import type { Observer } from './observer.js';

export interface SocketProbe {
  /** The sandbox's `public_host`. */
  publicHost: string;
  token: string;
  /** `/execute/stream`. */
  path: string;
  /** Sent right after the upgrade. */
  send: object[];
  /** The route's final message type, if it has one. */
  final?: string;
  /** Ends the session early once a message says enough (`true`). */
  done?: (message: { type?: string }) => boolean;
  /** Runs once the socket is open (to cause the events a watch should report). */
  whileOpen?: () => Promise<void>;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Runs the session; resolves with the server's messages, or rejects with why it could not finish. */
export async function probeSocket(observer: Observer, probe: SocketProbe): Promise<Array<{ type?: string }>> {
  const url = new URL(probe.path, probe.publicHost.replace(/^http/, 'ws'));
  const operation = observer.operationAt('GET', new URL(probe.path, probe.publicHost));
  if (!operation?.websocket) throw new Error(`${probe.path} is not a WebSocket route of the spec`);
  const reproducer = {
    method: 'GET',
    url: observer.redact(url.href),
    headers: { authorization: REDACTED, upgrade: 'websocket' },
    ...(probe.send.length ? { body: probe.send.map((m) => JSON.stringify(m)).join('\n') } : {}),
  };
  const received: Array<{ type?: string }> = [];
  const socket = new WebSocket(url, { headers: { Authorization: `Bearer ${probe.token}` }, perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      probe.signal?.removeEventListener('abort', onAbort);
      if (socket.readyState === WebSocket.OPEN) socket.close(1000);
      else socket.terminate();
      if (error) reject(error);
      else resolve(received);
    };
    const onAbort = () => finish(new Error(`${probe.path}: stopped (the run's budget or Ctrl-C)`));
    probe.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `${probe.path}: no ${probe.final ? `"${probe.final}" message` : 'answer'} within ${probe.timeoutMs} ms`,
          ),
        ),
      probe.timeoutMs,
    );
    socket.on('unexpected-response', (_request, response) => {
      finish(new Error(`${probe.path}: the upgrade was answered ${response.statusCode} instead of 101`));
    });
    socket.on('error', (error) => finish(new Error(`${probe.path}: ${observer.redact(error.message)}`)));
    socket.on('open', () => {
      for (const message of probe.send) {
        const text = JSON.stringify(message);
        observer.frame(operation, 'client', text, reproducer);
        socket.send(text);
      }
      probe.whileOpen?.().catch((error: Error) => finish(error));
    });
    socket.on('message', (data) => {
      const text = data.toString();
      observer.frame(operation, 'server', text, reproducer);
      let message: { type?: string } = {};
      try {
        message = JSON.parse(text);
      } catch {
        // Not JSON: already a finding; the session goes on.
      }
      received.push(message);
      if ((probe.final && message.type === probe.final) || probe.done?.(message)) finish();
    });
    socket.on('close', (code) => {
      if (probe.final && !received.some((m) => m.type === probe.final))
        finish(new Error(`${probe.path}: closed (${code}) before its "${probe.final}" message`));
      else finish();
    });
  });
}
