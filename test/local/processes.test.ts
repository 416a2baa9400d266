// Background and asynchronous runs, the process list, kill (both forms), the sandbox's system
// processes and the Jupyter sessions on the local HopX: real processes, real statuses and times.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { eventually, hostProcessesRunning } from './execution-support.js';
import { useLocalHopx } from './local-harness.js';

const harness = useLocalHopx();

/** A webhook receiver on loopback that keeps what it was sent. */
async function webhookReceiver() {
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('background runs', () => {
  it('lists runs with their real status, pid, times and exit code', async () => {
    const { agent } = await harness.sandbox();
    const ok = await agent.POST('/execute/background', {
      body: { code: 'print("fine")', language: 'python', name: 'ok' },
    });
    const bad = await agent.POST('/execute/background', { body: { code: 'exit 5', language: 'bash', name: 'bad' } });
    const slow = await agent.POST('/execute/background', {
      body: { code: 'setTimeout(() => {}, 917000)', language: 'javascript', name: 'slow', timeout: 300 },
    });
    expect(ok).toMatchObject({ name: 'ok', message: 'Background execution started' });
    expect(ok.process_id).not.toBe(bad.process_id);
    expect(ok.execution_id).toMatch(/^exec_/);
    expect(Date.parse(ok.start_time ?? '')).not.toBeNaN();

    expect(
      await eventually(async () => {
        const list = await agent.GET('/execute/processes');
        const byName = new Map(list.processes?.map((p) => [p.name, p]));
        return byName.get('ok')?.status === 'completed' && byName.get('bad')?.status === 'failed';
      }),
    ).toBe(true);
    const list = await agent.GET('/execute/processes');
    expect(list.count).toBe(3);
    const byName = new Map(list.processes?.map((p) => [p.name, p]));
    expect(byName.get('ok')).toMatchObject({ status: 'completed', exit_code: 0, language: 'python' });
    expect(byName.get('bad')).toMatchObject({ status: 'failed', exit_code: 5, language: 'bash' });
    expect(Date.parse(byName.get('ok')?.end_time ?? '')).toBeGreaterThanOrEqual(Date.parse(ok.start_time ?? ''));
    const running = byName.get('slow');
    expect(running).toMatchObject({
      process_id: slow.process_id,
      status: 'running',
      end_time: null,
      exit_code: null,
      language: 'javascript',
    });
    expect(running?.duration).toBeGreaterThan(0);
    // The pid is the process's own pid in the sandbox, which GET /processes also shows.
    const system = await agent.GET('/processes');
    expect(system.processes?.find((p) => p.pid === running?.pid)?.name).toBe('node');
  });

  it('stops a run with DELETE /execute/kill?process_id=, and answers 404 for an unknown id', async () => {
    const { agent, agentResult } = await harness.sandbox();
    const started = await agent.POST('/execute/background', {
      body: { code: 'import time\ntime.sleep(918)', language: 'python' },
    });
    const killed = await agent.DELETE('/execute/kill', { params: { query: { process_id: started.process_id } } });
    expect(killed).toMatchObject({ success: true, status: 'killed', process_id: started.process_id });
    const again = await agent.DELETE('/execute/kill', { params: { query: { process_id: started.process_id } } });
    expect(again).toMatchObject({ success: false, status: 'killed' });
    const unknown = await agentResult.POST('/execute/kill/{process_id}', {
      params: { path: { process_id: 'proc_nonexistent' } },
    });
    expect(unknown.response.status).toBe(404);
    expect(unknown.error?.code).toBe('PROCESS_NOT_FOUND');
  });

  it('kills the whole process group of a background run, and the run times out on its own', async () => {
    const { agent } = await harness.sandbox();
    const started = await agent.POST('/execute/background', {
      body: { code: '(sleep 919 &); sleep 920', language: 'bash', timeout: 1 },
    });
    expect(await eventually(async () => (await hostProcessesRunning('sleep', '919')).length === 1)).toBe(true);
    expect(
      await eventually(async () => {
        const list = await agent.GET('/execute/processes');
        return list.processes?.find((p) => p.process_id === started.process_id)?.status === 'timeout';
      }),
    ).toBe(true);
    expect(await hostProcessesRunning('sleep', '919')).toEqual([]);
    expect(await hostProcessesRunning('sleep', '920')).toEqual([]);
  });
});

describe('POST /execute/async', () => {
  it('queues the run and POSTs its result, signed, to the callback_url', async () => {
    const { agent } = await harness.sandbox();
    const hook = await webhookReceiver();
    try {
      const queued = await agent.POST('/execute/async', {
        body: {
          code: 'print("done")',
          language: 'python',
          callback_url: hook.url,
          callback_headers: { 'X-Job-Ref': 'nightly' },
          callback_signature_secret: 'whsec_test',
        },
      });
      expect(queued).toMatchObject({ status: 'queued', callback_url: hook.url });
      expect(await eventually(() => hook.received.length === 1)).toBe(true);
      const [delivery] = hook.received;
      const payload = JSON.parse(delivery?.body ?? '{}');
      expect(payload).toMatchObject({
        execution_id: queued.execution_id,
        status: 'completed',
        stdout: 'done\n',
        stderr: '',
        exit_code: 0,
      });
      expect(payload.error).toBeUndefined();
      expect(delivery?.headers['x-job-ref']).toBe('nightly');
      const signature = createHmac('sha256', 'whsec_test')
        .update(delivery?.body ?? '')
        .digest('hex');
      expect(delivery?.headers['x-hopx-signature']).toBe(`sha256=${signature}`);

      const slow = await agent.POST('/execute/async', {
        body: { code: 'sleep 921', language: 'bash', timeout: 1, callback_url: hook.url },
      });
      expect(await eventually(() => hook.received.length === 2)).toBe(true);
      const timedOut = JSON.parse(hook.received[1]?.body ?? '{}');
      expect(timedOut).toMatchObject({
        execution_id: slow.execution_id,
        status: 'timeout',
        exit_code: -1,
        error: 'Execution timed out after 1 seconds',
      });
      expect(hook.received[1]?.headers['x-hopx-signature']).toBeUndefined();
    } finally {
      await hook.close();
    }
  });
});

describe('GET /processes and GET /jupyter/sessions', () => {
  it("lists the sandbox's own processes only, from /proc", async () => {
    const { agent } = await harness.sandbox();
    const other = await harness.sandbox();
    await other.agent.POST('/commands/background', { body: { command: 'sleep', args: ['922'], timeout: 60 } });
    await agent.POST('/commands/background', { body: { command: 'sleep', args: ['923'], timeout: 60 } });
    // Until its exec, the new process is still the shell that changes into its working directory.
    expect(await eventually(async () => (await hostProcessesRunning('sleep', '923')).length === 1)).toBe(true);
    const list = await agent.GET('/processes');
    expect(list.count).toBe(list.processes?.length);
    const commands = list.processes?.map((p) => p.command);
    expect(commands).toContain('sleep 923');
    expect(commands).not.toContain('sleep 922');
    const sleeping = list.processes?.find((p) => p.command === 'sleep 923');
    expect(sleeping).toMatchObject({ name: 'sleep', status: 'sleeping', user: 'root' });
    expect(sleeping?.memory_percent).toBeGreaterThanOrEqual(0);
  });

  it('reports the IPython interpreter as the one session once it runs', async () => {
    const { agent } = await harness.sandbox();
    expect(await agent.GET('/jupyter/sessions')).toEqual({ sessions: [] });
    await agent.POST('/execute/ipython', { body: { code: 'x = 1' } });
    const sessions = await agent.GET('/jupyter/sessions');
    expect(sessions.sessions).toHaveLength(1);
    expect(sessions.sessions?.[0]).toMatchObject({ execution_state: 'idle' });
    expect(sessions.sessions?.[0]?.kernel_id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
