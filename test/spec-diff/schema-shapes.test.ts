// The same rules wherever the property sits: behind a $ref (pointed at where it is written, in
// components), in an allOf part, in a recursive schema, inside arrays, tuples (prefixItems) and maps
// (additionalProperties). A schema rewritten into another shape that means the same is no change.
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/spec-diff/change.js';
import { BODY, changes, RECEIVES, RESPONSE, receiving, SENDS, sending } from './fixtures.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const sandbox = (required: string[]) => ({
  type: 'object',
  required,
  properties: { id: { type: 'string' }, status: { type: 'string' } },
});

describe('through $ref', () => {
  it('points at the property where it is written, not at a path through the $ref', () => {
    const base = receiving(ref('Sandbox'), { Sandbox: sandbox(['id', 'status']) });
    const head = receiving(ref('Sandbox'), { Sandbox: sandbox(['id']) });
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-became-optional',
        level: 'breaking',
        operation: RECEIVES,
        pointer: '/components/schemas/Sandbox/properties/status',
      },
    ]);
  });

  it('inlining a component, or moving an inline schema into one, is no change', () => {
    const inline = receiving(sandbox(['id']));
    const referenced = receiving(ref('Sandbox'), { Sandbox: sandbox(['id']) });
    expect(changes(inline, referenced)).toEqual([]);
    expect(changes(referenced, inline)).toEqual([]);
  });

  it('a recursive schema is walked once per level and the diff ends', () => {
    const node = (extra: Json = {}) => ({
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string' }, children: { type: 'array', items: ref('Node') }, ...extra },
    });
    const base = receiving(ref('Node'), { Node: node() });
    expect(changes(base, base)).toEqual([]);
    const head = receiving(ref('Node'), { Node: node({ size: { type: 'integer' } }) });
    expect(changes(base, head)).toEqual([
      {
        id: 'response-optional-property-added',
        level: 'info',
        operation: RECEIVES,
        pointer: '/components/schemas/Node/properties/size',
      },
    ]);
  });

  it('two schemas that refer to each other end too', () => {
    const schemas = (extra: Json = {}) => ({
      Folder: { type: 'object', properties: { files: { type: 'array', items: ref('File') }, ...extra } },
      File: { type: 'object', properties: { parent: ref('Folder') } },
    });
    const base = sending(ref('Folder'), schemas());
    const head = sending(ref('Folder'), schemas({ owner: { type: 'string' } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'new-optional-request-property',
        level: 'info',
        operation: SENDS,
        pointer: '/components/schemas/Folder/properties/owner',
      },
    ]);
  });
});

describe('through allOf', () => {
  it('a required property of an allOf part removed is reported where that part declares it', () => {
    const base = receiving(
      { allOf: [ref('Base'), { type: 'object', required: ['extra'], properties: { extra: {} } }] },
      {
        Base: sandbox(['id', 'status']),
      },
    );
    const head = receiving(
      { allOf: [ref('Base'), { type: 'object', required: ['extra'], properties: { extra: {} } }] },
      {
        Base: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
      },
    );
    expect(changes(base, head)).toEqual([
      {
        id: 'response-required-property-removed',
        level: 'breaking',
        operation: RECEIVES,
        pointer: '/components/schemas/Base/properties/status',
      },
    ]);
  });

  it('a property constrained in two allOf parts must satisfy both (a narrowed inherited type)', () => {
    const schemas = (type: string) => ({ Base: { type: 'object', properties: { size: { type } } } });
    const extended = { allOf: [ref('Base'), { properties: { size: { minimum: 0 } } }] };
    const base = sending(extended, schemas('number'));
    const head = sending(extended, schemas('integer'));
    expect(changes(base, head)).toEqual([
      {
        id: 'request-property-type-changed',
        level: 'breaking',
        operation: SENDS,
        pointer: '/components/schemas/Base/properties/size',
      },
    ]);
  });

  it('flattening an allOf into one object is no change', () => {
    const base = sending({
      allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, sandbox(['id'])],
    });
    const head = sending({
      type: 'object',
      required: ['a', 'id'],
      properties: { a: { type: 'string' }, id: { type: 'string' }, status: { type: 'string' } },
    });
    expect(changes(base, head)).toEqual([]);
  });
});

describe('oneOf and anyOf', () => {
  it('a property every branch requires is guaranteed; one branch dropping it makes it optional', () => {
    const branch = (required: string[]) => ({
      type: 'object',
      required,
      properties: { kind: { type: 'string' }, id: {} },
    });
    const base = receiving({ oneOf: [branch(['kind', 'id']), branch(['kind', 'id'])] });
    const head = receiving({ oneOf: [branch(['kind', 'id']), branch(['kind'])] });
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-became-optional',
        level: 'breaking',
        operation: RECEIVES,
        pointer: `${RESPONSE}/oneOf/0/properties/id`,
      },
    ]);
  });

  it('a new message kind (a const discriminator in a new oneOf branch) is a warning to a receiver', () => {
    const kind = (name: string) => ({
      type: 'object',
      required: ['type'],
      properties: { type: { const: name }, data: { type: 'string' } },
    });
    const base = receiving({ oneOf: [kind('stdout'), kind('stderr')] });
    const head = receiving({ oneOf: [kind('stdout'), kind('stderr'), kind('exit')] });
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-enum-value-added',
        level: 'warning',
        operation: RECEIVES,
        pointer: `${RESPONSE}/oneOf/0/properties/type`,
      },
    ]);
  });
});

describe('inside arrays', () => {
  it('a required property of the items removed is breaking', () => {
    const list = (required: string[]) => ({
      type: 'object',
      properties: { data: { type: 'array', items: sandbox(required) } },
    });
    const base = receiving(list(['id', 'status']));
    const head = receiving(list(['id']));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-became-optional',
        level: 'breaking',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/data/items/properties/status`,
      },
    ]);
  });

  it('an array that may now be null is breaking; an array of a nullable type, written either way, is the same', () => {
    const base = receiving({ type: 'object', properties: { data: { type: 'array', items: { type: 'string' } } } });
    const head = receiving({
      type: 'object',
      properties: { data: { type: ['array', 'null'], items: { type: 'string' } } },
    });
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-became-nullable',
        level: 'breaking',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/data`,
      },
    ]);
    const a = receiving({ type: 'array', items: { type: ['string', 'null'] } });
    const b = receiving({ type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'null' }] } });
    expect(changes(a, b)).toEqual([]);
  });

  it('tuple items (prefixItems) are compared by position', () => {
    const pair = (second: Json) => ({ type: 'array', prefixItems: [{ type: 'number' }, second] });
    const base = sending(pair({ type: 'number' }));
    const head = sending(pair({ type: 'integer' }));
    expect(changes(base, head)).toEqual([
      { id: 'request-property-type-changed', level: 'breaking', operation: SENDS, pointer: `${BODY}/prefixItems/1` },
    ]);
    expect(changes(head, base)).toEqual([]);
  });

  it('a response tuple item no longer described is a warning', () => {
    const base = receiving({ type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }] });
    const head = receiving({ type: 'array', prefixItems: [{ type: 'number' }] });
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-type-changed',
        level: 'warning',
        operation: RECEIVES,
        pointer: `${RESPONSE}/prefixItems/1`,
      },
    ]);
  });
});

describe('inside additionalProperties (maps)', () => {
  it("a map value's type narrowed in a request is breaking", () => {
    const env = (value: Json) => ({
      type: 'object',
      properties: { env: { type: 'object', additionalProperties: value } },
    });
    const base = sending(env({ type: ['string', 'number'] }));
    const head = sending(env({ type: 'string' }));
    expect(changes(base, head)).toEqual([
      {
        id: 'request-property-type-changed',
        level: 'breaking',
        operation: SENDS,
        pointer: `${BODY}/properties/env/additionalProperties`,
      },
    ]);
  });

  it('a required property of map values made optional in a response is breaking; the reverse is not', () => {
    const map = (required: string[]) => ({ type: 'object', additionalProperties: sandbox(required) });
    const base = receiving(map(['id', 'status']));
    const head = receiving(map(['id']));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-became-optional',
        level: 'breaking',
        operation: RECEIVES,
        pointer: `${RESPONSE}/additionalProperties/properties/status`,
      },
    ]);
    expect(changes(head, base).filter((c) => c.level === 'breaking')).toEqual([]);
  });
});
