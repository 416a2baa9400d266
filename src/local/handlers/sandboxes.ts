// Control Plane: sandbox lifecycle (create, get, list in cursor pages, pause and resume that stop
// and continue the sandbox's processes, a timeout that expires it, delete), token refresh, health.
import { ApiError } from '../api-error.js';
import { type CallContext, type Handler, json } from '../context.js';
import type { LocalSandbox } from '../state.js';

export function sandboxJson(sandbox: LocalSandbox, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: sandbox.id,
    object: 'sandbox',
    status: sandbox.status,
    template_id: sandbox.template.id,
    template_name: sandbox.template.name,
    region: 'local',
    public_host: sandbox.publicHost,
    direct_url: sandbox.publicHost,
    preview_url: sandbox.publicHost,
    resources: { vcpu: 2, memory_mb: 2048, disk_mb: 10240 },
    internet_access: sandbox.internetAccess,
    live_mode: false,
    timeout_seconds: sandbox.timeoutSeconds ?? null,
    expires_at: sandbox.expiresAt?.toISOString() ?? null,
    created_at: sandbox.createdAt.toISOString(),
    started_at: sandbox.createdAt.toISOString(),
    ...extra,
  };
}

/** The sandbox a Control Plane path names: 404 when unknown or deleted, 410 when expired. */
export function sandboxOf(ctx: CallContext): LocalSandbox {
  const id = String(ctx.path.id);
  const sandbox = ctx.local.state.sandboxes.get(id);
  if (sandbox) return sandbox;
  if (ctx.local.state.tombstones.get(id) === 'expired')
    throw new ApiError(410, 'SANDBOX_EXPIRED', `sandbox ${id} has expired`);
  throw new ApiError(404, 'SANDBOX_NOT_FOUND', `sandbox ${id} not found`);
}

/** The answer to a pause, resume, stop or start: the sandbox's status and what happened (`Sandbox paused`). */
function statusAnswer(ctx: CallContext, sandbox: LocalSandbox, status: string, happened: string) {
  return json(200, { id: sandbox.id, status, message: `Sandbox ${happened}`, request_id: ctx.requestId });
}

function withToken(ctx: CallContext, sandbox: LocalSandbox): Record<string, unknown> {
  const { token, expiresAt } = ctx.local.tokens.issue(sandbox.id);
  return { auth_token: token, token_expires_at: expiresAt.toISOString() };
}

async function changeStatus(
  ctx: CallContext,
  sandbox: LocalSandbox,
  to: 'running' | 'paused' | 'stopped',
  signal: NodeJS.Signals | undefined,
) {
  const from = sandbox.status;
  sandbox.status = to;
  if (to !== 'running') sandbox.endpoint?.dropConnections();
  if (signal) await sandbox.host.signalAll(signal);
  ctx.local.sandboxEvent('sandbox.status_changed', sandbox, from);
}

const PAGE = 100;

export const sandboxHandlers: Record<string, Handler> = {
  async createSandbox(ctx) {
    const body = ctx.body ?? {};
    const sandbox = await ctx.local.createSandbox({
      templateId: body.template_id,
      templateName: body.template_name,
      timeoutSeconds: body.timeout_seconds,
      internetAccess: body.internet_access,
      envVars: body.env_vars,
    });
    return json(201, sandboxJson(sandbox, { ...withToken(ctx, sandbox), request_id: ctx.requestId }));
  },

  listSandboxes(ctx) {
    const limit = Math.min(Number(ctx.query.limit ?? PAGE), PAGE);
    const all = [...ctx.local.state.sandboxes.values()]
      .filter((s) => !ctx.query.status || s.status === ctx.query.status)
      // Every local sandbox is in region `local`.
      .filter(() => !ctx.query.region || ctx.query.region === 'local')
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
    // The cursor is the id of the last sandbox of the previous page: stable while others come and go.
    const cursor = ctx.query.cursor ? String(ctx.query.cursor) : undefined;
    const start = cursor ? all.findIndex((s) => s.id === decodeCursor(cursor)) + 1 : 0;
    if (cursor && start === 0)
      throw new ApiError(400, 'INVALID_REQUEST', `cursor ${cursor} is not one this list handed out`);
    const page = all.slice(start, start + limit);
    const hasMore = start + limit < all.length;
    const last = page[page.length - 1];
    return json(200, {
      object: 'list',
      data: page.map((s) => sandboxJson(s)),
      has_more: hasMore,
      next_cursor: hasMore && last ? encodeCursor(last.id) : null,
      url: '/v1/sandboxes',
      request_id: ctx.requestId,
    });
  },

  getSandbox(ctx) {
    return json(200, { ...sandboxJson(sandboxOf(ctx)), request_id: ctx.requestId });
  },

  async deleteSandbox(ctx) {
    const sandbox = sandboxOf(ctx);
    await ctx.local.removeSandbox(sandbox, 'deleted');
    return json(200, { id: sandbox.id, message: 'Sandbox deleted', request_id: ctx.requestId });
  },

  async pauseSandbox(ctx) {
    const sandbox = sandboxOf(ctx);
    if (sandbox.status === 'paused') return statusAnswer(ctx, sandbox, 'paused', 'already paused');
    if (sandbox.status !== 'running')
      throw new ApiError(
        409,
        'INVALID_REQUEST',
        `sandbox ${sandbox.id} is ${sandbox.status}: only a running sandbox can be paused`,
      );
    await changeStatus(ctx, sandbox, 'paused', 'SIGSTOP');
    return statusAnswer(ctx, sandbox, 'paused', 'paused');
  },

  async resumeSandbox(ctx) {
    const sandbox = sandboxOf(ctx);
    if (sandbox.status === 'running') return statusAnswer(ctx, sandbox, 'running', 'already running');
    if (sandbox.status !== 'paused')
      throw new ApiError(
        409,
        'INVALID_REQUEST',
        `sandbox ${sandbox.id} is ${sandbox.status}: only a paused sandbox can be resumed`,
      );
    await changeStatus(ctx, sandbox, 'running', 'SIGCONT');
    return statusAnswer(ctx, sandbox, 'running', 'resumed');
  },

  async stopSandbox(ctx) {
    // Deprecated on the platform; here it does what it says: every process ends, and `stopped` is final.
    const sandbox = sandboxOf(ctx);
    if (sandbox.status === 'stopped') return statusAnswer(ctx, sandbox, 'stopped', 'already stopped');
    sandbox.processes.killAll();
    await changeStatus(ctx, sandbox, 'stopped', 'SIGKILL');
    return statusAnswer(ctx, sandbox, 'stopped', 'stopped');
  },

  startSandbox(ctx) {
    const sandbox = sandboxOf(ctx);
    if (sandbox.status === 'running') return statusAnswer(ctx, sandbox, 'running', 'already running');
    throw new ApiError(
      409,
      'SANDBOX_STOPPED',
      `sandbox ${sandbox.id} is ${sandbox.status}: the platform no longer starts stopped sandboxes; create a new one`,
    );
  },

  setSandboxTimeout(ctx) {
    const sandbox = sandboxOf(ctx);
    const seconds = Number(ctx.body.timeout_seconds);
    // 0 turns the timeout off, as the official CLI sends it.
    ctx.local.setSandboxTimeout(sandbox, seconds);
    return json(200, {
      id: sandbox.id,
      timeout_seconds: sandbox.timeoutSeconds ?? null,
      expires_at: sandbox.expiresAt?.toISOString() ?? null,
      message: seconds ? `Sandbox expires in ${seconds} s` : 'Sandbox timeout removed',
      request_id: ctx.requestId,
    });
  },

  refreshSandboxToken(ctx) {
    const sandbox = sandboxOf(ctx);
    return json(200, { ...withToken(ctx, sandbox), request_id: ctx.requestId });
  },
};

const encodeCursor = (id: string) => Buffer.from(`after:${id}`).toString('base64url');
function decodeCursor(cursor: string): string | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return text.startsWith('after:') ? text.slice(6) : undefined;
}
