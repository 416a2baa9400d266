// The template build flow, end to end: hash and pack each COPY step's files, upload them through a
// presigned link (skipped when the platform already has them), start the build, follow its log,
// and wait until the template is active, or fail with the build's own error.
import { openAsBlob } from 'node:fs';
import type { components } from '../../generated/schema.js';
import type { ControlPlaneClient, ThrowingControlPlaneClient } from '../control-plane-client.js';
import {
  abortedError,
  apiErrorFrom,
  HopxConfigError,
  HopxConnectionError,
  HopxError,
  HopxRedirectError,
  HopxTimeoutError,
} from '../errors.js';
import { abortableSleep } from '../internal/abortable-sleep.js';
import { resultClientOf } from '../internal/create-api-client.js';
import { normalizeErrorBody } from '../internal/error-body.js';
import { redactText } from '../internal/secrets.js';
import { dataOf } from '../results.js';
import { type BuildLogEvent, followBuildLogs } from '../streams/build-logs.js';
import { hashCopyStep } from './files-hash.js';
import { packContext } from './pack-context.js';

type Schemas = components['schemas'];
type ApiStep = Schemas['TemplateBuildCommandStep'];

/** One build step. FROM is not a step: it is `fromImage`. */
export type TemplateStep =
  | { run: string; skipCache?: boolean }
  | { copy: string | string[]; to: string; skipCache?: boolean }
  | { env: Record<string, string> }
  | { workdir: string }
  | { user: string }
  | { cmd: string[] };

export interface TemplateDefinition {
  name: string;
  fromImage: string;
  /** vCPUs (default 2), memory in MB (default 2048), disk in GB (default 10). */
  cpu?: number;
  memory?: number;
  diskGB?: number;
  steps: TemplateStep[];
  startCmd?: string;
  readyCmd?: Schemas['TemplateReadyCheck'];
  registryCredentials?: Schemas['RegistryCredentials'];
  skipCache?: boolean;
  /** Rebuild a template that already exists (otherwise the build answers 409). */
  update?: boolean;
  agentVersion?: string;
}

export interface BuildTemplateOptions {
  /** Where COPY sources are read from (default: the current directory). */
  contextDir?: string;
  /** Receives each log line as the build runs. */
  onLog?: (event: BuildLogEvent) => void;
  signal?: AbortSignal;
  /** Status poll interval in ms (default 2000). */
  pollInterval?: number;
  /** How long to wait for the built template to become active, in ms (default 45 minutes). */
  activeTimeout?: number;
  /** The fetch used for the presigned upload (default: the global one). */
  fetch?: typeof fetch;
}

export interface BuiltTemplate {
  templateId: string;
  buildId: string;
  build: Schemas['BuildStatusResponse'];
  template: Schemas['Template'];
}

/** The build ran and failed: its status, the server's message and the last error lines of its log. */
export class HopxTemplateBuildError extends HopxError {
  override name = 'HopxTemplateBuildError';
  readonly buildId: string;
  readonly logTail: string[];
  constructor(message: string, init: { buildId: string; logTail: string[]; code?: string }) {
    super(message, { code: init.code ?? 'TEMPLATE_BUILD_FAILED' });
    this.buildId = init.buildId;
    this.logTail = init.logTail;
  }
}

const TERMINAL_BUILD = new Set(['active', 'success', 'completed', 'failed']);
const LOG_TAIL = 50;

export async function buildTemplate(
  controlPlane: ControlPlaneClient | ThrowingControlPlaneClient,
  definition: TemplateDefinition,
  options: BuildTemplateOptions = {},
): Promise<BuiltTemplate> {
  validate(definition);
  const client = resultClientOf(controlPlane);
  const { contextDir = process.cwd(), onLog, signal, pollInterval = 2000, activeTimeout = 45 * 60_000 } = options;
  const upload = options.fetch ?? globalThis.fetch.bind(globalThis);

  const steps: ApiStep[] = [];
  const uploaded = new Set<string>();
  for (const step of definition.steps) {
    if ('copy' in step) {
      const sources = Array.isArray(step.copy) ? step.copy : [step.copy];
      const { filesHash, files } = await hashCopyStep(contextDir, sources, step.to);
      if (!uploaded.has(filesHash)) {
        await uploadContext(client, upload, contextDir, files, filesHash, signal);
        uploaded.add(filesHash);
      }
      steps.push({
        type: 'COPY',
        args: [sources.join(','), step.to],
        filesHash,
        ...(step.skipCache ? { skipCache: true } : {}),
      });
    } else if ('run' in step)
      steps.push({ type: 'RUN', args: [step.run], ...(step.skipCache ? { skipCache: true } : {}) });
    else if ('env' in step)
      for (const [key, value] of Object.entries(step.env)) steps.push({ type: 'ENV', args: [key, value] });
    else if ('workdir' in step) steps.push({ type: 'WORKDIR', args: [step.workdir] });
    else if ('user' in step) steps.push({ type: 'USER', args: [step.user] });
    else steps.push({ type: 'CMD', args: step.cmd });
  }

  const started = dataOf(
    await client.POST('/v1/templates/build', {
      signal,
      body: {
        name: definition.name,
        from_image: definition.fromImage,
        cpu: definition.cpu ?? 2,
        memory: definition.memory ?? 2048,
        diskGB: definition.diskGB ?? 10,
        steps,
        ...(definition.startCmd !== undefined ? { startCmd: definition.startCmd } : {}),
        ...(definition.readyCmd ? { readyCmd: definition.readyCmd } : {}),
        ...(definition.registryCredentials ? { registry_credentials: definition.registryCredentials } : {}),
        ...(definition.skipCache !== undefined ? { skipCache: definition.skipCache } : {}),
        ...(definition.update !== undefined ? { update: definition.update } : {}),
        ...(definition.agentVersion ? { agent_version: definition.agentVersion } : {}),
      },
    }),
    'POST /v1/templates/build',
  );
  const buildId = String(started.build_id);
  const templateId = String(started.template_id);

  // Follow the log while polling the status; the log only feeds onLog and the error's tail.
  const tail: string[] = [];
  const logs = new AbortController();
  // The SDKs address the log by the template id (the platform treats the two ids alike for builds).
  const following = onLog
    ? followLog(
        client,
        templateId,
        tail,
        onLog,
        pollInterval,
        AbortSignal.any([logs.signal, ...(signal ? [signal] : [])]),
      )
    : Promise.resolve();
  let build: Schemas['BuildStatusResponse'];
  try {
    build = await pollBuild(client, buildId, pollInterval, signal);
    // The log ends by itself once it reports the build finished; give it a few polls to get there.
    await Promise.race([
      following,
      abortableSleep(Math.max(5 * pollInterval, 2000), signal, 'template build').catch(() => {}),
    ]);
  } finally {
    logs.abort();
    await following;
  }
  if (build.status === 'failed') {
    if (!onLog) await readLogTail(client, templateId, tail);
    const errors = tail.filter((line) => /ERROR|❌|failed/i.test(line)).slice(-3);
    throw new HopxTemplateBuildError(
      `Template ${definition.name} build ${buildId} failed: ${build.error_message ?? 'no message'}${errors.length ? `\n${errors.join('\n')}` : ''}`,
      { buildId, logTail: tail.slice(-LOG_TAIL) },
    );
  }
  const template = await waitUntilActive(client, templateId, pollInterval, activeTimeout, signal);
  return { templateId, buildId, build, template };
}

function validate(definition: TemplateDefinition): void {
  if (!definition.name) throw new HopxConfigError('A template needs a name.');
  if (!definition.fromImage)
    throw new HopxConfigError(`Template ${definition.name}: fromImage (the base image) is required.`);
  const real = definition.steps.filter((s) => !('env' in s) && !('workdir' in s) && !('user' in s));
  if (real.length === 0)
    throw new HopxConfigError(`Template ${definition.name}: at least one RUN, COPY or CMD step is required.`);
}

async function uploadContext(
  client: ControlPlaneClient,
  upload: typeof fetch,
  contextDir: string,
  files: Parameters<typeof packContext>[1],
  filesHash: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const packed = await packContext(contextDir, files);
  try {
    const link = dataOf(
      await client.POST('/v1/templates/files/upload-link', {
        signal,
        body: { files_hash: filesHash, content_length: packed.size },
      }),
      'POST /v1/templates/files/upload-link',
    );
    if (link.present || !link.upload_url) return;
    // A presigned URL: no HopX credential goes with it, and its signature must not reach a log.
    const where = new URL(link.upload_url);
    const operation = `PUT ${where.origin}${where.pathname}`;
    // The storage's answers may quote the URL back: keep its signature out of any error.
    const secrets = [
      link.upload_url,
      where.search.slice(1),
      ...[...where.searchParams.values()].filter((v) => v.length >= 8),
    ];
    let response: Response;
    try {
      response = await upload(link.upload_url, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/gzip', 'Content-Length': String(packed.size) },
        body: await openAsBlob(packed.path),
        // Following a redirect would mean keeping the whole archive in memory (see HopxRedirectError).
        redirect: 'error',
        signal,
      });
    } catch (cause) {
      if (signal?.aborted) throw abortedError(operation, signal, operation);
      const reason = redactText(
        cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause),
        secrets,
      );
      if (reason === 'unexpected redirect') {
        throw new HopxRedirectError(
          `${operation}: the storage answered the context upload with a redirect, which is not followed`,
          { operation, location: undefined },
        );
      }
      throw new HopxConnectionError(`${operation}: the context upload failed (${reason})`, { operation });
    }
    if (!response.ok) {
      const body = normalizeErrorBody(await response.text(), response.status, response.statusText, secrets);
      throw apiErrorFrom({ status: response.status, body, operation });
    }
    await response.body?.cancel();
  } finally {
    await packed.dispose();
  }
}

async function pollBuild(
  client: ControlPlaneClient,
  buildId: string,
  intervalMs: number,
  signal: AbortSignal | undefined,
) {
  for (;;) {
    const status = dataOf(
      await client.GET('/v1/templates/build/{buildID}/status', { signal, params: { path: { buildID: buildId } } }),
      'GET /v1/templates/build/{buildID}/status',
    );
    if (TERMINAL_BUILD.has(status.status)) return status;
    await abortableSleep(intervalMs, signal, 'template build');
  }
}

async function followLog(
  client: ControlPlaneClient,
  logId: string,
  tail: string[],
  onLog: (e: BuildLogEvent) => void,
  pollInterval: number,
  signal: AbortSignal,
) {
  try {
    for await (const event of followBuildLogs(client, logId, { signal, pollInterval })) {
      // An event-stream line may come without a message (no source documents that payload).
      if (event.message !== undefined) tail.push(event.message);
      if (tail.length > LOG_TAIL) tail.shift();
      onLog(event);
    }
  } catch (error) {
    // The log is a view of the build; losing it must not fail a build that succeeds.
    if (!signal.aborted) tail.push(`(log stream lost: ${(error as Error).message})`);
  }
}

async function readLogTail(client: ControlPlaneClient, logId: string, tail: string[]) {
  const logs = await client.GET('/v1/templates/build/{buildID}/logs', {
    params: { path: { buildID: logId }, query: { offset: 0 } },
  });
  if (logs.data?.logs)
    tail.push(
      ...logs.data.logs
        .split('\n')
        .filter((l) => l.trim())
        .slice(-LOG_TAIL),
    );
}

/** The SDKs' rule: `active` and `is_active` on two polls in a row (a new template flips back briefly). */
async function waitUntilActive(
  client: ControlPlaneClient,
  templateId: string,
  intervalMs: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
) {
  const deadline = Date.now() + timeoutMs;
  let streak = 0;
  for (;;) {
    const template = dataOf(
      await client.GET('/v1/templates/{name}', { signal, params: { path: { name: templateId } } }),
      'GET /v1/templates/{name}',
    );
    const { status, is_active } = template;
    if (status === 'failed' || status === 'error') {
      throw new HopxTemplateBuildError(
        `Template ${templateId} failed while publishing: ${template.error_message ?? status}`,
        { buildId: '', logTail: [] },
      );
    }
    streak = status === 'active' && is_active ? streak + 1 : 0;
    if (streak >= 2) return template;
    if (Date.now() > deadline)
      throw new HopxTimeoutError(
        `Template ${templateId} was not active after ${Math.round(timeoutMs / 1000)} s (last status ${status})`,
      );
    await abortableSleep(intervalMs, signal, 'template build');
  }
}
