// Streamed runs (`/execute/stream`, `/commands/stream`, `/stream`) through our client, as scenarios
// that each isolation mode's test file runs against its own local HopX.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HopxStreamError, openAgentSocket, runCode, streamExecution } from '../../src/index.js';
import type { LocalHarness } from './local-harness.js';
import { collect, processesWith, upgrade, waitFor } from './sockets-support.js';

/** The kinds of messages in order, a run of one kind counted once. */
const kinds = (messages: { type: string }[]) =>
  messages.map((m) => m.type).filter((type, i, all) => i === 0 || all[i - 1] !== type);
const stdoutOf = (messages: { type: string; data?: string }[]) =>
  messages
    .filter((m) => m.type === 'stdout')
    .map((m) => m.data)
    .join('');

export function streamedRunScenarios(local: LocalHarness) {
  describe('/execute/stream', () => {
    it('runs python for real: 6*7 prints 42, exit code 0, a measured execution time', async () => {
      const { agent } = await local.sandbox();
      const output = await runCode(agent, { code: 'print(6*7)', language: 'python' });
      expect(output).toMatchObject({ stdout: '42\n', stderr: '', exitCode: 0, success: true });
      expect(output.executionTime).toBeGreaterThan(0);
    });

    it('streams output as it is printed, not at the end', async () => {
      const { agent } = await local.sandbox();
      const arrivals: { type: string; at: number }[] = [];
      const socket = await streamExecution(agent, {
        code: "import sys, time\nprint('first', flush=True)\ntime.sleep(0.8)\nprint('late', file=sys.stderr)\n",
        language: 'python',
      });
      for await (const message of socket) arrivals.push({ type: message.type, at: Date.now() });
      // Chunks are not aligned to anything (python writes a print's text and its newline apart).
      expect(kinds(arrivals)).toEqual(['stdout', 'stderr', 'result', 'complete']);
      const first = arrivals[0]?.at ?? 0;
      const result = arrivals.find((a) => a.type === 'result')?.at ?? 0;
      expect(result - first).toBeGreaterThanOrEqual(600);
    });

    it('reports a failing run: its stderr, its exit code, success false', async () => {
      const { agent } = await local.sandbox();
      const output = await runCode(agent, { code: 'echo oops >&2; exit 7', language: 'bash' });
      expect(output).toMatchObject({ stdout: '', stderr: 'oops\n', exitCode: 7, success: false });
    });

    it('runs javascript with node', async () => {
      const { agent } = await local.sandbox();
      expect(await runCode(agent, { code: 'console.log(6*7)', language: 'javascript' })).toMatchObject({
        stdout: '42\n',
        exitCode: 0,
      });
    });

    it("uses the sandbox's variables, the message's env over them, and its workdir", async () => {
      const { agent } = await local.sandbox({ env_vars: { FROM_SANDBOX: 'sandbox', OVERRIDDEN: 'sandbox' } });
      // Relative: in workspace mode an absolute path is this machine's, not the sandbox's.
      await runCode(agent, { code: 'mkdir -p sub', language: 'bash' });
      const output = await runCode(agent, {
        code: 'echo "$FROM_SANDBOX $OVERRIDDEN"; pwd',
        language: 'bash',
        env: { OVERRIDDEN: 'message' },
        workdir: '/workspace/sub',
      });
      expect(output.stdout).toMatch(/^sandbox message\n.*\/workspace\/sub\n$/);
    });

    it('stops a run at its timeout: EXECUTION_TIMEOUT, and its process is gone', async () => {
      const { agent } = await local.sandbox();
      const mark = randomUUID();
      let started = false;
      const began = Date.now();
      const error = await runCode(
        agent,
        { code: "import time\nprint('start', flush=True)\ntime.sleep(60)\n", timeout: 1, env: { TEST_MARK: mark } },
        {
          onStdout: () => {
            started = true;
          },
        },
      ).catch((e) => e);
      expect(started).toBe(true);
      expect(error).toBeInstanceOf(HopxStreamError);
      expect(error.code).toBe('EXECUTION_TIMEOUT');
      expect(Date.now() - began).toBeLessThan(5_000);
      expect(await processesWith('TEST_MARK', mark)).toEqual([]);
    });

    it('kills the run when the client goes away mid-run', async () => {
      const { agent } = await local.sandbox();
      const mark = randomUUID();
      const socket = await streamExecution(agent, {
        code: 'sleep 60',
        language: 'bash',
        env: { TEST_MARK: mark },
      });
      await waitFor('the run to start', async () => (await processesWith('TEST_MARK', mark)).length > 0);
      socket.close();
      await waitFor('the run to be killed', async () => (await processesWith('TEST_MARK', mark)).length === 0);
    });

    it('refuses a workdir outside the sandbox, or one that does not exist, with the spec codes', async () => {
      const { agent } = await local.sandbox();
      const outside = await runCode(agent, { code: 'print(1)', workdir: '/workspace/../../..' }).catch((e) => e);
      expect(outside).toBeInstanceOf(HopxStreamError);
      expect(outside.code).toBe('PATH_NOT_ALLOWED');
      const missing = await runCode(agent, { code: 'print(1)', workdir: '/workspace/nowhere' }).catch((e) => e);
      expect(missing.code).toBe('DIRECTORY_NOT_FOUND');
    });

    it('says so when a language cannot run here (go: no toolchain on the local HopX)', async () => {
      const { agent } = await local.sandbox();
      const error = await runCode(agent, { code: 'package main', language: 'go' }).catch((e) => e);
      expect(error).toBeInstanceOf(HopxStreamError);
      expect(error.code).toBe('EXECUTION_FAILED');
    });

    it('keeps output past the per-stream limit out: a 20 MB flood arrives cut at the limit, the run ends', async () => {
      const { agent } = await local.sandbox();
      const output = await runCode(agent, {
        code: "import sys\nsys.stdout.write('x' * (20 * 1024 * 1024))\n",
        language: 'python',
      });
      // The local HopX's default limit: 10 MiB per stream of one run.
      expect(output.stdout.length).toBe(10 * 1024 * 1024);
      expect(/^x+$/.test(output.stdout)).toBe(true);
      expect(output).toMatchObject({ exitCode: 0, success: true });
    });

    it('answers a second execute message on one socket with an error, and the first run goes on', async () => {
      const { sandbox } = await local.sandbox();
      const opened = await upgrade(`${sandbox.public_host}/execute/stream`, {
        Authorization: `Bearer ${sandbox.auth_token}`,
      });
      if (opened.status !== 101 || !('ws' in opened)) throw new Error(`upgrade refused: ${opened.status}`);
      const done = collect(opened.ws);
      opened.ws.on('message', (data) => {
        if (JSON.parse(data.toString()).type === 'complete') opened.ws.close();
      });
      const execute = { type: 'execute', code: 'import time\ntime.sleep(0.3)\nprint(1)', language: 'python' };
      opened.ws.send(JSON.stringify(execute));
      opened.ws.send(JSON.stringify(execute));
      const { messages } = await done;
      expect(kinds(messages)).toEqual(['error', 'stdout', 'result', 'complete']);
      expect(messages[0]).toMatchObject({ code: 'INVALID_REQUEST' });
      expect(stdoutOf(messages)).toBe('1\n');
      expect(messages.at(-1)).toEqual({ type: 'complete', success: true });
    });

    it('Prefer: cut=2 cuts the stream after two messages, and the run dies with it', async () => {
      const { sandbox } = await local.sandbox();
      const mark = randomUUID();
      const opened = await upgrade(`${sandbox.public_host}/execute/stream`, {
        Authorization: `Bearer ${sandbox.auth_token}`,
        Prefer: 'cut=2',
      });
      if (opened.status !== 101 || !('ws' in opened)) throw new Error(`upgrade refused: ${opened.status}`);
      const done = collect(opened.ws);
      opened.ws.send(
        JSON.stringify({
          type: 'execute',
          code: 'for i in 1 2 3 4 5; do echo $i; sleep 0.1; done; sleep 60',
          language: 'bash',
          env: { TEST_MARK: mark },
        }),
      );
      const { messages, code } = await done;
      expect(messages).toEqual([
        { type: 'stdout', data: '1\n', timestamp: expect.any(String) },
        { type: 'stdout', data: '2\n', timestamp: expect.any(String) },
      ]);
      // Terminated, not closed: no close frame (1006 on this side).
      expect(code).toBe(1006);
      await waitFor('the cut run to be killed', async () => (await processesWith('TEST_MARK', mark)).length === 0);
    });
  });

  describe('/commands/stream', () => {
    it('runs a program with its arguments: stdout, stderr, exit with its code, complete', async () => {
      const { agent } = await local.sandbox();
      const socket = await openAgentSocket(agent, '/commands/stream');
      socket.send({ type: 'command', command: 'bash', args: ['-c', 'echo out; sleep 0.1; echo err >&2; exit 4'] });
      const messages = [];
      for await (const message of socket) messages.push(message);
      expect(messages).toEqual([
        { type: 'stdout', data: 'out\n', timestamp: expect.any(String) },
        { type: 'stderr', data: 'err\n', timestamp: expect.any(String) },
        { type: 'exit', exit_code: 4, timestamp: expect.any(String) },
        { type: 'complete', success: false },
      ]);
    });

    it('runs no shell of its own: a missing program exits 127, with the reason on stderr', async () => {
      const { agent } = await local.sandbox();
      const socket = await openAgentSocket(agent, '/commands/stream');
      socket.send({ type: 'command', command: 'no-such-program-here' });
      let stderr = '';
      let exit: number | undefined;
      for await (const message of socket) {
        if (message.type === 'stderr') stderr += message.data;
        if (message.type === 'exit') exit = message.exit_code;
      }
      expect(exit).toBe(127);
      expect(stderr).toMatch(/no-such-program-here/);
    });
  });

  describe('/stream', () => {
    it('streams a run like /execute/stream, and invents no rich output', async () => {
      const { agent } = await local.sandbox();
      const socket = await openAgentSocket(agent, '/stream');
      socket.send({ type: 'execute', code: 'print(6*7)', language: 'python' });
      const messages = [];
      for await (const message of socket) messages.push(message);
      expect(kinds(messages)).toEqual(['stdout', 'result', 'complete']);
      expect(stdoutOf(messages)).toBe('42\n');
    });
  });
}
