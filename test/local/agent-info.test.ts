// The local agent says who it is truthfully: its sandbox, its version (`local`), its real uptime and
// address, the routes some group really serves, its real features (no desktop); the cache it does
// not have reads as zeros; and updating or restarting it is refused, since it cannot be done here.
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../src/index.js';
import { useLocalHopx } from './local-harness.js';

const local = useLocalHopx();

describe('the local agent’s identity', () => {
  it('answers GET /info with its sandbox, version, address, uptime, routes and features', async () => {
    const { sandbox, agent } = await local.sandbox();
    const info = await agent.GET('/info');
    const host = new URL(sandbox.public_host ?? '');
    expect(info).toMatchObject({
      vm_id: sandbox.id,
      agent: 'hopx-local',
      agent_version: 'local',
      version: 'local',
      os: process.platform,
      vm_ip: host.hostname,
      vm_port: host.port,
      start_time: sandbox.created_at,
    });
    expect(info.uptime).toBeGreaterThanOrEqual(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await agent.GET('/info')).uptime ?? 0).toBeGreaterThan(info.uptime ?? 0);
    expect(info.endpoints).toMatchObject({
      readFile: 'GET /files/read',
      uploadFile: 'POST /files/upload',
      getEnvVars: 'GET /env',
      getAgentInfo: 'GET /info',
      getHealth: 'GET /health',
    });
    const routes = Object.values(info.endpoints ?? {});
    expect(routes.some((route) => route.includes('/desktop/'))).toBe(false);
    expect(routes.some((route) => route.includes('/update/'))).toBe(false);
    expect(info.features).toMatchObject({ desktop: false, file_operations: true, system_metrics: true });
    expect(info.features?.languages).toContain('javascript');
  });

  it('answers GET / with its name, version and routes, and GET /ping with pong', async () => {
    const { agent } = await local.sandbox();
    const root = await agent.GET('/');
    expect(root).toMatchObject({ agent: 'hopx-local', version: 'local' });
    expect(root.endpoints).toMatchObject({ pingAgent: 'GET /ping' });
    const ping = await agent.GET('/ping');
    expect(ping.message).toBe('pong');
    expect(Math.abs(Date.parse(ping.timestamp ?? '') - Date.now())).toBeLessThan(60_000);
  });
});

describe('the local agent’s cache (it has none)', () => {
  it('reports zero entries and lookups, and clearing removes nothing', async () => {
    const { agent } = await local.sandbox();
    const stats = await agent.GET('/cache/stats');
    expect(stats).toMatchObject({ cache: { size: 0, max_size: 0, total_hits: 0 }, hits: 0, misses: 0, count: 0 });
    const cleared = await agent.POST('/cache/clear');
    expect(cleared).toMatchObject({ entries_removed: 0 });
    expect(cleared.message).toContain('no execution cache');
  });
});

describe('agent updates (impossible here)', () => {
  it('refuses to upload, apply or restart, lists no backups, and keeps serving', async () => {
    const { sandbox, agent } = await local.sandbox();
    const form = new FormData();
    form.append('binary', new Blob([new Uint8Array(256 * 1024)]), 'hopx-vm-agent');
    form.append('version', '9.9.9');
    const upload = await fetch(`${sandbox.public_host}/update/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sandbox.auth_token}` },
      body: form,
    });
    expect(upload.status).toBe(400);
    expect((await upload.json()).error).toContain('cannot replace or restart its agent');
    await expect(agent.POST('/update/apply', { body: { version: '9.9.9' } })).rejects.toBeInstanceOf(BadRequestError);
    await expect(agent.POST('/update/restart')).rejects.toBeInstanceOf(BadRequestError);
    expect(await agent.GET('/update/backups')).toEqual({ backups: [], count: 0 });
    expect(await agent.GET('/ping')).toMatchObject({ message: 'pong' });
  });
});
