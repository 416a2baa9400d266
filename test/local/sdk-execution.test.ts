// The official JavaScript SDK (`@hopx-ai/sdk`, unchanged) against the local HopX: create a sandbox,
// run code, a command, IPython cells, a background run (listed, then killed), an async run with its
// webhook, and delete it. Everything it reads comes from real runs.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sandbox } from '@hopx-ai/sdk';
import { describe, expect, it } from 'vitest';
import { eventually, hostProcessesOfSandbox, hostProcessesRunning } from './execution-support.js';
import { useLocalHopx } from './local-harness.js';

const harness = useLocalHopx();

const create = () =>
  Sandbox.create({ template: 'code-interpreter', apiKey: harness.local.apiKey, baseURL: harness.local.url });

describe('the official SDK runs code on the local HopX', () => {
  it('runs code, commands and IPython cells, and reads their real results', async () => {
    const sandbox = await create();
    try {
      const code = await sandbox.runCode('import sys\nx = 6 * 7\nprint("python", sys.version_info.major)\nx');
      expect(code.success).toBe(true);
      expect(code.stdout).toBe('python 3\n');
      expect(code.exit_code).toBe(0);
      expect(code.result).toBe('42');
      // The SDK turns `result` into a text/plain rich output.
      expect(code.richOutputs).toEqual([{ type: 'text/plain', data: { 'text/plain': '42' } }]);

      const js = await sandbox.runCode('console.log([1, 2, 3].map((n) => n * 2).join(","))', {
        language: 'javascript',
      });
      expect(js.stdout).toBe('2,4,6\n');

      const failing = await sandbox.runCode('raise ValueError("nope")');
      expect(failing.success).toBe(false);
      expect(failing.exit_code).toBe(1);
      expect(failing.stderr).toContain('ValueError: nope');

      const command = await sandbox.commands.run('echo hello | tr a-z A-Z && pwd');
      expect(command).toMatchObject({ stdout: 'HELLO\n/workspace\n', exit_code: 0, success: true });

      await sandbox.runIpython('y = 2');
      const cell = await sandbox.runIpython('y * 21');
      expect(cell.result).toBe('42');
      const sessions = await sandbox.getJupyterSessions();
      expect(sessions).toHaveLength(1);
      expect(sessions[0]).toMatchObject({ execution_state: 'idle' });
    } finally {
      await sandbox.kill();
    }
  });

  it('starts a background run, lists it, kills it, and deletes the sandbox with nothing left', async () => {
    const sandbox = await create();
    const started = await sandbox.runCodeBackground('import time\ntime.sleep(951)', { name: 'sdk-bg' });
    expect(started.process_id).toMatch(/^proc_/);

    const listed = await sandbox.listProcesses();
    expect(listed.find((p) => p.process_id === started.process_id)).toMatchObject({
      name: 'sdk-bg',
      status: 'running',
      language: 'python',
    });
    const system = await sandbox.listSystemProcesses();
    expect(system.some((p) => p.name === 'python3')).toBe(true);

    await sandbox.killProcess(started.process_id);
    const after = await sandbox.listProcesses();
    expect(after.find((p) => p.process_id === started.process_id)?.status).toBe('killed');

    const background = await sandbox.commands.runBackground('sleep 952');
    expect(background.process_id).toMatch(/^proc_/);
    expect(await eventually(async () => (await hostProcessesRunning('sleep', '952')).length === 1)).toBe(true);

    await sandbox.kill();
    expect(await eventually(async () => (await hostProcessesOfSandbox(sandbox.sandboxId)).length === 0)).toBe(true);
    expect(await hostProcessesRunning('sleep', '952')).toEqual([]);
  });

  it('queues an async run whose result reaches the callback URL', async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push(body);
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sandbox = await create();
    try {
      const callbackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/done`;
      const queued = await sandbox.runCodeAsync('print("async done")', { callbackUrl });
      expect(queued).toMatchObject({ status: 'queued', callback_url: callbackUrl });
      expect(await eventually(() => received.length === 1)).toBe(true);
      expect(JSON.parse(received[0] ?? '{}')).toMatchObject({
        execution_id: queued.execution_id,
        status: 'completed',
        stdout: 'async done\n',
      });
    } finally {
      await sandbox.kill();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
