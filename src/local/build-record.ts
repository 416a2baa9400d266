// One template build as the API reports it: its status and progress, and its log, line by line,
// for both forms of `GET /v1/templates/build/{buildID}/logs` (JSON chunks by offset, and events).
// The builder (template-builder.ts) writes it; the builds handlers read it.
import type { LocalState, LocalTemplate } from './state.js';

export type BuildStatus = 'building' | 'active' | 'failed';
export type LogLevel = 'INFO' | 'WARN' | 'ERROR';

export interface BuildLogLine {
  /** The offset just after this line: the number of lines up to and including it. */
  offset: number;
  message: string;
  level: LogLevel;
  /** The build's status when the line was written (terminal on the last line). */
  status: BuildStatus;
  /** True on the last line of a finished build. */
  complete: boolean;
  timestamp: string;
}

/** Why a build stops: said in its log and in its `error_message`. */
export class StepFailure extends Error {}

export class BuildRecord {
  status: BuildStatus = 'building';
  progress = 0;
  currentStep: string | undefined;
  readonly startedAt = new Date();
  completedAt: Date | undefined;
  errorMessage: string | undefined;
  readonly lines: BuildLogLine[] = [];
  /** Aborted when the build must stop: its template deleted, the local HopX reset or closed. */
  readonly cancel = new AbortController();
  private readonly listeners = new Set<(line: BuildLogLine) => void>();

  constructor(
    readonly id: string,
    readonly template: LocalTemplate,
  ) {}

  get finished(): boolean {
    return this.status !== 'building';
  }

  /** Adds one line per line of `text`; the level is read from the text, as the SDKs read it. */
  log(text: string): void {
    for (const message of text.split('\n')) this.push(message, this.status, false);
  }

  /** Ends the build with its last line, which carries the terminal status and `complete`. */
  finish(status: 'active' | 'failed', message: string): void {
    this.status = status;
    this.progress = status === 'active' ? 100 : this.progress;
    this.completedAt = new Date();
    this.push(message, status, true);
  }

  /** Calls `listener` with every line written from now on. */
  subscribe(listener: (line: BuildLogLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the build (state.builds entries are closed by reset and close). */
  close(): void {
    this.cancel.abort();
  }

  private push(message: string, status: BuildStatus, complete: boolean): void {
    const line: BuildLogLine = {
      offset: this.lines.length + 1,
      message,
      level: levelOf(message),
      status,
      complete,
      timestamp: new Date().toISOString(),
    };
    this.lines.push(line);
    for (const listener of this.listeners) listener(line);
  }
}

/**
 * The JSON form of the log has no level, and the SDKs grep each line for these markers; the event
 * form uses the same rule so that both forms agree.
 */
export function levelOf(line: string): LogLevel {
  if (/\bERROR\b|❌/.test(line)) return 'ERROR';
  if (/\bWARN(ING)?\b|⚠/.test(line)) return 'WARN';
  return 'INFO';
}

/** The builds group's view of `state.builds` (the shared state leaves their shape to it). */
export function buildRecords(state: LocalState): Map<string, BuildRecord> {
  return state.builds as Map<string, BuildRecord>;
}

/**
 * The build a logs path names: a build id, or (as the SDKs send it) a template id, which names
 * that template's latest build.
 */
export function buildOfLogPath(state: LocalState, id: string): BuildRecord | undefined {
  const builds = buildRecords(state);
  const byId = builds.get(id);
  if (byId) return byId;
  return [...builds.values()].filter((b) => b.template.id === id).pop();
}
