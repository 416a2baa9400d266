// 500 streams through scripted faults, against a real loopback server: the Control Plane's event
// streams (sandbox events and metrics, src/streams/event-stream.ts) meet connections dropped in the
// middle of an event, resets, 429 and 503 with Retry-After, stalls past a short idleTimeout, clean
// ends, non-JSON events, and a server that replays events it already sent after each reconnect with
// Last-Event-ID; the agent's WebSocket sessions (execute stream, terminal; agent-socket.ts) meet
// drops, 1011 closes, malformed frames, the agent's error message, stalls and refused upgrades.
// Each stream must deliver every event exactly once and in order, or end with the typed error its
// last fault promises (stream-faults.ts); afterwards the process must hold no socket, server or
// timer it did not hold before, the callers' AbortSignals no listener, and the heap no more than a
// bounded amount.
import { getEventListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { expect, it, onTestFailed } from 'vitest';
import {
  type ControlPlaneClient,
  createAgentClient,
  createControlPlaneClient,
  type HopxStreamClosedError,
  openTerminal,
  streamExecution,
  streamSandboxEvents,
  streamSandboxMetrics,
} from '../../src/index.js';
import { until } from '../support/until.js';
import { activeResources, heapUsedAfterGc, leftBeyond, MiB } from './process-resources.js';
import { forkRandom, soakSeed } from './seeded-random.js';
import { eventOf, type StreamFaultServer, startStreamFaultServer } from './stream-fault-server.js';
import {
  describe,
  endingOf,
  planSocket,
  planSseStream,
  type SocketPlan,
  type SsePlan,
  type SseResult,
  STREAM_MAX_RETRIES,
  socketErrorOf,
  sseProblems,
} from './stream-faults.js';
import { forEachConcurrently } from './worker-pool.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
const STREAMS = 500;
/** Streams run before the heap baseline, so that lazily built state (JIT, pools, modules) is not counted. */
const WARM_UP_STREAMS = 150;
/** The share of streams that are WebSocket sessions (the rest are event streams). */
const SOCKET_SHARE = 0.15;
const CONCURRENCY = 48;
/**
 * How much the heap may grow over the whole run: 8 KiB kept by each event stream exceeds it (the
 * growth without a leak is about 1-1.5 MiB once warmed up, and does not grow with the number of streams).
 */
const HEAP_BOUND = 4 * MiB;

type Planned = { kind: 'sse'; plan: SsePlan } | { kind: 'socket'; plan: SocketPlan; token: string };

function planStreams(seed: number, salt: number, count: number): Planned[] {
  let sessions = 0;
  return Array.from({ length: count }, (_, index): Planned => {
    const random = forkRandom(seed, salt, index);
    if (random() < SOCKET_SHARE) {
      // The session's token names its plan to the server (and is redacted from every error).
      const plan = planSocket(random, index, sessions++);
      return { kind: 'socket', plan, token: `soak-token-${salt}-${index}` };
    }
    return { kind: 'sse', plan: planSseStream(random, index) };
  });
}

interface RunResult {
  problems: string[];
  /** How the streams ended, by kind of ending. */
  endings: Record<string, number>;
  /** The faults the server applied, by kind. */
  faults: Record<string, number>;
  /** The signals of the streams that had their own, to look for listeners left on them. */
  ownSignals: AbortSignal[];
}

/** Runs every stream against a fresh server, `CONCURRENCY` at a time; `shared` goes to most of them. */
async function runStreams(streams: Planned[], shared: AbortSignal): Promise<RunResult> {
  const ssePlans = new Map<number, SsePlan>();
  const socketPlans = new Map<string, SocketPlan>();
  for (const stream of streams) {
    if (stream.kind === 'sse') ssePlans.set(stream.plan.index, stream.plan);
    else socketPlans.set(stream.token, stream.plan);
  }
  const server = await startStreamFaultServer(ssePlans, socketPlans);
  const controlPlane = createControlPlaneClient({ apiKey, baseUrl: server.url, maxRetries: STREAM_MAX_RETRIES });
  const run: RunResult = { problems: [], endings: {}, faults: {}, ownSignals: [] };
  const count = (counts: Record<string, number>, key: string) => {
    counts[key] = (counts[key] ?? 0) + 1;
  };

  await forEachConcurrently(streams, CONCURRENCY, async (stream) => {
    if (stream.kind === 'sse') {
      const { plan } = stream;
      const { result, problems } = await readEventStream(plan, controlPlane, shared, run);
      const log = server.sseLog.get(plan.index) ?? [];
      for (const arrival of log) count(run.faults, `sse ${arrival.fault}`);
      count(run.endings, `sse ${endingOf(plan, result)}`);
      const all = [...problems, ...sseProblems(plan, log, result)];
      if (all.length > 0) {
        const script = plan.arrivals.map((arrival) => `${arrival.fault}+${arrival.events}`).join(',');
        const seen = log.map((arrival) => `${arrival.requestId.slice(0, 4)}@${arrival.lastEventId}:${arrival.fault}`);
        run.problems.push(
          `event stream ${plan.index} (${plan.route}, ${plan.total} events, plan ${script}, maxReconnects ` +
            `${plan.maxReconnects}, reader ${JSON.stringify(plan.reader)}; server saw ${seen.join(' ')}; ` +
            `got ${result.delivered.length}, ended ${describe(result.outcome)}): ${all.join('; ')}`,
        );
      }
    } else {
      const { plan, token } = stream;
      count(run.faults, `socket ${plan.fault}`);
      const { outcome, problems } = await runSession(plan, token, server, shared);
      count(run.endings, `socket ${outcome === 'done' ? 'done' : (outcome as Error).constructor.name}`);
      if (problems.length > 0)
        run.problems.push(
          `session ${plan.index} (${plan.route}, ${plan.messages} messages then '${plan.fault}'): ${problems.join('; ')}`,
        );
    }
  });
  // Every connection the streams opened is closed by the client that ended them.
  await until(() => server.open() === 0, 5_000, 'every stream connection closed by the client');
  await server.close();
  return run;
}

/** Reads one event stream as its plan's caller does, checking each event against what the server sent. */
async function readEventStream(
  plan: SsePlan,
  controlPlane: ControlPlaneClient,
  shared: AbortSignal,
  run: RunResult,
): Promise<{ result: SseResult; problems: string[] }> {
  const own = plan.reader.kind === 'abort' ? new AbortController() : undefined;
  if (own) run.ownSignals.push(own.signal);
  const options = {
    signal: own?.signal ?? shared,
    idleTimeout: plan.idleTimeout,
    maxReconnects: plan.maxReconnects,
    reconnectDelay: 2,
  };
  const stream =
    plan.route === 'sandbox-events'
      ? streamSandboxEvents(controlPlane, { ...options, region: `soak-${plan.index}` })
      : streamSandboxMetrics(controlPlane, `soak-${plan.index}`, options);
  const delivered: number[] = [];
  const problems: string[] = [];
  let outcome: unknown;
  try {
    for await (const event of stream) {
      const n = Number(event.id?.split('-')[1]);
      const sent = eventOf(plan, n);
      if (event.id !== sent.id || event.event !== sent.type || !isDeepStrictEqual(event.data, sent.data))
        problems.push(`event ${event.id} is not the one the server sent`);
      delivered.push(n);
      if (plan.reader.kind !== 'all' && delivered.length === plan.reader.after) {
        if (plan.reader.kind === 'break') break;
        if (plan.reader.kind === 'close') stream.close();
        else own?.abort();
      }
    }
    outcome = 'done';
  } catch (error) {
    outcome = error;
  }
  const last = delivered.at(-1);
  if (stream.lastEventId !== (last === undefined ? undefined : `${plan.index}-${last}`))
    problems.push(`lastEventId is ${stream.lastEventId}, the last event delivered ${last}`);
  return { result: { delivered, outcome }, problems };
}

/** Runs one WebSocket session (code over /execute/stream, or a terminal) and checks how it ended. */
async function runSession(
  plan: SocketPlan,
  token: string,
  server: StreamFaultServer,
  shared: AbortSignal,
): Promise<{ outcome: unknown; problems: string[] }> {
  const agent = createAgentClient({
    sandbox: { id: `soak-${plan.index}`, public_host: server.url, auth_token: token },
  });
  const options = { signal: shared, idleTimeout: plan.idleTimeout };
  const received: unknown[] = [];
  let exitCode: number | undefined;
  let outcome: unknown;
  try {
    if (plan.route === '/execute/stream') {
      const session = await streamExecution(agent, { code: `print(${plan.index})`, language: 'python' }, options);
      for await (const message of session) received.push(message);
    } else {
      const terminal = await openTerminal(agent, { ...options, cols: 80, rows: 24 });
      for await (const chunk of terminal.output) received.push(chunk);
      exitCode = await terminal.exitCode;
    }
    outcome = 'done';
  } catch (error) {
    outcome = error;
  }
  const problems: string[] = [];
  const expected = socketErrorOf(plan.fault);
  if (expected === undefined ? outcome !== 'done' : !(outcome instanceof Error) || outcome.constructor !== expected)
    problems.push(`ended with ${describe(outcome)}, the fault promises ${expected?.name ?? 'a normal end'}`);
  if (plan.fault === 'drop' || plan.fault === 'close-1011') {
    const code = (outcome as HopxStreamClosedError).closeCode;
    if (code !== (plan.fault === 'drop' ? 1006 : 1011)) problems.push(`close code ${code}`);
  }
  // What the server sent before its fault arrives whole and in order (refused upgrades sent nothing).
  const sent = server.socketLog.get(plan.index) ?? [];
  const wanted =
    plan.route === '/execute/stream'
      ? sent
      : sent.flatMap((message) =>
          (message as { type: string }).type === 'output' ? [(message as { data: string }).data] : [],
        );
  if (!isDeepStrictEqual(received, wanted))
    problems.push(`received ${received.length} messages, the server sent ${wanted.length} before its fault`);
  if (plan.route === '/terminal' && plan.fault === 'ok' && exitCode !== plan.index % 3)
    problems.push(`exit code ${exitCode}, the server sent ${plan.index % 3}`);
  return { outcome, problems };
}

it(`${STREAMS} event streams and WebSocket sessions through scripted faults: each delivers every event once and in order or ends with the promised error, nothing leaks`, async () => {
  const seed = soakSeed();
  onTestFailed(() => console.error(`soak seed ${seed}: rerun with SOAK_SEED=${seed} npx vitest run --project soak`));
  const baseline = activeResources();
  const shared = new AbortController().signal;

  const warmUp = await runStreams(planStreams(seed, 3, WARM_UP_STREAMS), shared);
  expect(warmUp.problems).toEqual([]);
  const heapBefore = await heapUsedAfterGc();

  const started = performance.now();
  let run: RunResult | undefined = await runStreams(planStreams(seed, 4, STREAMS), shared);
  const elapsed = performance.now() - started;
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, n]) => `${key} ${n}`)
      .join(', ');
  console.log(
    `soak streams (seed ${seed}): ${STREAMS} streams in ${Math.round(elapsed)} ms; faults: ${list(run.faults)}; ` +
      `endings: ${list(run.endings)}`,
  );
  expect(run.problems.slice(0, 10), `${run.problems.length} streams ended otherwise than promised`).toEqual([]);
  // The run is only as good as the faults it met and the endings it reached: every kind of each.
  const faults = [
    ...[
      'ok',
      '429',
      '503',
      'reset-head',
      'stall-head',
      'drop',
      'reset-body',
      'end',
      'stall-body',
      'malformed',
      '204',
    ].map((fault) => `sse ${fault}`),
    ...[
      'ok',
      'drop',
      'close-1011',
      'not-json',
      'not-a-message',
      'error-message',
      'stall',
      'refuse-503',
      'refuse-429',
    ].map((fault) => `socket ${fault}`),
  ];
  expect(faults.filter((fault) => !run?.faults[fault])).toEqual([]);
  const endings = [
    'done',
    'gave up',
    'RateLimitError',
    'ServiceUnavailableError',
    'HopxTimeoutError',
    'HopxResponseFormatError',
    'HopxAbortError',
    'stopped (break)',
    'stopped (close)',
  ].map((ending) => `sse ${ending}`);
  expect(endings.filter((ending) => !run?.endings[ending])).toEqual([]);
  const ownSignals = run.ownSignals;
  // Drop what the test itself kept, so that the heap shows only what the client kept.
  run = undefined;

  // No stream may leave a listener on its caller's signal: the one most shared, nor its own.
  expect(getEventListeners(shared, 'abort')).toHaveLength(0);
  expect(ownSignals.filter((signal) => getEventListeners(signal, 'abort').length > 0)).toHaveLength(0);
  ownSignals.length = 0;
  // Server closed: no socket, server or timer may be left (timers are 'Timeout' entries).
  expect(await leftBeyond(baseline)).toEqual({});
  const heapGrowth = (await heapUsedAfterGc()) - heapBefore;
  console.log(
    `soak streams: heap ${heapGrowth >= 0 ? '+' : ''}${(heapGrowth / MiB).toFixed(1)} MiB after ${STREAMS} streams`,
  );
  expect(heapGrowth).toBeLessThan(HEAP_BOUND);
}, 90_000);
