// One IPython interpreter per sandbox, behind `POST /execute/ipython`, `/stream/ipython` and
// `GET /jupyter/sessions`: started on first use inside the sandbox (so it sees the sandbox's
// filesystem and environment), kept between calls (state persists: `x = 6*7`, then `print(x)`),
// one cell at a time. It runs host/ipython-driver.ts; it is tracked in the sandbox's process table
// (kind `ipython`, so it counts towards the limit and goes with the sandbox) and kept in
// `sandbox.extras`, whose close() kills its whole process group.
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { installScript } from './code-runs.js';
import type { Local } from './context.js';
import { IPYTHON_DRIVER } from './host/ipython-driver.js';
import { type Run, type RunResult, runEnv, signalGroup } from './host/processes.js';
import { resolveSandboxPath } from './host/sandbox-fs.js';
import type { DisplayedOutput } from './rich-outputs.js';
import type { LocalSandbox } from './state.js';

export interface Cell {
  code: string;
  /** Seconds; undefined, 0 or less for none. */
  timeoutSeconds: number | undefined;
  /** Variables for this cell only (over the sandbox's `/env`, which every cell gets afresh). */
  env: Record<string, string> | undefined;
}

export interface CellListener {
  stdout?(text: string): void;
  stderr?(text: string): void;
  display?(output: DisplayedOutput): void;
}

export interface CellResult {
  stdout: string;
  stderr: string;
  outputs: DisplayedOutput[];
  /** 0, the cell's SystemExit code, 1 for an exception, -1 when it timed out. */
  exitCode: number;
  timedOut: boolean;
  /** Output beyond the limit was dropped. */
  truncated: boolean;
  /** Seconds, as the interpreter measured the cell. */
  executionTime: number;
  /** Set when the interpreter ended during the cell: why (its state is gone). */
  lost: string | undefined;
}

export type KernelState = 'starting' | 'idle' | 'busy' | 'dead';

const EXTRAS_KEY = 'execution.ipython';
/** How long a cell that ignores its interrupt gets before the interpreter is killed. */
const INTERRUPT_GRACE_MS = 3_000;
const START_TIMEOUT_MS = 60_000;

interface DriverMessage {
  type: 'ready' | 'stdout' | 'stderr' | 'display' | 'result' | 'done';
  cell?: number | null;
  data?: unknown;
  ipython?: boolean;
  exit_code?: number;
  timed_out?: boolean;
  execution_time?: number;
}

/** Interpreters being started, by sandbox. */
const starting = new WeakMap<LocalSandbox, Promise<IpythonKernel>>();

export class IpythonKernel {
  /** `kernel_id` in `GET /jupyter/sessions`. */
  readonly kernelId = randomUUID();
  private state: KernelState = 'starting';
  private readonly run: Run;
  private readonly ready: Promise<void>;
  private queue: Promise<unknown> = Promise.resolve();
  private cells = 0;
  private current: ((message: DriverMessage) => void) | undefined;
  private onExit: ((why: string) => void) | undefined;
  /** What the driver wrote to its own stderr before it took over fd 2 (start-up failures). */
  private startupErrors = '';

  /** The sandbox's interpreter, started if there is none (or the last one ended). */
  static async of(local: Local, sandbox: LocalSandbox): Promise<IpythonKernel> {
    const existing = IpythonKernel.existing(sandbox);
    if (existing && existing.state !== 'dead') {
      await existing.ready;
      return existing;
    }
    // Calls that arrive while it starts share the one being started.
    let pending = starting.get(sandbox);
    if (!pending) {
      pending = IpythonKernel.start(local, sandbox).finally(() => starting.delete(sandbox));
      starting.set(sandbox, pending);
    }
    return pending;
  }

  private static async start(local: Local, sandbox: LocalSandbox): Promise<IpythonKernel> {
    const python = local.interpreters.python;
    if (!python) throw new Error('python3 is not installed on the machine running the local HopX');
    const ipythonDir = await resolveSandboxPath(sandbox.host, '/tmp/.hopx-ipython');
    const driver = await installScript(sandbox, 'hopx-ipython.py', IPYTHON_DRIVER);
    const kernel = new IpythonKernel(local, sandbox, [
      python,
      '-u',
      driver,
      sandbox.host.mode === 'namespace' ? ipythonDir.path : ipythonDir.host,
    ]);
    sandbox.extras.set(EXTRAS_KEY, kernel);
    await kernel.ready;
    return kernel;
  }

  static existing(sandbox: LocalSandbox): IpythonKernel | undefined {
    const kernel = sandbox.extras.get(EXTRAS_KEY);
    return kernel instanceof IpythonKernel ? kernel : undefined;
  }

  private constructor(
    private readonly local: Local,
    private readonly sandbox: LocalSandbox,
    argv: string[],
  ) {
    const child = sandbox.host.spawn(
      argv,
      sandbox.template.workdir ?? '/workspace',
      runEnv(local.interpreters.paths, Object.fromEntries(sandbox.env), undefined),
    );
    const startedAt = new Date();
    const started = Date.now();
    let killed = false;
    let ended = false;
    const killGroup = (signal: NodeJS.Signals) => {
      if (!ended) signalGroup(child, signal);
    };
    child.stdin?.on('error', () => {});
    child.stderr?.on('data', (chunk: Buffer) => {
      if (this.startupErrors.length < 64 * 1024) this.startupErrors += chunk.toString('utf8');
    });
    const result = new Promise<RunResult>((resolve) => {
      const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
        if (ended) return;
        ended = true;
        this.state = 'dead';
        // Whatever the interpreter started goes with it.
        signalGroup(child, 'SIGKILL');
        if (IpythonKernel.existing(sandbox) === this) sandbox.extras.delete(EXTRAS_KEY);
        const how = signal ? `was ended by ${signal}` : `exited with code ${exitCode}`;
        this.onExit?.(`the IPython interpreter ${how}; its state is lost`);
        resolve({
          exitCode,
          signal,
          timedOut: false,
          killed,
          stdout: '',
          stderr: this.startupErrors,
          truncated: false,
          durationSeconds: (Date.now() - started) / 1000,
        });
      };
      child.once('close', finish);
      child.once('error', (error) => {
        this.startupErrors += `${error.message}\n`;
        finish(127, null);
      });
    });
    this.run = {
      pid: child.pid ?? 0,
      child,
      startedAt,
      output: () => ({ stdout: '', stderr: this.startupErrors }),
      running: () => !ended,
      kill: (signal = 'SIGKILL') => {
        killed = true;
        killGroup(signal);
      },
      result,
    };
    sandbox.processes.add('ipython', this.run, {
      name: 'IPython interpreter',
      language: 'python',
      command: argv.join(' '),
    });

    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream, crlfDelay: Infinity });
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.close();
        reject(new Error('the IPython interpreter did not start within 60 s'));
      }, START_TIMEOUT_MS);
      this.onExit = (why) => {
        clearTimeout(timer);
        reject(new Error(`${why}${this.startupErrors ? `: ${this.startupErrors.trim()}` : ''}`));
      };
      lines.on('line', (line) => {
        let message: DriverMessage;
        try {
          message = JSON.parse(line) as DriverMessage;
        } catch {
          return;
        }
        if (message.type === 'ready') {
          clearTimeout(timer);
          this.onExit = undefined;
          this.state = 'idle';
          resolve();
          return;
        }
        this.current?.(message);
      });
    });
    // Nobody may be waiting yet (a close() before the first cell): that is not a failure to report.
    this.ready.catch(() => {});
  }

  /** `idle`, `busy`, or `starting`; `dead` once it has ended. */
  executionState(): KernelState {
    return this.state;
  }

  /** Runs a cell after the ones already waiting. `signal` interrupts it (the caller went away). */
  execute(cell: Cell, listener: CellListener = {}, signal?: AbortSignal): Promise<CellResult> {
    const next = this.queue.then(() => this.runCell(cell, listener, signal));
    this.queue = next.catch(() => {});
    return next;
  }

  private runCell(cell: Cell, listener: CellListener, signal: AbortSignal | undefined): Promise<CellResult> {
    const id = ++this.cells;
    // No documented minimum: zero or less means no timeout.
    const timeoutSeconds = cell.timeoutSeconds && cell.timeoutSeconds > 0 ? cell.timeoutSeconds : undefined;
    const limit = this.local.limits.outputBytes;
    const collected = { stdout: '', stderr: '', outputBytes: 0 };
    const outputs: DisplayedOutput[] = [];
    let truncated = false;
    const keep = (stream: 'stdout' | 'stderr', text: string) => {
      const room = limit - Buffer.byteLength(collected[stream]);
      if (room <= 0) {
        truncated = true;
        return;
      }
      const kept = Buffer.byteLength(text) > room ? Buffer.from(text).subarray(0, room).toString('utf8') : text;
      if (kept !== text) truncated = true;
      collected[stream] += kept;
      listener[stream]?.(kept);
    };
    return new Promise<CellResult>((resolve) => {
      let settled = false;
      let deadline: ReturnType<typeof setTimeout> | undefined;
      const interrupt = () => this.send({ type: 'interrupt', cell: id });
      const settle = (result: Omit<CellResult, 'stdout' | 'stderr' | 'outputs' | 'truncated'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        signal?.removeEventListener('abort', interrupt);
        this.current = undefined;
        this.onExit = undefined;
        if (this.state === 'busy') this.state = 'idle';
        resolve({ ...result, stdout: collected.stdout, stderr: collected.stderr, outputs, truncated });
      };
      if (this.state === 'dead') {
        settle({ exitCode: -1, timedOut: false, executionTime: 0, lost: 'the IPython interpreter has ended' });
        return;
      }
      if (signal?.aborted) {
        // The caller left while the cell waited its turn: nobody is there to read it, so it never runs.
        settle({ exitCode: -1, timedOut: false, executionTime: 0, lost: undefined });
        return;
      }
      this.state = 'busy';
      const started = Date.now();
      let timedOutHard = false;
      this.current = (message) => {
        if (message.cell !== id) return;
        switch (message.type) {
          case 'stdout':
          case 'stderr':
            if (typeof message.data === 'string') keep(message.type, message.data);
            return;
          case 'display':
          case 'result': {
            const data = message.data;
            if (typeof data !== 'object' || data === null) return;
            const size = Buffer.byteLength(JSON.stringify(data));
            if (collected.outputBytes + size > limit) {
              truncated = true;
              return;
            }
            collected.outputBytes += size;
            const output: DisplayedOutput = { kind: message.type, data: data as Record<string, unknown> };
            outputs.push(output);
            listener.display?.(output);
            return;
          }
          case 'done': {
            const timedOut = Boolean(message.timed_out);
            settle({
              exitCode: timedOut ? -1 : (message.exit_code ?? 1),
              timedOut,
              executionTime: message.execution_time ?? (Date.now() - started) / 1000,
              lost: undefined,
            });
            return;
          }
        }
      };
      this.onExit = (why) =>
        settle({
          exitCode: -1,
          timedOut: timedOutHard,
          executionTime: (Date.now() - started) / 1000,
          lost: why,
        });
      // The driver interrupts the cell at its timeout; one that ignores that loses the interpreter.
      if (timeoutSeconds)
        deadline = setTimeout(
          () => {
            timedOutHard = true;
            this.close();
          },
          Math.min(timeoutSeconds * 1000 + INTERRUPT_GRACE_MS, 2 ** 31 - 1),
        );
      this.send({
        cell: id,
        code: cell.code,
        timeout: timeoutSeconds ?? null,
        env: Object.fromEntries(this.sandbox.env),
        cell_env: cell.env ?? {},
      });
      signal?.addEventListener('abort', interrupt, { once: true });
    });
  }

  private send(message: Record<string, unknown>): void {
    const stdin = this.run.child.stdin;
    if (stdin && !stdin.destroyed) stdin.write(`${JSON.stringify(message)}\n`);
  }

  /** Kills the interpreter and everything it started. */
  close(): void {
    this.run.kill('SIGKILL');
  }
}
