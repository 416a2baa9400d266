// The sandbox's custom environment variables (`/env`): kept in `sandbox.env`, which every later
// run of the sandbox inherits (host/processes.ts runEnv: the run's own `env` wins over these). The
// agent masks values whose names look secret in what it answers, as the spec describes, so `/env`
// is not a way to read a secret back; runs still get the real value.
//
// PUT and PATCH answer 200 with the variables (both documented answers are 200 and 204; the
// JavaScript SDK returns the `env_vars` of the body, so the body is the more useful one).
import { ApiError } from '../api-error.js';
import { type Handler, json } from '../context.js';
import type { LocalSandbox } from '../state.js';
import { agentSandbox } from './agent-sandbox.js';

const MASK = '***MASKED***';
/** Names containing one of these (in any case) have their values masked, per the spec. */
const SECRET_WORDS = ['KEY', 'SECRET', 'PASSWORD', 'TOKEN'];

export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  return SECRET_WORDS.some((word) => upper.includes(word));
}

function masked(env: Map<string, string>): Record<string, string> {
  return Object.fromEntries([...env].map(([name, value]) => [name, isSecretName(name) ? MASK : value]));
}

/**
 * Checks that every variable can be put in a process's environment: a name that is empty or holds
 * `=` or a NUL byte, or a value with a NUL byte, would make every later run of the sandbox fail.
 */
function checkedVariables(envVars: Record<string, string>): [string, string][] {
  const entries = Object.entries(envVars);
  for (const [name, value] of entries) {
    if (name === '' || name.includes('=') || name.includes('\0'))
      throw new ApiError(400, 'INVALID_REQUEST', `${JSON.stringify(name)} cannot be an environment variable name`);
    if (value.includes('\0'))
      throw new ApiError(
        400,
        'INVALID_REQUEST',
        `the value of ${name} contains a NUL byte, which no environment can hold`,
      );
  }
  return entries;
}

/**
 * The `timestamp` rule of EnvVarsSetRequest: a change stamped earlier than the last one applied is
 * dropped, so two clients racing cannot undo each other out of order.
 */
const lastApplied = new WeakMap<LocalSandbox, number>();

function isStale(sandbox: LocalSandbox, timestamp: string | undefined): boolean {
  if (timestamp === undefined) return false;
  const at = Date.parse(timestamp);
  const last = lastApplied.get(sandbox);
  if (last !== undefined && at < last) return true;
  lastApplied.set(sandbox, at);
  return false;
}

function changed(sandbox: LocalSandbox, message: string, success = true) {
  return json(200, {
    success,
    message,
    count: sandbox.env.size,
    env_vars: masked(sandbox.env),
    timestamp: new Date().toISOString(),
  });
}

export const envHandlers: Record<string, Handler> = {
  getEnvVars(ctx) {
    const sandbox = agentSandbox(ctx);
    return json(200, { env_vars: masked(sandbox.env), count: sandbox.env.size, timestamp: new Date().toISOString() });
  },

  replaceEnvVars(ctx) {
    const sandbox = agentSandbox(ctx);
    const entries = checkedVariables(ctx.body.env_vars);
    if (isStale(sandbox, ctx.body.timestamp))
      return changed(sandbox, 'Ignored: an environment change stamped later was already applied', false);
    // PUT always replaces: the spec (and the SDKs' models) say its `merge` flag is ignored.
    sandbox.env.clear();
    for (const [name, value] of entries) sandbox.env.set(name, value);
    return changed(sandbox, 'Environment variables replaced');
  },

  updateEnvVars(ctx) {
    const sandbox = agentSandbox(ctx);
    const entries = checkedVariables(ctx.body.env_vars);
    if (isStale(sandbox, ctx.body.timestamp))
      return changed(sandbox, 'Ignored: an environment change stamped later was already applied', false);
    // A missing `merge` means true on PATCH; an explicit false asks for what the flag says: no merge.
    if (ctx.body.merge === false) sandbox.env.clear();
    for (const [name, value] of entries) sandbox.env.set(name, value);
    return changed(
      sandbox,
      ctx.body.merge === false ? 'Environment variables replaced' : 'Environment variables updated',
    );
  },

  clearEnvVars(ctx) {
    const sandbox = agentSandbox(ctx);
    sandbox.env.clear();
    return json(200, {
      success: true,
      message: 'Environment variables cleared',
      count: 0,
      env_vars: {},
      timestamp: new Date().toISOString(),
    });
  },
};
