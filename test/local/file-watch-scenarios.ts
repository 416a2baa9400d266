// `/files/watch` through our client (watchFiles), as scenarios each isolation mode's file runs.
import { describe, expect, it } from 'vitest';
import {
  type AgentSocket,
  type AnyAgentClient,
  HopxStreamError,
  runCode,
  type ThrowingAgentClient,
  watchFiles,
} from '../../src/index.js';
import type { LocalHarness } from './local-harness.js';
import { nextMatching } from './sockets-support.js';

type Change = { type: 'change'; path: string; event: string };

/**
 * The protocol has no acknowledgement of the watch: write probe files beside it until one is
 * reported, so that what the test does next happens while the watch is known to be live.
 */
async function untilLive(agent: ThrowingAgentClient, watch: AgentSocket<'/files/watch'>, folder: string) {
  let seen = false;
  const probing = (async () => {
    for (let n = 0; !seen; n++) {
      await agent.POST('/files/write', { body: { path: `${folder}/.probe-${n}`, content: 'probe' } });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  await nextMatching(watch, (m) => m.path.startsWith(`${folder}/.probe-`));
  seen = true;
  await probing;
}

/**
 * Runs `command` in the sandbox's workspace, then touches a marker there: the changes read up to the
 * marker's are exactly the ones the command made (inotify keeps one queue, in order).
 */
async function step(agent: AnyAgentClient, watch: AgentSocket<'/files/watch'>, command: string): Promise<string[]> {
  const marker = `.step-${Math.random().toString(36).slice(2)}`;
  await bash(agent, `${command} && touch ${marker}`);
  const seen: string[] = [];
  for (;;) {
    const change = (await nextMatching(watch, () => true)) as Change;
    if (change.path === `/workspace/${marker}`) return seen;
    // Earlier markers still report their touch (times set: modified); probes and markers are the test's own.
    if (!/^\/workspace\/\.(probe|step)-/.test(change.path)) seen.push(`${change.path} ${change.event}`);
  }
}

const bash = (agent: AnyAgentClient, code: string) => runCode(agent, { code, language: 'bash' });

export function fileWatchScenarios(local: LocalHarness) {
  describe('/files/watch', () => {
    it('reports a file written through POST /files/write as created, written again as modified, removed as deleted', async () => {
      const { agent } = await local.sandbox();
      const watch = await watchFiles(agent, '/workspace', { idleTimeout: 5_000 });
      await untilLive(agent, watch, '/workspace');
      const path = '/workspace/notes.txt';
      await agent.POST('/files/write', { body: { path, content: 'one' } });
      // The first change a write makes is the file itself: never the file API's staging file.
      expect(await nextMatching(watch, (m) => !m.path.startsWith('/workspace/.probe-'))).toEqual({
        type: 'change',
        path,
        event: 'created',
        timestamp: expect.any(String),
      });
      await agent.POST('/files/write', { body: { path, content: 'two' } });
      expect(await nextMatching(watch, (m) => m.path === path)).toMatchObject({ event: 'modified' });
      await agent.DELETE('/files/remove', { params: { query: { path } } });
      expect(await nextMatching(watch, (m) => m.path === path)).toMatchObject({ event: 'deleted' });
      watch.close();
    });

    it("sees what the sandbox's own code does, at any depth: a new tree, an append, a move, a removal", async () => {
      const { agent } = await local.sandbox();
      const watch = await watchFiles(agent, '/workspace', { idleTimeout: 5_000 });
      await untilLive(agent, watch, '/workspace');
      // A file written right after it was made is also reported modified: only its first report is asserted.
      const made = await step(agent, watch, 'mkdir -p deep/er && echo x > deep/er/file.txt');
      expect(made.filter((change) => !change.endsWith(' modified'))).toEqual([
        '/workspace/deep created',
        '/workspace/deep/er created',
        '/workspace/deep/er/file.txt created',
      ]);
      const appended = await step(agent, watch, 'echo more >> deep/er/file.txt');
      expect(new Set(appended)).toEqual(new Set(['/workspace/deep/er/file.txt modified']));
      const moved = await step(agent, watch, 'mv deep/er/file.txt deep/moved.txt');
      expect(new Set(moved)).toEqual(
        new Set(['/workspace/deep/er/file.txt deleted', '/workspace/deep/moved.txt created']),
      );
      const removal = await step(agent, watch, 'rm -rf deep');
      expect(new Set(removal)).toEqual(
        new Set(['/workspace/deep/moved.txt deleted', '/workspace/deep/er deleted', '/workspace/deep deleted']),
      );
      // Whatever was inside goes before its folder.
      expect(removal.at(-1)).toBe('/workspace/deep deleted');
      watch.close();
    });

    it('watches only under the folder it was given', async () => {
      const { agent } = await local.sandbox();
      await agent.POST('/files/mkdir', { body: { path: '/workspace/inner' } });
      const watch = await watchFiles(agent, '/workspace/inner', { idleTimeout: 5_000 });
      await untilLive(agent, watch, '/workspace/inner');
      await bash(agent, 'echo out > outside.txt && echo in > inner/inside.txt');
      const next = await nextMatching(watch, (m) => !m.path.startsWith('/workspace/inner/.probe-'));
      expect(next).toMatchObject({ path: '/workspace/inner/inside.txt', event: 'created' });
      watch.close();
    });

    it('reports the watched folder removed, then ends with DIRECTORY_NOT_FOUND', async () => {
      const { agent } = await local.sandbox();
      await agent.POST('/files/mkdir', { body: { path: '/workspace/doomed' } });
      const watch = await watchFiles(agent, '/workspace/doomed', { idleTimeout: 5_000 });
      await untilLive(agent, watch, '/workspace/doomed');
      await bash(agent, 'rm -rf doomed');
      expect(await nextMatching(watch, (m) => m.path === '/workspace/doomed')).toMatchObject({ event: 'deleted' });
      const end = await watch.next().catch((e) => e);
      expect(end).toBeInstanceOf(HopxStreamError);
      expect(end.code).toBe('DIRECTORY_NOT_FOUND');
    });

    it('refuses what it cannot watch, with the spec codes', async () => {
      const { agent } = await local.sandbox();
      await agent.POST('/files/write', { body: { path: '/workspace/a-file.txt', content: 'x' } });
      const failure = async (path: string) =>
        (await watchFiles(agent, path, { idleTimeout: 5_000 })).next().catch((e) => e);
      const outside = await failure('/workspace/../../..');
      expect(outside).toBeInstanceOf(HopxStreamError);
      expect(outside.code).toBe('PATH_NOT_ALLOWED');
      expect((await failure('/workspace/nowhere')).code).toBe('DIRECTORY_NOT_FOUND');
      expect((await failure('/workspace/a-file.txt')).code).toBe('INVALID_PATH');
    });
  });
}
