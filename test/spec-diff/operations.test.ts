// Operations and paths: what a client calls at all. Each rule is shown breaking and beside an edit
// that looks alike and must stay quiet.
import { describe, expect, it } from 'vitest';
import { changes, operation, spec } from './fixtures.js';

const items = {
  get: operation({ response: { type: 'array' } }),
  post: operation({ body: { type: 'object' } }),
};

describe('api-removed-without-deprecation', () => {
  it('is breaking when an operation goes and its path stays', () => {
    const base = spec({ paths: { '/items': items } });
    const head = spec({ paths: { '/items': { get: items.get } } });
    expect(changes(base, head)).toEqual([
      {
        id: 'api-removed-without-deprecation',
        level: 'breaking',
        operation: 'POST /items',
        pointer: '/paths/~1items/post',
      },
    ]);
  });

  it('is api-path-removed-without-deprecation when the whole path goes (one per operation)', () => {
    const base = spec({ paths: { '/items': items, '/other': { get: operation() } } });
    const head = spec({ paths: { '/other': { get: operation() } } });
    expect(changes(base, head)).toEqual([
      {
        id: 'api-path-removed-without-deprecation',
        level: 'breaking',
        operation: 'GET /items',
        pointer: '/paths/~1items/get',
      },
      {
        id: 'api-path-removed-without-deprecation',
        level: 'breaking',
        operation: 'POST /items',
        pointer: '/paths/~1items/post',
      },
    ]);
  });

  it('is api-removed-after-deprecation (still breaking) when it was deprecated first', () => {
    const base = spec({ paths: { '/items': { ...items, post: { ...items.post, deprecated: true } } } });
    const head = spec({ paths: { '/items': { get: items.get } } });
    expect(changes(base, head)).toEqual([
      {
        id: 'api-removed-after-deprecation',
        level: 'breaking',
        operation: 'POST /items',
        pointer: '/paths/~1items/post',
      },
    ]);
  });

  it('a path whose parameter is only renamed is the same URL: nothing was removed', () => {
    const path = (name: string) => ({
      get: operation({ parameters: [{ name, in: 'path', required: true, schema: { type: 'string' } }] }),
    });
    const base = spec({ paths: { '/items/{id}': path('id') } });
    const head = spec({ paths: { '/items/{itemId}': path('itemId') } });
    expect(changes(base, head)).toEqual([
      {
        id: 'request-path-parameter-renamed',
        level: 'info',
        operation: 'GET /items/{itemId}',
        pointer: '/paths/~1items~1{itemId}/get/parameters/0',
      },
    ]);
  });
});

describe('endpoint-added', () => {
  it('a new operation is only information', () => {
    const base = spec({ paths: { '/items': { get: items.get } } });
    const head = spec({ paths: { '/items': items } });
    expect(changes(base, head)).toEqual([
      { id: 'endpoint-added', level: 'info', operation: 'POST /items', pointer: '/paths/~1items/post' },
    ]);
  });
});

describe('endpoint-deprecated', () => {
  it('is a warning', () => {
    const base = spec({ paths: { '/items': items } });
    const head = spec({ paths: { '/items': { ...items, get: { ...items.get, deprecated: true } } } });
    expect(changes(base, head)).toEqual([
      { id: 'endpoint-deprecated', level: 'warning', operation: 'GET /items', pointer: '/paths/~1items/get' },
    ]);
  });

  it('staying deprecated, or the deprecation lifted, says nothing', () => {
    const deprecated = spec({ paths: { '/items': { ...items, get: { ...items.get, deprecated: true } } } });
    expect(changes(deprecated, deprecated)).toEqual([]);
    expect(changes(deprecated, spec({ paths: { '/items': items } }))).toEqual([]);
  });
});
