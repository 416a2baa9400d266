// 10,000 calls of both clients, idempotent and not, through scripted faults: refused connections,
// resets, hang-ups, 429 and 503 with and without Retry-After, stalls that trip a short per-call
// timeout, and bodies cut short. Every call must end exactly as src/internal/retry-policy.ts promises
// for its plan (the same attempts, the same arrivals, the same success or error class); a request
// that must not run twice must reach the server at most once except after a 429 (the server proved
// it did not act); and afterwards the process must hold no socket, server or timer it did not hold
// before, the caller's AbortSignal no listener, and the heap no more than a bounded amount.
import { getEventListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { expect, it, onTestFailed } from 'vitest';
import { operationFacts } from '../../generated/operations.js';
import { createAgentClient, createControlPlaneClient, HopxError } from '../../src/index.js';
import { until } from '../support/until.js';
import {
  errorClassOf,
  type Fault,
  planAttempts,
  promisedOutcome,
  provesNotActed,
  STALL_TIMEOUT_MS,
} from './call-faults.js';
import { type Arrival, startFaultServer } from './fault-server.js';
import { activeResources, heapUsedAfterGc, leftBeyond, MiB } from './process-resources.js';
import { closedPort, scriptedFetch } from './scripted-fetch.js';
import { forkRandom, pick, type Random, soakSeed } from './seeded-random.js';
import { forEachConcurrently } from './worker-pool.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
const sandboxId = '1761048129dsaqav4n';
const CALLS = 10_000;
/** Calls made before the heap baseline, so that lazily built state (JIT, pools, modules) is not counted. */
const WARM_UP_CALLS = 500;
const CONCURRENCY = 64;
/** The share of attempts that meet a fault. */
const FAULT_RATE = 0.3;
/**
 * How much the heap may grow over the whole run: a leak of 1 KiB a call would exceed it (the growth
 * without a leak is 1-2 MiB).
 */
const HEAP_BOUND = 10 * MiB;

/** The operations called, with how often each is drawn: GETs, idempotent POSTs and POSTs that must not run twice. */
const OPERATIONS = {
  'GET /v1/sandboxes/{id}': 3,
  'GET /v1/sandboxes': 1,
  'POST /v1/sandboxes': 3,
  'POST /v1/sandboxes/{id}/pause': 1,
  'POST /execute': 3,
  'POST /files/write': 1,
  'GET /env': 1,
} as const;
type SoakOperation = keyof typeof OPERATIONS;

const idempotent = (operation: SoakOperation) => operationFacts[operation].idempotent;

interface SoakCall {
  index: number;
  operation: SoakOperation;
  plan: Fault[];
  /** The per-call maxRetries, or undefined for the client's default. */
  maxRetries: number | undefined;
  /** Retries the call may make: its own maxRetries or the default (2). */
  budget: number;
  /** A short per-call timeout for a call whose plan stalls; otherwise the operation's default. */
  timeout: number | undefined;
}

function planCalls(seed: number, salt: number, count: number): SoakCall[] {
  return Array.from({ length: count }, (_, index) => {
    const random: Random = forkRandom(seed, salt, index);
    const operation = pick(random, OPERATIONS);
    const maxRetries = pick(random, { default: 8, zero: 1, one: 1 });
    const budget = maxRetries === 'zero' ? 0 : maxRetries === 'one' ? 1 : 2;
    const plan = planAttempts(random, budget, FAULT_RATE);
    const stalls = plan.some((fault) => fault === 'stall' || fault === 'stall-body');
    return {
      index,
      operation,
      plan,
      maxRetries: maxRetries === 'default' ? undefined : budget,
      budget,
      timeout: stalls ? STALL_TIMEOUT_MS : undefined,
    };
  });
}

interface RunResult {
  /** What the client side saw that the policy does not promise. */
  problems: string[];
  arrivals: Arrival[];
  attempts: Uint16Array;
  /** The requestId of each call's error (undefined for a success). */
  errorRequestIds: (string | undefined)[];
}

/** Makes every call through a fresh fault server, `CONCURRENCY` at a time, all with `signal`. */
async function runCalls(calls: SoakCall[], signal: AbortSignal): Promise<RunResult> {
  const server = await startFaultServer();
  const scripted = scriptedFetch(
    calls.map((call) => call.plan),
    `http://127.0.0.1:${await closedPort()}`,
  );
  const controlPlane = createControlPlaneClient({
    apiKey,
    baseUrl: server.url,
    fetch: scripted.fetch,
    throwOnError: true,
  });
  const agent = createAgentClient({
    sandbox: { id: sandboxId, public_host: server.url, auth_token: 'jwt-header.payload.signature' },
    fetch: scripted.fetch,
    throwOnError: true,
  });
  const problems: string[] = [];
  const errorRequestIds: (string | undefined)[] = new Array(calls.length);

  const send = (call: SoakCall): Promise<unknown> => {
    const options = {
      headers: { 'x-soak-call': String(call.index) },
      signal,
      ...(call.maxRetries === undefined ? {} : { maxRetries: call.maxRetries }),
      ...(call.timeout === undefined ? {} : { timeout: call.timeout }),
    };
    const id = `${sandboxId}-${call.index}`;
    switch (call.operation) {
      case 'GET /v1/sandboxes/{id}':
        return controlPlane.GET('/v1/sandboxes/{id}', { params: { path: { id } }, ...options });
      case 'GET /v1/sandboxes':
        return controlPlane.GET('/v1/sandboxes', { params: { query: { limit: 10 } }, ...options });
      case 'POST /v1/sandboxes':
        return controlPlane.POST('/v1/sandboxes', { body: { template_name: 'code-interpreter' }, ...options });
      case 'POST /v1/sandboxes/{id}/pause':
        return controlPlane.POST('/v1/sandboxes/{id}/pause', { params: { path: { id } }, ...options });
      case 'POST /execute':
        return agent.POST('/execute', { body: { code: `print(${call.index})`, language: 'python' }, ...options });
      case 'POST /files/write':
        return agent.POST('/files/write', { body: { path: `/workspace/${call.index}.txt`, content: 'x' }, ...options });
      case 'GET /env':
        return agent.GET('/env', options);
    }
  };

  await forEachConcurrently(calls, CONCURRENCY, async (call) => {
    const promised = promisedOutcome(call.plan, idempotent(call.operation), call.budget);
    const what = `call ${call.index} (${call.operation}, plan ${call.plan.join(',')}, maxRetries ${call.budget})`;
    try {
      const data = (await send(call)) as { soak_call?: unknown };
      if (promised.final !== 'ok') problems.push(`${what}: succeeded, but the policy ends it with '${promised.final}'`);
      else if (data?.soak_call !== call.index) problems.push(`${what}: got the answer to ${data?.soak_call}`);
    } catch (error) {
      errorRequestIds[call.index] = error instanceof HopxError ? error.requestId : undefined;
      const expected = promised.final === 'ok' ? undefined : errorClassOf(promised.final);
      if (!(error instanceof HopxError) || error.constructor !== expected || error.operation !== call.operation) {
        problems.push(
          `${what}: failed with ${error instanceof Error ? `${error.name} (${error.message})` : String(error)}, ` +
            `but the policy ends it with '${promised.final}'${expected ? ` (${expected.name})` : ''}`,
        );
      }
    }
    const attempts = scripted.attempts[call.index];
    if (attempts !== promised.attempts) problems.push(`${what}: ${attempts} attempts, promised ${promised.attempts}`);
  });
  // Every request the server read was answered, or its connection closed by the client that gave up.
  await until(() => server.inFlight() === 0, 5_000, 'every request answered or abandoned by the client');
  await server.close();
  return { problems, arrivals: server.arrivals, attempts: scripted.attempts, errorRequestIds };
}

/** What the server saw, against the plans: arrivals per call, one request id per call, at-most-once. */
function checkArrivals(calls: SoakCall[], run: RunResult) {
  const problems: string[] = [];
  const byCall = new Map<number, Arrival[]>();
  const byRequestId = new Map<string, Arrival[]>();
  for (const arrival of run.arrivals) {
    if (arrival.fault === 'unplanned') problems.push(`call ${arrival.call}: an attempt beyond its plan arrived`);
    byCall.set(arrival.call, [...(byCall.get(arrival.call) ?? []), arrival]);
    byRequestId.set(arrival.requestId, [...(byRequestId.get(arrival.requestId) ?? []), arrival]);
  }
  let sentAgainAfter429 = 0;
  let keptFromSecondRun = 0;
  for (const call of calls) {
    const seen = byCall.get(call.index) ?? [];
    const promised = promisedOutcome(call.plan, idempotent(call.operation), call.budget);
    const planned = call.plan.slice(0, promised.attempts).filter((fault) => fault !== 'refused');
    const faults = seen.map((arrival) => arrival.fault);
    if (faults.join() !== planned.join())
      problems.push(
        `call ${call.index} (${call.operation}): the server saw [${faults}], the plan promises [${planned}]`,
      );
    const ids = new Set(seen.map((arrival) => arrival.requestId));
    if (ids.size > 1) problems.push(`call ${call.index}: its attempts carried ${ids.size} different X-Request-IDs`);
    const errorId = run.errorRequestIds[call.index];
    if (errorId !== undefined && seen.length > 0 && !ids.has(errorId))
      problems.push(`call ${call.index}: its error names request ${errorId}, the server saw ${[...ids]}`);
  }
  for (const [requestId, seen] of byRequestId) {
    if (new Set(seen.map((arrival) => arrival.call)).size > 1)
      problems.push(`X-Request-ID ${requestId} was sent by more than one call`);
    const operation = calls[seen[0]!.call]!.operation;
    if (idempotent(operation)) continue;
    // The promise for an operation that must not run twice: the server sees its request again only
    // after answering 429 (it did not act), or after a refusal (it never arrived). So every arrival
    // but the last must have been a 429, and at most one arrival is one the server may have acted on.
    const acted = seen.filter((arrival) => !provesNotActed(arrival.fault as Fault));
    if (acted.length > 1) problems.push(`${operation} ${requestId} reached the server ${acted.length} times`);
    if (acted.length === 1 && acted[0] !== seen.at(-1))
      problems.push(`${operation} ${requestId} was sent again after an arrival the server may have acted on`);
    if (seen.length > 1) sentAgainAfter429++;
    if (acted.length === 1 && acted[0]!.fault !== 'ok') keptFromSecondRun++;
  }
  return { problems, sentAgainAfter429, keptFromSecondRun, requestIds: byRequestId.size };
}

/** How many attempts met each fault, split by whether the operation is idempotent. */
function faultCounts(calls: SoakCall[], attempts: Uint16Array) {
  const counts: Record<string, { idempotent: number; once: number }> = {};
  for (const call of calls) {
    for (const fault of call.plan.slice(0, attempts[call.index])) {
      counts[fault] ??= { idempotent: 0, once: 0 };
      counts[fault][idempotent(call.operation) ? 'idempotent' : 'once']++;
    }
  }
  return counts;
}

it(`${CALLS.toLocaleString('en')} calls through scripted faults: each ends as the retry policy promises, nothing leaks`, async () => {
  const seed = soakSeed();
  onTestFailed(() => console.error(`soak seed ${seed}: rerun with SOAK_SEED=${seed} npx vitest run --project soak`));
  const baseline = activeResources();
  const signal = new AbortController().signal;

  const warmUp = await runCalls(planCalls(seed, 1, WARM_UP_CALLS), signal);
  expect(warmUp.problems).toEqual([]);
  const heapBefore = await heapUsedAfterGc();

  const started = performance.now();
  let calls: SoakCall[] | undefined = planCalls(seed, 2, CALLS);
  let run: RunResult | undefined = await runCalls(calls, signal);
  const elapsed = performance.now() - started;
  const seen = checkArrivals(calls, run);
  const faults = faultCounts(calls, run.attempts);
  console.log(
    `soak calls (seed ${seed}): ${CALLS} calls, ${run.arrivals.length} requests arrived in ${Math.round(elapsed)} ms; ` +
      `${seen.sentAgainAfter429} non-idempotent requests sent again after a 429, ${seen.keptFromSecondRun} failures after sending not retried; ` +
      `faults by attempt (idempotent/once): ${Object.entries(faults)
        .map(([fault, n]) => `${fault} ${n.idempotent}/${n.once}`)
        .join(', ')}`,
  );
  expect(run.problems.slice(0, 20), `${run.problems.length} calls ended otherwise than promised`).toEqual([]);
  expect(seen.problems.slice(0, 20), `${seen.problems.length} problems in what the server saw`).toEqual([]);
  expect(seen.requestIds).toBeLessThanOrEqual(CALLS);
  // The run is only as good as the faults it met: every kind, on both kinds of operation.
  const kinds = [
    'refused',
    'reset',
    'hangup',
    '429',
    '429-backoff',
    '503',
    '503-backoff',
    'stall',
    'cut',
    'stall-body',
  ];
  expect(kinds.filter((fault) => !(faults[fault]?.idempotent && faults[fault]?.once))).toEqual([]);
  expect(seen.sentAgainAfter429).toBeGreaterThan(0);
  expect(seen.keptFromSecondRun).toBeGreaterThan(0);
  // Drop what the test itself kept, so that the heap shows only what the client kept.
  run = calls = undefined;

  // The caller's signal went to every call: none may leave a listener on it.
  expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  // Servers closed: no socket, server or timer may be left (timers are 'Timeout' entries).
  expect(await leftBeyond(baseline)).toEqual({});
  const heapGrowth = (await heapUsedAfterGc()) - heapBefore;
  console.log(
    `soak calls: heap ${heapGrowth >= 0 ? '+' : ''}${(heapGrowth / MiB).toFixed(1)} MiB after ${CALLS} calls`,
  );
  expect(heapGrowth).toBeLessThan(HEAP_BOUND);
}, 90_000);
