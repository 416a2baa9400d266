// Parameters: what a client puts in the path, query, headers and cookies. They may be declared on the
// path (shared by its operations) or on the operation (overriding the path's of the same name and
// place); a client sees the merged list, and so must the diff.
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/spec-diff/change.js';
import { changes, operation, spec } from './fixtures.js';

const query = (name: string, extra: Json = {}) => ({ name, in: 'query', schema: { type: 'string' }, ...extra });
const header = (name: string, extra: Json = {}) => ({ name, in: 'header', schema: { type: 'string' }, ...extra });

/** GET /items with these operation-level parameters (and path-level ones, if given). */
function listing(parameters: Json[], shared?: Json[]): Json {
  return spec({ paths: { '/items': { ...(shared ? { parameters: shared } : {}), get: operation({ parameters }) } } });
}

const LIST = 'GET /items';
const OP_PARAMS = '/paths/~1items/get/parameters';
const PATH_PARAMS = '/paths/~1items/parameters';

describe('request-parameter-removed', () => {
  it('is breaking: an old client still sends it', () => {
    const base = listing([query('limit'), query('cursor')]);
    const head = listing([query('limit')]);
    expect(changes(base, head)).toEqual([
      { id: 'request-parameter-removed', level: 'breaking', operation: LIST, pointer: `${OP_PARAMS}/1` },
    ]);
  });

  it('a rename is the old name removed (breaking) and a new one added', () => {
    const base = listing([query('cursor')]);
    const head = listing([query('page_token')]);
    expect(changes(base, head)).toEqual([
      { id: 'request-parameter-removed', level: 'breaking', operation: LIST, pointer: `${OP_PARAMS}/0` },
      { id: 'new-optional-request-parameter', level: 'info', operation: LIST, pointer: `${OP_PARAMS}/0` },
    ]);
  });

  it('a move from the query to a header is a removal: the server no longer reads it where it is sent', () => {
    const base = listing([query('trace', { required: true })]);
    const head = listing([header('trace', { required: true })]);
    expect(changes(base, head)).toEqual([
      { id: 'request-parameter-removed', level: 'breaking', operation: LIST, pointer: `${OP_PARAMS}/0` },
      { id: 'new-required-request-parameter', level: 'breaking', operation: LIST, pointer: `${OP_PARAMS}/0` },
    ]);
  });

  it('moving a parameter from the path item to the operation (or back) changes nothing', () => {
    const base = listing([], [query('limit')]);
    const head = listing([query('limit')]);
    expect(changes(base, head)).toEqual([]);
    expect(changes(head, base)).toEqual([]);
  });

  it('a path-level parameter removed is reported where the path declared it', () => {
    const base = listing([], [query('limit'), query('cursor')]);
    const head = listing([], [query('limit')]);
    expect(changes(base, head)).toEqual([
      { id: 'request-parameter-removed', level: 'breaking', operation: LIST, pointer: `${PATH_PARAMS}/1` },
    ]);
  });

  it('a header renamed only in its case is the same header', () => {
    const base = listing([header('X-Trace-Id')]);
    const head = listing([header('x-trace-id')]);
    expect(changes(base, head)).toEqual([]);
  });
});

describe('request-parameter-became-required', () => {
  it('is breaking', () => {
    const base = listing([query('limit')]);
    const head = listing([query('limit', { required: true })]);
    expect(changes(base, head)).toEqual([
      { id: 'request-parameter-became-required', level: 'breaking', operation: LIST, pointer: `${OP_PARAMS}/0` },
    ]);
  });

  it('is breaking when an operation overrides a path-level parameter as required', () => {
    const base = listing([], [query('limit')]);
    const head = listing([query('limit', { required: true })], [query('limit')]);
    expect(changes(base, head)).toEqual([
      { id: 'request-parameter-became-required', level: 'breaking', operation: LIST, pointer: `${OP_PARAMS}/0` },
    ]);
  });

  it('becoming optional is only information', () => {
    const base = listing([query('limit', { required: true })]);
    const head = listing([query('limit')]);
    expect(changes(base, head)).toEqual([
      { id: 'request-parameter-became-optional', level: 'info', operation: LIST, pointer: `${OP_PARAMS}/0` },
    ]);
  });

  it('reads a parameter through its $ref, and points where the parameter is written', () => {
    const components = (required: boolean) => ({ parameters: { Limit: query('limit', { required }) } });
    const ref = { $ref: '#/components/parameters/Limit' };
    const base = spec({
      paths: { '/items': { get: operation({ parameters: [ref] }) } },
      components: components(false),
    });
    const head = spec({ paths: { '/items': { get: operation({ parameters: [ref] }) } }, components: components(true) });
    expect(changes(base, head)).toEqual([
      {
        id: 'request-parameter-became-required',
        level: 'breaking',
        operation: LIST,
        pointer: '/components/parameters/Limit',
      },
    ]);
  });
});

describe('new-required-request-parameter', () => {
  it('is breaking: an old client does not send it', () => {
    const base = listing([query('limit')]);
    const head = listing([query('limit'), query('region', { required: true })]);
    expect(changes(base, head)).toEqual([
      { id: 'new-required-request-parameter', level: 'breaking', operation: LIST, pointer: `${OP_PARAMS}/1` },
    ]);
  });

  it('is breaking for every operation when it is declared on the path', () => {
    const base = spec({ paths: { '/items': { get: operation(), delete: operation() } } });
    const head = spec({
      paths: {
        '/items': { parameters: [header('X-Tenant', { required: true })], get: operation(), delete: operation() },
      },
    });
    expect(changes(base, head)).toEqual([
      { id: 'new-required-request-parameter', level: 'breaking', operation: 'GET /items', pointer: `${PATH_PARAMS}/0` },
      {
        id: 'new-required-request-parameter',
        level: 'breaking',
        operation: 'DELETE /items',
        pointer: `${PATH_PARAMS}/0`,
      },
    ]);
  });

  it('a new optional parameter is only information', () => {
    const base = listing([]);
    const head = listing([query('limit')]);
    expect(changes(base, head)).toEqual([
      { id: 'new-optional-request-parameter', level: 'info', operation: LIST, pointer: `${OP_PARAMS}/0` },
    ]);
  });
});

describe("a parameter's schema is judged as something sent", () => {
  it('request-parameter-type-changed is breaking when the type narrows', () => {
    const base = listing([{ name: 'limit', in: 'query', schema: { type: 'number' } }]);
    const head = listing([{ name: 'limit', in: 'query', schema: { type: 'integer' } }]);
    expect(changes(base, head)).toEqual([
      { id: 'request-parameter-type-changed', level: 'breaking', operation: LIST, pointer: `${OP_PARAMS}/0/schema` },
    ]);
  });

  it('request-parameter-enum-value-removed is breaking', () => {
    const base = listing([{ name: 'sort', in: 'query', schema: { type: 'string', enum: ['asc', 'desc'] } }]);
    const head = listing([{ name: 'sort', in: 'query', schema: { type: 'string', enum: ['asc'] } }]);
    expect(changes(base, head)).toEqual([
      {
        id: 'request-parameter-enum-value-removed',
        level: 'breaking',
        operation: LIST,
        pointer: `${OP_PARAMS}/0/schema`,
      },
    ]);
  });

  it('widening it (integer to number, a new enum value) breaks nobody', () => {
    const base = listing([
      { name: 'limit', in: 'query', schema: { type: 'integer' } },
      { name: 'sort', in: 'query', schema: { type: 'string', enum: ['asc'] } },
    ]);
    const head = listing([
      { name: 'limit', in: 'query', schema: { type: 'number' } },
      { name: 'sort', in: 'query', schema: { type: 'string', enum: ['asc', 'desc'] } },
    ]);
    expect(changes(base, head)).toEqual([
      { id: 'request-parameter-enum-value-added', level: 'info', operation: LIST, pointer: `${OP_PARAMS}/1/schema` },
    ]);
  });
});
