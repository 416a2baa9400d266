// The sandbox's IPython interpreter on the local HopX: `POST /execute/ipython` and the
// `/stream/ipython` WebSocket. One interpreter per sandbox, started on first use inside it, whose
// state persists between cells; rich results are IPython's own.
import { describe, expect, it } from 'vitest';
import { openAgentSocket } from './execution-support.js';
import { useLocalHopx } from './local-harness.js';

const harness = useLocalHopx();

describe('POST /execute/ipython', () => {
  it('keeps state between cells and returns what IPython displayed', async () => {
    const { agent } = await harness.sandbox();
    const first = await agent.POST('/execute/ipython', { body: { code: 'x = 6*7' } });
    expect(first).toMatchObject({ success: true, stdout: '', stderr: '', exit_code: 0, language: 'python' });
    const second = await agent.POST('/execute/ipython', { body: { code: 'print(x)\nx + 1' } });
    expect(second).toMatchObject({ success: true, stdout: '42\n', result: '43' });
    const shown = await agent.POST('/execute/ipython', {
      body: {
        code: 'from IPython.display import display, HTML, Markdown\ndisplay(Markdown("*m*"))\nHTML("<p>h</p>")',
      },
    });
    expect(shown).toMatchObject({ markdown: '*m*', html: '<p>h</p>', result: '<IPython.core.display.HTML object>' });
    const shell = await agent.POST('/execute/ipython', { body: { code: '!echo from-shell\n%xmode Minimal' } });
    expect(shell.stdout).toContain('from-shell');
  });

  it('reports exceptions and SystemExit as the cell failing, and the interpreter lives on', async () => {
    const { agent } = await harness.sandbox();
    await agent.POST('/execute/ipython', { body: { code: 'kept = "yes"' } });
    const failed = await agent.POST('/execute/ipython', { body: { code: '1/0' } });
    expect(failed).toMatchObject({ success: false, exit_code: 1, stdout: '' });
    expect(failed.stderr).toContain('ZeroDivisionError: division by zero');
    const exited = await agent.POST('/execute/ipython', { body: { code: 'raise SystemExit(3)' } });
    expect(exited).toMatchObject({ success: false, exit_code: 3 });
    const still = await agent.POST('/execute/ipython', { body: { code: 'print(kept)' } });
    expect(still.stdout).toBe('yes\n');
  });

  it('runs in the sandbox: its workspace, its variables, and per-cell variables for that cell only', async () => {
    const { agent } = await harness.sandbox({ env_vars: { FROM_SANDBOX: 's' } });
    const cell = await agent.POST('/execute/ipython', {
      body: {
        code: 'import os\nopen("/workspace/from-ipython.txt", "w").write("hi")\nprint(os.getcwd(), os.environ["FROM_SANDBOX"], os.environ["ONLY_CELL"])',
        env: { ONLY_CELL: 'c' },
      },
    });
    expect(cell.stdout).toBe('/workspace s c\n');
    const next = await agent.POST('/execute/ipython', { body: { code: 'print(os.environ.get("ONLY_CELL"))' } });
    expect(next.stdout).toBe('None\n');
    const read = await agent.POST('/execute', { body: { code: 'cat /workspace/from-ipython.txt', language: 'bash' } });
    expect(read.stdout).toBe('hi');
  });

  it('interrupts a cell at its timeout and keeps the state; one that ignores it loses the interpreter', async () => {
    const { agent } = await harness.sandbox();
    await agent.POST('/execute/ipython', { body: { code: 'x = 5' } });
    const { sessions: before } = await agent.GET('/jupyter/sessions');
    const slow = await agent.POST('/execute/ipython', { body: { code: 'import time\ntime.sleep(30)', timeout: 1 } });
    expect(slow).toMatchObject({ success: false, exit_code: -1 });
    expect(slow.stderr).toContain('KeyboardInterrupt');
    expect(slow.stderr).toContain('Execution timed out after 1 seconds');
    expect((await agent.POST('/execute/ipython', { body: { code: 'print(x)' } })).stdout).toBe('5\n');

    const stubborn = await agent.POST('/execute/ipython', {
      body: {
        code: 'import time\nwhile True:\n    try:\n        time.sleep(10)\n    except KeyboardInterrupt:\n        pass',
        timeout: 1,
      },
    });
    expect(stubborn).toMatchObject({ success: false, exit_code: -1 });
    expect(stubborn.stderr).toContain('its state is lost');
    const fresh = await agent.POST('/execute/ipython', { body: { code: 'print(x)' } });
    expect(fresh.stderr).toContain("NameError: name 'x' is not defined");
    const { sessions: after } = await agent.GET('/jupyter/sessions');
    expect(after?.[0]?.kernel_id).not.toBe(before?.[0]?.kernel_id);
  });

  it('starts one interpreter even when the first cells arrive together', async () => {
    const { agent } = await harness.sandbox();
    const cells = await Promise.all(
      [1, 2, 3].map((n) => agent.POST('/execute/ipython', { body: { code: `import os\nprint(os.getpid(), ${n})` } })),
    );
    const pids = new Set(cells.map((cell) => cell.stdout?.split(' ')[0]));
    expect(pids.size).toBe(1);
    const system = await agent.GET('/processes');
    const interpreters = system.processes?.filter((p) => p.command?.includes('/tmp/hopx-exec/hopx-ipython.py'));
    expect(interpreters?.map((p) => String(p.pid))).toEqual([...pids]);
  });

  it('runs one cell at a time', async () => {
    const { agent } = await harness.sandbox();
    await agent.POST('/execute/ipython', { body: { code: 'import time' } });
    const started = Date.now();
    const cells = await Promise.all(
      ['a', 'b'].map((name) => agent.POST('/execute/ipython', { body: { code: `time.sleep(0.5)\nprint("${name}")` } })),
    );
    expect(cells.map((c) => c.stdout).sort()).toEqual(['a\n', 'b\n']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });
});

describe('/stream/ipython', () => {
  it('streams stdout, display and the result, then complete, then closes', async () => {
    const { sandbox } = await harness.sandbox();
    const socket = await openAgentSocket(sandbox.public_host ?? '', '/stream/ipython', sandbox.auth_token ?? '');
    socket.ws.send(
      JSON.stringify({
        type: 'execute',
        code: 'import sys, time\nprint("one", flush=True)\ntime.sleep(0.3)\nprint("err", file=sys.stderr)\nfrom IPython.display import HTML\nHTML("<b>x</b>")',
        timeout: 30,
      }),
    );
    expect(await socket.closed).toBe(1000);
    // Output chunks are not aligned to lines or writes: join the runs of one kind.
    const merged: Array<Record<string, any>> = [];
    for (const message of socket.messages) {
      const last = merged[merged.length - 1];
      if (last && (message.type === 'stdout' || message.type === 'stderr') && last.type === message.type)
        last.data += message.data;
      else merged.push({ ...message });
    }
    expect(merged.map((m) => m.type)).toEqual(['stdout', 'stderr', 'display', 'result', 'complete']);
    expect(merged[0]).toMatchObject({ type: 'stdout', data: 'one\n' });
    expect(merged[1]).toMatchObject({ type: 'stderr', data: 'err\n' });
    expect(merged[2]).toMatchObject({
      type: 'display',
      output: { type: 'text/html', format: 'html', data: '<b>x</b>' },
    });
    expect(merged[3]).toMatchObject({ type: 'result', exit_code: 0 });
    expect(merged[4]).toEqual({ type: 'complete', success: true });
  });

  it('ends a timed-out cell with an EXECUTION_TIMEOUT error', async () => {
    const { sandbox } = await harness.sandbox();
    const socket = await openAgentSocket(sandbox.public_host ?? '', '/stream/ipython', sandbox.auth_token ?? '');
    socket.ws.send(JSON.stringify({ type: 'execute', code: 'import time\ntime.sleep(30)', timeout: 1 }));
    expect(await socket.next('error')).toMatchObject({
      code: 'EXECUTION_TIMEOUT',
      error: 'Execution timed out after 1 seconds',
    });
    expect(await socket.next('complete')).toEqual({ type: 'complete', success: false });
  });

  it('interrupts the cell when the client goes away', async () => {
    const { sandbox, agent } = await harness.sandbox();
    await agent.POST('/execute/ipython', { body: { code: 'state = "kept"' } });
    const socket = await openAgentSocket(sandbox.public_host ?? '', '/stream/ipython', sandbox.auth_token ?? '');
    socket.ws.send(JSON.stringify({ type: 'execute', code: 'import time\nprint("go", flush=True)\ntime.sleep(60)' }));
    await socket.next('stdout');
    socket.ws.close();
    const started = Date.now();
    const next = await agent.POST('/execute/ipython', { body: { code: 'print(state)' } });
    expect(next.stdout).toBe('kept\n');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
