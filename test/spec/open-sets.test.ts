// Sets the spec calls open take any string, so a value the platform adds later validates (and the mock
// and the local validators accept it); known values stay listed. Values and patterns that no source
// has are gone (issue 9, item 10). The TypeScript side is test/types/open-sets.test-d.ts.
import { describe, expect, it } from 'vitest';
import { validatorFor } from '../support/spec-schemas.js';
import { spec } from './bundled-spec.js';

function expectValid(schema: string, value: unknown) {
  const validate = validatorFor(schema);
  expect(validate(value), `${schema}: ${JSON.stringify(validate.errors)}`).toBe(true);
}

/** The known values of an open set `anyOf: [{type: string, enum}, {type: string}]`. */
function knownValues(schema: { anyOf?: { enum?: string[] }[] }): string[] | undefined {
  return schema.anyOf?.find((branch) => branch.enum)?.enum;
}

const sandbox = { id: '1761048129dsaqav4n', object: 'sandbox', created_at: '2025-10-21T12:02:09Z' };

describe('open sets accept a value added after this document', () => {
  it('a Sandbox whose status is new', () => {
    expectValid('Sandbox', { ...sandbox, status: 'hibernating' });
  });

  it('an error with a code this document does not list', () => {
    expectValid('ErrorResponse', { error: 'Quota exceeded', code: 'QUOTA_EXCEEDED', request_id: 'req_1' });
  });

  it('a template whose status is new, and a build that is pending', () => {
    expectValid('Template', { id: '291', name: 'code-interpreter', status: 'queued' });
    expectValid('BuildStatusResponse', { build_id: '1187', template_id: '318', status: 'pending' });
  });

  it('a background run in a state one source has and another lacks', () => {
    expectValid('ProcessInfo', { process_id: 'proc_1', status: 'timeout' });
    expectValid('ProcessInfo', { process_id: 'proc_1', status: 'stopping' });
  });

  it('a health answer other than ok or healthy, and an event type added later', () => {
    expectValid('HealthResponse', { status: 'starting' });
    expectValid('SandboxEvent', {
      id: '1-1',
      type: 'sandbox.resized',
      sandbox_id: sandbox.id,
      timestamp: '2025-10-21T12:02:11Z',
    });
  });

  it('still rejects a value that is not a string', () => {
    expect(validatorFor('Sandbox')({ ...sandbox, status: 7 })).toBe(false);
    expect(validatorFor('ErrorResponse')({ error: 'x', code: 404 })).toBe(false);
  });
});

describe('values and patterns without a source are gone', () => {
  it('health status lists only ok and healthy (no source has degraded)', () => {
    expect(knownValues(spec.components.schemas.HealthResponse.properties.status)).toEqual(['ok', 'healthy']);
  });

  it('the cache ttl is any string (no source gives it a Go-duration format)', () => {
    expectValid('CacheStats', {
      cache: { size: 1, max_size: 10, total_hits: 0, ttl: '3600' },
      timestamp: '2025-10-21T14:32:05Z',
    });
  });
});
