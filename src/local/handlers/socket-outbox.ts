// How server messages leave one WebSocket of the agent: in order, spaced, merged, back-pressured.
//
// - Spaced: clients that take one message per `message` event (the official JS SDK's
//   WSClient.receive() adds one `once('message')` listener per message) lose every frame after the
//   first that arrives in the same read, and frames written back to back arrive in one read (over
//   ws:// and wss:// alike). So two messages are at least `paceMs` apart (a client in another
//   process has read the first by then), and each is written from a setImmediate callback, at most
//   one per turn of the event loop: a poll phase, where a client in this same process reads, always
//   comes between two writes, however long the loop stalls. Once more than BURST messages wait
//   (output that cannot be merged, such as stdout and stderr taking turns), the time gap is dropped
//   and only the turn-of-the-loop rule holds, so a burst is not slowed to one message per `paceMs`.
// - Merged: output waiting to go (stdout, stderr, terminal output) joins the message of the same kind
//   queued just before it, up to MERGE_CHARS: the spec's chunks are not aligned to anything, and
//   chatty output then costs a few messages, not one per write.
// - Back-pressured: once more than HIGH characters wait (here, and bytes in the socket), the producer
//   (a run's pipes, a terminal) stops being read, and the program writing blocks, until all but LOW
//   are sent.
import type { SocketContext } from '../context.js';

const HIGH = 1024 * 1024;
const LOW = 256 * 1024;
const MERGE_CHARS = 1024 * 1024;
const BURST = 32;
const CHECK_MS = 5;

export interface Pausable {
  pause(): void;
  resume(): void;
}

type Message = Record<string, unknown> & { type: string };

export class SocketOutbox {
  private readonly queue: Message[] = [];
  private queuedChars = 0;
  private lastSent = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private paused = false;
  private pressureTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private drainedWaiters: (() => void)[] = [];

  constructor(
    private readonly ctx: SocketContext,
    private readonly options: {
      paceMs: number;
      /** Message types whose `data` strings may be joined. */
      mergeable?: readonly string[];
    },
  ) {
    ctx.onClose(() => this.close());
  }

  /** What to pause while too much waits (set once the producer exists). */
  source: Pausable | undefined;

  push(message: Message): void {
    if (this.closed) return;
    const last = this.queue[this.queue.length - 1];
    const data = message.data;
    if (
      last &&
      last.type === message.type &&
      typeof data === 'string' &&
      typeof last.data === 'string' &&
      this.options.mergeable?.includes(message.type) &&
      last.data.length + data.length <= MERGE_CHARS
    ) {
      // The merged chunk keeps the time its first part was read.
      last.data = last.data + data;
    } else {
      this.queue.push(message);
    }
    this.queuedChars += typeof data === 'string' ? data.length : 0;
    this.pressure();
    this.schedule();
  }

  /** Resolves once everything pushed so far has been handed to the socket (or the socket closed). */
  drained(): Promise<void> {
    if (this.closed || this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainedWaiters.push(resolve));
  }

  private schedule() {
    if (this.timer || this.immediate || this.queue.length === 0) return;
    const wait = this.queue.length > BURST ? 0 : this.lastSent + this.options.paceMs - Date.now();
    const inNextCheckPhase = () => {
      this.timer = undefined;
      this.immediate = setImmediate(() => this.sendOne());
    };
    if (wait <= 0) inNextCheckPhase();
    else this.timer = setTimeout(inNextCheckPhase, wait);
  }

  private sendOne() {
    this.immediate = undefined;
    const message = this.queue.shift();
    if (!message || this.closed) return;
    if (typeof message.data === 'string') this.queuedChars -= message.data.length;
    this.ctx.send(message);
    this.lastSent = Date.now();
    if (this.queue.length === 0) for (const resolve of this.drainedWaiters.splice(0)) resolve();
    this.schedule();
  }

  private waiting(): number {
    return this.queuedChars + this.ctx.ws.bufferedAmount;
  }

  private pressure() {
    const { source } = this;
    if (!source || this.paused || this.waiting() < HIGH) return;
    this.paused = true;
    source.pause();
    const check = () => {
      this.pressureTimer = undefined;
      // A closed socket ends the source through the handler's close listener; nothing to resume.
      if (this.closed) return;
      if (this.waiting() > LOW) {
        this.pressureTimer = setTimeout(check, CHECK_MS);
        return;
      }
      this.paused = false;
      source.resume();
    };
    this.pressureTimer = setTimeout(check, CHECK_MS);
  }

  private close() {
    this.closed = true;
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    clearTimeout(this.pressureTimer);
    this.queue.length = 0;
    this.queuedChars = 0;
    for (const resolve of this.drainedWaiters.splice(0)) resolve();
  }
}
