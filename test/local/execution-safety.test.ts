// Safety of code runs on the local HopX (namespace isolation): children that fork and outlive their
// timeout, output floods, the environment a child starts with, what a sandbox's code can see, and a
// sandbox deleted while its runs and streams are open. Nothing leaks out of the sandbox, no process
// outlives it, and the server keeps serving.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventually, hostProcessesOfSandbox, hostProcessesRunning, openAgentSocket } from './execution-support.js';
import { useLocalHopx } from './local-harness.js';

// Set before the local HopX starts: none of it may reach a sandbox's code.
process.env.HOPX_API_KEY = 'hopx_live_parentkey.parentsecret';
process.env.PARENT_ONLY_SETTING = 'parent-value';

const harness = useLocalHopx({ isolation: 'namespace' });

/** What a run may find in its environment besides the sandbox's and the request's own variables. */
const BASE_ENV = ['HOME', 'HOPX_LOCAL_SANDBOX', 'LANG', 'LC_ALL', 'OLDPWD', 'PATH', 'PWD', 'PYTHONUNBUFFERED'];

describe('processes that try to outlive their run', () => {
  it('kills a forked child with its run at the timeout', async () => {
    const { agent } = await harness.sandbox();
    const run = await agent.POST('/execute', {
      body: { code: '(sleep 931 &); sleep 932 & wait', language: 'bash', timeout: 1 },
    });
    expect(run.exit_code).toBe(-1);
    expect(await eventually(async () => (await hostProcessesRunning('sleep', '931')).length === 0)).toBe(true);
    expect(await hostProcessesRunning('sleep', '932')).toEqual([]);
  });

  it('ends a child that left its process group when its sandbox is deleted', async () => {
    const { agent, sandbox } = await harness.sandbox();
    const run = await agent.POST('/execute', {
      body: {
        code: 'import subprocess, time\nsubprocess.Popen(["sleep", "933"], start_new_session=True)\ntime.sleep(30)',
        language: 'python',
        timeout: 1,
      },
    });
    expect(run.exit_code).toBe(-1);
    // It escaped the group kill, as a daemon would, so it is still there...
    expect(await hostProcessesRunning('sleep', '933')).toHaveLength(1);
    await harness.hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: sandbox.id } } });
    // ...until the sandbox goes: then nothing of it is left.
    expect(await eventually(async () => (await hostProcessesRunning('sleep', '933')).length === 0)).toBe(true);
  });
});

describe('output floods', () => {
  it('keeps the output limit, and the server answers other requests meanwhile', async () => {
    const { agent, agentResult } = await harness.sandbox();
    const flood = agent.POST('/execute', { body: { code: 'yes | head -c 50000000', language: 'bash' } });
    const endless = agent.POST('/execute', { body: { code: 'yes', language: 'bash', timeout: 2 } });
    const started = Date.now();
    const health = await agentResult.GET('/health');
    expect(health.response.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2_000);
    const limit = 10 * 1024 * 1024;
    const bounded = await flood;
    expect(bounded).toMatchObject({ success: true, exit_code: 0 });
    expect(bounded.stdout?.length).toBe(limit);
    expect(bounded.stderr).toContain('output truncated');
    const stopped = await endless;
    expect(stopped.exit_code).toBe(-1);
    expect(stopped.stdout?.length).toBe(limit);
    expect(await hostProcessesRunning('yes')).toEqual([]);
    const after = await agent.POST('/execute', { body: { code: 'print("still here")', language: 'python' } });
    expect(after.stdout).toBe('still here\n');
  });

  it('keeps the limit in the IPython interpreter too', async () => {
    const { agent } = await harness.sandbox();
    const flood = await agent.POST('/execute/ipython', { body: { code: 'print("x" * 12_000_000)' } });
    expect(flood.stdout?.length).toBe(10 * 1024 * 1024);
    expect(flood.stderr).toContain('output truncated');
  });
});

describe('the environment a child starts with', () => {
  it('holds the sandbox and run variables and nothing of the local HopX (no HOPX_API_KEY)', async () => {
    const { agent } = await harness.sandbox({ env_vars: { SANDBOX_SETTING: 's' } });
    const python = await agent.POST('/execute', {
      body: {
        code: 'import os, json\nprint(json.dumps(dict(os.environ)))',
        language: 'python',
        env: { RUN_SETTING: 'r' },
      },
    });
    const seen = JSON.parse(python.stdout ?? '{}');
    expect(Object.keys(seen).sort()).toEqual([...BASE_ENV, 'RUN_SETTING', 'SANDBOX_SETTING'].sort());
    expect(seen.SANDBOX_SETTING).toBe('s');

    const command = await agent.POST('/commands/run', { body: { command: 'env' } });
    const names = (command.stdout ?? '')
      .trim()
      .split('\n')
      .map((line) => line.split('=')[0]);
    expect(names.sort()).toEqual([...BASE_ENV, 'SANDBOX_SETTING'].sort());

    const ipython = await agent.POST('/execute/ipython', { body: { code: 'import os\nsorted(os.environ)' } });
    expect(ipython.result).not.toContain('HOPX_API_KEY');
    expect(ipython.result).not.toContain('PARENT_ONLY_SETTING');
    expect(ipython.result).toContain('SANDBOX_SETTING');
    for (const text of [python.stdout, command.stdout, ipython.result]) {
      expect(text).not.toContain('parentsecret');
      expect(text).not.toContain('parent-value');
    }
  });
});

describe("what a sandbox's code sees (namespace mode)", () => {
  it('its own workspace and /tmp, the machine read through an overlay, and no other sandbox', async () => {
    expect(harness.local.isolation.mode).toBe('namespace');
    const one = await harness.sandbox();
    const two = await harness.sandbox();
    const marker = `escape-${one.sandbox.id}`;
    const write = await one.agent.POST('/execute', {
      body: {
        code: [
          'echo mine > /workspace/x',
          `echo tmp > /tmp/${marker}`,
          `echo etc > /etc/${marker}`,
          'cat /workspace/x /etc/hostname',
          `test -e ${harness.local.dataDir} && echo "data dir visible" || echo "data dir hidden"`,
        ].join('\n'),
        language: 'bash',
      },
    });
    expect(write.stdout).toBe(`mine\n${readFileSync('/etc/hostname', 'utf8')}data dir hidden\n`);
    // The writes stayed in the sandbox: not on this machine, not in the other sandbox.
    expect(existsSync(`/etc/${marker}`)).toBe(false);
    expect(existsSync(`/tmp/${marker}`)).toBe(false);
    const look = await two.agent.POST('/execute', {
      body: {
        code: `ls /workspace; cat /tmp/${marker} /etc/${marker} 2>&1; ps -e -o args | grep -c 'sleep 934' || true`,
        language: 'bash',
      },
    });
    expect(look.stdout).toContain('No such file or directory');
    expect(look.stdout).not.toContain('mine');
    // Nor its processes.
    await one.agent.POST('/commands/background', { body: { command: 'sleep', args: ['934'], timeout: 30 } });
    const ps = await two.agent.POST('/commands/run', { body: { command: 'ps', args: ['-e', '-o', 'args'] } });
    expect(ps.stdout).not.toContain('sleep 934');
    const own = await one.agent.POST('/commands/run', { body: { command: 'ps', args: ['-e', '-o', 'args'] } });
    expect(own.stdout).toContain('sleep 934');
  });
});

describe('a sandbox deleted while its runs and streams are open', () => {
  it('ends them all, leaves no process, and the server keeps serving', async () => {
    const { sandbox, agent, agentResult } = await harness.sandbox();
    await agent.POST('/execute/ipython', { body: { code: 'x = 1' } });
    const socket = await openAgentSocket(sandbox.public_host ?? '', '/stream/ipython', sandbox.auth_token ?? '');
    socket.ws.send(JSON.stringify({ type: 'execute', code: 'import os\nos.system("sleep 935")' }));
    // The waiting /execute either loses its connection or hears that its run was killed.
    const outcome = agentResult
      .POST('/execute', { body: { code: 'sleep 936', language: 'bash', timeout: 60 }, maxRetries: 0 })
      .then(
        (result) => result.data?.exit_code,
        () => 'connection lost',
      );
    await agent.POST('/execute/background', { body: { code: 'sleep 937', language: 'bash' } });
    expect(
      await eventually(async () => {
        const found = await Promise.all(['935', '936', '937'].map((n) => hostProcessesRunning('sleep', n)));
        return found.every((pids) => pids.length === 1);
      }),
    ).toBe(true);

    expect((await hostProcessesOfSandbox(sandbox.id)).length).toBeGreaterThanOrEqual(4);

    await harness.hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: sandbox.id } } });
    expect(await socket.closed).toBeGreaterThan(0);
    expect([137, 'connection lost']).toContain(await outcome);
    expect(await eventually(async () => (await hostProcessesOfSandbox(sandbox.id)).length === 0)).toBe(true);
    for (const n of ['935', '936', '937']) expect(await hostProcessesRunning('sleep', n)).toEqual([]);

    const next = await harness.sandbox();
    const ran = await next.agent.POST('/execute', { body: { code: 'echo alive', language: 'bash' } });
    expect(ran.stdout).toBe('alive\n');
  });
});
