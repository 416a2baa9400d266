// The local HopX: one Control Plane server on loopback, one agent server per sandbox, and the state
// they share. startLocalHopx() (index.ts) and the `hopx-local` command (cli.ts) start it.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentEndpoint, startAgentEndpoint } from './agent-endpoint.js';
import { ApiError } from './api-error.js';
import { newApiKey, TokenIssuer } from './auth.js';
import type { Local, LocalLimits } from './context.js';
import { handleContextUpload } from './context-store.js';
import { httpHandlers, socketHandlers } from './handlers/index.js';
import { findInterpreters, type Interpreters } from './host/interpreters.js';
import { detectIsolation, type Isolation, type IsolationPreference } from './host/isolation.js';
import { startRun } from './host/processes.js';
import { SandboxHost } from './host/sandbox-host.js';
import { requestHandler } from './http-pipeline.js';
import { ProcessTable } from './process-table.js';
import { Router } from './router.js';
import { loadSpec } from './spec.js';
import { SpecValidator, type Violation } from './spec-validator.js';
import { type LocalSandbox, LocalState, type LocalTemplate } from './state.js';
import { builtInTemplates } from './templates.js';

export interface LocalHopxOptions {
  /** Port of the Control Plane (default: any free port). */
  port?: number;
  /** Address to bind (default 127.0.0.1: loopback only). Anything else is reachable from the network. */
  host?: string;
  /** Where sandboxes, templates and uploads live (default: a new folder under the OS temp dir, removed on close). */
  dataDir?: string;
  /** The API key to accept (default: a new one, `hopx_live_...`). */
  apiKey?: string;
  /** Lifetime of the sandbox tokens in seconds (default 3600; a short one exercises refresh). */
  tokenTtlSeconds?: number;
  /** `auto` (default): namespaces where the machine allows them, else the workspace mode. */
  isolation?: IsolationPreference;
  /** Added before every answer, in ms. */
  latencyMs?: number;
  limits?: Partial<LocalLimits>;
  /** Extra Host names to accept besides loopback. */
  allowedHosts?: string[];
  /** Receives log lines (violations, failures). Default: none. */
  log?: (line: string) => void;
}

export interface LocalHopx {
  /** The Control Plane: pass it as `baseUrl` (sandboxes' agents answer at their `public_host`). */
  readonly url: string;
  readonly apiKey: string;
  /** How code is kept in its sandbox here (see the guide): `namespace` or `workspace`. */
  readonly isolation: Isolation;
  readonly dataDir: string;
  /** Spec violations in what the local HopX answered so far (empty when all is well). */
  violations(): readonly Violation[];
  /** Deletes every sandbox, build and event; built-in templates stay. */
  reset(): Promise<void>;
  /** Stops everything: every sandbox's processes, the servers, and (unless it was given) the data folder. */
  close(): Promise<void>;
}

const DEFAULT_LIMITS: LocalLimits = {
  sandboxes: 200,
  processesPerSandbox: 64,
  outputBytes: 10 * 1024 * 1024,
  jsonBodyBytes: 64 * 1024 * 1024,
};

export async function startLocalHopx(options: LocalHopxOptions = {}): Promise<LocalHopx> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'hopx-local-')));
  await mkdir(join(dataDir, 'sandboxes'), { recursive: true, mode: 0o700 });
  const [isolation, validator] = await Promise.all([
    detectIsolation(options.isolation ?? 'auto', dataDir),
    Promise.resolve(new SpecValidator(loadSpec())),
  ]);
  const instance = new Instance(options, dataDir, ownDataDir, isolation, validator, findInterpreters());
  await instance.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return instance;
}

class Instance implements Local, LocalHopx {
  readonly apiKey: string;
  readonly state = new LocalState();
  readonly tokens: TokenIssuer;
  readonly limits: LocalLimits;
  readonly startedAt = new Date();
  readonly violationLog: Violation[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly agentRouter: Router;
  private bind = '127.0.0.1';
  url = '';
  host = '127.0.0.1';
  private closed = false;
  private readonly onExit = () => this.killEverythingNow();

  constructor(
    private readonly options: LocalHopxOptions,
    readonly dataDir: string,
    private readonly ownDataDir: boolean,
    readonly isolation: Isolation,
    readonly validator: SpecValidator,
    readonly interpreters: Interpreters,
  ) {
    this.apiKey = options.apiKey ?? newApiKey();
    this.tokens = new TokenIssuer(options.tokenTtlSeconds ?? 3600);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.agentRouter = new Router(validator.operations, 'agent');
    for (const template of builtInTemplates()) this.state.templates.set(template.id, template);
    process.once('exit', this.onExit);
  }

  violations(): readonly Violation[] {
    return this.violationLog;
  }

  async listen(port: number, bind: string): Promise<void> {
    this.bind = bind;
    this.host = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
    const router = new Router(this.validator.operations, 'control-plane');
    let listening = 0;
    const pipeline = requestHandler(
      this,
      { kind: 'control-plane', router, port: () => listening },
      {
        handlers: httpHandlers,
        allowedHosts: this.allowedHosts(),
        latencyMs: this.options.latencyMs ?? 0,
      },
    );
    // Upload links point here: the stand-in for the platform's presigned store (not an API operation).
    const server = createServer((req, res) => {
      if (!handleContextUpload(req, res, this)) pipeline(req, res);
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, bind, () => resolve());
    });
    listening = (server.address() as AddressInfo).port;
    this.server = server;
    this.url = `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${listening}`;
  }

  private allowedHosts(): string[] {
    const extra = this.options.allowedHosts ?? [];
    return this.bind === '127.0.0.1' ? extra : [...extra, this.bind];
  }

  log(line: string): void {
    this.options.log?.(line);
  }

  async createSandbox(request: Parameters<Local['createSandbox']>[0]): Promise<LocalSandbox> {
    if (this.closed) throw new ApiError(503, 'INTERNAL_ERROR', 'the local HopX is shutting down');
    if (this.state.sandboxes.size >= this.limits.sandboxes) {
      throw new ApiError(
        403,
        'PERMISSION_DENIED',
        `the local HopX runs at most ${this.limits.sandboxes} sandboxes at once`,
        {
          details: { limit: this.limits.sandboxes, current: this.state.sandboxes.size },
        },
      );
    }
    const template = this.findTemplate(request.templateId, request.templateName);
    const id = `${Math.floor(Date.now() / 1000)}${randomBytes(8).toString('base64url').replace(/[-_]/g, 'x').toLowerCase().slice(0, 8)}`;
    const host = await SandboxHost.create({
      id,
      dir: join(this.dataDir, 'sandboxes', id),
      isolation: this.isolation,
      templateRoot: template.root,
      dataDir: this.dataDir,
    });
    const sandbox: LocalSandbox = {
      id,
      template,
      status: 'running',
      createdAt: new Date(),
      expiresAt: undefined,
      timeoutSeconds: undefined,
      internetAccess: request.internetAccess ?? true,
      env: new Map(Object.entries({ ...template.env, ...(request.envVars ?? {}) })),
      host,
      processes: new ProcessTable(this.limits.processesPerSandbox),
      publicHost: '',
      endpoint: undefined,
      expiryTimer: undefined,
      closers: new Set(),
      counters: { requests: 0, errors: 0 },
      extras: new Map(),
    };
    let endpoint: AgentEndpoint;
    try {
      endpoint = await startAgentEndpoint(this, sandbox, {
        bind: this.bind,
        urlHost: this.host,
        router: this.agentRouter,
        handlers: httpHandlers,
        socketHandlers,
        allowedHosts: this.allowedHosts(),
        latencyMs: this.options.latencyMs ?? 0,
      });
    } catch (error) {
      await host.destroy();
      throw error;
    }
    sandbox.endpoint = endpoint;
    sandbox.publicHost = endpoint.url;
    this.state.sandboxes.set(id, sandbox);
    this.setSandboxTimeout(sandbox, request.timeoutSeconds);
    this.sandboxEvent('sandbox.created', sandbox);
    if (template.startCmd) this.startCommand(sandbox, template.startCmd);
    return sandbox;
  }

  /** Sets (or clears, for none or 0) when the sandbox expires. */
  setSandboxTimeout(sandbox: LocalSandbox, seconds: number | undefined): void {
    clearTimeout(sandbox.expiryTimer);
    sandbox.expiryTimer = undefined;
    sandbox.timeoutSeconds = seconds || undefined;
    sandbox.expiresAt = seconds ? new Date(Date.now() + seconds * 1000) : undefined;
    if (!seconds) return;
    sandbox.expiryTimer = setTimeout(() => void this.removeSandbox(sandbox, 'expired'), seconds * 1000);
    sandbox.expiryTimer.unref();
  }

  async removeSandbox(sandbox: LocalSandbox, why: 'deleted' | 'expired'): Promise<void> {
    if (this.state.sandboxes.get(sandbox.id) !== sandbox) return;
    this.state.sandboxes.delete(sandbox.id);
    this.state.tombstones.set(sandbox.id, why);
    clearTimeout(sandbox.expiryTimer);
    for (const close of [...sandbox.closers]) close();
    for (const extra of sandbox.extras.values()) extra.close();
    sandbox.processes.killAll();
    await sandbox.endpoint?.close();
    await sandbox.host.destroy();
    this.sandboxEvent(why === 'deleted' ? 'sandbox.deleted' : 'sandbox.expired', sandbox);
  }

  sandboxEvent(type: string, sandbox: LocalSandbox, previous?: string): void {
    this.state.sandboxEvents.append(type, {
      type,
      sandbox_id: sandbox.id,
      status: sandbox.status,
      previous_status: previous ?? null,
      timestamp: new Date().toISOString(),
    });
  }

  private findTemplate(id: string | undefined, name: string | undefined): LocalTemplate {
    const templates = [...this.state.templates.values()];
    const found =
      id !== undefined
        ? templates.find((t) => t.id === String(id))
        : templates.find((t) => t.name === (name ?? 'code-interpreter'));
    if (!found) throw new ApiError(404, 'INVALID_REQUEST', `template ${id ?? name} not found`);
    if (found.status !== 'active')
      throw new ApiError(400, 'INVALID_REQUEST', `template ${found.name} is ${found.status}, not active`);
    return found;
  }

  private startCommand(sandbox: LocalSandbox, command: string): void {
    const run = startRun(sandbox.host, {
      argv: ['/bin/sh', '-c', command],
      cwd: sandbox.template.workdir ?? '/workspace',
      env: { ...Object.fromEntries(sandbox.env) },
      maxOutputBytes: this.limits.outputBytes,
    });
    sandbox.processes.add('start', run, { name: 'start command', command });
  }

  async reset(): Promise<void> {
    await Promise.all([...this.state.sandboxes.values()].map((s) => this.removeSandbox(s, 'deleted')));
    this.state.tombstones.clear();
    for (const [id, template] of this.state.templates) if (!template.builtIn) this.state.templates.delete(id);
    for (const [, build] of this.state.builds) (build as { close?: () => void }).close?.();
    this.state.builds.clear();
    this.state.sandboxEvents.clear();
    this.state.templateEvents.clear();
    this.violationLog.length = 0;
    await rm(join(this.dataDir, 'templates'), { recursive: true, force: true });
    await rm(join(this.dataDir, 'uploads'), { recursive: true, force: true });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.state.sandboxes.values()].map((s) => this.removeSandbox(s, 'deleted')));
    for (const [, build] of this.state.builds) (build as { close?: () => void }).close?.();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    if (this.ownDataDir) await rm(this.dataDir, { recursive: true, force: true, maxRetries: 3 });
    process.off('exit', this.onExit);
  }

  /** On process exit (no more awaiting): kill every sandbox's processes and remove what is ours. */
  private killEverythingNow(): void {
    for (const sandbox of this.state.sandboxes.values()) {
      sandbox.processes.killAll();
      for (const extra of sandbox.extras.values()) extra.close();
    }
    if (this.ownDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
