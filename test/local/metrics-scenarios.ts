// Metrics scenarios for both isolation modes (metrics.test.ts, metrics-workspace.test.ts): what the
// metrics routes report moves with what the sandbox really does. A busy process shows as CPU use, a
// process holding memory as resident memory, a file written as disk use, a background run as an
// active execution; the capacities are this machine's.
import { availableParallelism, totalmem } from 'node:os';
import { expect, it } from 'vitest';
import { uploadFile } from '../../src/index.js';
import type { LocalHarness } from './local-harness.js';

const MiB = 1024 * 1024;

/** `name{labels} value` lines of a Prometheus text body, by metric name. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{[^}]*\} (\S+)$/.exec(line);
    if (match?.[1] && !found.has(match[1])) found.set(match[1], Number(match[2]));
  }
  return found;
}

export function metricsScenarios(local: LocalHarness) {
  it("reports this machine's capacities and the sandbox's own uptime", async () => {
    const { agent } = await local.sandbox();
    const system = await agent.GET('/system');
    expect(system.cpu?.cores).toBe(availableParallelism());
    expect(system.memory?.total).toBe(totalmem());
    expect(system.memory?.free).toBeGreaterThan(0);
    expect(system.disk?.total).toBeGreaterThan(system.disk?.free ?? 0);
    expect(system.uptime).toBeGreaterThanOrEqual(0);
    expect(system.uptime).toBeLessThan(60);
  });

  it('shows a busy process as CPU use, a process holding memory as resident memory, and a background run', async () => {
    const { agent } = await local.sandbox();
    const idle = await agent.GET('/metrics/snapshot');
    expect(idle.active_executions).toBe(0);
    // Nothing runs yet: the sandbox's processes (none, or its idle namespace holder) use no CPU.
    expect(idle.system?.cpu?.usage_percent).toBe(0);
    const holder = await agent.POST('/commands/background', {
      body: {
        command: 'python3',
        args: [
          '-c',
          'import time\nb = bytearray(64 * 1024 * 1024)\nfor i in range(0, len(b), 4096): b[i] = 1\ntime.sleep(30)',
        ],
        timeout: 30,
      },
    });
    const spinner = await agent.POST('/commands/background', {
      body: { command: 'bash', args: ['-c', 'while :; do :; done'], timeout: 30 },
    });
    // Give python the moment it needs to touch its 64 MiB.
    let busy = await agent.GET('/metrics/snapshot');
    for (let i = 0; i < 40 && (busy.system?.memory?.used ?? 0) < 64 * MiB; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      busy = await agent.GET('/metrics/snapshot');
    }
    expect(busy.system?.memory?.used).toBeGreaterThanOrEqual(64 * MiB);
    // One core spinning, measured over half a second since the last reading: a clear share of one
    // core (other test files may be keeping this machine busy too, so not all of it).
    await agent.GET('/system');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const system = await agent.GET('/system');
    expect(system.cpu?.usage_percent).toBeGreaterThan(10 / availableParallelism());
    expect(busy.active_executions).toBe(2);
    expect(busy.process).toEqual({ count: 2, running: 2 });
    expect(await agent.GET('/metrics')).toMatchObject({ active_executions: 2, process: { count: 2, running: 2 } });
    await agent.POST('/execute/kill/{process_id}', { params: { path: { process_id: holder.process_id ?? '' } } });
    const after = await agent.GET('/metrics/snapshot');
    expect(after.process).toEqual({ count: 2, running: 1 });
    await agent.POST('/execute/kill/{process_id}', { params: { path: { process_id: spinner.process_id ?? '' } } });
    expect((await agent.GET('/metrics/snapshot')).active_executions).toBe(0);
  });

  it("counts the sandbox's files as its disk use", async () => {
    const { agent } = await local.sandbox();
    const before = (await agent.GET('/system')).disk?.used ?? 0;
    await uploadFile(agent, '/workspace/four-mib.bin', new Uint8Array(4 * MiB).fill(7));
    const after = (await agent.GET('/system')).disk?.used ?? 0;
    expect(after - before).toBeGreaterThanOrEqual(4 * MiB);
    expect(after - before).toBeLessThan(5 * MiB);
  });

  it('exposes the same readings in the Prometheus text format', async () => {
    const { agent, sandbox } = await local.sandbox();
    const text = await agent.GET('/metrics/prometheus', { parseAs: 'text' });
    expect(text).toContain('# TYPE hopx_sandbox_processes gauge');
    expect(text).toContain(`sandbox_id="${sandbox.id}"`);
    const found = samples(text);
    expect(found.get('hopx_machine_cpu_cores')).toBe(availableParallelism());
    expect(found.get('hopx_machine_memory_total_bytes')).toBe(totalmem());
    expect(found.get('hopx_sandbox_executions_active')).toBe(0);
    expect(found.get('hopx_sandbox_disk_used_bytes')).toBeGreaterThan(0);
    for (const [name, value] of found) expect(Number.isFinite(value), name).toBe(true);
  });
}
