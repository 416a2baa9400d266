// Templates: the built-in ones, found by name or id and filtered like the SDKs filter them; custom
// ones that a build makes, rebuilds only when asked (409 otherwise) and deletes (never a built-in
// one, nor one that a sandbox runs from); every change on the template event stream.
import { describe, expect, it } from 'vitest';
import { type HopxApiError, streamTemplateEvents } from '../../src/index.js';
import { buildEnded } from './builds-support.js';
import { take, watchedClient } from './cp-streams-support.js';
import { useLocalHopx } from './local-harness.js';

const harness = useLocalHopx();

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: HopxApiError) => error,
  );

const runStep = (command: string) => ({ type: 'RUN' as const, args: [command] });

describe('the built-in templates', () => {
  it('are listed, filtered by category and language, and found by name or id', async () => {
    const list = await harness.hopx.GET('/v1/templates');
    expect(list).toMatchObject({ object: 'list', has_more: false, url: '/v1/templates' });
    expect(list.data?.map((t) => t.name)).toEqual(expect.arrayContaining(['code-interpreter', 'base']));

    const python = await harness.hopx.GET('/v1/templates', {
      params: { query: { category: 'development', language: 'python' } },
    });
    expect(python.data?.map((t) => t.name)).toEqual(['code-interpreter']);
    const none = await harness.hopx.GET('/v1/templates', { params: { query: { language: 'cobol' } } });
    expect(none.data).toBeNull();

    const byName = await harness.hopx.GET('/v1/templates/{name}', { params: { path: { name: 'base' } } });
    expect(byName).toMatchObject({ name: 'base', status: 'active', is_active: true, is_public: true });
    const byId = await harness.hopx.GET('/v1/templates/{name}', { params: { path: { name: byName.id } } });
    expect(byId.name).toBe('base');
    const missing = await failure(
      harness.hopx.GET('/v1/templates/{name}', { params: { path: { name: 'no-such-template' } } }),
    );
    expect(missing.status).toBe(404);
  });

  it('cannot be deleted or rebuilt', async () => {
    const deleted = await failure(
      harness.hopx.DELETE('/v1/templates/{name}', { params: { path: { name: 'code-interpreter' } } }),
    );
    expect(deleted).toMatchObject({ status: 403, body: { code: 'PERMISSION_DENIED' } });
    const rebuilt = await failure(
      harness.hopx.POST('/v1/templates/build', {
        body: {
          name: 'base',
          from_image: 'ubuntu:22.04',
          cpu: 1,
          memory: 512,
          diskGB: 1,
          update: true,
          steps: [runStep('true')],
        },
      }),
    );
    expect(rebuilt.status).toBe(409);
  });
});

describe('a custom template', () => {
  it('being built is deleted: its build stops and says so', async () => {
    const started = await harness.hopx.POST('/v1/templates/build', {
      body: {
        name: 'slow-tool',
        from_image: 'ubuntu:22.04',
        cpu: 1,
        memory: 512,
        diskGB: 1,
        steps: [runStep('echo started; sleep 30')],
      },
    });
    // Wait until the RUN step is under way.
    for (let i = 0; i < 100; i++) {
      const logs = await harness.hopx.GET('/v1/templates/build/{buildID}/logs', {
        params: { path: { buildID: started.build_id }, query: { offset: 0 } },
      });
      if (logs.logs?.includes('started')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await harness.hopx.DELETE('/v1/templates/{name}', { params: { path: { name: 'slow-tool' } } });
    const status = await buildEnded(harness.hopx, started.build_id, 5_000);
    expect(status).toMatchObject({
      status: 'failed',
      error_message: 'Step 1/1: RUN echo started; sleep 30 failed: the build was cancelled',
    });
    expect(status.build_duration_ms).toBeLessThan(10_000);
  });

  it('is built, rebuilt only with update, kept while a sandbox uses it, deleted, and streamed', async () => {
    const watcher = watchedClient(harness.local);
    const stream = streamTemplateEvents(watcher.client, { idleTimeout: 20_000 });
    const events = stream[Symbol.asyncIterator]();
    const receiving = take(events, 5);
    await watcher.connected(1);
    try {
      const body = { name: 'my-tool', from_image: 'ubuntu:22.04', cpu: 1, memory: 512, diskGB: 1 };
      const started = await harness.hopx.POST('/v1/templates/build', {
        body: { ...body, steps: [runStep('echo first build')], startCmd: null, readyCmd: null },
      });
      expect(started).toMatchObject({ status: 'building', logs_url: `/v1/templates/build/${started.build_id}/logs` });
      expect(started.build_id).not.toBe(started.template_id);
      expect((await buildEnded(harness.hopx, started.build_id)).status).toBe('active');

      const listed = await harness.hopx.GET('/v1/templates');
      const item = listed.data?.find((t) => t.name === 'my-tool');
      expect(item).toMatchObject({ id: started.template_id, status: 'active', is_active: true, is_public: false });
      expect(item).not.toHaveProperty('description');

      const again = await failure(
        harness.hopx.POST('/v1/templates/build', { body: { ...body, steps: [runStep('true')] } }),
      );
      expect(again.status).toBe(409);
      expect(again.message).toContain('Template my-tool already exists; set update: true to rebuild it');

      const rebuilt = await harness.hopx.POST('/v1/templates/build', {
        body: { ...body, update: true, steps: [runStep('echo second build')] },
      });
      expect(rebuilt.template_id).toBe(started.template_id);
      expect(rebuilt.build_id).not.toBe(started.build_id);
      expect((await buildEnded(harness.hopx, rebuilt.build_id)).status).toBe('active');
      const template = await harness.hopx.GET('/v1/templates/{name}', { params: { path: { name: 'my-tool' } } });
      expect(template).toMatchObject({
        build_id: rebuilt.build_id,
        fluent_api_config: { steps: [runStep('echo second build')] },
      });

      const { sandbox } = await harness.sandbox({ template_name: 'my-tool' });
      const inUse = await failure(
        harness.hopx.DELETE('/v1/templates/{name}', { params: { path: { name: 'my-tool' } } }),
      );
      expect(inUse.status).toBe(409);
      await harness.hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id: sandbox.id } } });

      const deleted = await harness.hopx.DELETE('/v1/templates/{name}', {
        params: { path: { name: started.template_id } },
      });
      expect(deleted).toMatchObject({ id: started.template_id, name: 'my-tool', deleted: true });
      const gone = await failure(harness.hopx.GET('/v1/templates/{name}', { params: { path: { name: 'my-tool' } } }));
      expect(gone.status).toBe(404);

      const [created, ...rest] = (await receiving).map((e) => e.data);
      expect([created, ...rest].map((e) => [e?.type, e?.status])).toEqual([
        ['template.created', 'building'],
        ['template.status_changed', 'active'],
        ['template.updated', 'building'],
        ['template.status_changed', 'active'],
        ['template.deleted', 'active'],
      ]);
      expect(created).toMatchObject({ template_id: started.template_id, template: { name: 'my-tool' } });
    } finally {
      stream.close();
    }
  });
});
