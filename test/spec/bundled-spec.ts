// Reads the bundled spec (generated/openapi.json) and walks its operations, for the spec tests.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Json = Record<string, any>;

export const bundlePath = fileURLToPath(new URL('../../generated/openapi.json', import.meta.url));
export const spec: Json = JSON.parse(readFileSync(bundlePath, 'utf8'));

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface Operation {
  method: string;
  path: string;
  /** `GET /v1/sandboxes`, the form operations.txt uses. */
  key: string;
  op: Json;
  pathItem: Json;
  api: 'control-plane' | 'agent' | 'both';
}

export function apiOf(path: string): Operation['api'] {
  if (path === '/health') return 'both';
  return path.startsWith('/v1/') ? 'control-plane' : 'agent';
}

export const operations: Operation[] = Object.entries(spec.paths as Json).flatMap(([path, pathItem]) =>
  HTTP_METHODS.filter((m) => pathItem[m]).map((method) => ({
    method,
    path,
    key: `${method.toUpperCase()} ${path}`,
    op: pathItem[method],
    pathItem,
    api: apiOf(path),
  })),
);

/** Follows a local `$ref` (possibly several) to the object it names. */
export function deref<T extends Json | undefined>(node: T): T {
  let current: any = node;
  for (let hops = 0; current && typeof current.$ref === 'string'; hops++) {
    if (hops > 20) throw new Error(`$ref cycle at ${current.$ref}`);
    const pointer = current.$ref
      .replace(/^#\//, '')
      .split('/')
      .map((p: string) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    current = pointer.reduce((obj: any, part: string) => obj?.[part], spec);
    if (current === undefined) throw new Error(`unresolved $ref ${node?.$ref}`);
  }
  return current;
}

/** `{id}` and `{templateID}` name the same slot: compare paths with their parameters blanked. */
export const normalizePath = (path: string) => path.replace(/\{[^}]+\}/g, '{}');

export const isWebSocket = (op: Json) => Boolean(op.responses?.['101']);
export const isEventStream = (op: Json) =>
  Object.values(op.responses ?? {}).some((r: any) => deref(r)?.content?.['text/event-stream']);

/**
 * Visits every schema node under `root` once, following `$ref`s: `where` names the component (or
 * property path) a node belongs to, e.g. `ExecuteRequest.timeout`. Examples are not schemas and are
 * skipped.
 */
export function walkSchemas(
  root: unknown,
  where: string,
  visit: (schema: Json, where: string) => void,
  visited = new Set<object>(),
): void {
  if (!root || typeof root !== 'object' || visited.has(root)) return;
  visited.add(root);
  if (Array.isArray(root)) {
    for (const item of root) walkSchemas(item, where, visit, visited);
    return;
  }
  const schema = root as Json;
  if (typeof schema.$ref === 'string') {
    const name = /#\/components\/schemas\/(.+)$/.exec(schema.$ref)?.[1];
    walkSchemas(deref(schema), name ?? where, visit, visited);
    return;
  }
  visit(schema, where);
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'example' || key === 'examples') continue;
    if (key === 'properties') {
      for (const [property, sub] of Object.entries<Json>(value))
        walkSchemas(sub, `${where}.${property}`, visit, visited);
    } else walkSchemas(value, where, visit, visited);
  }
}
