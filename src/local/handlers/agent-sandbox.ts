// The sandbox an agent operation was called on. Agent routes are only served by a sandbox's own
// endpoint, so it is always there; this turns the type's `undefined` into a loud failure, not a guess.
import { ApiError } from '../api-error.js';
import type { CallContext } from '../context.js';
import type { LocalSandbox } from '../state.js';

export function agentSandbox(ctx: CallContext): LocalSandbox {
  if (!ctx.sandbox) throw new ApiError(500, 'INTERNAL_ERROR', `${ctx.operation.key} reached the Control Plane`);
  return ctx.sandbox;
}
