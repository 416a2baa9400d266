// Template builds in workspace mode (no namespaces): steps run in the template's own workspace
// folder, and a sandbox of the template starts from a copy of it. Absolute paths are this
// machine's in this mode, so the steps here stay in /workspace.
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { buildTemplate } from '../../src/template-build/index.js';
import { contextDir, removeDir } from './builds-support.js';
import { useLocalHopx } from './local-harness.js';

const harness = useLocalHopx({ isolation: 'workspace' });

it('runs the steps in the template workspace and starts sandboxes from a copy of it', async () => {
  expect(harness.local.isolation.mode).toBe('workspace');
  const context = await contextDir({ 'notes/today.txt': 'copied in workspace mode\n' });
  try {
    const built = await buildTemplate(
      harness.hopx,
      {
        name: 'workspace-built',
        fromImage: 'ubuntu:22.04',
        steps: [
          { copy: 'notes', to: '/workspace/notes' },
          { env: { MODE: 'workspace' } },
          { workdir: '/workspace/notes' },
          { run: 'pwd; echo "$MODE" > mode.txt; cat today.txt' },
        ],
      },
      { contextDir: context, pollInterval: 100, activeTimeout: 10_000 },
    );
    const logs = await harness.hopx.GET('/v1/templates/build/{buildID}/logs', {
      params: { path: { buildID: built.buildId }, query: { offset: 0 } },
    });
    const lines = logs.logs?.split('\n') ?? [];
    // In workspace mode the build's `/` is its folder on this machine: pwd says where that is.
    const pwd = lines[lines.indexOf('Step 4/4: RUN pwd; echo "$MODE" > mode.txt; cat today.txt') + 1] ?? '';
    expect(pwd).toMatch(/\/workspace\/notes$/);
    expect(pwd.startsWith(harness.local.dataDir)).toBe(true);
    expect(lines).toContain('copied in workspace mode');

    const { sandbox, agent } = await harness.sandbox({ template_name: 'workspace-built' });
    try {
      // Commands start in the template's WORKDIR, in the sandbox's own copy of it.
      const result = await agent.POST('/commands/run', {
        body: { command: 'bash', args: ['-c', 'pwd; cat today.txt mode.txt; echo "$MODE"'] },
      });
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(
        `${harness.local.dataDir}/sandboxes/${sandbox.id}/root/workspace/notes\ncopied in workspace mode\nworkspace\nworkspace\n`,
      );
      // The build's own folder is gone: the sandbox has its own copy.
      const copy = await readFile(
        `${harness.local.dataDir}/sandboxes/${sandbox.id}/root/workspace/notes/mode.txt`,
        'utf8',
      );
      expect(copy).toBe('workspace\n');
    } finally {
      await harness.hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: sandbox.id } } });
    }
  } finally {
    await removeDir(context);
  }
});
