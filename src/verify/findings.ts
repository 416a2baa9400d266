// What a conformance run found, and how bad it is. A difference the spec allows for on purpose (a
// property it does not declare, a value outside a set it knows: the API grows) is `info`; every
// other difference from the spec is an `error`. Findings are kept once per operation, place and
// message, with the first reproducer and a count.
import type { Violation } from '../local/spec-validator.js';

export type Level = 'error' | 'info';

/** Enough to send the request again by hand: credentials are always redacted. */
export interface Reproducer {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The JSON (or WebSocket) body that was sent, when there was one. */
  body?: string;
}

export interface Finding {
  level: Level;
  /** `GET /v1/sandboxes/{id}`, `WebSocket /execute/stream`. */
  operation: string;
  /** `response`, `event` (SSE), `frame` (WebSocket) or `scenario` (a step did not go as the spec says). */
  in: Violation['in'] | 'scenario';
  /** Where in what was received: `/body/status`, `/data/sandbox_id`, `/headers/content-type`, `/status`. */
  pointer: string;
  message: string;
  /** What was there (redacted), when something was. */
  value?: unknown;
  status?: number;
  request?: Reproducer;
  occurrences: number;
  /** Set when an allowance (--allow) accepts it: its reason. */
  allowed?: string;
}

/** Violations of one message as findings: an unknown value of a closed set is `info`, the rest `error`. */
export function findingsOf(
  violations: Violation[],
): Array<Pick<Finding, 'level' | 'operation' | 'in' | 'pointer' | 'message'>> {
  const enumAt = new Set(violations.filter((v) => v.keyword === 'enum').map((v) => v.pointer));
  return (
    violations
      // A value outside an enum also fails the `type`/`anyOf` around it: one finding says it.
      .filter(
        (v) => v.keyword === 'enum' || !enumAt.has(v.pointer) || !['type', 'anyOf', 'oneOf'].includes(v.keyword ?? ''),
      )
      .map((v) => ({
        level: v.keyword === 'enum' ? 'info' : 'error',
        operation: v.operation,
        in: v.in,
        pointer: v.pointer,
        message: v.message,
      }))
  );
}

/** The value at a JSON pointer of what was received (`/body/a/0` in `{ body }`). */
export function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let at: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}
