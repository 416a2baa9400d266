// Small specs for the rule tests: an OpenAPI 3.1 document holding only what one rule needs, built in
// a line or two, so that a test shows the one edit it judges and not a page of JSON around it.
import type { Change, Json } from '../../src/spec-diff/change.js';
import { diffSpecs } from '../../src/spec-diff/diff-specs.js';

export interface SpecParts {
  paths?: Json;
  components?: Json;
  security?: Json[];
  servers?: Json[];
}

export function spec({ paths = {}, components, security, servers }: SpecParts = {}): Json {
  return {
    openapi: '3.1.0',
    info: { title: 'fixture', version: '1.0.0' },
    ...(servers ? { servers } : {}),
    ...(security ? { security } : {}),
    paths,
    ...(components ? { components } : {}),
  };
}

export interface OperationParts {
  parameters?: Json[];
  /** The JSON request body's schema (the body is required). */
  body?: unknown;
  /** The JSON schema of the success response; none: a response without a body. */
  response?: unknown;
  status?: string;
  [other: string]: unknown;
}

export function operation({ parameters, body, response, status = '200', ...rest }: OperationParts = {}): Json {
  return {
    ...(parameters ? { parameters } : {}),
    ...(body === undefined ? {} : { requestBody: { required: true, content: json(body) } }),
    responses: { [status]: { description: 'ok', ...(response === undefined ? {} : { content: json(response) }) } },
    ...rest,
  };
}

export function json(schema: unknown): Json {
  return { 'application/json': { schema } };
}

/** A spec whose one operation, `POST /items`, takes `schema` as its JSON body. */
export function sending(schema: unknown, schemas?: Json): Json {
  return spec({
    paths: { '/items': { post: operation({ body: schema }) } },
    ...(schemas ? { components: { schemas } } : {}),
  });
}

/** A spec whose one operation, `GET /items`, answers 200 with `schema`. */
export function receiving(schema: unknown, schemas?: Json): Json {
  return spec({
    paths: { '/items': { get: operation({ response: schema }) } },
    ...(schemas ? { components: { schemas } } : {}),
  });
}

/** Where `sending` and `receiving` write their schema. */
export const BODY = '/paths/~1items/post/requestBody/content/application~1json/schema';
export const RESPONSE = '/paths/~1items/get/responses/200/content/application~1json/schema';
export const SENDS = 'POST /items';
export const RECEIVES = 'GET /items';

/** A change as the tests compare it: everything but the wording of its message. */
export type Found = Pick<Change, 'id' | 'level' | 'operation' | 'pointer'>;

/**
 * The changes from `base` to `head`, messages aside. Every pointer must name a place that exists in
 * one of the two specs (the newer one, or the older for what is gone): a report that points nowhere
 * sends its reader looking for nothing.
 */
export function changes(base: Json, head: Json): Found[] {
  return diffSpecs(base, head).map((change) => {
    if (!exists(head, change.pointer) && !exists(base, change.pointer))
      throw new Error(`${change.id} points at ${change.pointer}, which is in neither spec`);
    return { id: change.id, level: change.level, operation: change.operation, pointer: change.pointer };
  });
}

export function exists(document: Json, pointer: string): boolean {
  if (pointer === '') return true;
  let at: unknown = document;
  for (const part of pointer.slice(1).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!at || typeof at !== 'object' || !(key in at)) return false;
    at = (at as Json)[key];
  }
  return true;
}

/** A deep copy to edit: the base of a pair stays as it was. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}
