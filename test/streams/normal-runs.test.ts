// Each stream, run the way it is meant to be: every SSE route and every WebSocket route against the
// local stream server, which checks each event and frame against the spec's schemas.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createAgentClient,
  createControlPlaneClient,
  followBuildLogs,
  openAgentSocket,
  openTerminal,
  runCode,
  streamSandboxEvents,
  streamSandboxMetrics,
  streamTemplateEvents,
  watchFiles,
} from '../../src/index.js';
import { type StreamServer, startStreamServer } from '../support/stream-server.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
const sandboxId = '1761048129dsaqav4n';
const at = '2025-10-21T12:02:11Z';
let server: StreamServer;
afterEach(() => server?.close());

const controlPlane = () => createControlPlaneClient({ apiKey, baseUrl: server.url });
const agent = () =>
  createAgentClient({
    sandbox: { id: sandboxId, public_host: server.url, auth_token: 'jwt-header.payload.signature' },
  });

describe('event streams', () => {
  it('sandbox events arrive typed, in order, with their ids', async () => {
    server = await startStreamServer({
      sse(ctx) {
        ctx.send({
          id: '1',
          event: 'sandbox.created',
          data: {
            id: '1',
            type: 'sandbox.created',
            sandbox_id: sandboxId,
            status: 'creating',
            previous_status: null,
            timestamp: at,
          },
        });
        ctx.send({
          id: '2',
          event: 'sandbox.status_changed',
          data: {
            id: '2',
            type: 'sandbox.status_changed',
            sandbox_id: sandboxId,
            status: 'running',
            previous_status: 'creating',
            timestamp: at,
          },
        });
      },
    });
    const stream = streamSandboxEvents(controlPlane(), { status: 'running' });
    const seen: string[] = [];
    for await (const event of stream) {
      seen.push(`${event.id} ${event.event} ${event.data.status}`);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(['1 sandbox.created creating', '2 sandbox.status_changed running']);
    expect(stream.lastEventId).toBe('2');
    expect(server.requests[0]!.headers.accept).toBe('text/event-stream');
    expect(server.requests[0]!.headers['x-api-key']).toBe(apiKey);
  });

  it('sandbox metrics and template events use their own routes and schemas', async () => {
    server = await startStreamServer({
      sse(ctx) {
        if (ctx.path === '/v1/sandboxes/{id}/metrics/stream') {
          ctx.send({
            id: 'm1',
            event: 'sandbox.metrics',
            data: {
              id: 'm1',
              type: 'sandbox.metrics',
              sandbox_id: sandboxId,
              timestamp: at,
              cpu: { usage_percent: 12.5, cores: 2 },
            },
          });
        } else {
          ctx.send({
            id: 't1',
            event: 'template.created',
            data: { id: 't1', type: 'template.created', template_id: '318', timestamp: at },
          });
        }
      },
    });
    const [metric] = await first(streamSandboxMetrics(controlPlane(), sandboxId, { interval: 5 }), 1);
    expect(metric!.data.cpu?.usage_percent).toBe(12.5);
    expect(server.requests[0]!.path).toBe('/v1/sandboxes/{id}/metrics/stream');
    const [template] = await first(streamTemplateEvents(controlPlane()), 1);
    expect(template!.data.template_id).toBe('318');
  });

  it('build logs end by themselves when the build completes', async () => {
    server = await startStreamServer({
      sse(ctx) {
        ctx.send({
          id: 'b1',
          event: 'log',
          data: {
            offset: 1,
            message: 'Step 1/2: RUN pip install numpy',
            level: 'INFO',
            status: 'building',
            complete: false,
          },
        });
        ctx.send({
          id: 'b2',
          event: 'log',
          data: { offset: 2, message: 'Build completed', level: 'INFO', status: 'active', complete: true },
        });
      },
    });
    const lines: string[] = [];
    for await (const event of followBuildLogs(controlPlane(), '1187')) lines.push(event.message ?? '');
    expect(lines).toEqual(['Step 1/2: RUN pip install numpy', 'Build completed']);
  });
});

describe('WebSocket routes', () => {
  it('/execute/stream: runCode collects stdout, stderr and the result', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        const request = await ctx.nextMessage();
        expect(request).toMatchObject({ type: 'execute', code: 'print(1)', language: 'python' });
        ctx.send({ type: 'stdout', data: '1\n', timestamp: at });
        ctx.send({ type: 'stderr', data: 'warning\n', timestamp: at });
        ctx.send({ type: 'result', exit_code: 0, execution_time: 0.05, timestamp: at });
        ctx.send({ type: 'complete', success: true });
      },
    });
    const chunks: string[] = [];
    const output = await runCode(
      agent(),
      { code: 'print(1)', language: 'python' },
      { onStdout: (d) => chunks.push(d) },
    );
    expect(output).toEqual({ stdout: '1\n', stderr: 'warning\n', exitCode: 0, executionTime: 0.05, success: true });
    expect(chunks).toEqual(['1\n']);
    expect(server.requests[0]!.headers.authorization).toBe('Bearer jwt-header.payload.signature');
  });

  it('/terminal: write, resize, output and the exit code', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        expect(await ctx.nextMessage()).toEqual({ type: 'resize', cols: 120, rows: 40 });
        const input = await ctx.nextMessage();
        ctx.send({ type: 'output', data: `$ ${input.data}` });
        ctx.send({ type: 'output', data: 'hello\r\n' });
        ctx.send({ type: 'exit', code: 0 });
      },
    });
    const terminal = await openTerminal(agent(), { cols: 120, rows: 40 });
    terminal.write('echo hello\n');
    let printed = '';
    for await (const chunk of terminal.output) printed += chunk;
    expect(printed).toBe('$ echo hello\nhello\r\n');
    await expect(terminal.exitCode).resolves.toBe(0);
  });

  it('/terminal: an exit frame that carries only exitCode (the other spelling) settles the exit code', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        await ctx.nextMessage();
        ctx.send({ type: 'output', data: 'bye\r\n' });
        ctx.send({ type: 'exit', exitCode: 3 });
      },
    });
    const terminal = await openTerminal(agent());
    terminal.write('exit 3\n');
    await expect(terminal.exitCode).resolves.toBe(3);
  });

  it('/files/watch: changes arrive until the caller stops', async () => {
    server = await startStreamServer({
      async socket(ctx) {
        expect(await ctx.nextMessage()).toEqual({ action: 'watch', path: '/workspace' });
        ctx.send({ type: 'change', path: '/workspace/a.txt', event: 'created', timestamp: at });
        ctx.send({ type: 'change', path: '/workspace/a.txt', event: 'modified', timestamp: at });
      },
    });
    const events: string[] = [];
    for await (const change of await watchFiles(agent())) {
      events.push(`${change.event} ${change.path}`);
      if (events.length === 2) break;
    }
    expect(events).toEqual(['created /workspace/a.txt', 'modified /workspace/a.txt']);
  });

  it.each(['/commands/stream', '/stream', '/stream/ipython'] as const)(
    '%s: typed session from open to complete',
    async (path) => {
      server = await startStreamServer({
        async socket(ctx) {
          await ctx.nextMessage();
          ctx.send({ type: 'stdout', data: 'ok\n', timestamp: at });
          ctx.send({ type: 'complete', success: true });
        },
      });
      const socket = await openAgentSocket(agent(), path);
      if (path === '/commands/stream') socket.send({ type: 'command', command: 'bash', args: ['-c', 'echo ok'] });
      else socket.send({ type: 'execute', code: 'print("ok")' });
      const types: string[] = [];
      for await (const message of socket) types.push(message.type);
      expect(types).toEqual(['stdout', 'complete']);
    },
  );
});

async function first<T>(stream: AsyncIterable<T> & { close(): void }, n: number): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) {
    out.push(item);
    if (out.length === n) break;
  }
  stream.close();
  return out;
}
