// What `npm run diff` reports: one change between two versions of the spec, judged by what it does
// to a client generated from the older one. Rule ids are oasdiff's where oasdiff has the rule, so
// that people who know that tool recognise them.

export type Json = Record<string, any>;

export type Level = 'breaking' | 'warning' | 'info';

export interface Change {
  /** The rule: `response-property-became-optional`, `api-removed-without-deprecation`, ... */
  id: string;
  level: Level;
  /** `GET /v1/sandboxes/{id}`, or null for a change outside any operation (a server, a security scheme). */
  operation: string | null;
  /** Where, in the spec (the newer one; the older one for something removed). */
  pointer: string;
  message: string;
  /** Set when the ignore file (--ignore) accepts it: its reason. An ignored change does not count. */
  ignored?: string;
}

/** A JSON pointer from its parts (`/paths/~1v1~1sandboxes/get`). */
export function pointerOf(...parts: Array<string | number>): string {
  return parts.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Follows local `$ref`s to the object they name (cycles end in an error). */
export function deref(spec: Json, node: unknown): any {
  let current: any = node;
  for (let hops = 0; current && typeof current === 'object' && typeof current.$ref === 'string'; hops++) {
    if (hops > 50) throw new Error(`$ref cycle at ${current.$ref}`);
    const ref: string = current.$ref;
    if (!ref.startsWith('#/')) throw new Error(`an external $ref (${ref}) in a spec that should be bundled`);
    current = ref
      .slice(2)
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<any>((at, part) => at?.[part], spec);
  }
  return current;
}
