// Writes a Server-Sent Event stream: every event's data is checked against the stream's
// `contentSchema` before it goes out (a violation is counted and ends the stream loudly), the
// `retry:` hint is sent first, comments keep idle connections alive, and a `Prefer: cut=N` fault
// drops the connection after N events.
import type { ServerResponse } from 'node:http';
import type { Faults } from './faults.js';
import type { SpecOperation } from './spec.js';
import type { SpecValidator, Violation } from './spec-validator.js';

export interface SseWriter {
  send(event: { id?: string; event?: string; data: Record<string, unknown> }): void;
  comment(text: string): void;
  /** Resolves when the client has gone (or the stream was ended). */
  closed: Promise<void>;
  end(): void;
}

export function openSse(
  res: ServerResponse,
  operation: SpecOperation,
  validator: SpecValidator,
  violations: Violation[],
  faults: Faults,
  retryMs = 1000,
): SseWriter {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(`retry: ${retryMs}\n\n`);
  let sent = 0;
  let finished = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  const heartbeat = setInterval(() => writer.comment('keep-alive'), 15_000);
  const finish = () => {
    if (finished) return;
    finished = true;
    clearInterval(heartbeat);
    resolveClosed();
  };
  res.on('close', finish);
  const writer: SseWriter = {
    send({ id, event, data }) {
      if (finished) return;
      const found = validator.validateEvent(operation, data);
      if (found.length) {
        violations.push(...found);
        res.write(
          `: the local HopX built an event that breaks the spec: ${found.map((v) => `${v.pointer} ${v.message}`).join('; ')}\n\n`,
        );
        res.end();
        finish();
        return;
      }
      const cut = faults.cutAfter !== undefined && ++sent >= faults.cutAfter;
      // A cut comes after the event is on its way, not while Node still holds it.
      const text = `${id ? `id: ${id}\n` : ''}${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
      res.write(text, cut ? () => res.socket?.destroy() : undefined);
      if (cut) finish();
    },
    comment(text) {
      if (!finished) res.write(`: ${text}\n\n`);
    },
    closed,
    end() {
      if (finished) return;
      res.end();
      finish();
    },
  };
  if (faults.cutAfter === 0) {
    res.socket?.destroy();
    finish();
  }
  return writer;
}
