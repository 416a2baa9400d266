// Code runs, commands, processes and IPython in the `workspace` isolation mode: runs start in the
// sandbox's workspace folder with HOME there, absolute paths are this machine's, and every process
// of a sandbox still ends with it.
import { describe, expect, it } from 'vitest';
import { eventually, hostProcessesOfSandbox, hostProcessesRunning } from './execution-support.js';
import { useLocalHopx } from './local-harness.js';

process.env.HOPX_API_KEY = 'hopx_live_parentkey.parentsecret';

const harness = useLocalHopx({ isolation: 'workspace' });

describe('runs in workspace mode', () => {
  it('start in the workspace folder, with HOME there, and rich outputs still work', async () => {
    expect(harness.local.isolation.mode).toBe('workspace');
    const { agent } = await harness.sandbox();
    const where = await agent.POST('/execute', {
      body: { code: 'import os\nprint(os.getcwd() == os.environ["HOME"], os.getcwd())\n6*7', language: 'python' },
    });
    const [same, cwd] = (where.stdout ?? '').trim().split(' ');
    expect(same).toBe('True');
    expect(cwd).toMatch(/\/sandboxes\/[^/]+\/root\/workspace$/);
    expect(cwd?.startsWith(harness.local.dataDir)).toBe(true);
    expect(where.result).toBe('42');
    const html = await agent.POST('/execute', {
      body: { code: 'from IPython.display import HTML, display\ndisplay(HTML("<u>w</u>"))', language: 'python' },
    });
    expect(html.html).toBe('<u>w</u>');
  });

  it('map workdir into the workspace, and refuse one that climbs out of the sandbox', async () => {
    const { agent, agentResult } = await harness.sandbox();
    await agent.POST('/commands/run', { body: { command: 'mkdir', args: ['sub'] } });
    const inSub = await agent.POST('/commands/run', { body: { command: 'pwd', workdir: '/workspace/sub' } });
    expect(inSub.stdout).toMatch(/\/root\/workspace\/sub\n$/);
    const missing = await agent.POST('/execute', {
      body: { code: 'echo never', language: 'bash', workdir: '/nowhere' },
    });
    expect(missing).toMatchObject({ success: false, exit_code: 2, stdout: '' });
    expect(missing.stderr).toMatch(/can't cd to .*\/root\/nowhere/);
    const climbing = await agentResult.POST('/execute', {
      body: { code: 'pwd', language: 'bash', workdir: '/workspace/../../..' },
    });
    expect(climbing.response.status).toBe(400);
    expect(climbing.error?.code).toBe('PATH_NOT_ALLOWED');
  });

  it('start from a minimal environment, without HOPX_API_KEY', async () => {
    const { agent } = await harness.sandbox({ env_vars: { MINE: 'm' } });
    const env = await agent.POST('/commands/run', { body: { command: 'env' } });
    const names = (env.stdout ?? '')
      .trim()
      .split('\n')
      .map((line) => line.split('=')[0]);
    expect(names).toContain('MINE');
    expect(names).not.toContain('HOPX_API_KEY');
    expect(env.stdout).not.toContain('parentsecret');
  });

  it('are killed with their group at the timeout; a child that left it ends with the sandbox', async () => {
    const { agent, sandbox } = await harness.sandbox();
    const forked = await agent.POST('/execute', {
      body: { code: '(sleep 941 &); sleep 942', language: 'bash', timeout: 1 },
    });
    expect(forked.exit_code).toBe(-1);
    expect(await eventually(async () => (await hostProcessesRunning('sleep', '941')).length === 0)).toBe(true);
    const escaped = await agent.POST('/execute', {
      body: {
        code: 'import subprocess, time\nsubprocess.Popen(["sleep", "943"], start_new_session=True)\ntime.sleep(30)',
        language: 'python',
        timeout: 1,
      },
    });
    expect(escaped.exit_code).toBe(-1);
    expect(await hostProcessesRunning('sleep', '943')).toHaveLength(1);
    await harness.hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: sandbox.id } } });
    expect(await eventually(async () => (await hostProcessesOfSandbox(sandbox.id)).length === 0)).toBe(true);
    expect(await hostProcessesRunning('sleep', '943')).toEqual([]);
  });
});

describe('processes and IPython in workspace mode', () => {
  it('lists and kills background runs by their real pid', async () => {
    const { agent } = await harness.sandbox();
    const started = await agent.POST('/commands/background', {
      body: { command: 'bash', args: ['-c', 'echo $$ > pid.txt; exec sleep 944'], timeout: 60 },
    });
    expect(await eventually(async () => (await hostProcessesRunning('sleep', '944')).length === 1)).toBe(true);
    const [hostPid] = await hostProcessesRunning('sleep', '944');
    // Here the sandbox's pids are this machine's.
    expect(started.pid).toBe(hostPid);
    const pidFile = await agent.POST('/commands/run', { body: { command: 'cat', args: ['pid.txt'] } });
    expect(Number(pidFile.stdout)).toBe(hostPid);
    const system = await agent.GET('/processes');
    expect(system.processes?.find((p) => p.pid === hostPid)?.command).toBe('sleep 944');
    const killed = await agent.POST('/execute/kill/{process_id}', {
      params: { path: { process_id: started.process_id ?? '' } },
    });
    expect(killed).toMatchObject({ success: true, status: 'killed' });
    expect(await hostProcessesRunning('sleep', '944')).toEqual([]);
  });

  it('keeps IPython state, in the workspace folder', async () => {
    const { agent } = await harness.sandbox();
    await agent.POST('/execute/ipython', {
      body: { code: 'import os\nopen("made-by-ipython.txt", "w").write("ok")\nn = 3' },
    });
    const next = await agent.POST('/execute/ipython', {
      body: { code: 'print(n * 2, os.getcwd() == os.environ["HOME"])' },
    });
    expect(next.stdout).toBe('6 True\n');
    const read = await agent.POST('/commands/run', { body: { command: 'cat', args: ['made-by-ipython.txt'] } });
    expect(read.stdout).toBe('ok');
  });
});
