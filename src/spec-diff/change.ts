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
  return follow(spec, node, '', () => true).node;
}

// Keywords that say nothing a client could depend on: a `$ref` beside only these is the place it names.
const ANNOTATIONS = new Set(['$ref', 'description', 'summary', 'title', 'example', 'examples', '$comment']);

/**
 * A node and the pointer where it is written, its `$ref`s followed, so that a report points at a
 * place that exists in the file. A `$ref` with keywords of its own (3.1 allows `{ $ref, default }`)
 * stays where it is written: that is where the difference may be.
 */
export function locate(spec: Json, node: unknown, pointer: string): { node: any; pointer: string } {
  return follow(spec, node, pointer, (n) => Object.keys(n).every((key) => ANNOTATIONS.has(key)));
}

function follow(
  spec: Json,
  node: unknown,
  pointer: string,
  whole: (node: Json) => boolean,
): { node: any; pointer: string } {
  let current: any = node;
  let at = pointer;
  for (let hops = 0; current && typeof current === 'object' && typeof current.$ref === 'string'; hops++) {
    if (hops > 50) throw new Error(`$ref cycle at ${current.$ref}`);
    if (!whole(current)) break;
    const ref: string = current.$ref;
    if (!ref.startsWith('#/')) throw new Error(`an external $ref (${ref}) in a spec that should be bundled`);
    // The fragment is a JSON pointer, URI-encoded (`#/paths/~1v1~1sandboxes%7Bid%7D`).
    at = decodeURIComponent(ref.slice(1));
    current = at
      .slice(1)
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<any>((here, part) => here?.[part], spec);
  }
  return { node: current, pointer: at };
}
