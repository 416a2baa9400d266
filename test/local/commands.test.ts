// `/commands/run` and `/commands/background` on the local HopX: a program with its arguments, run
// directly in the sandbox (no shell unless it is the program), as the SDKs send it (`bash -c`).
import { describe, expect, it } from 'vitest';
import { eventually, hostProcessesRunning } from './execution-support.js';
import { useLocalHopx } from './local-harness.js';

const harness = useLocalHopx();

describe('POST /commands/run', () => {
  it('runs bash -c as the SDKs send it, pipes and all, with its real pid and exit code', async () => {
    const { agent } = await harness.sandbox();
    const run = await agent.POST('/commands/run', {
      // (It lasts long enough to be seen: a run over before its pid is read reports none.)
      body: {
        command: 'bash',
        args: ['-c', 'echo $$; printf "b\\na\\n" | sort; echo oops >&2; sleep 0.3; exit 4'],
        timeout: 30,
      },
    });
    const [pid, ...rest] = (run.stdout ?? '').split('\n');
    expect(rest.join('\n')).toBe('a\nb\n');
    expect(run).toMatchObject({
      success: false,
      stderr: 'oops\n',
      exit_code: 4,
      command: 'bash -c echo $$; printf "b\\na\\n" | sort; echo oops >&2; sleep 0.3; exit 4',
    });
    // The pid is the one the command saw for itself, inside the sandbox.
    expect(run.pid).toBe(Number(pid));
    expect(run.execution_time).toBeGreaterThan(0);
  });

  it('passes arguments verbatim, without a shell', async () => {
    const { agent } = await harness.sandbox();
    const echo = await agent.POST('/commands/run', { body: { command: 'echo', args: ['$HOME', '*', 'a  b'] } });
    expect(echo).toMatchObject({ success: true, stdout: '$HOME * a  b\n', exit_code: 0 });
    const missing = await agent.POST('/commands/run', { body: { command: 'no-such-program-here' } });
    expect(missing.success).toBe(false);
    expect(missing.exit_code).toBe(127);
    expect(missing.stderr).toContain('no-such-program-here');
  });

  it('uses the workdir and the environment (request over sandbox)', async () => {
    const { agent } = await harness.sandbox({ env_vars: { LEVEL: 'sandbox', KEPT: 'k' } });
    await agent.POST('/commands/run', { body: { command: 'mkdir', args: ['-p', '/workspace/app'] } });
    const run = await agent.POST('/commands/run', {
      body: {
        command: 'bash',
        args: ['-c', 'echo "$PWD $LEVEL $KEPT $ONLY"'],
        workdir: '/workspace/app',
        env: { LEVEL: 'request', ONLY: 'o' },
      },
    });
    expect(run.stdout).toBe('/workspace/app request k o\n');
  });

  it('kills the command and its children at the timeout', async () => {
    const { agent } = await harness.sandbox();
    const started = Date.now();
    const run = await agent.POST('/commands/run', {
      body: { command: 'bash', args: ['-c', 'sleep 913 & sleep 914; echo never'], timeout: 1 },
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run).toMatchObject({ success: false, exit_code: -1, stdout: '' });
    expect(run.stderr).toContain('Execution timed out after 1 seconds');
    expect(await eventually(async () => (await hostProcessesRunning('sleep', '913')).length === 0)).toBe(true);
    expect(await hostProcessesRunning('sleep', '914')).toEqual([]);
  });
});

describe('POST /commands/background', () => {
  it('answers at once with a process id the process list and kill know', async () => {
    const { agent } = await harness.sandbox();
    const started = await agent.POST('/commands/background', {
      body: { command: 'bash', args: ['-c', 'echo started > /workspace/bg.txt; exec sleep 915'], timeout: 120 },
    });
    expect(started).toMatchObject({ status: 'running', message: 'Command started in background' });
    expect(started.process_id).toMatch(/^proc_/);
    expect(await eventually(async () => (await hostProcessesRunning('sleep', '915')).length === 1)).toBe(true);

    const listed = await agent.GET('/execute/processes');
    const entry = listed.processes?.find((p) => p.process_id === started.process_id);
    expect(entry).toMatchObject({ status: 'running', end_time: null, exit_code: null, pid: started.pid });
    // GET /processes shows the same process, by the same pid.
    const system = await agent.GET('/processes');
    expect(system.processes?.find((p) => p.pid === started.pid)?.command).toBe('sleep 915');

    const killed = await agent.POST('/execute/kill/{process_id}', {
      params: { path: { process_id: started.process_id ?? '' } },
    });
    expect(killed).toMatchObject({ success: true, status: 'killed', process_id: started.process_id });
    expect(await hostProcessesRunning('sleep', '915')).toEqual([]);
    const after = await agent.GET('/execute/processes');
    expect(after.processes?.find((p) => p.process_id === started.process_id)).toMatchObject({
      status: 'killed',
      exit_code: 137,
    });
    const file = await agent.POST('/commands/run', { body: { command: 'cat', args: ['/workspace/bg.txt'] } });
    expect(file.stdout).toBe('started\n');
  });

  it('stops a background command at its timeout and lists it as timed out', async () => {
    const { agent } = await harness.sandbox();
    const short = await agent.POST('/commands/background', {
      body: { command: 'sleep', args: ['916'], timeout: 1 },
    });
    expect(
      await eventually(async () => {
        const list = await agent.GET('/execute/processes');
        return list.processes?.find((p) => p.process_id === short.process_id)?.status === 'timeout';
      }),
    ).toBe(true);
    const list = await agent.GET('/execute/processes');
    expect(list.processes?.find((p) => p.process_id === short.process_id)).toMatchObject({ exit_code: -1 });
    expect(await hostProcessesRunning('sleep', '916')).toEqual([]);
  });
});
