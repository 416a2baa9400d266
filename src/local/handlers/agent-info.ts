// The agent's identity (`/`, `/info`, `/ping`), and the registration point of the agent's other
// small groups (metrics, cache, agent update), which handlers/index.ts reaches through this map.
// Everything `/info` says is looked up, not declared: the routes are the spec's agent operations
// that some group really handles, the features follow from which handlers exist and which
// interpreters this machine has, and there is no desktop.
import { execFile } from 'node:child_process';
import { type CallContext, type Handler, json } from '../context.js';
import type { SpecOperation } from '../spec.js';
import { agentSandbox } from './agent-sandbox.js';
import { agentUpdateHandlers } from './agent-update.js';
import { cacheHandlers } from './cache.js';
import { commandsHandlers } from './commands.js';
import { envHandlers } from './env.js';
import { executionHandlers, executionSocketRoutes } from './execution.js';
import { filesHandlers } from './files.js';
import { healthHandlers } from './health.js';
import { metricsHandlers } from './metrics.js';
import { processesHandlers } from './processes.js';
import { socketRoutes } from './sockets.js';

const AGENT = 'hopx-local';
const VERSION = 'local';

/** Node's names for CPU architectures, in the Go names the platform's agent reports (`amd64`). */
const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };
const arch = () => GO_ARCH[process.arch] ?? process.arch;

/** HTTP handlers by operationId and WebSocket handlers by path, of every agent group that serves something. */
function served(): { http: Record<string, Handler>; sockets: Record<string, unknown> } {
  return {
    http: {
      ...healthHandlers,
      ...executionHandlers,
      ...commandsHandlers,
      ...processesHandlers,
      ...filesHandlers,
      ...envHandlers,
      ...metricsHandlers,
      ...cacheHandlers,
      ...identityHandlers,
    },
    sockets: { ...socketRoutes, ...executionSocketRoutes },
  };
}

/**
 * Route name (operationId) → `METHOD path` of every agent route this agent really serves: the
 * desktop routes answer that there is no desktop and the update routes that there is nothing to
 * update, so neither is listed.
 */
function endpoints(ctx: CallContext): Record<string, string> {
  const { http, sockets } = served();
  const isServed = (op: SpecOperation) => (op.websocket ? op.path in sockets : op.operationId in http);
  const refused = new Set([...Object.keys(agentUpdateHandlers)]);
  return Object.fromEntries(
    ctx.local.validator.operations
      .filter((op) => op.api !== 'control-plane' && !op.op.tags?.includes('Desktop') && !refused.has(op.operationId))
      .filter(isServed)
      .map((op) => [op.operationId, `${op.method} ${op.path}`]),
  );
}

let ipythonProbe: Promise<boolean> | undefined;
/** Whether this machine's python3 can import IPython (asked once). */
function hasIpython(python: string | undefined): Promise<boolean> {
  if (!python) return Promise.resolve(false);
  ipythonProbe ??= new Promise((resolve) => {
    execFile(python, ['-c', 'import IPython'], { timeout: 20_000, env: { PATH: '/usr/bin:/bin' } }, (error) =>
      resolve(!error),
    );
  });
  return ipythonProbe;
}

async function features(ctx: CallContext): Promise<Record<string, unknown>> {
  const { http, sockets } = served();
  const { python, bash } = ctx.local.interpreters;
  const codeExecution = 'executeCode' in http;
  return {
    code_execution: codeExecution,
    file_operations: 'readFile' in http,
    terminal_access: '/terminal' in sockets,
    websocket_streaming: ['/execute/stream', '/commands/stream', '/stream'].some((path) => path in sockets),
    rich_output: 'executeCodeRich' in http,
    background_jobs: 'executeCodeBackground' in http || 'runCommandBackground' in http,
    ipython_kernel: 'executeIpython' in http && (await hasIpython(python)),
    system_metrics: 'getSystemMetrics' in http,
    desktop: false,
    languages: codeExecution ? [...(python ? ['python'] : []), 'javascript', ...(bash ? ['bash'] : [])] : [],
  };
}

const identityHandlers: Record<string, Handler> = {
  getAgentRoot(ctx) {
    return json(200, {
      service: 'HopX VM Agent (local HopX)',
      agent: AGENT,
      version: VERSION,
      endpoints: endpoints(ctx),
    });
  },

  async getAgentInfo(ctx) {
    const sandbox = agentSandbox(ctx);
    const where = new URL(sandbox.publicHost);
    const uptime = Math.round((Date.now() - sandbox.createdAt.getTime()) / 100) / 10;
    return json(200, {
      vm_id: sandbox.id,
      agent: AGENT,
      agent_version: VERSION,
      version: VERSION,
      os: process.platform,
      arch: arch(),
      platform: `${process.platform}/${arch()}`,
      vm_ip: where.hostname,
      ip: where.hostname,
      vm_port: where.port,
      port: where.port,
      start_time: sandbox.createdAt.toISOString(),
      uptime,
      uptime_seconds: uptime,
      endpoints: endpoints(ctx),
      features: await features(ctx),
    });
  },

  pingAgent() {
    return json(200, { message: 'pong', timestamp: new Date().toISOString() });
  },
};

export const agentInfoHandlers: Record<string, Handler> = {
  ...identityHandlers,
  ...metricsHandlers,
  ...cacheHandlers,
  ...agentUpdateHandlers,
};
