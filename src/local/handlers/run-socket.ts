// The agent's streamed runs: `/execute/stream` and `/stream` (code) and `/commands/stream` (a
// program and its arguments). The one client message starts one real process in the sandbox
// (tracked in its process table as a `stream`, so deleting the sandbox or killing the process ends
// it); its output goes out as `stdout`/`stderr` messages as it is read; then how it ended (`result`
// for code, `exit` for a command) or an `error`, then `complete`, after which the client closes.
// A client that goes away mid-run takes the run with it.
import { stat } from 'node:fs/promises';
import { constants } from 'node:os';
import type { Local, SocketContext, SocketHandler } from '../context.js';
import { type Run, runEnv, startRun } from '../host/processes.js';
import { PathError, resolveSandboxPath } from '../host/sandbox-fs.js';
import type { LocalSandbox } from '../state.js';
import { SocketOutbox } from './socket-outbox.js';

/** What one client message asks to run. */
export interface RunPlan {
  argv: string[];
  /** Sandbox path (default /workspace). */
  workdir: string | undefined;
  timeoutSeconds: number;
  env: Record<string, string> | undefined;
  language?: string | undefined;
  /** What the process table shows. */
  command: string;
  /** The `error` text when the run exceeds its timeout. */
  timedOut: string;
}

/** A run the stream cannot start: answered with an `error` message (code from `ErrorCode`), then `complete`. */
export class RefusedRun extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface StreamedRunKind<Message> {
  /** The message that reports the exit code: `result` (code) or `exit` (a command). */
  ending: 'result' | 'exit';
  /** Reads the client's message (already checked against the spec); throws RefusedRun when it cannot run here. */
  plan(message: Message, local: Local): RunPlan;
}

const now = () => new Date().toISOString();

/** Milliseconds between two messages of a stream (socket-outbox.ts says why). */
const PACE_MS = 5;

export function streamedRunRoute<Message>(kind: StreamedRunKind<Message>): SocketHandler {
  return (ctx) => {
    const outbox = new SocketOutbox(ctx, { paceMs: PACE_MS, mergeable: ['stdout', 'stderr'] });
    let started = false;
    ctx.onMessage((message: Message) => {
      if (started) {
        // The protocol is one message per stream; the run already going is not disturbed.
        outbox.push({
          type: 'error',
          error: 'this stream already runs something: open a new stream for another run',
          code: 'INVALID_REQUEST',
          timestamp: now(),
        });
        return;
      }
      started = true;
      streamRun(ctx, outbox, kind, message).catch((error) => {
        ctx.local.log(
          `local HopX: WebSocket ${ctx.operation.path} failed: ${error instanceof Error ? error.stack : error}`,
        );
        ctx.close(1011, 'internal error');
      });
    });
  };
}

async function streamRun<Message>(
  ctx: SocketContext,
  outbox: SocketOutbox,
  kind: StreamedRunKind<Message>,
  message: Message,
): Promise<void> {
  const refuse = (code: string, text: string) => {
    outbox.push({ type: 'error', error: text, code, timestamp: now() });
    outbox.push({ type: 'complete', success: false });
  };
  let plan: RunPlan;
  let cwd: string;
  try {
    plan = kind.plan(message, ctx.local);
    if (!Number.isInteger(plan.timeoutSeconds) || plan.timeoutSeconds <= 0)
      throw new RefusedRun(
        'INVALID_REQUEST',
        `timeout must be a positive number of seconds, not ${plan.timeoutSeconds}`,
      );
    cwd = await workdirOf(ctx.sandbox, plan.workdir ?? '/workspace');
  } catch (error) {
    if (error instanceof RefusedRun) return refuse(error.code, error.message);
    throw error;
  }
  // The client may have gone while the working directory was looked at.
  if (ctx.ws.readyState !== ctx.ws.OPEN) return;
  const { processes } = ctx.sandbox;
  if (!processes.hasRoom())
    return refuse(
      'EXECUTION_FAILED',
      `the sandbox already runs ${processes.running().length} processes, the local HopX's limit`,
    );

  let run: Run;
  try {
    run = startRun(ctx.sandbox.host, {
      argv: plan.argv,
      cwd,
      env: runEnv(ctx.local.interpreters.paths, Object.fromEntries(ctx.sandbox.env), plan.env),
      timeoutMs: plan.timeoutSeconds * 1000,
      maxOutputBytes: ctx.local.limits.outputBytes,
      onStdout: (data) => outbox.push({ type: 'stdout', data, timestamp: now() }),
      onStderr: (data) => outbox.push({ type: 'stderr', data, timestamp: now() }),
    });
  } catch (error) {
    // The sandbox went between the message and the start.
    return refuse('EXECUTION_FAILED', error instanceof Error ? error.message : String(error));
  }
  const { child } = run;
  outbox.source = {
    pause: () => {
      child.stdout?.pause();
      child.stderr?.pause();
    },
    resume: () => {
      child.stdout?.resume();
      child.stderr?.resume();
    },
  };
  processes.add('stream', run, { language: plan.language, command: plan.command });
  ctx.onClose(() => {
    if (run.running()) run.kill();
  });

  const result = await run.result;
  if (result.truncated)
    // The spec's messages have no field for it: the client sees the output stop at the limit.
    ctx.local.log(
      `local HopX: ${ctx.operation.path} in sandbox ${ctx.sandbox.id}: output beyond ${ctx.local.limits.outputBytes} bytes per stream was dropped`,
    );
  if (result.timedOut) return refuse('EXECUTION_TIMEOUT', plan.timedOut);
  // A signal's end is reported as a shell reports it: 128 + the signal's number.
  const exitCode = result.exitCode ?? 128 + (result.signal ? (constants.signals[result.signal] ?? 0) : 0);
  outbox.push(
    kind.ending === 'result'
      ? { type: 'result', exit_code: exitCode, execution_time: result.durationSeconds, timestamp: now() }
      : { type: 'exit', exit_code: exitCode, timestamp: now() },
  );
  outbox.push({ type: 'complete', success: exitCode === 0 });
}

/** The run's working directory as a sandbox path: confined like every path, and a directory that exists. */
async function workdirOf(sandbox: LocalSandbox, workdir: string): Promise<string> {
  try {
    const resolved = await resolveSandboxPath(sandbox.host, workdir);
    const found = await stat(resolved.host).catch(() => undefined);
    if (!found?.isDirectory())
      throw new RefusedRun('DIRECTORY_NOT_FOUND', `the working directory ${resolved.path} does not exist`);
    return resolved.path;
  } catch (error) {
    if (error instanceof PathError) throw new RefusedRun(error.code, error.message);
    throw error;
  }
}
