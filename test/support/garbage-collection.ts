// For tests of what happens once garbage collection has run: a way to run it without starting the
// process with --expose-gc, and a bounded wait for a promise meanwhile.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects garbage a few times, letting timers and I/O run in between. */
export async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Settles with what `pending` settled with, or 'still waiting' after `ms`. */
export function within<T>(pending: Promise<T>, ms: number): Promise<T | 'still waiting'> {
  return Promise.race([
    pending,
    new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), ms)),
  ]);
}
