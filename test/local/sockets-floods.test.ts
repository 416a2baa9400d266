// Floods over the WebSocket routes: a 20 MB run arrives whole when the per-stream limit allows it,
// a client that stops reading makes the program wait (the local HopX does not pile its output up
// in memory), a terminal flood ends with its exit code, output taking turns between stdout and
// stderr is not slowed to the pace between messages, many streams at once each get their own
// output, and the server goes on serving after all of it.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openTerminal, runCode } from '../../src/index.js';
import { useLocalHopx } from './local-harness.js';
import { collect, upgrade } from './sockets-support.js';

const MiB = 1024 * 1024;
const local = useLocalHopx({ limits: { outputBytes: 32 * MiB } });

describe('floods over the WebSocket routes', () => {
  it('delivers a 20 MB run whole when the limit allows it', async () => {
    const { agent } = await local.sandbox();
    const output = await runCode(agent, { code: "import sys\nsys.stdout.write('x' * (20 * 1024 * 1024))\n" });
    expect(output.stdout.length).toBe(20 * MiB);
    expect(/^x+$/.test(output.stdout)).toBe(true);
    expect(output).toMatchObject({ exitCode: 0, success: true });
  });

  it('makes the program wait while the client does not read, then delivers everything', async () => {
    const { sandbox, agent } = await local.sandbox();
    const done = `done-${randomUUID()}`;
    const opened = await upgrade(`${sandbox.public_host}/execute/stream`, {
      Authorization: `Bearer ${sandbox.auth_token}`,
    });
    if (opened.status !== 101 || !('ws' in opened)) throw new Error(`upgrade refused: ${opened.status}`);
    const { ws } = opened;
    let received = 0;
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.type === 'stdout') received += message.data.length;
      if (message.type === 'complete') ws.close();
    });
    const ended = collect(ws);
    // 20 MB, then a file that says the program got past its last write.
    ws.send(
      JSON.stringify({
        type: 'execute',
        code: `import sys\nsys.stdout.write('y' * (20 * 1024 * 1024))\nsys.stdout.flush()\nopen('${done}', 'w').close()\n`,
      }),
    );
    ws.pause();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const whileStalled = await agent.GET('/files/exists', { params: { query: { path: `/workspace/${done}` } } });
    expect(whileStalled.exists).toBe(false);
    ws.resume();
    const { messages } = await ended;
    expect(received).toBe(20 * MiB);
    expect(messages.at(-1)).toEqual({ type: 'complete', success: true });
    const after = await agent.GET('/files/exists', { params: { query: { path: `/workspace/${done}` } } });
    expect(after.exists).toBe(true);
  });

  it('carries a 5 MB terminal flood and then the exit code', async () => {
    const { agent } = await local.sandbox();
    const terminal = await openTerminal(agent);
    terminal.write("head -c 5000000 /dev/zero | tr '\\0' Z; exit 5\n");
    let zs = 0;
    for await (const chunk of terminal.output) for (const c of chunk) if (c === 'Z') zs++;
    // The echoed command line holds one Z of its own.
    expect(zs).toBeGreaterThanOrEqual(5_000_000);
    expect(zs).toBeLessThanOrEqual(5_000_002);
    expect(await terminal.exitCode).toBe(5);
  });

  it('delivers 2,000 lines that take turns on stdout and stderr, whole, in order, without crawling', async () => {
    const { agent } = await local.sandbox();
    const began = Date.now();
    // A pause per pair keeps the two pipes taking turns when read (without it, each read holds many lines).
    const output = await runCode(agent, {
      code: [
        'import sys, time',
        'for i in range(1, 1001):',
        "    print(f'out {i}', flush=True)",
        "    print(f'err {i}', file=sys.stderr, flush=True)",
        '    time.sleep(0.0005)',
      ].join('\n'),
    });
    const lines = (prefix: string) => Array.from({ length: 1000 }, (_, i) => `${prefix} ${i + 1}\n`).join('');
    expect(output.stdout).toBe(lines('out'));
    expect(output.stderr).toBe(lines('err'));
    expect(Date.now() - began).toBeLessThan(5_000);
  });

  it('runs 24 streams at once in one sandbox, each with its own output', async () => {
    const { agent } = await local.sandbox();
    const outputs = await Promise.all(
      Array.from({ length: 24 }, (_, i) => runCode(agent, { code: `echo stream-${i}`, language: 'bash' })),
    );
    expect(outputs.map((o) => o.stdout)).toEqual(Array.from({ length: 24 }, (_, i) => `stream-${i}\n`));
  });

  it('goes on serving after the floods', async () => {
    const { sandbox, agent } = await local.sandbox();
    expect((await fetch(`${sandbox.public_host}/health`)).status).toBe(200);
    expect(await runCode(agent, { code: 'print(6*7)' })).toMatchObject({ stdout: '42\n', exitCode: 0 });
  });
});
