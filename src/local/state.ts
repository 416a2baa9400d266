// What the local HopX remembers between calls: sandboxes (and the ones that are gone), templates,
// builds, and the Control Plane's event logs. Handlers of one group never reach into another
// group's state except through these objects.
import type { AgentEndpoint } from './agent-endpoint.js';
import { EventLog } from './events.js';
import type { SandboxHost } from './host/sandbox-host.js';
import type { ProcessTable } from './process-table.js';

export type SandboxStatus = 'creating' | 'running' | 'paused' | 'stopped';

export interface LocalTemplate {
  id: string;
  name: string;
  displayName: string;
  description: string;
  category: string;
  language: string;
  /** The template's filesystem, copied into each sandbox made from it (none for a bare template). */
  root: string | undefined;
  /** Set by ENV steps; every run of a sandbox made from it inherits them. */
  env: Record<string, string>;
  /** Set by WORKDIR. */
  workdir: string | undefined;
  /** Started in the background when a sandbox starts (the build's startCmd). */
  startCmd: string | undefined;
  status: 'building' | 'active' | 'failed';
  isActive: boolean;
  isPublic: boolean;
  builtIn: boolean;
  buildId: string | undefined;
  errorMessage: string | undefined;
  createdAt: Date;
  updatedAt: Date;
}

export interface LocalSandbox {
  id: string;
  template: LocalTemplate;
  status: SandboxStatus;
  createdAt: Date;
  /** When it expires, or undefined for no timeout. */
  expiresAt: Date | undefined;
  timeoutSeconds: number | undefined;
  internetAccess: boolean;
  /** The sandbox's global environment variables (`/env`). */
  env: Map<string, string>;
  host: SandboxHost;
  processes: ProcessTable;
  /** Where its agent answers: `http://127.0.0.1:<port>`. */
  publicHost: string;
  /** Its agent's server (set once listening). */
  endpoint: AgentEndpoint | undefined;
  /** The timer that expires it (timeout_seconds). */
  expiryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Things to end when the sandbox goes: open streams, watchers, interpreters. */
  closers: Set<() => void>;
  /** Requests its agent answered, and how many of them with an error status (for its metrics). */
  counters: { requests: number; errors: number };
  /** Per-group state that lives as long as the sandbox (the ipython interpreter, ...). */
  extras: Map<string, { close(): void }>;
}

/** Why a sandbox id answers no more: deleted (404) or expired (410). */
export type Tombstone = 'deleted' | 'expired';

export class LocalState {
  readonly sandboxes = new Map<string, LocalSandbox>();
  readonly tombstones = new Map<string, Tombstone>();
  readonly templates = new Map<string, LocalTemplate>();
  /** Builds by id; the builds group owns their shape. */
  readonly builds = new Map<string, unknown>();
  readonly sandboxEvents = new EventLog();
  readonly templateEvents = new EventLog();
}
