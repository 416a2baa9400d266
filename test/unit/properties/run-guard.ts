// What every property run here must also satisfy, whatever it checks: it ends in bounded time, and
// nothing fails behind its back. A rejection nobody handles or an exception thrown from an event
// handler would not fail the property itself (the run's own promise may still settle cleanly), so
// both are collected while the properties run and asserted empty after each run.

const stray: { kind: string; error: unknown }[] = [];
const onRejection = (error: unknown) => stray.push({ kind: 'unhandledRejection', error });
const onException = (error: unknown) => stray.push({ kind: 'uncaughtException', error });

/** Starts collecting (call in beforeAll). */
export function collectStrayFailures(): void {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
}

/** Stops collecting (call in afterAll). */
export function stopCollectingStrayFailures(): void {
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
}

/**
 * The failures collected since the last call, after letting pending ones surface: Node reports an
 * unhandled rejection only once the microtask queue has drained, so one macrotask turn is awaited.
 */
export async function takeStrayFailures(): Promise<string[]> {
  await new Promise((resolve) => setImmediate(resolve));
  return stray.splice(0).map(({ kind, error }) => `${kind}: ${error instanceof Error ? error.stack : String(error)}`);
}

/** `work`'s outcome, or `'timed out'` when it has not settled within `ms` (the run would have hung). */
export async function within<T>(ms: number, work: Promise<T>): Promise<T | 'timed out'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
