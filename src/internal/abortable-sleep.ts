import { HopxAbortError } from '../errors.js';

/** Waits `ms`, or rejects with HopxAbortError as soon as `signal` fires (leaving no listener behind). */
export function abortableSleep(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () => new HopxAbortError(`${what} was aborted`, { cause: signal?.reason });
    if (signal?.aborted) return reject(aborted());
    const onAbort = () => {
      clearTimeout(handle);
      reject(aborted());
    };
    const handle = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
