// Control Plane: template builds. An upload link for each COPY step's files (the store is
// context-store.ts), the build itself, which runs its steps on this machine in the background
// (template-builder.ts) and makes the template active with the result, its status, and its log in
// both of the spec's forms: JSON chunks polled by offset, and an event stream.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../api-error.js';
import { type BuildLogLine, BuildRecord, buildOfLogPath, buildRecords } from '../build-record.js';
import { type CallContext, type Handler, json, type Local, type Reply } from '../context.js';
import { uploadLinkFor } from '../context-store.js';
import { nextId, setBuildConfig, templateEvent } from '../custom-templates.js';
import type { SseWriter } from '../sse.js';
import type { LocalTemplate } from '../state.js';
import { type BuildPlan, type BuildStep, buildStepOf, runBuild } from '../template-builder.js';

export const buildsHandlers: Record<string, Handler> = {
  async getTemplateUploadLink(ctx) {
    const { files_hash: filesHash, content_length: contentLength } = ctx.body;
    const link = await uploadLinkFor(ctx.local, filesHash, contentLength);
    return json(
      200,
      link.present
        ? { present: true, files_hash: filesHash, request_id: ctx.requestId }
        : {
            present: false,
            upload_url: link.url,
            expires_at: link.expiresAt.toISOString(),
            files_hash: filesHash,
            request_id: ctx.requestId,
          },
    );
  },

  buildTemplate(ctx) {
    const body = ctx.body;
    const name = String(body.name).trim();
    if (!name) throw new ApiError(400, 'INVALID_REQUEST', 'a template needs a name');
    for (const key of ['cpu', 'memory', 'diskGB'] as const)
      if (!(body[key] >= 1)) throw new ApiError(400, 'INVALID_REQUEST', `${key} must be at least 1, not ${body[key]}`);
    const steps: BuildStep[] = [];
    for (const [index, step] of (body.steps ?? []).entries()) {
      const parsed = buildStepOf(step, index);
      if (typeof parsed === 'string') throw new ApiError(400, 'INVALID_REQUEST', parsed);
      steps.push(parsed);
    }
    const { state } = ctx.local;
    const existing = [...state.templates.values()].find((t) => t.name === name);
    if (existing?.builtIn)
      throw new ApiError(409, 'INVALID_REQUEST', `Template ${name} is a public template and cannot be rebuilt`);
    if (existing && !body.update)
      throw new ApiError(409, 'INVALID_REQUEST', `Template ${name} already exists; set update: true to rebuild it`);
    if (existing?.status === 'building')
      throw new ApiError(
        409,
        'INVALID_REQUEST',
        `Template ${name} is being built (build ${existing.buildId}): wait until that build ends`,
      );

    const now = new Date();
    const template: LocalTemplate = existing ?? {
      id: nextId(state),
      name,
      displayName: name,
      // A custom template has no description, category or language of its own (the JSON leaves them out).
      description: '',
      category: '',
      language: '',
      root: undefined,
      env: {},
      workdir: undefined,
      startCmd: undefined,
      status: 'building',
      isActive: false,
      isPublic: false,
      builtIn: false,
      buildId: undefined,
      errorMessage: undefined,
      createdAt: now,
      updatedAt: now,
    };
    const build = new BuildRecord(nextId(state), template);
    Object.assign(template, {
      status: 'building',
      isActive: false,
      buildId: build.id,
      errorMessage: undefined,
      updatedAt: now,
    });
    const { registry_credentials: _credentials, ...config } = body;
    setBuildConfig(template, {
      resources: { vcpu: body.cpu, memory_mb: body.memory, disk_gb: body.diskGB },
      config,
    });
    state.templates.set(template.id, template);
    buildRecords(state).set(build.id, build);
    templateEvent(ctx.local, existing ? 'template.updated' : 'template.created', template);

    const plan: BuildPlan = {
      fromImage: body.from_image,
      steps,
      startCmd: typeof body.startCmd === 'string' && body.startCmd.trim() ? body.startCmd : undefined,
      readyCmd: body.readyCmd ?? undefined,
    };
    void buildAndPublish(ctx.local, build, plan);
    return json(201, {
      build_id: build.id,
      template_id: template.id,
      status: 'building',
      logs_url: `/v1/templates/build/${build.id}/logs`,
      request_id: ctx.requestId,
    });
  },

  getTemplateBuildStatus(ctx) {
    const id = String(ctx.path.buildID);
    const build = buildRecords(ctx.local.state).get(id);
    if (!build) throw new ApiError(404, 'INVALID_REQUEST', `build ${id} not found`);
    return json(200, {
      build_id: build.id,
      template_id: build.template.id,
      status: build.status,
      progress: build.progress,
      ...(build.currentStep ? { current_step: build.currentStep } : {}),
      started_at: build.startedAt.toISOString(),
      ...(build.completedAt
        ? {
            completed_at: build.completedAt.toISOString(),
            build_duration_ms: build.completedAt.getTime() - build.startedAt.getTime(),
          }
        : {}),
      ...(build.errorMessage ? { error_message: build.errorMessage } : {}),
      request_id: ctx.requestId,
    });
  },

  getTemplateBuildLogs(ctx) {
    const id = String(ctx.path.buildID);
    const build = buildOfLogPath(ctx.local.state, id);
    if (!build)
      throw new ApiError(404, 'INVALID_REQUEST', `build ${id} not found (neither a build id nor a template id)`);
    const offset = Number(ctx.query.offset ?? 0);
    if (offset > build.lines.length)
      throw new ApiError(
        400,
        'INVALID_REQUEST',
        `offset ${offset} is past the end of the log (${build.lines.length} lines so far)`,
      );
    if (wantsEventStream(ctx.headers.accept)) return logStream(ctx, build, offset);
    const lines = build.lines.slice(offset);
    return json(200, {
      logs: lines.map((line) => `${line.message}\n`).join(''),
      offset: build.lines.length,
      status: build.status,
      complete: build.finished,
      request_id: ctx.requestId,
    });
  },
};

/** Runs the build, then makes the template what the build made of it (or failed, with why). */
async function buildAndPublish(local: Local, build: BuildRecord, plan: BuildPlan): Promise<void> {
  const { template } = build;
  const templateDir = join(local.dataDir, 'templates', template.id);
  const current = () => local.state.templates.get(template.id) === template;
  try {
    const built = await runBuild(local, build, plan, templateDir);
    if (build.cancel.signal.aborted || !current()) {
      await rm(built.root, { recursive: true, force: true });
      throw new Error('the build was cancelled');
    }
    const previous = template.root;
    Object.assign(template, {
      root: built.root,
      env: built.env,
      workdir: built.workdir,
      startCmd: built.startCmd,
      status: 'active',
      isActive: true,
      errorMessage: undefined,
      updatedAt: new Date(),
    });
    // Sandboxes made from the previous build have their own copies of it.
    if (previous && previous !== built.root) await rm(previous, { recursive: true, force: true });
    const seconds = ((Date.now() - build.startedAt.getTime()) / 1000).toFixed(1);
    build.finish('active', `✅ Build completed in ${seconds}s: template ${template.name} (${template.id}) is active`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    build.errorMessage = message;
    if (current())
      Object.assign(template, { status: 'failed', isActive: false, errorMessage: message, updatedAt: new Date() });
    build.finish('failed', `❌ ERROR ${message}`);
  }
  if (current()) templateEvent(local, 'template.status_changed', template);
}

/** The event-stream form: the lines after `offset` (or after Last-Event-ID), then each new one until the last. */
function logStream(ctx: CallContext, build: BuildRecord, offset: number): Reply {
  const resumeAt = resumeOffset(ctx.headers['last-event-id'], build) ?? offset;
  return {
    kind: 'sse',
    async run(writer: SseWriter) {
      const send = (line: BuildLogLine) =>
        writer.send({
          id: `${build.id}-${line.offset}`,
          event: 'log',
          data: {
            offset: line.offset,
            message: line.message,
            level: line.level,
            status: line.status,
            complete: line.complete,
            timestamp: line.timestamp,
          },
        });
      for (const line of build.lines.slice(resumeAt)) send(line);
      if (build.finished) return;
      await new Promise<void>((resolve) => {
        const unsubscribe = build.subscribe((line) => {
          send(line);
          if (line.complete) {
            unsubscribe();
            resolve();
          }
        });
        void writer.closed.then(() => {
          unsubscribe();
          resolve();
        });
      });
    },
  };
}

/** Event ids are `<build id>-<offset>`: an id of this build resumes after its line. */
function resumeOffset(lastEventId: string | string[] | undefined, build: BuildRecord): number | undefined {
  if (typeof lastEventId !== 'string') return undefined;
  const match = /^(.+)-(\d+)$/.exec(lastEventId);
  if (!match || match[1] !== build.id) return undefined;
  return Math.min(Number(match[2]), build.lines.length);
}

/** True when the client prefers an event stream to JSON (`Accept: text/event-stream[, application/json;q=0.5]`). */
export function wantsEventStream(accept: string | undefined): boolean {
  if (!accept) return false;
  let events = 0;
  let jsonQ = 0;
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((s) => s.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (type === 'text/event-stream') events = q;
    else if (type === 'application/json' || type === 'application/*' || type === '*/*') jsonQ = Math.max(jsonQ, q);
  }
  return events > 0 && events >= jsonQ;
}
