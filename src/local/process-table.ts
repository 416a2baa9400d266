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

export class ProcessTable {
  private readonly entries = new Map<string, TrackedProcess>();

  constructor(private readonly limit: number) {}

  /** Whether another process may start (the sandbox's limit on concurrent processes). */
  hasRoom(): boolean {
    return this.running().length < this.limit;
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
  }
}
