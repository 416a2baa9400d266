// Shared by the event-stream tests: a Control Plane client that records each event-stream
// connection it opens (so a test acts only once the server is listening for it), and that can
// lose its first connection, the way a flaky network does: either the server cuts it (a `Prefer:
// cut=N` fault on the first request only) or the client's side drops it after N events.
import { createControlPlaneClient, type ThrowingControlPlaneClient } from '../../src/index.js';
import type { LocalHopx } from '../../src/local/index.js';

export interface Connection {
  path: string;
  lastEventId: string | null;
  prefer: string | null;
  status: number;
}

export interface WatchedClient {
  client: ThrowingControlPlaneClient;
  connections: Connection[];
  /** Resolves once `count` event-stream connections have been answered. */
  connected(count: number): Promise<void>;
}

export interface WatchOptions {
  /** A `Prefer` header for the first event-stream request only (`cut=1`). */
  preferOnFirst?: string;
  /** Drops the first event-stream connection (aborts it) once this many events came through it. */
  dropFirstAfter?: number;
}

export function watchedClient(local: LocalHopx, options: WatchOptions = {}): WatchedClient {
  const connections: Connection[] = [];
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  const client = createControlPlaneClient({
    apiKey: local.apiKey,
    baseUrl: local.url,
    throwOnError: true,
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const stream = (request.headers.get('accept') ?? '').includes('text/event-stream');
      const first = stream && connections.length === 0;
      if (first && options.preferOnFirst) request.headers.set('Prefer', options.preferOnFirst);
      const drop = new AbortController();
      const response = await fetch(request, { signal: AbortSignal.any([request.signal, drop.signal]) });
      if (stream) {
        // The server subscribes before it answers: from here on, no event of this connection is missed.
        connections.push({
          path: new URL(request.url).pathname,
          lastEventId: request.headers.get('last-event-id'),
          prefer: request.headers.get('prefer'),
          status: response.status,
        });
        for (const waiter of waiting.filter((w) => connections.length >= w.count)) waiter.resolve();
        if (first && options.dropFirstAfter !== undefined)
          return droppedAfter(response, options.dropFirstAfter, () => drop.abort());
      }
      return response;
    }) as typeof fetch,
  });
  return {
    client,
    connections,
    connected: (count) =>
      connections.length >= count ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve })),
  };
}

/** The response's body until `events` events came through; then the connection is aborted. */
function droppedAfter(response: Response, events: number, abort: () => void): Response {
  const source = response.body;
  if (!source) return response;
  const reader = source.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  let seen = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (seen >= events) {
        abort();
        controller.error(new TypeError('the test dropped the connection'));
        return;
      }
      const { done, value } = await reader.read();
      if (done) return controller.close();
      pending += decoder.decode(value, { stream: true });
      const blocks = pending.split('\n\n');
      pending = blocks.pop() ?? '';
      seen += blocks.filter((block) => /^data:/m.test(block)).length;
      controller.enqueue(value);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** The next `count` events of an iterator, failing after `timeoutMs`. */
export async function take<T>(iterator: AsyncIterator<T>, count: number, timeoutMs = 10_000): Promise<T[]> {
  const taken: T[] = [];
  const deadline = Date.now() + timeoutMs;
  while (taken.length < count) {
    const left = deadline - Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const next = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`only ${taken.length} of ${count} events came`)), Math.max(left, 0));
      }),
    ]).finally(() => clearTimeout(timer));
    if (next.done) throw new Error(`the stream ended after ${taken.length} of ${count} events`);
    taken.push(next.value);
  }
  return taken;
}
