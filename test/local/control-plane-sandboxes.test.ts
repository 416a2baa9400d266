// The local HopX's Control Plane keeps real state: sandboxes created are listed (in real cursor
// pages), got, paused and resumed, timed out and deleted; a deleted one is 404, an expired one 410.
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  paginate,
  SandboxExpiredError,
  SandboxNotFoundError,
  streamSandboxEvents,
} from '../../src/index.js';
import { until } from '../support/until.js';
import { useLocalHopx } from './local-harness.js';

const local = useLocalHopx({ limits: { sandboxes: 12 } });

// Each test starts with no sandbox, whatever the one before it left behind when it failed.
afterEach(async () => {
  for await (const sandbox of paginate(local.hopx, '/v1/sandboxes', {}))
    await local.hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: sandbox.id! } } });
});

describe('sandbox lifecycle on the local HopX', () => {
  it('creates a sandbox from a template by name or id, with a token and its own agent host', async () => {
    const { hopx } = local;
    const byName = await hopx.POST('/v1/sandboxes', { body: { template_name: 'base' } });
    const byId = await hopx.POST('/v1/sandboxes', { body: { template_id: '1' } });
    expect(byName).toMatchObject({ status: 'running', template_name: 'base', object: 'sandbox' });
    expect(byId).toMatchObject({ status: 'running', template_name: 'code-interpreter' });
    expect(byName.auth_token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(Date.parse(byName.token_expires_at ?? '')).toBeGreaterThan(Date.now());
    expect(byName.public_host).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(byName.public_host).not.toBe(byId.public_host);
    const health = await fetch(`${byName.public_host}/health`);
    expect(await health.json()).toMatchObject({ status: 'healthy', vm_id: byName.id });
    for (const s of [byName, byId]) await hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: s.id! } } });
  });

  it('answers 404 for a template it does not have', async () => {
    const error = await local.hopx
      .POST('/v1/sandboxes', { body: { template_name: 'no-such-template' } })
      .catch((e) => e);
    expect(error.status).toBe(404);
  });

  it('lists every sandbox across real cursor pages, and a deleted one no more', async () => {
    const { hopx } = local;
    const created = await Promise.all(
      Array.from({ length: 5 }, () => hopx.POST('/v1/sandboxes', { body: { template_name: 'base' } })),
    );
    const ids = created.map((s) => s.id!);
    const first = await hopx.GET('/v1/sandboxes', { params: { query: { limit: 2 } } });
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    expect(first.next_cursor).toEqual(expect.any(String));
    const walked: string[] = [];
    for await (const sandbox of paginate(hopx, '/v1/sandboxes', { query: { limit: 2 } })) walked.push(sandbox.id!);
    expect(walked.sort()).toEqual([...ids].sort());
    await hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: ids[0]! } } });
    const after: string[] = [];
    for await (const sandbox of paginate(hopx, '/v1/sandboxes', { query: { limit: 3 } })) after.push(sandbox.id!);
    expect(after.sort()).toEqual(ids.slice(1).sort());
    const gone = await hopx.GET('/v1/sandboxes/{id}', { params: { path: { id: ids[0]! } } }).catch((e) => e);
    expect(gone).toBeInstanceOf(SandboxNotFoundError);
    for (const id of ids.slice(1)) await hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id } } });
  });

  it('pauses and resumes: the status changes, a second pause is harmless, resuming a running one too', async () => {
    const { hopx } = local;
    const { sandbox } = await local.sandbox();
    const path = { id: sandbox.id };
    expect(await hopx.POST('/v1/sandboxes/{id}/pause', { params: { path } })).toMatchObject({ status: 'paused' });
    expect((await hopx.GET('/v1/sandboxes/{id}', { params: { path } })).status).toBe('paused');
    // A paused sandbox's agent answers nothing, as a frozen VM would not.
    await expect(fetch(`${sandbox.public_host}/health`)).rejects.toThrow();
    expect(await hopx.POST('/v1/sandboxes/{id}/pause', { params: { path } })).toMatchObject({ status: 'paused' });
    expect(await hopx.POST('/v1/sandboxes/{id}/resume', { params: { path } })).toMatchObject({ status: 'running' });
    expect((await fetch(`${sandbox.public_host}/health`)).status).toBe(200);
    await hopx.DELETE('/v1/sandboxes/{id}', { params: { path } });
  });

  it("pause really stops the sandbox's processes, and resume continues them", async () => {
    const { hopx } = local;
    const { sandbox, agent } = await local.sandbox();
    await agent.POST('/commands/background', { body: { command: 'sleep', args: ['300'] } });
    const states = () => processesOf(sandbox.id).map((pid) => stateOf(pid));
    await until(() => states().includes('S'), 3_000, 'the background process to run');
    await hopx.POST('/v1/sandboxes/{id}/pause', { params: { path: { id: sandbox.id } } });
    await until(
      () => states().length > 0 && states().every((state) => state === 'T'),
      3_000,
      'every process to be stopped',
    );
    await hopx.POST('/v1/sandboxes/{id}/resume', { params: { path: { id: sandbox.id } } });
    await until(() => !states().includes('T'), 3_000, 'every process to continue');
    await hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: sandbox.id } } });
    await until(() => processesOf(sandbox.id).length === 0, 3_000, 'no process of the sandbox to be left');
  });

  it('stops a sandbox for good: start is a conflict, as on the platform', async () => {
    const { hopx } = local;
    const { sandbox } = await local.sandbox();
    const path = { id: sandbox.id };
    expect(await hopx.POST('/v1/sandboxes/{id}/stop', { params: { path } })).toMatchObject({ status: 'stopped' });
    await expect(hopx.POST('/v1/sandboxes/{id}/start', { params: { path } })).rejects.toBeInstanceOf(ConflictError);
    await expect(hopx.POST('/v1/sandboxes/{id}/resume', { params: { path } })).rejects.toBeInstanceOf(ConflictError);
    await hopx.DELETE('/v1/sandboxes/{id}', { params: { path } });
  });

  it('expires a sandbox when its timeout runs out: 410 SANDBOX_EXPIRED and a sandbox.expired event', async () => {
    const { hopx } = local;
    const events = streamSandboxEvents(hopx, { idleTimeout: 10_000 });
    const seen: string[] = [];
    const watching = (async () => {
      for await (const event of events) {
        seen.push(`${event.data.type} ${event.data.sandbox_id}`);
        if (event.data.type === 'sandbox.expired') break;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { sandbox } = await local.sandbox({ timeout_seconds: 1 });
    expect(Date.parse(sandbox.expires_at ?? '') - Date.now()).toBeLessThanOrEqual(1000);
    await watching;
    const error = await hopx.GET('/v1/sandboxes/{id}', { params: { path: { id: sandbox.id } } }).catch((e) => e);
    expect(error).toBeInstanceOf(SandboxExpiredError);
    expect(error.status).toBe(410);
    expect(seen).toEqual([`sandbox.created ${sandbox.id}`, `sandbox.expired ${sandbox.id}`]);
  });

  it('sets a new timeout, and 0 removes it', async () => {
    const { hopx } = local;
    const { sandbox } = await local.sandbox({ timeout_seconds: 60 });
    const path = { id: sandbox.id };
    const longer = await hopx.PUT('/v1/sandboxes/{id}/timeout', { params: { path }, body: { timeout_seconds: 3600 } });
    expect(Date.parse(longer.expires_at ?? '') - Date.now()).toBeGreaterThan(3500_000);
    const none = await hopx.PUT('/v1/sandboxes/{id}/timeout', { params: { path }, body: { timeout_seconds: 0 } });
    expect(none.expires_at).toBeNull();
    expect((await hopx.GET('/v1/sandboxes/{id}', { params: { path } })).expires_at).toBeNull();
    await hopx.DELETE('/v1/sandboxes/{id}', { params: { path } });
  });

  it('refreshes a token: a new one that its agent accepts', async () => {
    const { hopx } = local;
    const { sandbox } = await local.sandbox();
    const fresh = await hopx.POST('/v1/sandboxes/{id}/token/refresh', { params: { path: { id: sandbox.id } } });
    expect(fresh.auth_token).not.toBe(sandbox.auth_token);
    expect(Date.parse(fresh.token_expires_at ?? '')).toBeGreaterThan(Date.now());
    await hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: sandbox.id } } });
  });

  it('refuses more sandboxes than its limit, with the documented 403', async () => {
    const { hopx } = local;
    const made = [];
    for (let i = 0; i < 12; i++) made.push(await hopx.POST('/v1/sandboxes', { body: { template_name: 'base' } }));
    const error = await hopx.POST('/v1/sandboxes', { body: { template_name: 'base' } }).catch((e) => e);
    expect(error.status).toBe(403);
    expect(error.message).toContain('at most 12 sandboxes');
    await Promise.all(made.map((s) => hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: s.id! } } })));
  });
});

/** This machine's PIDs of a sandbox's processes (each carries HOPX_LOCAL_SANDBOX=<id>). */
function processesOf(sandboxId: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`HOPX_LOCAL_SANDBOX=${sandboxId}`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The scheduler state letter of /proc/<pid>/stat (R, S, T, Z, ...). */
function stateOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return 'gone';
  }
}
