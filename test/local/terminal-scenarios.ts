// `/terminal` through our client (openTerminal), as scenarios each isolation mode's file runs.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openTerminal, type TerminalSession } from '../../src/index.js';
import type { LocalHarness } from './local-harness.js';
import { processesWith, waitFor } from './sockets-support.js';

/** What the terminal printed so far, read in the background; `until` waits for a pattern. */
export function transcript(terminal: TerminalSession) {
  let text = '';
  const reading = (async () => {
    for await (const chunk of terminal.output) text += chunk;
  })();
  reading.catch(() => {});
  return {
    text: () => text,
    until: (pattern: RegExp) => waitFor(`${pattern} in the terminal`, () => pattern.test(text)),
  };
}

export function terminalScenarios(local: LocalHarness) {
  describe('/terminal', () => {
    it('is a real shell: echo hi-$((6*7)) prints hi-42, and exit 3 ends it with code 3', async () => {
      const { agent } = await local.sandbox();
      const terminal = await openTerminal(agent);
      terminal.write('echo hi-$((6*7))\nexit 3\n');
      let printed = '';
      for await (const chunk of terminal.output) printed += chunk;
      // The typed line echoes as `hi-$((6*7))`: only the shell's arithmetic prints hi-42.
      expect(printed).toContain('hi-42');
      expect(await terminal.exitCode).toBe(3);
    });

    it("runs in the sandbox's workspace, with its variables, on a real terminal", async () => {
      const { agent } = await local.sandbox({ env_vars: { GREETING: 'hello-from-the-sandbox' } });
      const terminal = await openTerminal(agent);
      const screen = transcript(terminal);
      // A line's output follows the `\r` that ends bash's bracketed-paste mode (ESC[?2004l).
      terminal.write('echo "$GREETING"; pwd; tty\nexit\n');
      expect(await terminal.exitCode).toBe(0);
      expect(screen.text()).toMatch(/\rhello-from-the-sandbox\r\n/);
      expect(screen.text()).toMatch(/\/workspace\r\n/);
      expect(screen.text()).toMatch(/\r\n\/dev\/pts\/\d+\r\n/);
    });

    it('takes its size from the client and follows resize messages', async () => {
      const { agent } = await local.sandbox();
      const terminal = await openTerminal(agent, { cols: 100, rows: 30 });
      const screen = transcript(terminal);
      terminal.write('stty size\n');
      await screen.until(/\r30 100\r\n/);
      terminal.resize(132, 43);
      terminal.write('stty size\n');
      await screen.until(/\r43 132\r\n/);
      terminal.write('exit\n');
      expect(await terminal.exitCode).toBe(0);
    });

    it('reports a shell ended by a signal as 128 + its number (kill -9: 137)', async () => {
      const { agent } = await local.sandbox();
      const terminal = await openTerminal(agent);
      terminal.write('kill -9 $$\n');
      expect(await terminal.exitCode).toBe(137);
    });

    it('closing the socket kills the shell and the jobs it started', async () => {
      const mark = randomUUID();
      const { agent } = await local.sandbox({ env_vars: { TEST_MARK: mark } });
      const terminal = await openTerminal(agent);
      const screen = transcript(terminal);
      terminal.write('sleep 300 &\necho started-$((1+1))\n');
      await screen.until(/started-2/);
      // The shell and its job (and, in namespace mode, the nsenter that leads the session).
      expect((await processesWith('TEST_MARK', mark)).length).toBeGreaterThanOrEqual(2);
      terminal.close();
      await waitFor(
        'the shell and its job to be killed',
        async () => (await processesWith('TEST_MARK', mark)).length === 0,
      );
    });
  });
}
