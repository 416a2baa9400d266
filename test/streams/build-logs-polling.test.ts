// followBuildLogs without an event stream: a server that answers the logs route with the JSON form
// (TemplateBuildLogs, by `?offset=`) is polled, every line yielded once, until the build completes.
import { getEventListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BuildLogEvent,
  type BuildLogOptions,
  createControlPlaneClient,
  followBuildLogs,
  HopxAbortError,
  InternalServerError,
  NotFoundError,
} from '../../src/index.js';
import { type ScriptedServer, sendJson, startScriptedServer } from '../support/scripted-server.js';
import { assertMatchesSchema } from '../support/spec-schemas.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
const LOGS_PATH = '/v1/templates/build/1187/logs';
const OPERATION = 'GET /v1/templates/build/{buildID}/logs';

type Status = 'building' | 'active' | 'success' | 'completed' | 'failed';
interface Page {
  /** Neither is guaranteed: both SDKs default them (`logs || ""`, `offset || offset`). */
  logs?: string;
  offset?: number;
  status?: Status;
  complete?: boolean;
}
/** What the server answers: a page (as JSON), or an error status with an ErrorResponse. */
type Answer = Page | { status: number; error: string; code?: string };

let scripted: ScriptedServer | undefined;
afterEach(async () => {
  await scripted?.close();
  scripted = undefined;
});

/**
 * A logs route that answers `answer(offset, call)`, `call` counting the requests for that offset from
 * 1. Every page is checked against the spec's TemplateBuildLogs; an offset nobody scripted is a 404.
 */
async function startLogServer(answer: (offset: number, call: number) => Answer | undefined): Promise<ScriptedServer> {
  const calls = new Map<number, number>();
  scripted = await startScriptedServer((req, res) => {
    const url = new URL(req.url ?? '', 'http://localhost');
    if (url.pathname !== LOGS_PATH)
      return sendJson(res, 404, { error: `unexpected ${url.pathname}`, code: 'INVALID_REQUEST' });
    const offset = Number(url.searchParams.get('offset'));
    const call = (calls.get(offset) ?? 0) + 1;
    calls.set(offset, call);
    const reply = answer(offset, call);
    if (!reply) return sendJson(res, 404, { error: `nothing scripted at offset ${offset}`, code: 'INVALID_REQUEST' });
    if ('error' in reply) return sendJson(res, reply.status, { error: reply.error, code: reply.code });
    assertMatchesSchema('TemplateBuildLogs', reply);
    return sendJson(res, 200, reply);
  });
  return scripted;
}

const offsets = () => scripted!.seen.map((r) => new URL(r.url, 'http://localhost').searchParams.get('offset'));
const accepts = () => scripted!.seen.map((r) => r.headers.accept ?? '');

function follow(options: BuildLogOptions = {}, maxRetries = 0) {
  return followBuildLogs(createControlPlaneClient({ apiKey, baseUrl: scripted!.url, maxRetries }), '1187', {
    pollInterval: 20,
    ...options,
  });
}

async function drain(logs: AsyncIterable<BuildLogEvent>) {
  const events: BuildLogEvent[] = [];
  try {
    for await (const event of logs) events.push(event);
    return { events, error: undefined as unknown };
  } catch (error) {
    return { events, error };
  }
}

const line = (
  message: string,
  level: BuildLogEvent['level'],
  status: Status,
  complete = false,
  offset?: number,
): BuildLogEvent => ({ message, level, status, complete, offset });

describe('falling back to polling', () => {
  it('a JSON answer to the event-stream request: every line once, in order, offsets advancing, until complete', async () => {
    await startLogServer(
      (offset) =>
        (
          ({
            0: {
              logs: 'Step 1/3: FROM python:3.12\nCollecting numpy\n',
              offset: 2,
              status: 'building',
              complete: false,
            },
            2: { logs: 'WARNING: pip is out of date\n', offset: 3, status: 'building', complete: false },
            3: {
              logs: 'Step 3/3: USER user\n✅ Build completed in 41s\n',
              offset: 5,
              status: 'active',
              complete: true,
            },
          }) as Record<number, Page>
        )[offset],
    );
    const { events, error } = await drain(follow());

    expect(error).toBeUndefined();
    expect(events).toEqual([
      line('Step 1/3: FROM python:3.12', 'INFO', 'building'),
      line('Collecting numpy', 'INFO', 'building', false, 2),
      line('WARNING: pip is out of date', 'WARN', 'building', false, 3),
      line('Step 3/3: USER user', 'INFO', 'active'),
      line('✅ Build completed in 41s', 'INFO', 'active', true, 5),
    ]);
    expect(offsets()).toEqual(['0', '2', '3']);
    // Only the first request offered to take an event stream; the polls ask for JSON.
    expect(accepts()[0]).toContain('text/event-stream');
    expect(
      accepts()
        .slice(1)
        .every((accept) => !accept.includes('text/event-stream')),
    ).toBe(true);
  });

  it('a page with nothing new is asked again from the same offset; blank lines are skipped; levels from the markers', async () => {
    await startLogServer((offset, call) => {
      if (offset === 0) return { logs: 'Step 1/2: RUN make\n\n   \n', offset: 1, status: 'building', complete: false };
      if (offset === 1 && call < 3) return { logs: '', offset: 1, status: 'building', complete: false };
      if (offset === 1)
        return {
          logs: 'ERROR: make failed\n❌ Build failed\n⚠ cache not saved\n',
          offset: 4,
          status: 'failed',
          complete: true,
        };
      return undefined;
    });
    const { events, error } = await drain(follow());

    expect(error).toBeUndefined();
    expect(events).toEqual([
      line('Step 1/2: RUN make', 'INFO', 'building', false, 1),
      line('ERROR: make failed', 'ERROR', 'failed'),
      line('❌ Build failed', 'ERROR', 'failed'),
      line('⚠ cache not saved', 'WARN', 'failed', true, 4),
    ]);
    expect(offsets()).toEqual(['0', '1', '1', '1']);
  });

  it('a page without logs or offset (neither is guaranteed) is nothing new: asked again from the same offset', async () => {
    await startLogServer((offset, call) => {
      if (offset === 0) return { logs: 'Step 1/2: RUN make\n', offset: 1, status: 'building' };
      if (offset === 1 && call === 1) return { status: 'building' };
      if (offset === 1) return { logs: 'Build completed\n', offset: 2, status: 'active', complete: true };
      return undefined;
    });
    const { events, error } = await drain(follow());

    expect(error).toBeUndefined();
    expect(events).toEqual([
      line('Step 1/2: RUN make', 'INFO', 'building', false, 1),
      line('Build completed', 'INFO', 'active', true, 2),
    ]);
    expect(offsets()).toEqual(['0', '1', '1']);
  });

  it.each(['active', 'success', 'completed', 'failed'] as const)(
    'a terminal status (%s) stops the polling even without complete: true',
    async (status) => {
      await startLogServer((offset) => {
        if (offset === 0) return { logs: 'Step 1/1: RUN true\n', offset: 1, status: 'building' };
        if (offset === 1) return { logs: `Build ${status}\n`, offset: 2, status };
        return undefined;
      });
      const { events, error } = await drain(follow());
      expect(error).toBeUndefined();
      expect(events.map((e) => `${e.message} ${e.status} ${e.complete}`)).toEqual([
        'Step 1/1: RUN true building false',
        `Build ${status} ${status} true`,
      ]);
      expect(offsets()).toEqual(['0', '1']);
    },
  );

  it('mode: poll never asks for an event stream and starts at the given offset', async () => {
    await startLogServer(
      (offset) =>
        (
          ({
            7: { logs: 'Step 4/5: COPY app /workspace\n', offset: 8, status: 'building', complete: false },
            8: { logs: 'Step 5/5: USER user\n', offset: 9, status: 'success', complete: true },
          }) as Record<number, Page>
        )[offset],
    );
    const { events, error } = await drain(follow({ mode: 'poll', offset: 7 }));

    expect(error).toBeUndefined();
    expect(events.map((e) => e.message)).toEqual(['Step 4/5: COPY app /workspace', 'Step 5/5: USER user']);
    expect(offsets()).toEqual(['7', '8']);
    expect(accepts().some((accept) => accept.includes('text/event-stream'))).toBe(false);
  });

  it('auto mode asks for the event stream at the given offset too', async () => {
    await startLogServer((offset) =>
      offset === 4 ? { logs: 'Done\n', offset: 5, status: 'active', complete: true } : undefined,
    );
    const { events } = await drain(follow({ offset: 4 }));
    expect(events.map((e) => e.message)).toEqual(['Done']);
    expect(offsets()).toEqual(['4']);
    expect(accepts()[0]).toContain('text/event-stream');
  });
});

describe('failures while polling', () => {
  it('a poll answered 500 (maxRetries 0) throws InternalServerError after the lines already read', async () => {
    await startLogServer((offset) => {
      if (offset === 0) return { logs: 'Step 1/2: RUN make\n', offset: 1, status: 'building', complete: false };
      return { status: 500, error: 'log store unavailable', code: 'INTERNAL_ERROR' };
    });
    const { events, error } = await drain(follow());

    expect(events.map((e) => e.message)).toEqual(['Step 1/2: RUN make']);
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as InternalServerError).status).toBe(500);
    expect((error as InternalServerError).code).toBe('INTERNAL_ERROR');
    expect((error as Error).message).toContain('log store unavailable');
    expect((error as Error).message).toContain(OPERATION);
    expect(offsets()).toEqual(['0', '1']);
  });

  it('a poll answered 500 is retried by the client first, then throws (maxRetries 1)', async () => {
    await startLogServer((offset) => {
      if (offset === 0) return { logs: 'Step 1/2: RUN make\n', offset: 1, status: 'building', complete: false };
      return { status: 500, error: 'log store unavailable', code: 'INTERNAL_ERROR' };
    });
    const { error } = await drain(follow({}, 1));
    expect(error).toBeInstanceOf(InternalServerError);
    expect(offsets()).toEqual(['0', '1', '1']);
  });

  it('a poll answered 404 throws NotFoundError', async () => {
    await startLogServer((offset) => {
      if (offset === 0) return { logs: 'Step 1/2: RUN make\n', offset: 1, status: 'building', complete: false };
      return { status: 404, error: 'Build not found', code: 'INVALID_REQUEST' };
    });
    const { events, error } = await drain(follow({ mode: 'poll' }));
    expect(events).toHaveLength(1);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).status).toBe(404);
  });

  it('aborting while waiting for the next poll rejects with HopxAbortError at once, without another request', async () => {
    await startLogServer((offset) =>
      offset === 0 ? { logs: 'Step 1/2: RUN make\n', offset: 1, status: 'building', complete: false } : undefined,
    );
    const controller = new AbortController();
    const logs = follow({ signal: controller.signal, pollInterval: 20_000 });
    expect((await logs.next()).value?.message).toBe('Step 1/2: RUN make');
    const pending = logs.next(); // now sleeps 20 s before the next poll
    await new Promise((resolve) => setImmediate(resolve));
    const started = performance.now();
    controller.abort();
    const error = await pending.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(HopxAbortError);
    expect((error as Error).message).toBe(`${OPERATION} was aborted`);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(offsets()).toEqual(['0']);
  });

  it('an already-aborted signal: no request, no line', async () => {
    await startLogServer(() => ({ logs: 'x\n', offset: 1, status: 'active', complete: true }));
    const { events, error } = await drain(follow({ mode: 'poll', signal: AbortSignal.abort() }));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(HopxAbortError);
    expect(scripted!.seen).toHaveLength(0);
  });
});

describe('a shared AbortSignal', () => {
  it.each(['auto', 'poll'] as const)(
    'mode %s: 50 polled builds that finished leave no abort listener on it',
    async (mode) => {
      await startLogServer((offset) => {
        if (offset === 0) return { logs: 'Step 1/2: RUN make\n', offset: 1, status: 'building', complete: false };
        if (offset === 1) return { logs: 'Build completed\n', offset: 2, status: 'active', complete: true };
        return undefined;
      });
      const shared = new AbortController();
      for (let i = 0; i < 50; i++) {
        const { events, error } = await drain(follow({ mode, signal: shared.signal }));
        expect(error).toBeUndefined();
        expect(events).toHaveLength(2);
      }
      expect(scripted!.seen).toHaveLength(100);
      // The polls go through client.GET: a Request given the caller's own signal would keep an abort
      // listener on it until garbage collection.
      expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    },
  );
});
