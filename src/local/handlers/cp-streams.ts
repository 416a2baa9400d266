// Control Plane: the event streams. Sandbox lifecycle events and template changes come from their
// event logs (events.ts): a client that reconnects with Last-Event-ID first gets what it missed
// from the log's buffer, then live events. Metrics are sampled from the sandbox's real processes
// every `interval` seconds while a client watches, until the sandbox goes.

import { measureSandbox, systemMetrics } from '../agent-metrics.js';
import { ApiError } from '../api-error.js';
import type { CallContext, Handler, Reply } from '../context.js';
import type { EventLog, StoredEvent } from '../events.js';
import { sandboxOf } from './sandboxes.js';

export const cpStreamsHandlers: Record<string, Handler> = {
  streamSandboxEvents(ctx) {
    const { status, region } = ctx.query;
    // Every local sandbox is in region `local`.
    const wanted = (event: StoredEvent) =>
      (status === undefined || event.data.status === status) && (region === undefined || region === 'local');
    return replayThenLive(ctx, ctx.local.state.sandboxEvents, wanted);
  },

  streamTemplateEvents(ctx) {
    return replayThenLive(ctx, ctx.local.state.templateEvents, () => true);
  },

  streamSandboxMetrics(ctx) {
    const sandbox = sandboxOf(ctx);
    const interval = Number(ctx.query.interval ?? 5);
    if (!Number.isInteger(interval) || interval < 1 || interval > 3600)
      throw new ApiError(400, 'INVALID_REQUEST', `interval must be between 1 and 3600 seconds, not ${interval}`);
    return {
      kind: 'sse',
      async run(writer) {
        // The first reading: each sample's CPU usage is measured since the one before it.
        await measureSandbox(sandbox);
        let sequence = 0;
        let gone!: () => void;
        const sandboxGone = new Promise<void>((resolve) => {
          gone = resolve;
        });
        sandbox.closers.add(gone);
        try {
          for (;;) {
            const tick = new Promise<'tick'>((resolve) => setTimeout(() => resolve('tick'), interval * 1000));
            const next = await Promise.race([
              tick,
              writer.closed.then(() => 'closed' as const),
              sandboxGone.then(() => 'gone' as const),
            ]);
            if (next !== 'tick' || !ctx.local.state.sandboxes.has(sandbox.id)) return;
            const { memory, ...sample } = systemMetrics(await measureSandbox(sandbox));
            // Samples are taken only while someone watches: a reconnect resumes with new ones.
            const id = `${Date.now()}-${++sequence}`;
            writer.send({
              id,
              event: 'sandbox.metrics',
              data: {
                id,
                type: 'sandbox.metrics',
                sandbox_id: sandbox.id,
                timestamp: new Date().toISOString(),
                ...sample,
                // The stream's memory figure has no `free` (the agent's /system has).
                memory: { total: memory.total, used: memory.used, usage_percent: memory.usage_percent },
              },
            });
          }
        } finally {
          sandbox.closers.delete(gone);
        }
      },
    };
  },
};

/** What the log kept after Last-Event-ID, then each new event, until the client goes. */
function replayThenLive(ctx: CallContext, log: EventLog, wanted: (event: StoredEvent) => boolean): Reply {
  const lastEventId = ctx.headers['last-event-id'];
  return {
    kind: 'sse',
    async run(writer) {
      const send = (event: StoredEvent) => {
        if (wanted(event)) writer.send({ id: event.id, event: event.event, data: event.data });
      };
      // Replay and subscription happen in one turn, so no event falls between them.
      for (const event of log.since(typeof lastEventId === 'string' ? lastEventId : undefined)) send(event);
      const unsubscribe = log.subscribe(send);
      try {
        await writer.closed;
      } finally {
        unsubscribe();
      }
    },
  };
}
