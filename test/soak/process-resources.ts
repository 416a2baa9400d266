// What the soak tests compare before and after a run: the handles keeping the process alive (sockets,
// servers, timers), counted by type, and the heap once garbage collection has run. The soak project
// runs with --expose-gc (vitest.config.ts).

const gc = (globalThis as { gc?: () => void }).gc;

export type ResourceCounts = Record<string, number>;

/**
 * Resources that are only ever in flight for a tick (a handle being closed, a queued immediate, the
 * test runner's own file reads): a snapshot may catch them at any time, so they are not compared.
 */
const TRANSIENT = new Set(['CloseReq', 'Immediate', 'FSReqCallback', 'FSReqPromise', 'FileHandleCloseReq']);

/** `process.getActiveResourcesInfo()` counted by type (TCPSocketWrap, TCPServerWrap, Timeout, ...). */
export function activeResources(): ResourceCounts {
  const counts: ResourceCounts = {};
  for (const type of process.getActiveResourcesInfo()) {
    if (!TRANSIENT.has(type)) counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}

/**
 * What `now` holds beyond `baseline`, by type: the leak. Fewer than the baseline is no leak (the
 * test runner's own timers and pipes come and go).
 */
export function beyond(baseline: ResourceCounts, now: ResourceCounts): ResourceCounts {
  const extra: ResourceCounts = {};
  for (const [type, count] of Object.entries(now)) {
    if (count > (baseline[type] ?? 0)) extra[type] = count - (baseline[type] ?? 0);
  }
  return extra;
}

/**
 * What is still held beyond `baseline` once it is all gone, or after `ms`. Sockets close a few
 * ticks after their peer's FIN, so a leak is what is still there once the deadline passes.
 */
export async function leftBeyond(baseline: ResourceCounts, ms = 5_000): Promise<ResourceCounts> {
  const deadline = Date.now() + ms;
  for (;;) {
    const extra = beyond(baseline, activeResources());
    if (Object.keys(extra).length === 0 || Date.now() > deadline) return extra;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * `heapUsed` after collecting garbage until it stops shrinking. Several rounds with a tick between
 * them: objects freed by FinalizationRegistry callbacks (AbortSignal.any's bookkeeping among them)
 * are only collectable after those callbacks ran.
 */
export async function heapUsedAfterGc(): Promise<number> {
  if (!gc) throw new Error('the soak tests need --expose-gc (the soak project in vitest.config.ts passes it)');
  let previous = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 10; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const used = process.memoryUsage().heapUsed;
    if (round >= 3 && used >= previous * 0.99) return used;
    previous = Math.min(previous, used);
  }
  return previous;
}

export const MiB = 1024 * 1024;
