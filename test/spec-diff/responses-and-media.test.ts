// Statuses and media types: whether a client still gets an answer it can read at all.
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/spec-diff/change.js';
import { changes, spec } from './fixtures.js';

const body = { content: { 'application/json': { schema: { type: 'object' } } } };

function answering(responses: Json, requestBody?: Json): Json {
  return spec({ paths: { '/items': { post: { ...(requestBody ? { requestBody } : {}), responses } } } });
}

const CREATE = 'POST /items';
const RESPONSES = '/paths/~1items/post/responses';

describe('response-success-status-removed', () => {
  it('is breaking: the answer an old client reads is gone', () => {
    const base = answering({ '200': { description: 'ok', ...body }, '201': { description: 'created', ...body } });
    const head = answering({ '201': { description: 'created', ...body } });
    expect(changes(base, head)).toEqual([
      { id: 'response-success-status-removed', level: 'breaking', operation: CREATE, pointer: `${RESPONSES}/200` },
    ]);
  });

  it('an error status removed is only information', () => {
    const base = answering({ '200': { description: 'ok', ...body }, '409': { description: 'conflict' } });
    const head = answering({ '200': { description: 'ok', ...body } });
    expect(changes(base, head)).toEqual([
      { id: 'response-non-success-status-removed', level: 'info', operation: CREATE, pointer: `${RESPONSES}/409` },
    ]);
  });

  it('a response moved into components (a $ref) is the same response', () => {
    const base = answering({ '200': { description: 'ok', ...body } });
    const head = {
      ...answering({ '200': { $ref: '#/components/responses/Ok' } }),
      components: { responses: { Ok: { description: 'ok', ...body } } },
    };
    expect(changes(base, head)).toEqual([]);
  });
});

describe('response-media-type-removed', () => {
  it('is breaking for a success response', () => {
    const both = { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } } };
    const base = answering({ '200': { description: 'ok', content: both } });
    const head = answering({ '200': { description: 'ok', ...body } });
    expect(changes(base, head)).toEqual([
      {
        id: 'response-media-type-removed',
        level: 'breaking',
        operation: CREATE,
        pointer: `${RESPONSES}/200/content/text~1csv`,
      },
    ]);
  });

  it('a media type removed from an error response is a warning, not a break', () => {
    const both = { 'application/json': { schema: { type: 'object' } }, 'text/plain': { schema: { type: 'string' } } };
    const base = answering({ '200': { description: 'ok' }, '400': { description: 'bad', content: both } });
    const head = answering({ '200': { description: 'ok' }, '400': { description: 'bad', ...body } });
    expect(changes(base, head)).toEqual([
      {
        id: 'response-media-type-removed',
        level: 'warning',
        operation: CREATE,
        pointer: `${RESPONSES}/400/content/text~1plain`,
      },
    ]);
  });

  it('a media type added to a request body is only information', () => {
    const base = answering({ '200': { description: 'ok' } }, { content: { 'application/json': { schema: {} } } });
    const head = answering(
      { '200': { description: 'ok' } },
      { content: { 'application/json': { schema: {} }, 'application/x-www-form-urlencoded': { schema: {} } } },
    );
    expect(changes(base, head)).toEqual([
      {
        id: 'request-body-media-type-added',
        level: 'info',
        operation: CREATE,
        pointer: '/paths/~1items/post/requestBody/content/application~1x-www-form-urlencoded',
      },
    ]);
  });
});

describe('request bodies', () => {
  it('request-body-media-type-removed is breaking: what an old client sends is refused', () => {
    const base = answering(
      { '200': { description: 'ok' } },
      { content: { 'application/json': { schema: {} }, 'multipart/form-data': { schema: {} } } },
    );
    const head = answering({ '200': { description: 'ok' } }, { content: { 'application/json': { schema: {} } } });
    expect(changes(base, head)).toEqual([
      {
        id: 'request-body-media-type-removed',
        level: 'breaking',
        operation: CREATE,
        pointer: '/paths/~1items/post/requestBody/content/multipart~1form-data',
      },
    ]);
  });

  it('new-required-request-body is breaking; a new optional body is not', () => {
    const none = answering({ '200': { description: 'ok' } });
    const content = { 'application/json': { schema: { type: 'object' } } };
    expect(changes(none, answering({ '200': { description: 'ok' } }, { required: true, content }))).toEqual([
      {
        id: 'new-required-request-body',
        level: 'breaking',
        operation: CREATE,
        pointer: '/paths/~1items/post/requestBody',
      },
    ]);
    expect(changes(none, answering({ '200': { description: 'ok' } }, { content }))).toEqual([]);
  });

  it('request-body-became-required is breaking; becoming optional says nothing', () => {
    const optional = answering({ '200': { description: 'ok' } }, { content: { 'application/json': { schema: {} } } });
    const required = answering(
      { '200': { description: 'ok' } },
      { required: true, content: { 'application/json': { schema: {} } } },
    );
    expect(changes(optional, required)).toEqual([
      {
        id: 'request-body-became-required',
        level: 'breaking',
        operation: CREATE,
        pointer: '/paths/~1items/post/requestBody',
      },
    ]);
    expect(changes(required, optional)).toEqual([]);
  });
});
