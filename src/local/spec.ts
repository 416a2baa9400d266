// The bundled spec (generated/openapi.json), read once, and its operations as the local HopX and
// the conformance run see them: method, path template, which API serves it, and its parts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export type Json = Record<string, any>;

export type Api = 'control-plane' | 'agent' | 'both';

export interface SpecOperation {
  /** `POST /files/write`. */
  key: string;
  method: string;
  /** The path template: `/v1/sandboxes/{id}`. */
  path: string;
  operationId: string;
  api: Api;
  /** The operation object of the bundle (with path-level parameters merged in). */
  op: Json;
  parameters: Json[];
  /** Answers `101 Switching Protocols` (its messages are in `x-websocket`). */
  websocket: boolean;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

let cached: Json | undefined;

/** The bundle, resolved through the package's own `hopx-api/openapi.json` export (works from source and from dist). */
export function loadSpec(): Json {
  if (!cached) {
    const path = createRequire(import.meta.url).resolve('hopx-api/openapi.json');
    cached = JSON.parse(readFileSync(path, 'utf8')) as Json;
  }
  return cached;
}

/** Follows local `$ref`s to the object they name. */
export function deref<T = Json>(spec: Json, node: unknown): T {
  let current: any = node;
  for (let hops = 0; current && typeof current.$ref === 'string'; hops++) {
    if (hops > 20) throw new Error(`$ref cycle at ${current.$ref}`);
    current = pointer(spec, current.$ref);
  }
  return current as T;
}

/** The value at a `#/a/b` JSON pointer. */
export function pointer(spec: Json, ref: string): any {
  const parts = ref
    .replace(/^#\//, '')
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return parts.reduce<any>((at, part) => at?.[part], spec);
}

export function apiOf(path: string): Api {
  if (path === '/health') return 'both';
  return path.startsWith('/v1/') ? 'control-plane' : 'agent';
}

export function specOperations(spec: Json): SpecOperation[] {
  const out: SpecOperation[] = [];
  for (const [path, item] of Object.entries<Json>(spec.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const parameters = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) => deref(spec, p));
      out.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        api: apiOf(path),
        op,
        parameters,
        websocket: Boolean(op.responses?.['101']),
      });
    }
  }
  return out;
}
