// The Control Plane's event streams through our client: sandbox lifecycle events as they happen,
// a resume across a dropped connection that delivers every event exactly once (the server replays
// what the client missed after its Last-Event-ID), the status filter, and metrics sampled from a
// sandbox's real processes until the sandbox goes.
import { describe, expect, it } from 'vitest';
import { type HopxApiError, streamSandboxEvents, streamSandboxMetrics } from '../../src/index.js';
import { buildTemplate } from '../../src/template-build/index.js';
import { contextDir, removeDir } from './builds-support.js';
import { take, watchedClient } from './cp-streams-support.js';
import { useLocalHopx } from './local-harness.js';

const harness = useLocalHopx();

const deleteSandbox = (id: string) => harness.hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id } } });

describe('GET /v1/sandboxes/stream', () => {
  it('sends the lifecycle events of sandboxes created and deleted while it is open', async () => {
    const watcher = watchedClient(harness.local);
    const stream = streamSandboxEvents(watcher.client);
    const events = stream[Symbol.asyncIterator]();
    const receiving = take(events, 2);
    await watcher.connected(1);
    try {
      const { sandbox } = await harness.sandbox();
      await deleteSandbox(sandbox.id);
      const received = await receiving;
      expect(received.map((e) => [e?.event, e?.data.type, e?.data.sandbox_id])).toEqual([
        ['sandbox.created', 'sandbox.created', sandbox.id],
        ['sandbox.deleted', 'sandbox.deleted', sandbox.id],
      ]);
      expect(received[0]?.data).toMatchObject({ status: 'running', previous_status: null });
      expect(received.every((e) => e?.id && e.id === e.data.id)).toBe(true);
    } finally {
      stream.close();
    }
  });

  /** Two sandboxes created and deleted while the stream's first connection goes down after one event. */
  async function resumedAcross(watcher: ReturnType<typeof watchedClient>) {
    const stream = streamSandboxEvents(watcher.client, { maxReconnects: 2 });
    const events = stream[Symbol.asyncIterator]();
    const receiving = take(events, 4);
    await watcher.connected(1);
    try {
      const a = await harness.sandbox();
      const b = await harness.sandbox();
      await deleteSandbox(a.sandbox.id);
      await deleteSandbox(b.sandbox.id);
      const received = await receiving;
      expect(received.map((e) => [e?.data.type, e?.data.sandbox_id])).toEqual([
        ['sandbox.created', a.sandbox.id],
        ['sandbox.created', b.sandbox.id],
        ['sandbox.deleted', a.sandbox.id],
        ['sandbox.deleted', b.sandbox.id],
      ]);
      expect(new Set(received.map((e) => e?.id)).size).toBe(4);
      // The second connection asked for what came after the one event the first delivered.
      expect(watcher.connections.map((c) => [c.status, c.lastEventId])).toEqual([
        [200, null],
        [200, received[0]?.id],
      ]);
      expect(stream.lastEventId).toBe(received[3]?.id);
    } finally {
      stream.close();
    }
  }

  it('resumes after the client loses its connection, with every event exactly once', async () => {
    await resumedAcross(watchedClient(harness.local, { dropFirstAfter: 1 }));
  });

  it('resumes after the server cuts the connection (Prefer: cut=1), with every event exactly once', async () => {
    const watcher = watchedClient(harness.local, { preferOnFirst: 'cut=1' });
    await resumedAcross(watcher);
    expect(watcher.connections.map((c) => c.prefer)).toEqual(['cut=1', null]);
  });

  it('sends only the events of sandboxes in (or moving into) the status asked for', async () => {
    const watcher = watchedClient(harness.local);
    const stream = streamSandboxEvents(watcher.client, { status: 'paused' });
    const events = stream[Symbol.asyncIterator]();
    const receiving = take(events, 3);
    await watcher.connected(1);
    try {
      const { sandbox } = await harness.sandbox();
      await harness.hopx.POST('/v1/sandboxes/{id}/pause', { params: { path: { id: sandbox.id } } });
      await harness.hopx.POST('/v1/sandboxes/{id}/resume', { params: { path: { id: sandbox.id } } });
      await harness.hopx.POST('/v1/sandboxes/{id}/pause', { params: { path: { id: sandbox.id } } });
      await deleteSandbox(sandbox.id);
      const received = await receiving;
      // created (running), resumed (running) are left out; deleted says the state it was in: paused.
      expect(received.map((e) => [e?.data.type, e?.data.status, e?.data.previous_status])).toEqual([
        ['sandbox.status_changed', 'paused', 'running'],
        ['sandbox.status_changed', 'paused', 'running'],
        ['sandbox.deleted', 'paused', null],
      ]);
    } finally {
      stream.close();
    }
  });
});

describe('GET /v1/sandboxes/{id}/metrics/stream', () => {
  it('samples the real CPU use of a busy sandbox every interval, until the sandbox goes', async () => {
    const context = await contextDir({});
    let sandboxId: string | undefined;
    try {
      // A template whose start command is a busy loop: every sandbox of it keeps a CPU busy.
      await buildTemplate(
        harness.hopx,
        { name: 'busy-loop', fromImage: 'ubuntu:22.04', steps: [{ cmd: ['sh', '-c', 'while :; do :; done'] }] },
        { contextDir: context, pollInterval: 100, activeTimeout: 10_000 },
      );
      const { sandbox } = await harness.sandbox({ template_name: 'busy-loop' });
      sandboxId = sandbox.id;
      const stream = streamSandboxMetrics(harness.hopx, sandbox.id, { interval: 1, maxReconnects: 1 });
      const samples = stream[Symbol.asyncIterator]();
      const [one, two] = await take(samples, 2, 5_000);
      for (const sample of [one, two]) {
        expect(sample?.event).toBe('sandbox.metrics');
        expect(sample?.data).toMatchObject({ type: 'sandbox.metrics', sandbox_id: sandbox.id });
        expect(sample?.data.cpu?.usage_percent).toBeGreaterThan(0);
        expect(sample?.data.memory?.used).toBeGreaterThan(0);
      }
      // One busy loop is one core's worth of the machine's CPUs.
      const cores = two?.data.cpu?.cores ?? 1;
      expect(two?.data.cpu?.usage_percent).toBeGreaterThan(50 / cores);
      expect(two?.data.uptime).toBeGreaterThan(one?.data.uptime ?? 0);

      const next = samples.next();
      await deleteSandbox(sandbox.id);
      sandboxId = undefined;
      // The server ends the stream; reconnecting finds no sandbox.
      const ended = await next.then(
        (result) => result,
        (error: HopxApiError) => error,
      );
      expect(ended).toMatchObject({ status: 404 });
    } finally {
      if (sandboxId) await deleteSandbox(sandboxId);
      await removeDir(context);
    }
  });

  it('answers 404 for a sandbox that does not exist and 400 for an interval of 0', async () => {
    const missing = await harness.hopx
      .GET('/v1/sandboxes/{id}/metrics/stream', {
        params: { path: { id: '1700000000nosuchid' } },
        parseAs: 'stream',
      })
      .catch((e: HopxApiError) => e);
    expect(missing).toMatchObject({ status: 404 });
    const { sandbox } = await harness.sandbox();
    try {
      const zero = await harness.hopx
        .GET('/v1/sandboxes/{id}/metrics/stream', {
          params: { path: { id: sandbox.id }, query: { interval: 0 } },
          parseAs: 'stream',
        })
        .catch((e: HopxApiError) => e);
      expect(zero).toMatchObject({ status: 400 });
    } finally {
      await deleteSandbox(sandbox.id);
    }
  });
});
