// `GET /health`, which both hosts serve: the Control Plane's liveness, or a sandbox's agent's.
import { type Handler, json } from '../context.js';

export const healthHandlers: Record<string, Handler> = {
  getHealth(ctx) {
    if (!ctx.sandbox) return json(200, { status: 'ok', version: 'local' });
    return json(200, {
      status: 'healthy',
      agent: 'hopx-local',
      version: 'local',
      uptime: goDuration(Date.now() - ctx.sandbox.createdAt.getTime()),
      vm_id: ctx.sandbox.id,
      active_streams: [...ctx.sandbox.closers].length,
    });
  },
};

/** `2h34m12s`, as the agent (written in Go) reports its uptime. */
export function goDuration(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}
