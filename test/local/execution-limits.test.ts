// The local HopX's limit on processes per sandbox: a run beyond it is refused (a 500, the only
// server-side failure these operations document), and room comes back when a run ends.
import { describe, expect, it } from 'vitest';
import { useLocalHopx } from './local-harness.js';

const harness = useLocalHopx({ limits: { processesPerSandbox: 2 } });

describe('processes per sandbox', () => {
  it('refuses runs beyond the limit and accepts them again once a run has ended', async () => {
    const { agent, agentResult } = await harness.sandbox();
    const first = await agent.POST('/execute/background', { body: { code: 'sleep 961', language: 'bash' } });
    await agent.POST('/commands/background', { body: { command: 'sleep', args: ['962'], timeout: 60 } });

    const refused = await agentResult.POST('/execute', {
      body: { code: 'print(1)', language: 'python' },
      maxRetries: 0,
    });
    expect(refused.response.status).toBe(500);
    expect(refused.error).toMatchObject({ code: 'EXECUTION_FAILED' });
    expect(refused.error?.error).toContain('limit');
    const command = await agentResult.POST('/commands/run', { body: { command: 'true' }, maxRetries: 0 });
    expect(command.response.status).toBe(500);
    expect(command.error?.code).toBe('COMMAND_FAILED');
    const cell = await agentResult.POST('/execute/ipython', { body: { code: '1' }, maxRetries: 0 });
    expect(cell.response.status).toBe(500);
    // Another sandbox has its own allowance.
    const other = await harness.sandbox();
    expect((await other.agent.POST('/execute', { body: { code: 'echo free', language: 'bash' } })).stdout).toBe(
      'free\n',
    );

    await agent.POST('/execute/kill/{process_id}', { params: { path: { process_id: first.process_id } } });
    const accepted = await agent.POST('/execute', { body: { code: 'print("room again")', language: 'python' } });
    expect(accepted.stdout).toBe('room again\n');
  });
});
