// One attempt's connection follows the caller's signal for as long as the attempt lasts, and no
// longer: a caller who passes one long-lived signal to every call keeps no listener per call.

/** Aborts `controller` when `signal` aborts; returns how to stop following. */
export function followSignal(signal: AbortSignal | undefined, controller: AbortController): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    controller.abort(signal.reason);
    return () => {};
  }
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
