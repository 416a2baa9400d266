// The whole of this repository's spec (generated/openapi.json) against a copy edited five ways: the
// diff must find exactly those edits, and a change to a shared component must be listed for every
// operation that uses it. The spec against itself must yield nothing.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/spec-diff/change.js';
import { diffSpecs } from '../../src/spec-diff/diff-specs.js';
import { changes, copy, type Found } from './fixtures.js';

const base: Json = JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8'));
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'];

/**
 * The operations that reach a component schema through `$ref`s, in their request bodies or in their
 * success responses: worked out apart from the engine, to say which operations a change must name.
 */
function operationsUsing(schema: string, side: 'request' | 'response'): string[] {
  const target = `#/components/schemas/${schema}`;
  const reaches = (node: unknown, seen = new Set<string>()): boolean => {
    if (!node || typeof node !== 'object') return false;
    const ref = (node as Json).$ref;
    if (typeof ref === 'string') {
      if (ref === target) return true;
      if (seen.has(ref)) return false;
      seen.add(ref);
      const named = ref
        .slice(2)
        .split('/')
        .reduce<any>((at, part) => at?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], base);
      return reaches(named, seen);
    }
    return Object.values(node).some((child) => reaches(child, seen));
  };
  const found: string[] = [];
  for (const [path, item] of Object.entries<Json>(base.paths))
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const success = Object.entries<unknown>(op.responses ?? {}).filter(([status]) => /^2/.test(status));
      const used = side === 'request' ? reaches(op.requestBody) : success.some(([, response]) => reaches(response));
      if (used) found.push(`${method.toUpperCase()} ${path}`);
    }
  return found;
}

/** The edited copy, and what each edit must produce. */
function edited(): { head: Json; expected: Found[] } {
  const head = copy(base);
  const schemas = head.components.schemas;
  const expected: Found[] = [];

  // 1. An operation removed (its path stays: GET is still there).
  delete head.paths['/v1/sandboxes/{id}'].delete;
  expected.push({
    id: 'api-removed-without-deprecation',
    level: 'breaking',
    operation: 'DELETE /v1/sandboxes/{id}',
    pointer: '/paths/~1v1~1sandboxes~1{id}/delete',
  });

  // 2. A required response field removed: Sandbox.status, required in Sandbox, which is returned by
  // create, get and list, and carried by every event of the sandbox stream.
  expect(base.components.schemas.Sandbox.required).toContain('status');
  delete schemas.Sandbox.properties.status;
  schemas.Sandbox.required = schemas.Sandbox.required.filter((name: string) => name !== 'status');
  const usingSandbox = operationsUsing('Sandbox', 'response');
  expect(usingSandbox).toEqual(
    expect.arrayContaining([
      'GET /v1/sandboxes',
      'POST /v1/sandboxes',
      'GET /v1/sandboxes/{id}',
      'GET /v1/sandboxes/stream',
    ]),
  );
  for (const operation of usingSandbox)
    expected.push({
      id: 'response-required-property-removed',
      level: 'breaking',
      operation,
      pointer: '/components/schemas/Sandbox/properties/status',
    });

  // 3a. A new value in a closed response enum: RecordingInfo.status (a plain enum, no open branch).
  expect(base.components.schemas.RecordingInfo.properties.status.enum).toEqual(['recording', 'stopped', 'failed']);
  schemas.RecordingInfo.properties.status.enum.push('paused');
  for (const operation of operationsUsing('RecordingInfo', 'response'))
    expected.push({
      id: 'response-property-enum-value-added',
      level: 'warning',
      operation,
      pointer: '/components/schemas/RecordingInfo/properties/status',
    });

  // 3b. A new value in an open set (anyOf an enum and any string, the spec's way of saying "tolerate
  // values you do not know"): HealthResponse.status. Clients already take any string: information.
  expect(base.components.schemas.HealthResponse.properties.status.anyOf).toContainEqual({
    type: 'string',
    description: expect.any(String),
  });
  schemas.HealthResponse.properties.status.anyOf[0].enum.push('degraded');
  for (const operation of operationsUsing('HealthResponse', 'response'))
    expected.push({
      id: 'response-property-enum-value-added',
      level: 'info',
      operation,
      pointer: '/components/schemas/HealthResponse/properties/status',
    });

  // 4. A request field made required: ExecuteRequest.language (taken by /execute and /execute/rich).
  expect(base.components.schemas.ExecuteRequest.required).not.toContain('language');
  schemas.ExecuteRequest.required.push('language');
  const usingExecute = operationsUsing('ExecuteRequest', 'request');
  expect(usingExecute).toEqual(expect.arrayContaining(['POST /execute', 'POST /execute/rich']));
  for (const operation of usingExecute)
    expected.push({
      id: 'request-property-became-required',
      level: 'breaking',
      operation,
      pointer: '/components/schemas/ExecuteRequest/properties/language',
    });

  // 5. A new optional request field.
  schemas.CreateSandboxRequest.properties.labels = { type: 'object', additionalProperties: { type: 'string' } };
  expected.push({
    id: 'new-optional-request-property',
    level: 'info',
    operation: 'POST /v1/sandboxes',
    pointer: '/components/schemas/CreateSandboxRequest/properties/labels',
  });

  return { head, expected };
}

const order = (list: Found[]) =>
  [...list].sort((a, b) => `${a.id} ${a.operation}`.localeCompare(`${b.id} ${b.operation}`));

describe('the whole spec', () => {
  it('against itself yields nothing', () => {
    expect(diffSpecs(base, copy(base))).toEqual([]);
  });

  it('finds exactly the five edits, each shared one in every operation that uses it', () => {
    const { head, expected } = edited();
    expect(order(changes(base, head))).toEqual(order(expected));
  });
});
