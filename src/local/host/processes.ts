// Runs a program in a sandbox and keeps track of it: output captured up to a limit, a timeout that
// kills the whole process group, and a result once it has ended. Children never see the local
// HopX's own environment (no HOPX_API_KEY, nothing of the parent's): only what runEnv() builds.
import type { ChildProcess } from 'node:child_process';
import type { SandboxHost } from './sandbox-host.js';

export interface RunOptions {
  argv: string[];
  /** Working directory, as a sandbox path (default /workspace). */
  cwd?: string;
  /** The complete environment of the run (see runEnv). */
  env: Record<string, string>;
  /** Written to stdin, which is then closed. */
  stdin?: string;
  /** Killed (with its process group) after this long. */
  timeoutMs?: number;
  /** Output kept per stream; the rest is dropped and `truncated` set. */
  maxOutputBytes: number;
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
}

export interface RunResult {
  /** The exit code, or null when a signal ended it. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Ended by kill() (or its sandbox going away). */
  killed: boolean;
  stdout: string;
  stderr: string;
  truncated: boolean;
  /** Seconds. */
  durationSeconds: number;
}

export interface Run {
  pid: number;
  child: ChildProcess;
  startedAt: Date;
  /** Output so far. */
  output(): { stdout: string; stderr: string };
  running(): boolean;
  kill(signal?: NodeJS.Signals): void;
  result: Promise<RunResult>;
}

/** How long output may still arrive after a run's own process has exited (from children it left). */
const OUTPUT_GRACE_MS = 500;

export function startRun(sandbox: SandboxHost, options: RunOptions): Run {
  const started = process.hrtime.bigint();
  const startedAt = new Date();
  const child = sandbox.spawn(options.argv, options.cwd ?? '/workspace', options.env);
  const out = new OutputBuffer(options.maxOutputBytes, options.onStdout);
  const err = new OutputBuffer(options.maxOutputBytes, options.onStderr);
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
  child.stdin?.on('error', () => {});
  if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  else child.stdin?.end();

  let timedOut = false;
  let killed = false;
  let ended = false;
  const killGroup = (signal: NodeJS.Signals) => {
    if (!ended) signalGroup(child, signal);
  };
  const timer = options.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        killGroup('SIGKILL');
      }, options.timeoutMs)
    : undefined;
  // A run ends when its own process does. Its output pipes stay open while a child it left behind
  // holds them (`sleep 60 &`, or a daemon that left the group): once the process has exited they
  // get a short grace for the last output and are then closed, so such a child cannot hold the
  // answer (or the timeout) hostage. Its duration is the process's.
  let exitedAt: bigint | undefined;
  child.once('exit', () => {
    exitedAt = process.hrtime.bigint();
    const grace = setTimeout(() => {
      child.stdout?.destroy();
      child.stderr?.destroy();
    }, OUTPUT_GRACE_MS);
    grace.unref();
  });
  const result = new Promise<RunResult>((resolve) => {
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      // Whatever the run left behind in its group goes with it.
      signalGroup(child, 'SIGKILL');
      resolve({
        exitCode,
        signal,
        timedOut,
        killed,
        stdout: out.text(),
        stderr: err.text(),
        truncated: out.truncated || err.truncated,
        durationSeconds: Number((exitedAt ?? process.hrtime.bigint()) - started) / 1e9,
      });
    };
    child.once('close', finish);
    child.once('error', (error) => {
      err.push(Buffer.from(`${error.message}\n`));
      finish(127, null);
    });
  });
  return {
    pid: child.pid ?? 0,
    child,
    startedAt,
    output: () => ({ stdout: out.text(), stderr: err.text() }),
    running: () => !ended,
    kill(signal = 'SIGKILL') {
      killed = true;
      killGroup(signal);
    },
    result,
  };
}

/**
 * The environment of a run: a plain PATH, HOME and locale, then the sandbox's variables (`/env`),
 * then the run's own. Never the local HopX's environment.
 */
/**
 * Sends `signal` to the child's whole process group (it was started as its group's leader), so that
 * what the run started goes too; to the child alone when the group is already gone.
 */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

export function runEnv(
  paths: string[],
  sandboxEnv: Record<string, string>,
  runEnv: Record<string, string> | undefined,
): Record<string, string> {
  return {
    PATH: [...paths, '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':'),
    HOME: '/workspace',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
    ...sandboxEnv,
    ...(runEnv ?? {}),
  };
}

/** Text output up to a byte limit; decoding keeps multi-byte characters whole across chunks. */
class OutputBuffer {
  private readonly decoder = new TextDecoder();
  private readonly parts: string[] = [];
  private bytes = 0;
  truncated = false;
  constructor(
    private readonly limit: number,
    private readonly onText?: (text: string) => void,
  ) {}
  push(chunk: Buffer) {
    const room = this.limit - this.bytes;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = chunk.byteLength > room ? chunk.subarray(0, room) : chunk;
    if (kept !== chunk) this.truncated = true;
    this.bytes += kept.byteLength;
    const text = this.decoder.decode(kept, { stream: true });
    if (text) {
      this.parts.push(text);
      this.onText?.(text);
    }
  }
  text(): string {
    return this.parts.join('');
  }
}
