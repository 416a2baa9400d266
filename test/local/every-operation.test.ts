// Every operation of the spec against the local HopX, through the typed clients, in the order a
// real app would call them, with real results checked and zero spec violations in what it answered
// (the harness). The Prism suite (test/contract/) checks the spec's examples; this one checks
// behaviour. Fails if any HTTP operation or WebSocket route is left out.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Middleware } from 'openapi-fetch';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  createAgentClient,
  createControlPlaneClient,
  DesktopNotAvailableError,
  downloadBytes,
  openAgentSocket,
  openTerminal,
  runCode,
  streamSandboxEvents,
  streamSandboxMetrics,
  streamTemplateEvents,
  uploadFile,
  watchFiles,
} from '../../src/index.js';
import { loadSpec, specOperations } from '../../src/local/spec.js';
import { buildTemplate } from '../../src/template-build/index.js';
import { contextDir, removeDir } from './builds-support.js';
import { useLocalHopx } from './local-harness.js';

const harness = useLocalHopx();
const operations = specOperations(loadSpec());
const exercised = new Set<string>();
const record: Middleware = {
  onResponse({ request, schemaPath }) {
    exercised.add(`${request.method} ${schemaPath}`);
  },
};
const sockets = new Set<string>();

/** Clients of both APIs (both styles), each recording what it called. */
async function clients() {
  const { local } = harness;
  const hopx = createControlPlaneClient({
    apiKey: local.apiKey,
    baseUrl: local.url,
    throwOnError: true,
    maxRetries: 0,
  });
  hopx.use(record);
  const sandbox = await hopx.POST('/v1/sandboxes', {
    body: { template_name: 'code-interpreter', env_vars: { GREETING: 'hi' } },
  });
  const agent = createAgentClient({ sandbox, controlPlane: hopx, throwOnError: true, maxRetries: 0 });
  const agentResult = createAgentClient({ sandbox, controlPlane: hopx, maxRetries: 0 });
  agent.use(record);
  agentResult.use(record);
  return { hopx, sandbox: sandbox as typeof sandbox & { id: string }, agent, agentResult };
}

/** Shared by the tests below, in order: the clients, and the template stream's first event. */
let context: Awaited<ReturnType<typeof clients>> & { templateEvent?: Promise<string | undefined> };

describe('every operation against the local HopX', () => {
  it('the Control Plane: sandboxes, their lifecycle and tokens', async () => {
    context = await clients();
    const { hopx, sandbox } = context;
    const id = sandbox.id;
    expect((await hopx.GET('/health')).status).toBe('ok');
    const page = await hopx.GET('/v1/sandboxes', { params: { query: { limit: 10, status: 'running' } } });
    expect(page.data?.map((s) => s.id)).toContain(id);
    expect((await hopx.GET('/v1/sandboxes/{id}', { params: { path: { id } } })).template_name).toBe('code-interpreter');
    expect(await hopx.POST('/v1/sandboxes/{id}/pause', { params: { path: { id } } })).toMatchObject({
      status: 'paused',
    });
    expect(await hopx.POST('/v1/sandboxes/{id}/resume', { params: { path: { id } } })).toMatchObject({
      status: 'running',
    });
    expect(
      (await hopx.PUT('/v1/sandboxes/{id}/timeout', { params: { path: { id } }, body: { timeout_seconds: 600 } }))
        .timeout_seconds,
    ).toBe(600);
    const token = await hopx.POST('/v1/sandboxes/{id}/token/refresh', { params: { path: { id } } });
    expect(token.auth_token).toMatch(/^eyJ/);
    const other = await hopx.POST('/v1/sandboxes', { body: { template_name: 'base' } });
    expect(await hopx.POST('/v1/sandboxes/{id}/stop', { params: { path: { id: other.id! } } })).toMatchObject({
      status: 'stopped',
    });
    await expect(hopx.POST('/v1/sandboxes/{id}/start', { params: { path: { id: other.id! } } })).rejects.toBeInstanceOf(
      ConflictError,
    );
    await hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: other.id! } } });
  });

  it('the Control Plane streams: lifecycle events, metrics samples, template events', async () => {
    const { hopx, sandbox } = context;
    const events = streamSandboxEvents(hopx, { idleTimeout: 10_000 });
    const lifecycle = (async () => {
      for await (const event of events) if (event.data.type === 'sandbox.created') return event.data.sandbox_id;
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const extra = await hopx.POST('/v1/sandboxes', { body: { template_name: 'base' } });
    expect(await lifecycle).toBe(extra.id);
    events.close();
    await hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: extra.id! } } });
    for await (const sample of streamSandboxMetrics(hopx, sandbox.id, { interval: 1, idleTimeout: 10_000 })) {
      expect(sample.data).toMatchObject({ type: 'sandbox.metrics', sandbox_id: sandbox.id });
      break;
    }
    // Template events come from the build below; here the stream is opened and closed.
    const templates = streamTemplateEvents(hopx, { idleTimeout: 10_000 });
    const firstTemplateEvent = (async () => {
      for await (const event of templates) return event.data.type;
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    context.templateEvent = firstTemplateEvent;
  });

  it('templates and a build: upload link, build, status, logs, get, delete', async () => {
    const { hopx } = context;
    const names = (await hopx.GET('/v1/templates')).data?.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['code-interpreter', 'base']));
    expect((await hopx.GET('/v1/templates/{name}', { params: { path: { name: 'base' } } })).name).toBe('base');
    const dir = await contextDir({ 'hello.txt': 'copied\n' });
    try {
      const built = await buildTemplate(
        hopx,
        {
          name: 'every-operation',
          fromImage: 'python:3.12',
          steps: [{ copy: 'hello.txt', to: '/app/hello.txt' }, { run: 'echo built' }],
        },
        { contextDir: dir, pollInterval: 100, onLog: () => {} },
      );
      expect(built.template.status).toBe('active');
      const logs = await hopx.GET('/v1/templates/build/{buildID}/logs', {
        params: { path: { buildID: built.buildId }, query: { offset: 0 } },
      });
      expect(logs.logs).toContain('built');
      expect(
        (await hopx.GET('/v1/templates/build/{buildID}/status', { params: { path: { buildID: built.buildId } } }))
          .status,
      ).toBe('active');
      expect(await context.templateEvent).toEqual(expect.stringMatching(/^template\./));
      await hopx.DELETE('/v1/templates/{name}', { params: { path: { name: 'every-operation' } } });
    } finally {
      await removeDir(dir);
    }
  });

  it('the agent: identity, metrics and cache', async () => {
    const { agent, agentResult, sandbox } = context;
    expect((await agent.GET('/health')).status).toBe('healthy');
    expect(await agent.GET('/')).toBeDefined();
    expect(JSON.stringify(await agent.GET('/info'))).toContain(context.sandbox.id);
    expect(await agent.GET('/ping')).toBeDefined();
    expect((await agent.GET('/system')).cpu).toBeDefined();
    expect((await agent.GET('/metrics')).uptime_seconds).toBeGreaterThanOrEqual(0);
    expect((await agent.GET('/metrics/snapshot')).total_requests).toBeGreaterThan(0);
    expect(await agent.GET('/metrics/prometheus', { parseAs: 'text' })).toContain(`sandbox_id="${sandbox.id}"`);
    expect(await agent.GET('/cache/stats')).toBeDefined();
    expect(await agent.POST('/cache/clear')).toBeDefined();
    // Agent update: the local agent cannot be replaced (the documented 400), but it lists its (no) backups.
    expect((await agent.GET('/update/backups')).backups).toEqual([]);
    for (const call of [
      () => agentResult.POST('/update/upload', { body: { binary: new Blob(['binary']) } }),
      () => agentResult.POST('/update/apply', { body: { version: '3.2.9' } }),
      () => agentResult.POST('/update/restart'),
    ]) {
      expect((await call()).response.status).toBe(400);
    }
  });

  it('the agent: code, commands, processes, IPython', async () => {
    const { agent } = context;
    expect((await agent.POST('/execute', { body: { code: 'print(6 * 7)', language: 'python' } })).stdout).toBe('42\n');
    expect((await agent.POST('/execute/rich', { body: { code: 'print("rich")', language: 'python' } })).stdout).toBe(
      'rich\n',
    );
    expect(
      (await agent.POST('/commands/run', { body: { command: 'bash', args: ['-c', 'echo $GREETING'] } })).stdout,
    ).toBe('hi\n');
    const background = await agent.POST('/execute/background', {
      body: { code: 'import time; time.sleep(60)', language: 'python' },
    });
    const command = await agent.POST('/commands/background', { body: { command: 'sleep', args: ['60'] } });
    const listed = await agent.GET('/execute/processes');
    expect(JSON.stringify(listed)).toContain(background.process_id);
    expect((await agent.GET('/processes')).processes?.length).toBeGreaterThan(0);
    await agent.POST('/execute/kill/{process_id}', { params: { path: { process_id: background.process_id } } });
    if (!command.process_id) throw new Error('a background command without a process_id');
    await agent.DELETE('/execute/kill', { params: { query: { process_id: command.process_id } } });
    // /execute/async reports to a callback: a server of ours receives it.
    const received = new Promise<any>((resolve) => {
      const server = createServer((req, res) => {
        let body = '';
        req.on('data', (d) => {
          body += d;
        });
        req.on('end', () => {
          res.end();
          server.close();
          resolve(JSON.parse(body));
        });
      });
      server.listen(0, '127.0.0.1', () => {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/done`;
        void agent.POST('/execute/async', { body: { code: 'print("later")', language: 'python', callback_url: url } });
      });
    });
    expect(await received).toMatchObject({ status: 'completed', stdout: 'later\n' });
    expect((await agent.POST('/execute/ipython', { body: { code: 'x = 6 * 7' } })).success).not.toBe(false);
    expect((await agent.POST('/execute/ipython', { body: { code: 'print(x)' } })).stdout).toBe('42\n');
    expect(JSON.stringify(await agent.GET('/jupyter/sessions'))).toContain('kernel_id');
  });

  it('the agent: files and environment variables', async () => {
    const { agent } = context;
    await agent.POST('/files/mkdir', { body: { path: '/workspace/data/raw' } });
    await agent.POST('/files/write', { body: { path: '/workspace/data/raw/a.txt', content: 'alpha' } });
    expect((await agent.GET('/files/read', { params: { query: { path: '/workspace/data/raw/a.txt' } } })).content).toBe(
      'alpha',
    );
    expect(
      (await agent.GET('/files/exists', { params: { query: { path: '/workspace/data/raw/a.txt' } } })).exists,
    ).toBe(true);
    expect(
      (await agent.GET('/files/list', { params: { query: { path: '/workspace/data/raw' } } })).files?.map(
        (f) => f?.name,
      ),
    ).toEqual(['a.txt']);
    const bytes = crypto.getRandomValues(new Uint8Array(60_000));
    await uploadFile(agent, '/workspace/data/b.bin', bytes);
    expect(await downloadBytes(agent, '/workspace/data/b.bin')).toEqual(bytes);
    await agent.DELETE('/files/remove', { params: { query: { path: '/workspace/data' } } });
    expect((await agent.GET('/files/exists', { params: { query: { path: '/workspace/data' } } })).exists).toBe(false);
    await agent.PUT('/env', { body: { env_vars: { ONE: '1' } } });
    await agent.PATCH('/env', { body: { env_vars: { TWO: '2' } } });
    expect((await agent.GET('/env')).env_vars).toEqual({ ONE: '1', TWO: '2' });
    await agent.DELETE('/env');
    expect((await agent.GET('/env')).env_vars ?? {}).toEqual({});
  });

  it('the agent: every desktop operation answers that there is no desktop', async () => {
    const { agentResult } = context;
    for (const operation of operations.filter((o) => o.op.tags?.[0] === 'Desktop')) {
      const media = operation.op.requestBody?.content?.['application/json'];
      const body = media ? (media.example ?? Object.values<any>(media.examples ?? {})[0]?.value) : undefined;
      const query = Object.fromEntries(
        operation.parameters
          .filter((p) => p.in === 'query' && p.required)
          .map((p) => [p.name, p.example ?? p.schema?.example]),
      );
      const path = Object.fromEntries(
        operation.parameters.filter((p) => p.in === 'path').map((p) => [p.name, p.example ?? p.schema?.example ?? 'x']),
      );
      const call = (agentResult as any)[operation.method](operation.path, {
        params: { query, path },
        ...(body === undefined ? {} : { body }),
        parseAs: 'json',
      });
      const { error, response } = await call;
      expect(response.status, operation.key).toBe(503);
      expect(error.code, operation.key).toBe('DESKTOP_NOT_AVAILABLE');
    }
    const createdAgent = createAgentClient({
      sandbox: context.sandbox,
      controlPlane: context.hopx,
      throwOnError: true,
      maxRetries: 0,
    });
    await expect(createdAgent.GET('/desktop/vnc/status')).rejects.toBeInstanceOf(DesktopNotAvailableError);
  });

  it('the WebSocket routes: execute, commands, rich and IPython streams, terminal, file watch', async () => {
    const { agent } = context;
    expect((await runCode(agent, { code: 'print(6 * 7)', language: 'python' })).stdout).toBe('42\n');
    sockets.add('/execute/stream');
    const commands = await openAgentSocket(agent, '/commands/stream');
    commands.send({ type: 'command', command: 'echo', args: ['streamed'] });
    const printed: string[] = [];
    for await (const message of commands) if (message.type === 'stdout') printed.push(message.data ?? '');
    expect(printed.join('')).toBe('streamed\n');
    sockets.add('/commands/stream');
    const rich = await openAgentSocket(agent, '/stream');
    rich.send({ type: 'execute', code: 'print("rich stream")', language: 'python' });
    const richOut: string[] = [];
    for await (const message of rich)
      if (message.type === 'stdout') richOut.push((message as { data?: string }).data ?? '');
    expect(richOut.join('')).toBe('rich stream\n');
    sockets.add('/stream');
    const ipython = await openAgentSocket(agent, '/stream/ipython');
    ipython.send({ type: 'execute', code: 'print(x + 1)' });
    const ipythonOut: string[] = [];
    for await (const message of ipython)
      if (message.type === 'stdout') ipythonOut.push((message as { data?: string }).data ?? '');
    expect(ipythonOut.join('')).toBe('43\n');
    sockets.add('/stream/ipython');
    const terminal = await openTerminal(agent, { cols: 80, rows: 24 });
    terminal.write('echo hi-$((6*7))\nexit 3\n');
    let shown = '';
    for await (const chunk of terminal.output) shown += chunk;
    expect(shown).toContain('hi-42');
    expect(await terminal.exitCode).toBe(3);
    sockets.add('/terminal');
    const watch = await watchFiles(agent, '/workspace', { idleTimeout: 10_000 });
    const change = (async () => {
      for await (const message of watch) if (message.path === '/workspace/watched.txt') return message.event;
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await agent.POST('/files/write', { body: { path: '/workspace/watched.txt', content: 'x' } });
    expect(await change).toBe('created');
    watch.close();
    sockets.add('/files/watch');
  });

  afterAll(async () => {
    await context?.hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: context.sandbox.id } } }).catch(() => {});
  });

  it('left out no operation of the spec', () => {
    const http = operations.filter((o) => !o.websocket).map((o) => o.key);
    expect(http.filter((key) => !exercised.has(key))).toEqual([]);
    expect([...sockets].sort()).toEqual(
      operations
        .filter((o) => o.websocket)
        .map((o) => o.path)
        .sort(),
    );
  });
});
