// Pairs kept as YAML files (test/spec-diff/fixtures/), to show the rules on specs written the way
// openapi.yaml is: each file's header says what was edited, and the test lists exactly what the
// diff must find.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Json } from '../../src/spec-diff/change.js';
import { changes } from './fixtures.js';

const read = (name: string): Json => parse(readFileSync(new URL(`./fixtures/${name}.yaml`, import.meta.url), 'utf8'));
const pair = (name: string) => [read(`${name}.base`), read(`${name}.head`)] as const;

describe('nullable-sandbox: a 3.1 response edited five ways', () => {
  it('finds the required field made optional, the new null, the new values of a closed and an open set', () => {
    const [base, head] = pair('nullable-sandbox');
    const get = 'GET /sandboxes/{id}';
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-enum-value-added',
        level: 'warning',
        operation: get,
        pointer: '/components/schemas/Sandbox/properties/region',
      },
      {
        id: 'response-property-became-optional',
        level: 'breaking',
        operation: get,
        pointer: '/components/schemas/Sandbox/properties/status',
      },
      {
        id: 'response-property-enum-value-added',
        level: 'info',
        operation: get,
        pointer: '/components/schemas/SandboxStatus',
      },
      {
        id: 'response-property-became-nullable',
        level: 'breaking',
        operation: get,
        pointer: '/components/schemas/Sandbox/properties/timeout_seconds',
      },
    ]);
  });

  it('read backwards, only the null dropped from expires_at would reach a client (a narrowed response does not)', () => {
    const [base, head] = pair('nullable-sandbox');
    expect(changes(head, base).filter((c) => c.level === 'breaking')).toEqual([
      {
        id: 'response-property-became-nullable',
        level: 'breaking',
        operation: 'GET /sandboxes/{id}',
        pointer: '/components/schemas/Sandbox/properties/expires_at',
      },
    ]);
  });
});

describe('shared-parameters: path-level parameters and root security', () => {
  it('finds the new path-level header for both operations, the enum narrowed and the replaced root security', () => {
    const [base, head] = pair('shared-parameters');
    expect(changes(base, head)).toEqual([
      { id: 'api-security-changed', level: 'breaking', operation: 'GET /files', pointer: '/security' },
      { id: 'api-security-alternative-added', level: 'info', operation: 'GET /files', pointer: '/security' },
      {
        id: 'new-required-request-parameter',
        level: 'breaking',
        operation: 'GET /files',
        pointer: '/paths/~1files/parameters/0',
      },
      {
        id: 'request-parameter-enum-value-removed',
        level: 'breaking',
        operation: 'GET /files',
        pointer: '/paths/~1files/get/parameters/1/schema',
      },
      {
        id: 'new-required-request-parameter',
        level: 'breaking',
        operation: 'DELETE /files',
        pointer: '/paths/~1files/parameters/0',
      },
    ]);
  });
});
