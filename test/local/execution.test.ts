// `/execute` and `/execute/rich` on the local HopX (namespace isolation where the machine allows it):
// real python3, node and bash runs in the sandbox, with its environment, working directory and
// timeout, and rich outputs only when the code really displayed something.
import { describe, expect, it } from 'vitest';
import { useLocalHopx } from './local-harness.js';

const harness = useLocalHopx();

describe('POST /execute', () => {
  it('runs python, javascript and bash, and reports their real output, exit code and timing', async () => {
    const { agent } = await harness.sandbox();
    const before = Date.now();
    const python = await agent.POST('/execute', {
      body: {
        code: 'import sys\nprint("py", sys.version_info.major)\nprint("warn", file=sys.stderr)',
        language: 'python',
      },
    });
    expect(python).toMatchObject({
      success: true,
      stdout: 'py 3\n',
      stderr: 'warn\n',
      exit_code: 0,
      language: 'python',
    });
    expect(python.execution_time).toBeGreaterThan(0);
    expect(Date.parse(python.timestamp ?? '')).toBeGreaterThanOrEqual(before - 1000);

    const node = await agent.POST('/execute', {
      body: { code: 'console.log(2 + 2, typeof require)', language: 'node' },
    });
    expect(node).toMatchObject({ success: true, stdout: '4 function\n', exit_code: 0, language: 'javascript' });

    const bash = await agent.POST('/execute', { body: { code: 'echo "$((6*7))"; exit 3', language: 'sh' } });
    expect(bash).toMatchObject({ success: false, stdout: '42\n', exit_code: 3, language: 'bash' });
  });

  it('reports a failing run as a 200 with its traceback, like python3 -c would', async () => {
    const { agent } = await harness.sandbox();
    const failed = await agent.POST('/execute', { body: { code: 'x = 1\n1/0', language: 'python' } });
    expect(failed.success).toBe(false);
    expect(failed.exit_code).toBe(1);
    expect(failed.stderr).toBe(
      'Traceback (most recent call last):\n  File "<string>", line 2, in <module>\nZeroDivisionError: division by zero\n',
    );
    const exited = await agent.POST('/execute', { body: { code: 'import sys\nsys.exit(7)', language: 'python3' } });
    expect(exited).toMatchObject({ success: false, exit_code: 7, stderr: '' });
    const syntax = await agent.POST('/execute', { body: { code: 'def f(:', language: 'python' } });
    expect(syntax.exit_code).toBe(1);
    expect(syntax.stderr).toContain('SyntaxError: invalid syntax');
  });

  it('gives the run the sandbox variables, overridden by its own, and nothing of the local HopX', async () => {
    const { agent } = await harness.sandbox({ env_vars: { SHARED: 'sandbox', ONLY_SANDBOX: 'yes' } });
    const run = await agent.POST('/execute', {
      body: {
        code: 'import os, json\nprint(json.dumps({k: os.environ.get(k) for k in ["SHARED", "ONLY_SANDBOX", "ONLY_RUN", "HOME"]}))',
        language: 'python',
        env: { SHARED: 'run', ONLY_RUN: 'here' },
      },
    });
    expect(JSON.parse(run.stdout ?? '')).toEqual({
      SHARED: 'run',
      ONLY_SANDBOX: 'yes',
      ONLY_RUN: 'here',
      HOME: '/workspace',
    });
  });

  it('runs in /workspace by default, in workdir when given, and a missing workdir is the run failing', async () => {
    const { agent } = await harness.sandbox();
    const made = await agent.POST('/execute', { body: { code: 'mkdir -p sub && pwd', language: 'bash' } });
    expect(made.stdout).toBe('/workspace\n');
    const inSub = await agent.POST('/execute', {
      body: { code: 'import os; print(os.getcwd())', language: 'python', workdir: '/workspace/sub' },
    });
    expect(inSub.stdout).toBe('/workspace/sub\n');
    const missing = await agent.POST('/execute', {
      body: { code: 'echo never', language: 'bash', workdir: '/nowhere' },
    });
    expect(missing.success).toBe(false);
    expect(missing.exit_code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain("can't cd to /nowhere");
  });

  it('stops a run at its timeout, with its process group, and says so', async () => {
    const { agent } = await harness.sandbox();
    const started = Date.now();
    const slow = await agent.POST('/execute', {
      body: { code: 'import time\nprint("started", flush=True)\ntime.sleep(30)', language: 'python', timeout: 1 },
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(slow).toMatchObject({ success: false, exit_code: -1, stdout: 'started\n' });
    expect(slow.stderr).toContain('Execution timed out after 1 seconds');
    expect(slow.execution_time).toBeGreaterThanOrEqual(0.9);
  });

  it('runs code larger than the command-line limit (through a file in the sandbox /tmp)', async () => {
    const { agent } = await harness.sandbox();
    const filler = `# ${'x'.repeat(200_000)}\n`;
    const python = await agent.POST('/execute', {
      body: { code: `${filler}import sys\nprint(sys.argv, "big")\n1/0`, language: 'python' },
    });
    // Same semantics as a small snippet: argv, and the line numbers of a traceback.
    expect(python).toMatchObject({ success: false, stdout: "['-c'] big\n" });
    expect(python.stderr).toContain('File "<string>", line 4, in <module>');
    const bash = await agent.POST('/execute', { body: { code: `${filler}echo big-bash`, language: 'bash' } });
    expect(bash).toMatchObject({ success: true, stdout: 'big-bash\n' });
    const node = await agent.POST('/execute', {
      body: { code: `//${'y'.repeat(200_000)}\nconsole.log("big-node")`, language: 'javascript' },
    });
    expect(node).toMatchObject({ success: true, stdout: 'big-node\n' });
    // The code files are removed once the runs are over.
    const left = await agent.POST('/execute', {
      body: { code: 'ls /tmp/hopx-exec | grep -v "^hopx-" | wc -l', language: 'bash' },
    });
    expect(left.stdout?.trim()).toBe('0');
  });

  it('answers the documented 400 for go (no Go toolchain here) and for unknown languages', async () => {
    const { agentResult } = await harness.sandbox();
    const go = await agentResult.POST('/execute', { body: { code: 'package main', language: 'go' } });
    expect(go.response.status).toBe(400);
    expect(go.error?.error).toContain('Go toolchain');
    const unknown = await agentResult.POST('/execute', {
      body: { code: 'x', language: 'cobol' as 'python' },
    });
    expect(unknown.response.status).toBe(400);
  });
});

describe('rich outputs', () => {
  it('returns the last expression and what display() showed, and nothing for plain output', async () => {
    const { agent } = await harness.sandbox();
    const plain = await agent.POST('/execute', { body: { code: 'print("only text")', language: 'python' } });
    expect(Object.keys(plain).sort()).toEqual(
      ['execution_time', 'exit_code', 'language', 'stderr', 'stdout', 'success', 'timestamp'].sort(),
    );
    const last = await agent.POST('/execute', { body: { code: 'x = 6\nx * 7', language: 'python' } });
    expect(last).toMatchObject({ stdout: '', result: '42' });
    const shown = await agent.POST('/execute', {
      body: {
        code: [
          'from IPython.display import display, HTML, Markdown, JSON',
          'display(HTML("<b>bold</b>"))',
          'display(Markdown("**total:** 42"))',
          'display(JSON({"total": 42}))',
          'print("printed")',
        ].join('\n'),
        language: 'python',
      },
    });
    expect(shown).toMatchObject({
      success: true,
      stdout: 'printed\n',
      html: '<b>bold</b>',
      markdown: '**total:** 42',
      json: { total: 42 },
    });
    expect(shown.result).toBeUndefined();
    expect(shown.png).toBeUndefined();
  });

  it('has no png: matplotlib is not installed here, and nothing is made up', async () => {
    const { agent } = await harness.sandbox();
    const plot = await agent.POST('/execute', {
      body: { code: 'import matplotlib.pyplot as plt\nplt.plot([1, 2])', language: 'python' },
    });
    expect(plot.success).toBe(false);
    expect(plot.stderr).toContain("No module named 'matplotlib'");
    expect(plot.png).toBeUndefined();
  });

  it('lists every output in order on /execute/rich, and an empty list for bash', async () => {
    const { agent } = await harness.sandbox();
    const rich = await agent.POST('/execute/rich', {
      body: {
        code: 'from IPython.display import display, HTML, JSON\ndisplay(HTML("<i>one</i>"))\ndisplay(JSON([1, 2]))\n"last"',
        language: 'python',
      },
    });
    expect(rich.rich_outputs).toEqual([
      { type: 'text/html', format: 'html', data: '<i>one</i>', metadata: { source: 'other', size: 10 } },
      { type: 'application/json', format: 'json', data: '[1,2]', metadata: { source: 'other', size: 5 } },
      { type: 'text/plain', format: 'text', data: "'last'", metadata: { source: 'other', size: 6 } },
    ]);
    expect(rich.html).toBe('<i>one</i>');
    // A JSON array has no place in the `json` object field; it is only in the list.
    expect(rich.json).toBeUndefined();
    expect(rich.result).toBe("'last'");
    const bash = await agent.POST('/execute/rich', { body: { code: 'echo hi', language: 'bash' } });
    expect(bash).toMatchObject({ success: true, stdout: 'hi\n', rich_outputs: [] });
  });
});
