// The runs of one sandbox that the API can name: background executions and commands, async runs,
// and the interactive sessions, with how each ended. Shared by the execution, command and process
// handlers through the sandbox object; the sandbox kills them all when it goes.
import { randomUUID } from 'node:crypto';
import type { Run, RunResult } from './host/processes.js';

export type ProcessKind = 'execute' | 'background' | 'command' | 'async' | 'stream' | 'terminal' | 'ipython' | 'start';

export interface TrackedProcess {
  /** `process_id` in the API. */
  id: string;
  /** `execution_id` in the API. */
  executionId: string;
  kind: ProcessKind;
  name: string | undefined;
  language: string | undefined;
  /** What it runs, for listings. */
  command: string;
  run: Run;
  /** Set once it has ended. */
  result: RunResult | undefined;
  endedAt: Date | undefined;
}

/** Finished runs kept for listings (with their output); older ones are forgotten. */
const KEEP_FINISHED = 200;

export class ProcessTable {
  private readonly entries = new Map<string, TrackedProcess>();
  /** Runs that answer one request (`/execute`, `/commands/run`): no id, but counted and killed too. */
  private readonly foreground = new Set<Run>();

  constructor(private readonly limit: number) {}

  /** Processes running now, named or not. */
  activeCount(): number {
    return this.running().length + this.foreground.size;
  }

  /** Whether another process may start (the sandbox's limit on concurrent processes). */
  hasRoom(): boolean {
    return this.activeCount() < this.limit;
  }

  /** Counts a run that answers its request directly, until it ends. */
  attach(run: Run): void {
    this.foreground.add(run);
    void run.result.then(() => this.foreground.delete(run));
  }

  /** Runs answering a request right now. */
  foregroundCount(): number {
    return this.foreground.size;
  }

  add(
    kind: ProcessKind,
    run: Run,
    details: { name?: string | undefined; language?: string | undefined; command: string },
  ): TrackedProcess {
    const id = `proc_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const entry: TrackedProcess = {
      id,
      executionId: `exec_${id.slice(5)}`,
      kind,
      name: details.name,
      language: details.language,
      command: details.command,
      run,
      result: undefined,
      endedAt: undefined,
    };
    this.entries.set(id, entry);
    void run.result.then((result) => {
      entry.result = result;
      entry.endedAt = new Date();
      this.forgetOldest();
    });
    return entry;
  }

  get(id: string): TrackedProcess | undefined {
    return this.entries.get(id) ?? [...this.entries.values()].find((e) => e.executionId === id);
  }

  all(): TrackedProcess[] {
    return [...this.entries.values()];
  }

  running(): TrackedProcess[] {
    return this.all().filter((e) => e.run.running());
  }

  killAll(): void {
    for (const entry of this.running()) entry.run.kill('SIGKILL');
    for (const run of this.foreground) run.kill('SIGKILL');
  }

  /** Keeps memory bounded: finished runs beyond KEEP_FINISHED go, oldest first. */
  private forgetOldest(): void {
    const finished = this.all().filter((e) => e.endedAt);
    for (const entry of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.entries.delete(entry.id);
  }
}
