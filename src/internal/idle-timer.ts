// The clock behind every timeout: it bounds each wait for progress, never a whole transfer. It
// restarts on every sign of life (a chunk of the request body taken, the response head, a chunk of
// the response body) and aborts its signal when it runs out.
import type { BodyProgress } from './outgoing-body.js';

export class IdleTimer {
  private handle: ReturnType<typeof setTimeout> | undefined;
  private sending = false;
  /** Once the response head is here, a body still being sent is no longer a sign of life. */
  private answered = false;
  fired = false;

  /** `controller` is aborted when the time runs out (the attempt's connection). */
  constructor(
    readonly ms: number,
    private readonly controller = new AbortController(),
  ) {
    this.restart();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  restart(): void {
    this.stop();
    this.handle = setTimeout(this.expire, this.ms);
  }

  stop(): void {
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
    this.confirming = false;
  }

  /** Set between the time running out and the look once more after this turn's I/O. */
  private confirming = false;

  private readonly expire = () => {
    // On a busy event loop the timer can fire late, ahead of data that arrived meanwhile and waits
    // in this turn's I/O: time our own loop lost is not the server's silence. A timeout of 0 runs
    // after that I/O (and any progress it makes stops this one).
    if (!this.confirming) {
      this.confirming = true;
      this.handle = setTimeout(this.expire, 0);
      return;
    }
    this.handle = undefined;
    this.confirming = false;
    this.fired = true;
    this.controller.abort();
  };

  /** What the request body's progress tells the clock (see outgoing-body.ts). */
  bodyProgress(): BodyProgress {
    return {
      readingSource: () => {
        if (!this.answered) this.stop();
      },
      handedOver: () => {
        if (this.answered) return;
        this.sending = true;
        this.restart();
      },
      finished: () => {
        if (this.answered) return;
        this.sending = false;
        this.restart();
      },
    };
  }

  /** The response head arrived: from now on only reading the response restarts the clock. */
  headArrived(): void {
    this.answered = true;
    this.stop();
  }

  /** The message of the timeout error for a request that got no response head. */
  describe(operation: string): string {
    return this.sending
      ? `${operation}: no progress for ${this.ms} ms while sending the request body`
      : `${operation} timed out after ${this.ms} ms`;
  }
}
