// A typed WebSocket session with a VM Agent: send client messages, iterate server messages.
//
// Every frame is queued as it arrives and handed out in order: awaiting one `message` event per
// `next()` (what the official SDK does) drops frames that arrive in the same read. Nothing is
// swallowed: a malformed frame, a message the route's schemas do not describe (another type, a field
// of another type), a server `error` message, an unexpected close, an idle server or a refused
// upgrade ends the iteration with a typed error. The socket closes when the caller stops.
import { type SocketProtocols, socketFinalMessage } from '../../generated/operations.js';
import type { AgentClient, ThrowingAgentClient } from '../agent-client.js';
import type { WebSocketPath } from '../api-paths.js';
import {
  AuthenticationError,
  abortedError,
  HopxConnectionError,
  type HopxError,
  HopxResponseFormatError,
  HopxStreamClosedError,
  HopxStreamError,
  HopxTimeoutError,
} from '../errors.js';
import { agentConnectionOf } from '../internal/agent-connection.js';
import { type MessageRules, messageRulesOf, mismatchOf } from './server-messages.js';
import { openRawSocket, type RawSocket } from './websocket-adapter.js';

export type { SocketProtocols };

export type SocketPath = keyof SocketProtocols;
export type ClientMessage<P extends SocketPath> = SocketProtocols[P]['client'];
export type ServerMessage<P extends SocketPath> = SocketProtocols[P]['server'];

// Compile-time check that the spec's x-websocket routes are exactly its WebSocket (101) routes.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const coversEverySocketRoute: Exact<SocketPath, WebSocketPath> = true;
void coversEverySocketRoute;

/** Either calling style of an agent client: a Control Plane client does not fit here. */
export type AnyAgentClient = AgentClient | ThrowingAgentClient;

export interface AgentSocketOptions {
  /** Ends the session (the iterator throws HopxAbortError). */
  signal?: AbortSignal;
  /** Milliseconds without a message before HopxTimeoutError (default: the agent client's timeout, 60 s). */
  idleTimeout?: number;
  /** Milliseconds between protocol pings; a missing pong by the next ping drops the connection. Node only. Default 20 000; 0 disables. */
  pingInterval?: number;
  /** Milliseconds to wait for the upgrade (default 30 000). */
  connectTimeout?: number;
}

/** Queue length at which the socket stops reading until the caller catches up, and where it resumes. */
const PAUSE_AT = 10_000;
const RESUME_AT = 1_000;

export class AgentSocket<P extends SocketPath> implements AsyncIterableIterator<ServerMessage<P>> {
  private raw: RawSocket | undefined;
  // Handed-out slots are cleared: a message kept alive here until the next compaction survives
  // garbage collections, and copying it cost a flood more than parsing it.
  private queue: (ServerMessage<P> | undefined)[] = [];
  private head = 0;
  private finished = false;
  private failure: HopxError | undefined;
  private waiter: ((result: IteratorResult<ServerMessage<P>>) => void) | undefined;
  private failWaiter: ((error: HopxError) => void) | undefined;
  private paused = false;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** The idle timeout ran out: one more look after this turn's I/O before failing. */
  private idleConfirming = false;
  /** performance.now() (a clock that never jumps) at the last frame: the idle timer checks it when it fires. */
  private lastHeard = 0;
  private stampQueued = false;
  private readonly stamp = () => {
    this.stampQueued = false;
    this.lastHeard = performance.now();
  };
  /** The route's last message (`complete`, `exit`), after which the client closes. */
  private readonly finalType: string | undefined;
  /** The route's message types and their fields (server-messages.ts). */
  private readonly rules: ReadonlyMap<string, MessageRules>;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  /** A ping went unanswered for a whole interval: one more look after this turn's I/O. */
  private pongVerdict: ReturnType<typeof setTimeout> | undefined;
  private awaitingPong = false;
  private readonly onAbort = () => {
    // The caller said stop: what is still queued is not wanted any more (unlike a server failure,
    // which comes after the messages that arrived before it).
    this.queue = [];
    this.head = 0;
    this.fail(abortedError(this.operation, this.options.signal, this.operation));
  };

  private constructor(
    readonly path: P,
    private readonly operation: string,
    private readonly options: AgentSocketOptions & { idleTimeout: number },
  ) {
    this.finalType = socketFinalMessage[path];
    this.rules = messageRulesOf(path);
  }

  /** Opens a session on `path` of the agent client's sandbox, authenticated with its token. */
  static async open<P extends SocketPath>(
    agent: AnyAgentClient,
    path: P,
    options: AgentSocketOptions = {},
  ): Promise<AgentSocket<P>> {
    const connection = agentConnectionOf(agent);
    const operation = `WebSocket ${path}`;
    const socket = new AgentSocket(path, operation, {
      ...options,
      idleTimeout: options.idleTimeout ?? connection.timeoutMs,
    });
    const signal = options.signal;
    const abortError = () => abortedError(operation, signal, operation);
    const checkAbort = () => {
      if (signal?.aborted) throw abortError();
    };
    checkAbort();
    const url = (await connection.baseUrl()).replace(/^http/, 'ws') + path;
    for (let attempt = 1; ; attempt++) {
      checkAbort();
      const token = await connection.token.current();
      checkAbort();
      try {
        await socket.connect(url, token, connection.token.known(), options.connectTimeout ?? 30_000, abortError);
        return socket;
      } catch (error) {
        // Same rule as HTTP calls: one token renewal after a 401, then the 401 is final.
        if (!(error instanceof AuthenticationError) || attempt > 1 || !connection.canRenew) throw error;
        await connection.token.renewAfterRejection(token);
      }
    }
  }

  private connect(
    url: string,
    token: string,
    secrets: readonly string[],
    handshakeTimeoutMs: number,
    abortError: () => HopxError,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      let opened = false;
      const signal = this.options.signal;
      // An abort during the upgrade stops it at once (the session's own listener starts once open).
      const onAbort = () => {
        this.raw?.terminate();
        this.raw = undefined;
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settled = () => signal?.removeEventListener('abort', onAbort);
      openRawSocket(
        { url, headers: { Authorization: `Bearer ${token}` }, operation: this.operation, handshakeTimeoutMs, secrets },
        {
          open: () => {
            settled();
            if (signal?.aborted) return;
            opened = true;
            this.started();
            resolve();
          },
          message: (text) => this.received(text),
          pong: () => {
            this.awaitingPong = false;
          },
          close: (code, reason) => {
            if (!opened) {
              settled();
              return reject(
                new HopxConnectionError(`${this.operation}: closed during the upgrade (${code})`, {
                  operation: this.operation,
                }),
              );
            }
            this.closedByServer(code, reason);
          },
          error: (error) => {
            if (opened) return this.fail(error);
            settled();
            reject(error);
          },
        },
      ).then(
        (raw) => {
          this.raw = raw;
          if (signal?.aborted) onAbort();
        },
        (error) => {
          settled();
          reject(error);
        },
      );
    });
  }

  /** Sends one client message (as a JSON text frame). */
  send(message: ClientMessage<P>): void {
    if (this.failure) throw this.failure;
    if (this.finished || !this.raw)
      throw new HopxConnectionError(`${this.operation}: the session is closed`, { operation: this.operation });
    this.raw.send(JSON.stringify(message));
  }

  /** Closes the socket (normal closure). A pending `next()` resolves as done. */
  close(): void {
    if (this.finished && !this.raw && this.queue.length === this.head) return;
    this.finished = true;
    this.stopTimers();
    this.raw?.close(1000, 'client closed');
    this.raw = undefined;
    // The caller is done: messages still queued are dropped, as an iterator's return() promises.
    this.queue = [];
    this.head = 0;
    this.failure = undefined;
    this.waiter?.({ done: true, value: undefined });
    this.waiter = this.failWaiter = undefined;
  }

  next(): Promise<IteratorResult<ServerMessage<P>>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head] as ServerMessage<P>;
      this.queue[this.head++] = undefined;
      this.compact();
      return Promise.resolve({ done: false, value });
    }
    if (this.failure) {
      const failure = this.failure;
      return Promise.reject(failure);
    }
    if (this.finished) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = reject;
    });
  }

  /** Called when the caller leaves a `for await` loop early: the socket closes. */
  return(): Promise<IteratorResult<ServerMessage<P>>> {
    this.close();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private started() {
    this.options.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.armIdleTimer();
    const every = this.options.pingInterval ?? 20_000;
    if (every > 0) {
      this.pingTimer = setInterval(() => {
        if (!this.raw?.ping || this.paused) return;
        if (this.awaitingPong) {
          // As for the idle timeout: a pong that came while the app held the loop up waits in this
          // turn's I/O, which runs before a timeout of 0.
          this.pongVerdict ??= setTimeout(() => {
            this.pongVerdict = undefined;
            if (!this.awaitingPong || this.finished || this.paused) return;
            this.raw?.terminate();
            this.fail(
              new HopxConnectionError(
                `${this.operation}: no answer to a ping within ${every} ms; the connection is gone`,
                { operation: this.operation },
              ),
            );
          }, 0);
          return;
        }
        this.awaitingPong = true;
        this.raw.ping();
      }, every);
    }
  }

  private received(text: string) {
    if (this.finished) return;
    // The idle timer is not re-armed per frame (for 100,000 frames a second that cost more than
    // parsing them): the time of the last frame is noted, and the timer reads it when it fires.
    // Even the clock is read once per batch of frames (those of one network read, delivered in one
    // go), in a microtask after them.
    if (!this.stampQueued) {
      this.stampQueued = true;
      queueMicrotask(this.stamp);
    }
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch (cause) {
      // Blank frames are the agent's keepalives (checked only here: JSON.parse refuses them anyway).
      if (text.trim() === '') return;
      return this.fail(
        new HopxResponseFormatError(
          `${this.operation}: a frame is not JSON (starts with ${JSON.stringify(text.slice(0, 60))})`,
          { operation: this.operation, cause },
        ),
      );
    }
    const type = (message as { type?: unknown } | null)?.type;
    if (typeof message !== 'object' || message === null || Array.isArray(message) || typeof type !== 'string') {
      return this.fail(
        new HopxResponseFormatError(
          `${this.operation}: a frame is not a message object with a type (${text.slice(0, 60)})`,
          { operation: this.operation },
        ),
      );
    }
    if (type === 'error') {
      // Its fields are read as loosely as an HTTP error body's: a code that is not a string is no code.
      const { error, code } = message as { error?: unknown; code?: unknown };
      return this.fail(
        new HopxStreamError(
          `${this.operation}: ${typeof error === 'string' && error ? error : 'the server reported an error'}`,
          { operation: this.operation, code: typeof code === 'string' && code ? code : undefined },
        ),
      );
    }
    // A type this version does not know is passed over: the platform adds message types as it
    // adds enum values, and a client built before one must keep working. One it knows must be whole.
    const rules = this.rules.get(type);
    if (!rules) return;
    const mismatch = mismatchOf(type, rules, message as Record<string, unknown>);
    if (mismatch) {
      return this.fail(
        new HopxResponseFormatError(`${this.operation}: ${mismatch} (${text.slice(0, 60)})`, {
          operation: this.operation,
        }),
      );
    }
    this.deliver(message as ServerMessage<P>);
    if (type === this.finalType) {
      // The protocol is done: the client closes, as the official SDKs do.
      this.stopTimers();
      this.finished = true;
      this.raw?.close(1000, 'done');
      this.raw = undefined;
      this.waiter?.({ done: true, value: undefined });
    }
  }

  private deliver(message: ServerMessage<P>) {
    if (this.waiter && this.head === this.queue.length) {
      const resolve = this.waiter;
      this.waiter = this.failWaiter = undefined;
      resolve({ done: false, value: message });
      return;
    }
    this.queue.push(message);
    if (!this.paused && this.queue.length - this.head >= PAUSE_AT && this.raw?.pause) {
      // While we do not read, silence is ours, not the server's: no idle timeout, no pong check.
      this.paused = true;
      clearTimeout(this.idleTimer);
      this.raw.pause();
    }
  }

  private compact() {
    if (this.paused && this.queue.length - this.head <= RESUME_AT) {
      this.paused = false;
      this.awaitingPong = false;
      this.raw?.resume?.();
      if (!this.finished) this.armIdleTimer();
    }
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private closedByServer(code: number, reason: string) {
    this.raw = undefined;
    if (this.finished) return;
    const why = `${code}${reason ? ` ${reason}` : ''}`;
    this.fail(
      new HopxStreamClosedError(
        `${this.operation}: the server closed the connection (${why}) before the stream ended`,
        { operation: this.operation, closeCode: code, closeReason: reason },
      ),
    );
  }

  /** Ends the session with `error`, after the messages already received. */
  private fail(error: HopxError) {
    if (this.finished) return;
    this.finished = true;
    this.failure = error;
    this.stopTimers();
    if (this.raw) {
      this.raw.close(error instanceof HopxResponseFormatError ? 1002 : 1000, 'client gave up');
      this.raw = undefined;
    }
    if (this.failWaiter) {
      const reject = this.failWaiter;
      this.waiter = this.failWaiter = undefined;
      reject(error);
    }
  }

  /** Starts counting the idle timeout from now (at the start, and when reading resumes). */
  private armIdleTimer() {
    clearTimeout(this.idleTimer);
    this.idleConfirming = false;
    this.lastHeard = performance.now();
    this.idleTimer = setTimeout(this.idleCheck, this.options.idleTimeout);
  }

  /** The idle timer fired: fail if nothing came since, else wait for what is left of the timeout. */
  private readonly idleCheck = () => {
    this.idleTimer = undefined;
    if (this.finished || this.paused) return; // a pause disarms it; resuming arms it again
    const left = this.lastHeard + this.options.idleTimeout - performance.now();
    if (left > 0) {
      this.idleConfirming = false;
      this.idleTimer = setTimeout(this.idleCheck, left);
      return;
    }
    if (!this.idleConfirming) {
      // On a busy event loop the timer can fire late, ahead of frames that arrived meanwhile and
      // wait in this turn's I/O: look once more after that I/O has run (a timeout of 0 does).
      this.idleConfirming = true;
      this.idleTimer = setTimeout(this.idleCheck, 0);
      return;
    }
    this.raw?.terminate();
    this.fail(
      new HopxTimeoutError(`${this.operation}: no message for ${this.options.idleTimeout} ms`, {
        operation: this.operation,
      }),
    );
  };

  private stopTimers() {
    clearTimeout(this.idleTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.pongVerdict);
    this.idleTimer = this.pingTimer = this.pongVerdict = undefined;
    this.options.signal?.removeEventListener('abort', this.onAbort);
  }
}

/** Opens a typed session on one of the agent's WebSocket routes. */
export function openAgentSocket<P extends SocketPath>(
  agent: AnyAgentClient,
  path: P,
  options?: AgentSocketOptions,
): Promise<AgentSocket<P>> {
  return AgentSocket.open(agent, path, options);
}
