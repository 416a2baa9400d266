import { abortedError } from '../errors.js';

/**
 * Waits `ms`, or rejects with HopxAbortError as soon as `signal` fires (leaving no listener behind).
 * `what` names the call or stream in the error; `operation` is set when it is an API operation.
 */
export function abortableSleep(
  ms: number,
  signal: AbortSignal | undefined,
  what: string,
  operation?: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () => abortedError(what, signal, operation);
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
