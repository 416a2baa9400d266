// Who may call an operation (security: the root's requirements unless the operation has its own) and
// where (servers: the root's, a path's or an operation's own).
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/spec-diff/change.js';
import { changes, operation, type SpecParts, spec } from './fixtures.js';

const securitySchemes = {
  ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
  Bearer: { type: 'http', scheme: 'bearer' },
};

/** GET /items and DELETE /items, with the root `security` and the operations' own as given. */
function guarded(root: Json[] | undefined, own: { get?: Json[]; delete?: Json[] } = {}): Json {
  const parts: SpecParts = {
    paths: {
      '/items': {
        get: operation(own.get ? { security: own.get } : {}),
        delete: operation(own.delete ? { security: own.delete } : {}),
      },
    },
    components: { securitySchemes },
  };
  if (root) parts.security = root;
  return spec(parts);
}

describe('api-security-added', () => {
  it('is breaking when an open operation needs credentials (its own security)', () => {
    const base = guarded(undefined);
    const head = guarded(undefined, { delete: [{ ApiKey: [] }] });
    expect(changes(base, head)).toEqual([
      {
        id: 'api-security-added',
        level: 'breaking',
        operation: 'DELETE /items',
        pointer: '/paths/~1items/delete/security',
      },
    ]);
  });

  it('is breaking for every operation that inherits a new root security, pointed at the root', () => {
    const base = guarded(undefined);
    const head = guarded([{ ApiKey: [] }]);
    expect(changes(base, head)).toEqual([
      { id: 'api-security-added', level: 'breaking', operation: 'GET /items', pointer: '/security' },
      { id: 'api-security-added', level: 'breaking', operation: 'DELETE /items', pointer: '/security' },
    ]);
  });

  it('is breaking when optional credentials ({} among the alternatives) become mandatory', () => {
    const base = guarded([{ ApiKey: [] }, {}]);
    const head = guarded([{ ApiKey: [] }], { get: [{ ApiKey: [] }, {}] });
    expect(changes(base, head)).toEqual([
      { id: 'api-security-added', level: 'breaking', operation: 'DELETE /items', pointer: '/security' },
    ]);
  });

  it('an operation that stays open by overriding a new root security with [] is untouched', () => {
    const base = guarded(undefined);
    const head = guarded([{ ApiKey: [] }], { get: [], delete: [] });
    expect(changes(base, head)).toEqual([]);
  });

  it('writing the inherited security on the operation itself changes nothing', () => {
    const base = guarded([{ ApiKey: [] }]);
    const head = guarded([{ ApiKey: [] }], { get: [{ ApiKey: [] }] });
    expect(changes(base, head)).toEqual([]);
  });
});

describe('api-security-changed', () => {
  it('is breaking when the accepted scheme is replaced', () => {
    const base = guarded([{ ApiKey: [] }]);
    const head = guarded([{ ApiKey: [] }], { delete: [{ Bearer: [] }] });
    expect(changes(base, head)).toEqual([
      {
        id: 'api-security-changed',
        level: 'breaking',
        operation: 'DELETE /items',
        pointer: '/paths/~1items/delete/security',
      },
      {
        id: 'api-security-alternative-added',
        level: 'info',
        operation: 'DELETE /items',
        pointer: '/paths/~1items/delete/security',
      },
    ]);
  });

  it('is breaking when a scope is added to a requirement', () => {
    const base = guarded(undefined, { get: [{ Bearer: ['read'] }] });
    const head = guarded(undefined, { get: [{ Bearer: ['read', 'admin'] }] });
    expect(changes(base, head).filter((c) => c.level === 'breaking')).toEqual([
      {
        id: 'api-security-changed',
        level: 'breaking',
        operation: 'GET /items',
        pointer: '/paths/~1items/get/security',
      },
    ]);
  });

  it('another accepted alternative is only information; scopes listed in another order are no change', () => {
    const base = guarded([{ ApiKey: [] }], { get: [{ Bearer: ['read', 'write'] }] });
    const head = guarded([{ ApiKey: [] }, { Bearer: [] }], { get: [{ Bearer: ['write', 'read'] }] });
    expect(changes(base, head)).toEqual([
      { id: 'api-security-alternative-added', level: 'info', operation: 'DELETE /items', pointer: '/security' },
    ]);
  });

  it('credentials no longer needed is only information', () => {
    const base = guarded([{ ApiKey: [] }]);
    const head = guarded([{ ApiKey: [] }], { get: [] });
    expect(changes(base, head)).toEqual([
      { id: 'api-security-removed', level: 'info', operation: 'GET /items', pointer: '/paths/~1items/get/security' },
    ]);
  });
});

describe('api-server-removed', () => {
  const production = { url: 'https://api.example.com' };
  const staging = { url: 'https://staging.example.com' };

  it('is breaking for a root server', () => {
    const base = spec({ servers: [production, staging] });
    const head = spec({ servers: [production] });
    expect(changes(base, head)).toEqual([
      { id: 'api-server-removed', level: 'breaking', operation: null, pointer: '/servers/1' },
    ]);
  });

  it("is breaking for an operation's own server, even when the operation falls back to the root's", () => {
    const own = { url: 'https://{sandbox}.vms.example.com', variables: { sandbox: { default: 'x' } } };
    const base = spec({ servers: [production], paths: { '/run': { post: operation({ servers: [own] }) } } });
    const head = spec({ servers: [production], paths: { '/run': { post: operation() } } });
    expect(changes(base, head)).toEqual([
      { id: 'api-server-removed', level: 'breaking', operation: 'POST /run', pointer: '/paths/~1run/post/servers/0' },
    ]);
  });

  it('a server added, or the same servers reordered, breaks nobody', () => {
    const base = spec({ servers: [production] });
    expect(changes(base, spec({ servers: [production, staging] }))).toEqual([]);
    expect(changes(spec({ servers: [production, staging] }), spec({ servers: [staging, production] }))).toEqual([]);
  });

  it('declaring the same server on a path instead of the root changes nothing for its operations', () => {
    const base = spec({ servers: [production], paths: { '/items': { get: operation() } } });
    const head = spec({ servers: [production], paths: { '/items': { servers: [production], get: operation() } } });
    expect(changes(base, head)).toEqual([]);
  });
});

describe('api-server-variable-removed', () => {
  const regional = (variables: Json) => spec({ servers: [{ url: 'https://{region}.example.com', variables }] });

  it('is breaking', () => {
    const base = regional({ region: { default: 'eu' }, port: { default: '443' } });
    const head = regional({ region: { default: 'eu' } });
    expect(changes(base, head)).toEqual([
      { id: 'api-server-variable-removed', level: 'breaking', operation: null, pointer: '/servers/0/variables/port' },
    ]);
  });

  it('a value removed from its enum is breaking; one added is not', () => {
    const base = regional({ region: { default: 'eu', enum: ['eu', 'us'] } });
    const head = regional({ region: { default: 'eu', enum: ['eu'] } });
    expect(changes(base, head)).toEqual([
      {
        id: 'api-server-variable-enum-value-removed',
        level: 'breaking',
        operation: null,
        pointer: '/servers/0/variables/region',
      },
    ]);
    expect(changes(head, base)).toEqual([]);
  });
});
