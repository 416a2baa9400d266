// The scripted scenario of a conformance run: one sandbox, and through it every group of
// operations a user's app relies on, called through the typed clients (the observer checks what
// comes back). A step that fails is a finding and the run goes on; only what the rest needs (the
// API answering, the key, the sandbox) ends the run.

import { socketFinalMessage } from '../../generated/operations.js';
import type { ThrowingAgentClient } from '../agent-client.js';
import { createAgentClient } from '../agent-client.js';
import type { ThrowingControlPlaneClient } from '../control-plane-client.js';
import { AuthenticationError, HopxApiError, HopxConnectionError } from '../errors.js';
import { downloadBytes } from '../files/download.js';
import { uploadFile } from '../files/upload.js';
import { streamSandboxEvents, streamSandboxMetrics, streamTemplateEvents } from '../streams/control-plane-streams.js';
import type { Observer } from './observer.js';
import { probeSocket } from './socket-probe.js';

/** Why the run could not go on: exit code 2, never "conforming". */
export class RunFailure extends Error {}

export interface ScenarioContext {
  observer: Observer;
  /** The Control Plane client, sending through the observer within the run's budget. */
  hopx: ThrowingControlPlaneClient;
  /** The observer's fetch within the budget, for the agent client. */
  fetch: typeof fetch;
  /** The run's budget and Ctrl-C. */
  signal: AbortSignal;
  runId: string;
  template: string;
  /** Called as soon as the sandbox exists, so that it is deleted whatever happens next. */
  created(sandboxId: string): void;
  progress(line: string): void;
}

const DIR = '/workspace/hopx-verify';

export async function runScenario(ctx: ScenarioContext): Promise<void> {
  const { hopx, observer } = ctx;
  const step = stepper(ctx);

  await preflight(ctx);
  await step('GET /v1/templates', async () => {
    const templates = await hopx.GET('/v1/templates');
    const name = templates.data?.find((t) => t.name)?.name ?? ctx.template;
    await hopx.GET('/v1/templates/{name}', { params: { path: { name } } });
  });

  // Lifecycle events, from before the sandbox exists until after it is deleted.
  const events = streamSandboxEvents(hopx, { idleTimeout: 120_000, signal: ctx.signal });
  const eventsRead = (async () => {
    let seen = 0;
    for await (const _event of events) seen += 1;
    return seen;
  })().catch(() => undefined);

  ctx.progress('creating a sandbox');
  const sandbox = await hopx
    .POST('/v1/sandboxes', {
      body: { template_name: ctx.template, timeout_seconds: 900, env_vars: { HOPX_VERIFY_RUN: ctx.runId } },
    })
    .catch((error: Error) => {
      throw new RunFailure(`could not create a sandbox: ${observer.redact(error.message)}`);
    });
  if (!sandbox.id) throw new RunFailure('the created sandbox came back without an id');
  const id = sandbox.id;
  ctx.created(id);
  if (!sandbox.public_host || !sandbox.auth_token)
    throw new RunFailure(
      'the created sandbox came back without a public_host or auth_token: its agent cannot be reached',
    );

  await step('GET /v1/sandboxes/{id}', () => hopx.GET('/v1/sandboxes/{id}', { params: { path: { id } } }));
  await step('GET /v1/sandboxes', async () => {
    const first = await hopx.GET('/v1/sandboxes', { params: { query: { limit: 1 } } });
    if (first.has_more && first.next_cursor)
      await hopx.GET('/v1/sandboxes', { params: { query: { limit: 1, cursor: first.next_cursor } } });
  });
  let token = sandbox.auth_token;
  await step('POST /v1/sandboxes/{id}/token/refresh', async () => {
    const refreshed = await hopx.POST('/v1/sandboxes/{id}/token/refresh', { params: { path: { id } } });
    if (refreshed.auth_token) token = refreshed.auth_token;
  });
  await step('PUT /v1/sandboxes/{id}/timeout', () =>
    hopx.PUT('/v1/sandboxes/{id}/timeout', { params: { path: { id } }, body: { timeout_seconds: 900 } }),
  );
  await step('POST /v1/sandboxes/{id}/pause', async () => {
    await hopx.POST('/v1/sandboxes/{id}/pause', { params: { path: { id } } });
    await hopx.POST('/v1/sandboxes/{id}/resume', { params: { path: { id } } });
  });
  await step('GET /v1/sandboxes/{id}/metrics/stream', async () => {
    for await (const _sample of streamSandboxMetrics(hopx, id, {
      interval: 1,
      idleTimeout: 30_000,
      signal: ctx.signal,
    }))
      break;
  });

  const agent = createAgentClient({ sandbox, controlPlane: hopx, throwOnError: true, fetch: ctx.fetch });
  ctx.progress('the agent: code, commands, processes');
  await agentScenario(ctx, agent, step);
  ctx.progress('the agent: WebSocket routes');
  await socketScenario(ctx, agent, sandbox.public_host, () => token, step);

  await step('GET /v1/templates/stream', async () => {
    // Opened and closed: its head is checked, and any event that comes meanwhile.
    const templates = streamTemplateEvents(hopx, { idleTimeout: 30_000, signal: ctx.signal });
    const reading = (async () => {
      for await (const _event of templates) {
        // checked by the observer
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 500));
    templates.close();
    await reading;
  });

  ctx.progress('stopping and deleting the sandbox');
  await step('POST /v1/sandboxes/{id}/stop', () => hopx.POST('/v1/sandboxes/{id}/stop', { params: { path: { id } } }));
  await step('DELETE /v1/sandboxes/{id}', () => hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id } } }));
  // Give the lifecycle stream a moment to carry the deletion, then end it.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  events.close();
  if ((await eventsRead) === undefined && !ctx.signal.aborted)
    observer.scenario('GET /v1/sandboxes/stream', 'the lifecycle event stream failed');
}

/** The API answers, and takes the key: otherwise nothing else can be checked. */
async function preflight(ctx: ScenarioContext): Promise<void> {
  try {
    await ctx.hopx.GET('/health');
  } catch (error) {
    if (error instanceof HopxConnectionError || ctx.signal.aborted)
      throw new RunFailure(`the Control Plane cannot be reached: ${ctx.observer.redact((error as Error).message)}`);
    ctx.observer.scenario('GET /health', (error as Error).message);
  }
  try {
    await ctx.hopx.GET('/v1/sandboxes', { params: { query: { limit: 1 } } });
  } catch (error) {
    if (error instanceof AuthenticationError)
      throw new RunFailure('the API key was refused (401): check HOPX_API_KEY or --api-key');
    throw new RunFailure(`listing sandboxes failed: ${ctx.observer.redact((error as Error).message)}`);
  }
}

type Step = (operation: string, run: () => Promise<unknown>) => Promise<void>;

/** Runs a step; a failure becomes a finding on its operation, unless the run itself is over. */
function stepper(ctx: ScenarioContext): Step {
  return async (operation, run) => {
    if (ctx.signal.aborted) throw new RunFailure(String(ctx.signal.reason ?? 'stopped'));
    const errorsBefore = ctx.observer.errorCount;
    try {
      await run();
    } catch (error) {
      if (ctx.signal.aborted) throw new RunFailure(String(ctx.signal.reason ?? 'stopped'));
      // The observer already reported what made the call fail (a status or body off the spec).
      if (ctx.observer.errorCount > errorsBefore) return;
      const where = error instanceof HopxApiError && error.operation ? error.operation : operation;
      ctx.observer.scenario(where, `the scenario's call failed: ${(error as Error).message}`);
    }
  };
}

async function agentScenario(ctx: ScenarioContext, agent: ThrowingAgentClient, step: Step): Promise<void> {
  await step('GET /health', () => agent.GET('/health'));
  await step('GET /', () => agent.GET('/'));
  await step('GET /ping', () => agent.GET('/ping'));
  await step('GET /info', () => agent.GET('/info'));
  await step('POST /execute', () => agent.POST('/execute', { body: { code: 'print(6 * 7)', language: 'python' } }));
  await step('POST /execute/rich', () =>
    agent.POST('/execute/rich', { body: { code: 'print("rich")', language: 'python' } }),
  );
  await step('POST /execute/background', async () => {
    const background = await agent.POST('/execute/background', {
      body: { code: 'import time; time.sleep(120)', language: 'python' },
    });
    await agent.GET('/execute/processes');
    await agent.POST('/execute/kill/{process_id}', { params: { path: { process_id: background.process_id } } });
  });
  await step('POST /execute/ipython', async () => {
    await agent.POST('/execute/ipython', { body: { code: 'x = 6 * 7' } });
    await agent.POST('/execute/ipython', { body: { code: 'print(x)' } });
  });
  await step('GET /jupyter/sessions', () => agent.GET('/jupyter/sessions'));
  await step('POST /commands/run', () =>
    agent.POST('/commands/run', { body: { command: 'echo', args: ['hopx-verify'] } }),
  );
  await step('POST /commands/background', async () => {
    const command = await agent.POST('/commands/background', { body: { command: 'sleep', args: ['120'] } });
    if (!command.process_id) throw new Error('the background command came back without a process_id');
    await agent.DELETE('/execute/kill', { params: { query: { process_id: command.process_id } } });
  });
  await step('GET /processes', () => agent.GET('/processes'));

  ctx.progress('the agent: files, environment, metrics, desktop');
  await step('POST /files/mkdir', () => agent.POST('/files/mkdir', { body: { path: DIR } }));
  await step('POST /files/write', () =>
    agent.POST('/files/write', { body: { path: `${DIR}/a.txt`, content: 'alpha\n' } }),
  );
  await step('GET /files/read', () => agent.GET('/files/read', { params: { query: { path: `${DIR}/a.txt` } } }));
  await step('GET /files/list', () => agent.GET('/files/list', { params: { query: { path: DIR } } }));
  await step('GET /files/exists', () => agent.GET('/files/exists', { params: { query: { path: `${DIR}/a.txt` } } }));
  await step('POST /files/upload', async () => {
    const bytes = new TextEncoder().encode('hopx-verify\n'.repeat(1000));
    await uploadFile(agent, `${DIR}/b.bin`, bytes);
    const back = await downloadBytes(agent, `${DIR}/b.bin`);
    if (back.length !== bytes.length)
      ctx.observer.scenario('GET /files/download', `downloaded ${back.length} bytes of the ${bytes.length} uploaded`);
  });
  await step('GET /env', async () => {
    const before = (await agent.GET('/env')).env_vars ?? {};
    await agent.PATCH('/env', { body: { env_vars: { HOPX_VERIFY: '1' } } });
    await agent.DELETE('/env');
    // Put back what the sandbox had (PUT replaces the whole set).
    await agent.PUT('/env', { body: { env_vars: before } });
  });
  await step('GET /metrics', () => agent.GET('/metrics'));
  await step('GET /metrics/snapshot', () => agent.GET('/metrics/snapshot'));
  await step('GET /metrics/prometheus', () => agent.GET('/metrics/prometheus', { parseAs: 'text' }));
  await step('GET /system', () => agent.GET('/system'));
  await step('GET /cache/stats', () => agent.GET('/cache/stats'));
  // A sandbox without a desktop answers the documented "not available": that is conforming too.
  await step('GET /desktop/vnc/status', async () => {
    try {
      await agent.GET('/desktop/vnc/status');
    } catch (error) {
      if (!(error instanceof HopxApiError && (error.status === 501 || error.status === 503))) throw error;
    }
  });
}

async function socketScenario(
  ctx: ScenarioContext,
  agent: ThrowingAgentClient,
  publicHost: string,
  token: () => string,
  step: Step,
): Promise<void> {
  const common = { publicHost, signal: ctx.signal, timeoutMs: 30_000 };
  await step('GET /execute/stream', () =>
    probeSocket(ctx.observer, {
      ...common,
      token: token(),
      path: '/execute/stream',
      send: [{ type: 'execute', code: 'print(6 * 7)', language: 'python' }],
      final: socketFinalMessage['/execute/stream'],
    }),
  );
  await step('GET /commands/stream', () =>
    probeSocket(ctx.observer, {
      ...common,
      token: token(),
      path: '/commands/stream',
      send: [{ type: 'command', command: 'echo', args: ['hopx-verify'] }],
      final: socketFinalMessage['/commands/stream'],
    }),
  );
  await step('GET /stream', () =>
    probeSocket(ctx.observer, {
      ...common,
      token: token(),
      path: '/stream',
      send: [{ type: 'execute', code: 'print(6 * 7)', language: 'python' }],
      final: socketFinalMessage['/stream'],
    }),
  );
  await step('GET /stream/ipython', () =>
    probeSocket(ctx.observer, {
      ...common,
      token: token(),
      path: '/stream/ipython',
      send: [{ type: 'execute', code: 'print(6 * 7)' }],
      final: socketFinalMessage['/stream/ipython'],
    }),
  );
  await step('GET /terminal', () =>
    probeSocket(ctx.observer, {
      ...common,
      token: token(),
      path: '/terminal',
      send: [{ type: 'input', data: 'echo hopx-verify\nexit\n' }],
      final: socketFinalMessage['/terminal'],
    }),
  );
  await step('GET /files/watch', () =>
    probeSocket(ctx.observer, {
      ...common,
      token: token(),
      path: '/files/watch',
      send: [{ action: 'watch', path: DIR }],
      // The watch has no final message: one change reported is enough.
      done: (message) => message.type === 'change',
      whileOpen: async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        await agent.POST('/files/write', { body: { path: `${DIR}/watched.txt`, content: 'x' } });
      },
    }),
  );
  await step('DELETE /files/remove', () => agent.DELETE('/files/remove', { params: { query: { path: DIR } } }));
}
