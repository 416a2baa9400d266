// How an API request becomes a run in a sandbox, for the execution and command handlers: the
// program (an interpreter and the code, or a command and its arguments), its working directory,
// its environment, its timeout and its share of the sandbox's process limit; and how a finished
// run is reported (exit code, status).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { dirname } from 'node:path';
import { ApiError } from './api-error.js';
import type { CallContext, Local } from './context.js';
import { codeArgv, runtimeOf } from './host/interpreters.js';
import { sandboxPidOf } from './host/proc-info.js';
import { type Run, type RunResult, runEnv, startRun } from './host/processes.js';
import { PYTHON_SCRIPT_RUNNER } from './host/python-script-runner.js';
import { resolveSandboxPath } from './host/sandbox-fs.js';
import type { TrackedProcess } from './process-table.js';
import type { LocalSandbox } from './state.js';

/**
 * Code up to this size goes on the command line (`python3 -c <code>`); larger code would break
 * Linux's limit on one argument (128 KiB), so it is written to a file in the sandbox's /tmp.
 */
const LARGEST_INLINE_CODE = 100_000;
/** Where code files and display side files go in the sandbox (the platform's own folder for them). */
const EXEC_DIR = '/tmp/hopx-exec';
/** setTimeout's largest delay (about 24.8 days); a longer timeout would fire at once. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

export type Language = 'python' | 'javascript' | 'bash' | 'go';

/** A program ready to start, and the files it needs in the sandbox. */
export interface SandboxProgram {
  argv: string[];
  /** Extra environment variables the program needs (Go's caches). */
  env: Record<string, string>;
  /** The side file a Python run records its displayed outputs in (a host path), if any. */
  displaysFile: string | undefined;
  /** Removes the files written for the run. */
  cleanup(): Promise<void>;
}

/** The sandbox whose agent was called. */
export function callSandbox(ctx: CallContext): LocalSandbox {
  if (!ctx.sandbox) throw new ApiError(500, 'INTERNAL_ERROR', `${ctx.operation.key} was called without a sandbox`);
  return ctx.sandbox;
}

/** The spec's language names and aliases to what runs them; the documented 400 when none does here. */
export function languageOf(local: Local, requested: string | undefined): Language {
  const name = (requested ?? 'python').toLowerCase();
  if (name === 'go') {
    if (goToolchain()) return 'go';
    throw new ApiError(
      400,
      'INVALID_REQUEST',
      'language go is not available: there is no Go toolchain (`go`) on the machine running the local HopX',
    );
  }
  const runtime = runtimeOf(name);
  if (!runtime) throw new ApiError(400, 'INVALID_REQUEST', `unknown language ${requested}`);
  if (!codeArgv(local.interpreters, runtime, ''))
    throw new ApiError(
      400,
      'INVALID_REQUEST',
      `language ${name} is not available: ${runtime === 'python' ? 'python3' : runtime} is not installed on the machine running the local HopX`,
    );
  return runtime;
}

/**
 * The program that runs `code`. Python run synchronously goes through the script runner
 * (`collectDisplays`), which runs it exactly as `python3 -c` would and also records what it
 * displayed; background and asynchronous runs, whose answers have no rich fields, run it plainly.
 */
export async function codeProgram(
  local: Local,
  sandbox: LocalSandbox,
  language: Language,
  code: string,
  options: { collectDisplays: boolean },
): Promise<SandboxProgram> {
  const id = randomUUID();
  const written: string[] = [];
  const cleanup = async () => {
    await Promise.all(written.map((file) => rm(file, { force: true, recursive: true }).catch(() => {})));
  };
  const file = async (name: string, content: string) => {
    const target = await execFile(sandbox, name);
    await mkdir(dirname(target.host), { recursive: true });
    await writeFile(target.host, content, { mode: 0o600 });
    written.push(target.host);
    return target.visible;
  };
  const large = Buffer.byteLength(code) > LARGEST_INLINE_CODE;
  try {
    if (language === 'go') {
      const go = goToolchain() as string;
      const dir = await execFile(sandbox, `${id}-go`);
      written.push(dir.host);
      return {
        argv: [go, 'run', await file(`${id}-go/main.go`, code)],
        env: { GOCACHE: `${dir.visible}/cache`, GOPATH: `${dir.visible}/path` },
        displaysFile: undefined,
        cleanup,
      };
    }
    const python = local.interpreters.python;
    if (language === 'python' && options.collectDisplays && python) {
      const displays = await execFile(sandbox, `${id}.displays.jsonl`);
      written.push(displays.host);
      const source = large ? ['file', await file(`${id}.py`, code)] : ['code', code];
      const runner = await installScript(sandbox, 'hopx-run.py', PYTHON_SCRIPT_RUNNER);
      return {
        argv: [python, '-u', runner, displays.visible, ...source],
        env: {},
        displaysFile: displays.host,
        cleanup,
      };
    }
    const runtime = language;
    if (!large)
      return { argv: codeArgv(local.interpreters, runtime, code) ?? [], env: {}, displaysFile: undefined, cleanup };
    const extension = { python: 'py', javascript: 'js', bash: 'sh' }[runtime];
    const path = await file(`${id}.${extension}`, code);
    const interpreter = {
      python: [python ?? 'python3', '-u'],
      javascript: [local.interpreters.node],
      bash: [local.interpreters.bash ?? 'bash'],
    }[runtime];
    return { argv: [...interpreter, path], env: {}, displaysFile: undefined, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * Puts one of the local HopX's own scripts into the sandbox's exec folder (again, if the sandbox's
 * code removed or changed it) and gives the path its runs use. A file rather than `python3 -c`, so
 * that `ps` and `GET /processes` show a readable command line.
 */
export async function installScript(sandbox: LocalSandbox, name: string, source: string): Promise<string> {
  const target = await execFile(sandbox, name);
  const found = await readFile(target.host, 'utf8').catch(() => undefined);
  if (found !== source) {
    await mkdir(dirname(target.host), { recursive: true });
    await writeFile(target.host, source, { mode: 0o644 });
  }
  return target.visible;
}

/** A file of the sandbox's exec folder: where it is here, and the path the run's code uses for it. */
async function execFile(sandbox: LocalSandbox, name: string): Promise<{ host: string; visible: string }> {
  const resolved = await resolveSandboxPath(sandbox.host, `${EXEC_DIR}/${name}`);
  // Namespace mode: the run sees the sandbox's own /tmp. Workspace mode: it sees this machine's paths.
  return { host: resolved.host, visible: sandbox.host.mode === 'namespace' ? resolved.path : resolved.host };
}

export interface RunSettings {
  argv: string[];
  /** The request's `workdir` (a sandbox path; relative paths are under /workspace). */
  workdir: string | undefined;
  /** The request's own variables, over the sandbox's (`/env`). */
  env: Record<string, string> | undefined;
  /** Seconds; undefined, 0 or less for none. */
  timeoutSeconds: number | undefined;
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
}

/**
 * Starts a run in the sandbox. A missing working directory is the run's own failure, reported by
 * the shell that changes into it (`cd: can't cd to ...`, exit 2), as on a real machine.
 */
export async function startSandboxRun(local: Local, sandbox: LocalSandbox, settings: RunSettings): Promise<Run> {
  const workdir = settings.workdir || sandbox.template.workdir || '/workspace';
  let argv = settings.argv;
  let cwd = workdir;
  if (sandbox.host.mode === 'workspace') {
    // The sandbox's paths are folders of its directory here: resolve (confined to it), then let a
    // shell change into it, so that a missing one fails like it would in the sandbox.
    let resolved: Awaited<ReturnType<typeof resolveSandboxPath>>;
    try {
      resolved = await resolveSandboxPath(sandbox.host, workdir);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ApiError(400, 'PATH_NOT_ALLOWED', `workdir ${workdir}: ${reason}`, { path: workdir });
    }
    argv = ['/bin/sh', '-c', 'cd -- "$0" && exec "$@"', resolved.host, ...argv];
    cwd = '/workspace';
  }
  // No documented minimum for background and async runs: zero or less means no timeout.
  const seconds = settings.timeoutSeconds;
  const timeoutMs = seconds && seconds > 0 ? Math.min(seconds * 1000, LONGEST_TIMER_MS) : undefined;
  return startRun(sandbox.host, {
    argv,
    cwd,
    env: runEnv(local.interpreters.paths, Object.fromEntries(sandbox.env), settings.env),
    maxOutputBytes: local.limits.outputBytes,
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(settings.onStdout ? { onStdout: settings.onStdout } : {}),
    ...(settings.onStderr ? { onStderr: settings.onStderr } : {}),
  });
}

const sandboxPids = new WeakMap<Run, number>();

/**
 * Finds (and remembers) the PID a run has inside its sandbox, the one `GET /processes` and the
 * run's own code see. Called as a run starts: once it has ended there is nothing left to look at.
 */
export async function findSandboxPid(sandbox: LocalSandbox, run: Run): Promise<number | undefined> {
  const pid = await sandboxPidOf(run.pid, sandbox.host.mode, () => run.running());
  if (pid !== undefined) sandboxPids.set(run, pid);
  return pid;
}

/** The run's PID in its sandbox, when findSandboxPid() found it. */
export const sandboxPidOfRun = (run: Run): number | undefined => sandboxPids.get(run);

/**
 * Refuses a new run when the sandbox already runs as many processes as the local HopX allows. The
 * operations document no 429 or 503: this is the server's own condition, so a 500 (which the SDKs
 * retry with backoff).
 */
export function requireRoom(local: Local, sandbox: LocalSandbox, code: 'EXECUTION_FAILED' | 'COMMAND_FAILED'): void {
  const current = sandbox.processes.activeCount();
  const limit = local.limits.processesPerSandbox;
  if (current >= limit)
    throw new ApiError(500, code, `the sandbox already runs ${current} processes, the local HopX's limit`, {
      details: { limit, current },
    });
}

/**
 * The exit code to report. A timed-out run reports -1, as the spec's timed-out webhook payload
 * shows; a run ended by a signal reports 128 + the signal's number, as a shell's `$?` would.
 */
export function exitCodeOf(result: RunResult): number {
  if (result.timedOut) return -1;
  if (result.exitCode !== null) return result.exitCode;
  return 128 + (result.signal ? (constants.signals[result.signal] ?? 0) : 0);
}

/** What the agent says about a timed-out run (the spec's wording). */
export const timeoutMessage = (seconds: number) => `Execution timed out after ${seconds} seconds`;

/**
 * stderr as reported: what the run wrote, then the agent's own notes when the run was cut short
 * (its timeout) or its output was cut (the output limit), so that a caller sees why.
 */
export function reportedStderr(local: Local, result: RunResult, timeoutSeconds: number | undefined): string {
  let stderr = result.stderr;
  const note = (line: string) => {
    stderr += `${stderr && !stderr.endsWith('\n') ? '\n' : ''}${line}\n`;
  };
  if (result.truncated) note(`[local HopX] output truncated: each stream keeps ${local.limits.outputBytes} bytes`);
  if (result.timedOut && timeoutSeconds) note(timeoutMessage(timeoutSeconds));
  return stderr;
}

/** A tracked run's state in the spec's words (`BackgroundProcessStatus`). */
export function statusOf(entry: TrackedProcess): 'running' | 'completed' | 'failed' | 'killed' | 'timeout' {
  const result = entry.result;
  if (!result) return 'running';
  if (result.timedOut) return 'timeout';
  if (result.killed) return 'killed';
  return result.exitCode === 0 ? 'completed' : 'failed';
}

let goPath: string | false | undefined;
/** This machine's `go`, looked up once (no Go toolchain here means language `go` is refused). */
function goToolchain(): string | undefined {
  if (goPath === undefined) {
    try {
      goPath = execFileSync('/bin/sh', ['-c', 'command -v go'], { encoding: 'utf8' }).trim() || false;
    } catch {
      goPath = false;
    }
  }
  return goPath || undefined;
}
