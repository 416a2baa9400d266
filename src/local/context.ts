// What a handler gets for one call, and what it answers. Handlers are grouped like the spec's tags
// (handlers/*.ts) and registered by operationId (handlers/index.ts).
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { TokenIssuer } from './auth.js';
import type { Faults } from './faults.js';
import type { Interpreters } from './host/interpreters.js';
import type { Isolation } from './host/isolation.js';
import type { SpecOperation } from './spec.js';
import type { SpecValidator, Violation } from './spec-validator.js';
import type { SseWriter } from './sse.js';
import type { LocalSandbox, LocalState } from './state.js';

export interface LocalLimits {
  /** Sandboxes at once. */
  sandboxes: number;
  /** Running processes per sandbox. */
  processesPerSandbox: number;
  /** Output kept per stream of one run. */
  outputBytes: number;
  /** Largest JSON request body. */
  jsonBodyBytes: number;
}

/** The running local HopX, as handlers see it. */
export interface Local {
  readonly url: string;
  readonly host: string;
  readonly apiKey: string;
  readonly state: LocalState;
  readonly validator: SpecValidator;
  readonly tokens: TokenIssuer;
  readonly isolation: Isolation;
  readonly interpreters: Interpreters;
  readonly limits: LocalLimits;
  readonly dataDir: string;
  readonly startedAt: Date;
  /** Every spec violation in what this instance answered (responses, events, frames). */
  readonly violationLog: Violation[];
  /** Creates a sandbox (the Control Plane's create, and the builds group for template runs). */
  createSandbox(request: {
    templateName?: string | undefined;
    templateId?: string | undefined;
    timeoutSeconds?: number | undefined;
    internetAccess?: boolean | undefined;
    envVars?: Record<string, string> | undefined;
  }): Promise<LocalSandbox>;
  /** Sets (or clears, for undefined or 0) when a sandbox expires. */
  setSandboxTimeout(sandbox: LocalSandbox, seconds: number | undefined): void;
  /** Kills everything of a sandbox and forgets it (`deleted` or `expired`). */
  removeSandbox(sandbox: LocalSandbox, why: 'deleted' | 'expired'): Promise<void>;
  /** Records a lifecycle event on `GET /v1/sandboxes/stream`. */
  sandboxEvent(type: string, sandbox: LocalSandbox, previous?: string): void;
  log(line: string): void;
}

export interface CallContext {
  local: Local;
  operation: SpecOperation;
  requestId: string;
  /** Parameters, coerced to their schema's types. */
  path: Record<string, any>;
  query: Record<string, any>;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (already checked against the spec); undefined for other bodies. */
  body: any;
  /** The raw request and response, for bodies that stream (uploads, downloads, event streams). */
  req: IncomingMessage;
  res: ServerResponse;
  /** The sandbox whose agent was called (agent operations only). */
  sandbox: LocalSandbox | undefined;
  faults: Faults;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
}

export type Reply =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'empty'; status: number; headers?: Record<string, string> }
  | { kind: 'bytes'; status: number; contentType: string; body: Buffer | string; headers?: Record<string, string> }
  /** A file streamed from disk (downloads). */
  | { kind: 'file'; status: number; contentType: string; path: string; size: number; headers?: Record<string, string> }
  /** A Server-Sent Event stream: `run` writes events until it resolves or the client goes. */
  | { kind: 'sse'; run(writer: SseWriter): Promise<void> | void };

export type Handler = (ctx: CallContext) => Promise<Reply> | Reply;

export interface SocketContext {
  local: Local;
  operation: SpecOperation;
  sandbox: LocalSandbox;
  ws: WebSocket;
  /** Sends a server message, checked against the route's server schema first. */
  send(message: Record<string, unknown>): void;
  /** Client messages, each checked against the route's client schema (an invalid one gets an `error` message). */
  onMessage(listener: (message: any) => void): void;
  /** Runs when the socket closes (for any reason). */
  onClose(listener: () => void): void;
  close(code?: number, reason?: string): void;
  faults: Faults;
}

export type SocketHandler = (ctx: SocketContext) => void | Promise<void>;

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
  kind: 'json',
  status,
  body,
  ...(headers ? { headers } : {}),
});
