// Splits the one generated `paths` type into the two APIs, so that each client can only call its own
// host's routes: a Control Plane path on an agent client (or the reverse) does not compile.
import type { paths } from '../generated/schema.js';

/** Routes that only speak WebSocket (`101`); fetch cannot call them, the stream sessions do. */
export type WebSocketPath = {
  [P in keyof paths]: paths[P] extends { get: { responses: { 101: unknown } } } ? P : never;
}[keyof paths];

/** `https://api.hopx.dev`: everything under `/v1/`, and `/health`. */
export type ControlPlanePaths = Pick<paths, Extract<keyof paths, `/v1/${string}` | '/health'>>;

/** One sandbox's VM Agent: every other HTTP route (and `/health`, which both hosts serve). */
export type AgentPaths = Omit<paths, Extract<keyof paths, `/v1/${string}`> | WebSocketPath>;
