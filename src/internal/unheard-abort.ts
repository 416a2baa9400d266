// An attempt ends when its signal aborts (the idle timer, the caller's signal, close()), whether or
// not the fetch heard it. A fetch that copies the request into a new Request (most fetch wrappers
// do) stops hearing it once that Request is garbage: undici follows a signal from one Request to
// the next only while the first is alive (nodejs/undici#4068). Without these two backstops such a
// call waited for ever: for a response head that never came, or for a chunk of a stalled body.

/**
 * `pending`, or a rejection with `signal`'s reason as soon as `signal` aborts. What `pending`
 * resolves with after that goes to `abandoned` (a response nobody will read, to be let go).
 */
export function settleOnAbort<T>(pending: Promise<T>, signal: AbortSignal, abandoned: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const onAbort = () => {
      settled = true;
      reject(signal.reason);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (settled) abandoned(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Cancels `reader` when `signal` aborts: its pending read resolves as done (a reader that heard
 * the abort has already failed it), and undici closes the connection. Returns how to stop watching.
 * A read that comes back done while `signal` is aborted is therefore a body cut short, not its end.
 */
export function cancelOnAbort(reader: ReadableStreamDefaultReader<Uint8Array>, signal: AbortSignal): () => void {
  const onAbort = () => {
    // A reader already failed or released has nothing left to end.
    reader.cancel(signal.reason).catch(() => {});
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
