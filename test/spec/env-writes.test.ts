// `PATCH /env` merges and both `/env` writes may answer without a body, as the official SDKs expect:
// - both SDKs send `merge: true` on PATCH and call it a fix ("agent requires merge flag"), so a typed
//   caller who leaves `merge` out must be asking for a merge, not for PUT's replace (issue 9, item 6);
// - the Python SDK handles `204 No Content` on PUT and PATCH, so the spec declares it and the
//   generated client type lets `data` be undefined (item 7; the type side is in test/types).
import Ajv2020Module from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { deref, spec } from './bundled-spec.js';

const Ajv2020 = Ajv2020Module.default;
// useDefaults fills in what a server reading the schema would assume for a missing field.
const ajv = new Ajv2020({ strict: false, useDefaults: true });
ajv.addSchema({ $id: 'openapi.json', components: spec.components }, 'openapi.json');

function requestSchemaRef(method: 'put' | 'patch'): string {
  return spec.paths['/env'][method].requestBody.content['application/json'].schema.$ref;
}

/** The body as the schema reads it: a copy with the schema's defaults applied. */
function withDefaults(method: 'put' | 'patch', body: object): Record<string, unknown> {
  const validate = ajv.compile({ $ref: `openapi.json${requestSchemaRef(method)}` });
  const copy = structuredClone(body) as Record<string, unknown>;
  expect(validate(copy), ajv.errorsText(validate.errors)).toBe(true);
  return copy;
}

describe('PATCH /env merges', () => {
  it('a body without merge means merge: true', () => {
    expect(withDefaults('patch', { env_vars: { LOG_LEVEL: 'info' } }).merge).toBe(true);
  });

  it('PUT /env still replaces when merge is left out', () => {
    expect(withDefaults('put', { env_vars: { LOG_LEVEL: 'info' } }).merge).toBe(false);
  });

  it('PATCH and PUT do not share one body schema', () => {
    expect(requestSchemaRef('patch')).not.toBe(requestSchemaRef('put'));
  });
});

describe('PUT and PATCH /env may answer 204 No Content', () => {
  it.each(['put', 'patch'] as const)('%s /env declares a 204 without a body, next to the 200', (method) => {
    const responses = spec.paths['/env'][method].responses;
    expect(deref(responses['200']).content['application/json']).toBeDefined();
    const noContent = deref(responses['204']);
    expect(noContent, '204 declared').toBeDefined();
    expect(noContent.content).toBeUndefined();
  });
});
