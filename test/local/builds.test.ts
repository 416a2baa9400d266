// Template builds that really run, through our client's buildTemplate: COPY, ENV, WORKDIR and RUN
// make a template whose sandboxes start from what the build made; a failing RUN, a RUN that needs
// the network and a COPY whose files were never uploaded fail the build with the reason in its log.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildLogEvent } from '../../src/index.js';
import { buildTemplate, HopxTemplateBuildError } from '../../src/template-build/index.js';
import { contextDir, removeDir } from './builds-support.js';
import { useLocalHopx } from './local-harness.js';

const harness = useLocalHopx();
const fast = { pollInterval: 200, activeTimeout: 20_000 };

describe('a template build', () => {
  let context: string;
  const log: BuildLogEvent[] = [];
  let built: Awaited<ReturnType<typeof buildTemplate>>;

  beforeAll(async () => {
    // Whole-second mtimes: the archive keeps those exactly, so the store can re-derive files_hash.
    context = await contextDir(
      { 'data.txt': 'copied from the build context\n', 'app/main.py': 'print("main of the app")\n' },
      new Date(1_760_000_000_000),
    );
    built = await buildTemplate(
      harness.hopx,
      {
        name: 'built-by-steps',
        fromImage: 'python:3.11-slim',
        steps: [
          { copy: ['data.txt', 'app'], to: '/opt/app/' },
          { env: { GREETING: 'hello from the template' } },
          { workdir: '/opt/app' },
          {
            run: 'echo "building in $(pwd) with $GREETING"; ls; cp data.txt copy-by-run.txt; echo written > run-output.txt',
          },
        ],
      },
      { contextDir: context, onLog: (event) => log.push(event), ...fast },
    );
  }, 25_000);

  afterAll(() => removeDir(context));

  it('ends active, with its status and the template saying so', async () => {
    expect(built.build.status).toBe('active');
    expect(built.build.progress).toBe(100);
    expect(built.template).toMatchObject({ name: 'built-by-steps', status: 'active', is_active: true });
    const byName = await harness.hopx.GET('/v1/templates/{name}', { params: { path: { name: 'built-by-steps' } } });
    expect(byName.id).toBe(built.templateId);
    expect(byName.build_id).toBe(built.buildId);
    expect(byName.default_resources).toEqual({ vcpu: 2, memory_mb: 2048, disk_gb: 10 });
  });

  it("logs each step and the commands' real output, as events and as JSON chunks", async () => {
    const messages = log.map((event) => event.message);
    expect(messages).toContain(
      'Step 4/4: RUN echo "building in $(pwd) with $GREETING"; ls; cp data.txt copy-by-run.txt; echo written > run-output.txt',
    );
    expect(messages).toContain('building in /opt/app with hello from the template');
    // `ls` in the workdir lists what COPY put there: the directory's contents and the file.
    expect(messages).toEqual(expect.arrayContaining(['data.txt', 'main.py']));
    expect(messages.some((m) => m?.includes('files_hash') && m.includes('it matches'))).toBe(true);
    expect(log.find((e) => e.message?.startsWith('⚠ FROM python:3.11-slim'))?.level).toBe('WARN');
    expect(log.at(-1)).toMatchObject({ status: 'active', complete: true });

    // The SDKs read the log as JSON by template id, polling with the offset it hands back.
    const first = await harness.hopx.GET('/v1/templates/build/{buildID}/logs', {
      params: { path: { buildID: built.templateId }, query: { offset: 0 } },
    });
    expect(first.complete).toBe(true);
    expect(first.status).toBe('active');
    expect(first.logs?.split('\n').filter(Boolean)).toEqual(messages);
    const rest = await harness.hopx.GET('/v1/templates/build/{buildID}/logs', {
      params: { path: { buildID: built.buildId }, query: { offset: 3 } },
    });
    expect(rest.logs?.split('\n').filter(Boolean)).toEqual(messages.slice(3));
    expect(rest.offset).toBe(first.offset);
  });

  it('streams its log as events, resuming after Last-Event-ID', async () => {
    const answer = await fetch(`${harness.local.url}/v1/templates/build/${built.buildId}/logs`, {
      headers: {
        'x-api-key': harness.local.apiKey,
        accept: 'text/event-stream',
        'last-event-id': `${built.buildId}-3`,
      },
    });
    expect(answer.headers.get('content-type')).toBe('text/event-stream');
    const text = await answer.text();
    expect(text.startsWith('retry: ')).toBe(true);
    const events = text
      .split('\n\n')
      .filter((block) => block.includes('data: '))
      .map((block) => ({
        id: /^id: (.*)$/m.exec(block)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? '{}'),
      }));
    expect(events[0]).toMatchObject({ id: `${built.buildId}-4`, data: { offset: 4, message: log[3]?.message } });
    expect(events.map((e) => e.data.message)).toEqual(log.slice(3).map((e) => e.message));
    expect(events.at(-1)?.data).toMatchObject({ status: 'active', complete: true, level: 'INFO' });
  });

  it('gives its sandboxes the copied files, the ENV, the WORKDIR and what RUN wrote', async () => {
    const { sandbox, agent } = await harness.sandbox({ template_name: 'built-by-steps' });
    try {
      const result = await agent.POST('/commands/run', {
        body: {
          command: 'bash',
          args: [
            '-c',
            'cat /opt/app/data.txt /opt/app/main.py /opt/app/copy-by-run.txt /opt/app/run-output.txt; echo "$GREETING"',
          ],
        },
      });
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(
        [
          'copied from the build context',
          'print("main of the app")',
          'copied from the build context',
          'written',
          'hello from the template',
          '',
        ].join('\n'),
      );
      expect(result.exit_code).toBe(0);
    } finally {
      await harness.hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: sandbox.id } } });
    }
  });
});

it("carries a RUN's deletion of one of this machine's files into its sandboxes, without touching the file", async () => {
  // A file of our own on this machine: in namespace mode the build only hides it (an overlay
  // whiteout, which every sandbox's copy of the template keeps), in workspace mode it really goes.
  // Not under /tmp, which a namespace build has a private one of.
  const marker = join(await mkdtemp('/var/tmp/hopx-whiteout-'), 'delete-me.txt');
  await writeFile(marker, 'the build deletes this\n');
  const context = await contextDir({});
  try {
    await buildTemplate(
      harness.hopx,
      { name: 'deletes-a-file', fromImage: 'ubuntu:22.04', steps: [{ run: `rm ${marker} && echo removed` }] },
      { contextDir: context, ...fast },
    );
    const { sandbox, agent } = await harness.sandbox({ template_name: 'deletes-a-file' });
    const seen = await agent.POST('/commands/run', {
      body: { command: 'bash', args: ['-c', `test -e ${marker} && echo present || echo absent`] },
    });
    expect(seen.stdout).toBe('absent\n');
    if (harness.local.isolation.mode === 'namespace')
      expect(await readFile(marker, 'utf8')).toBe('the build deletes this\n');
    await harness.hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: sandbox.id } } });
  } finally {
    await removeDir(context);
    await removeDir(dirname(marker));
  }
});

describe('a build that fails', () => {
  it('fails on a RUN that exits 3, with the output and the exit status in its log', async () => {
    const context = await contextDir({});
    try {
      const error = await buildTemplate(
        harness.hopx,
        { name: 'exits-three', fromImage: 'ubuntu:22.04', steps: [{ run: 'echo about to fail; exit 3' }] },
        { contextDir: context, ...fast },
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HopxTemplateBuildError);
      const failure = error as HopxTemplateBuildError;
      expect(failure.message).toContain(
        'Step 1/1: RUN echo about to fail; exit 3 failed: command exited with status 3',
      );
      expect(failure.logTail).toContain('about to fail');
      expect(failure.logTail.at(-1)).toBe(
        '❌ ERROR Step 1/1: RUN echo about to fail; exit 3 failed: command exited with status 3',
      );
      const status = await harness.hopx.GET('/v1/templates/build/{buildID}/status', {
        params: { path: { buildID: failure.buildId } },
      });
      expect(status).toMatchObject({ status: 'failed', current_step: 'Step 1/1: RUN echo about to fail; exit 3' });
      expect(status.error_message).toBe(
        'Step 1/1: RUN echo about to fail; exit 3 failed: command exited with status 3',
      );
      const template = await harness.hopx.GET('/v1/templates/{name}', { params: { path: { name: 'exits-three' } } });
      expect(template).toMatchObject({ status: 'failed', is_active: false });
      // A failed template starts no sandbox.
      const refused = await harness.hopx
        .POST('/v1/sandboxes', { body: { template_name: 'exits-three' } })
        .catch((e: { status?: number }) => e);
      expect(refused).toMatchObject({ status: 400 });
    } finally {
      await removeDir(context);
    }
  });

  it('fails on a pip install that needs the network, with pip’s own output in its log', async () => {
    const context = await contextDir({});
    try {
      // `--target` makes pip fetch requests even though this machine's Python has it installed.
      const error = await buildTemplate(
        harness.hopx,
        {
          name: 'needs-the-network',
          fromImage: 'python:3.11-slim',
          steps: [{ run: 'python3 -m pip install --retries 1 --target /opt/deps requests' }],
        },
        { contextDir: context, ...fast },
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HopxTemplateBuildError);
      const logs = await harness.hopx.GET('/v1/templates/build/{buildID}/logs', {
        params: { path: { buildID: (error as HopxTemplateBuildError).buildId }, query: { offset: 0 } },
      });
      expect(logs.status).toBe('failed');
      expect(logs.logs).toContain('ERROR: Could not find a version that satisfies the requirement requests');
      expect(logs.logs).toMatch(
        /Failed to establish a new connection|Name or service not known|Network is unreachable/,
      );
      expect(logs.logs).toContain('failed: command exited with status 1');
    } finally {
      await removeDir(context);
    }
  });

  it('fails on a COPY whose files were never uploaded', async () => {
    const build = await harness.hopx.POST('/v1/templates/build', {
      body: {
        name: 'copies-nothing',
        from_image: 'ubuntu:22.04',
        cpu: 1,
        memory: 512,
        diskGB: 1,
        steps: [{ type: 'COPY', args: ['app', '/opt/app'], filesHash: 'f'.repeat(64) }],
      },
    });
    let status = await harness.hopx.GET('/v1/templates/build/{buildID}/status', {
      params: { path: { buildID: build.build_id } },
    });
    for (let i = 0; status.status === 'building' && i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await harness.hopx.GET('/v1/templates/build/{buildID}/status', {
        params: { path: { buildID: build.build_id } },
      });
    }
    expect(status.status).toBe('failed');
    expect(status.error_message).toBe(
      `Step 1/1: COPY app /opt/app failed: no build context with files_hash ${'f'.repeat(64)} was uploaded to this local HopX: COPY has no files to copy`,
    );
  });
});
