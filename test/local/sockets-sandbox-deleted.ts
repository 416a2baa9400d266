// A sandbox deleted while its streams are open: every socket ends, no process of it is left on
// this machine, and the local HopX goes on serving. Run by each isolation mode's file.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HopxStreamClosedError, openTerminal, runCode, streamExecution, watchFiles } from '../../src/index.js';
import type { LocalHarness } from './local-harness.js';
import { processesWith, waitFor } from './sockets-support.js';
import { transcript } from './terminal-scenarios.js';

export function sandboxDeletedScenarios(local: LocalHarness) {
  describe('a sandbox deleted while its streams are open', () => {
    it('ends the terminal, the watch and the run; kills the shell, its job and the run; the server goes on', async () => {
      const mark = randomUUID();
      const { sandbox, agent } = await local.sandbox({ env_vars: { TEST_MARK: mark } });
      const terminal = await openTerminal(agent);
      const screen = transcript(terminal);
      terminal.write('sleep 300 &\necho job-$((2+3))\n');
      await screen.until(/job-5/);
      const watch = await watchFiles(agent, '/workspace', { idleTimeout: 10_000 });
      const run = await streamExecution(agent, { code: 'echo running; sleep 300', language: 'bash' });
      expect(await run.next()).toMatchObject({ value: { type: 'stdout', data: 'running\n' } });
      const before = await processesWith('TEST_MARK', mark);
      // At least the shell, its job, and the run.
      expect(before.length).toBeGreaterThanOrEqual(3);

      const watchEnd = watch.next().catch((e) => e);
      const runEnd = run.next().catch((e) => e);
      await local.hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: sandbox.id } } });

      expect(await terminal.exitCode.catch((e) => e)).toBeInstanceOf(HopxStreamClosedError);
      expect(await watchEnd).toBeInstanceOf(HopxStreamClosedError);
      expect(await runEnd).toBeInstanceOf(HopxStreamClosedError);
      await waitFor('every process of the sandbox to be gone', async () => {
        const left = await processesWith('TEST_MARK', mark);
        return left.length === 0 && before.every((pid) => !isAlive(pid));
      });

      const next = await local.sandbox();
      expect(await runCode(next.agent, { code: 'print(6*7)' })).toMatchObject({ stdout: '42\n', exitCode: 0 });
      // The deleted sandbox's agent takes no more connections.
      await expect(openTerminal(agent, { connectTimeout: 2_000 })).rejects.toThrow();
    });
  });
}

/** Whether a PID is still a live process (a zombie awaiting its parent is not). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
