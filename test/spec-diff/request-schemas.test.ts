// What a client sends (a request body): an edit breaks it when the server now refuses something it
// accepted. Each rule is shown breaking and beside an edit that looks alike and must stay quiet.
import { describe, expect, it } from 'vitest';
import { BODY, changes, SENDS, sending } from './fixtures.js';

const object = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  properties,
  ...(required.length ? { required } : {}),
});

describe('new-required-request-property', () => {
  it('is breaking: an old client does not send it', () => {
    const base = sending(object({ name: { type: 'string' } }));
    const head = sending(object({ name: { type: 'string' }, size: { type: 'integer' } }, ['size']));
    expect(changes(base, head)).toEqual([
      { id: 'new-required-request-property', level: 'breaking', operation: SENDS, pointer: `${BODY}/properties/size` },
    ]);
  });

  it('a new optional property is only information', () => {
    const base = sending(object({ name: { type: 'string' } }));
    const head = sending(object({ name: { type: 'string' }, size: { type: 'integer' } }));
    expect(changes(base, head)).toEqual([
      { id: 'new-optional-request-property', level: 'info', operation: SENDS, pointer: `${BODY}/properties/size` },
    ]);
  });
});

describe('request-property-became-required', () => {
  it('is breaking', () => {
    const base = sending(object({ name: { type: 'string' }, size: { type: 'integer' } }, ['name']));
    const head = sending(object({ name: { type: 'string' }, size: { type: 'integer' } }, ['name', 'size']));
    expect(changes(base, head)).toEqual([
      {
        id: 'request-property-became-required',
        level: 'breaking',
        operation: SENDS,
        pointer: `${BODY}/properties/size`,
      },
    ]);
  });

  it('becoming optional is only information', () => {
    const base = sending(object({ name: { type: 'string' } }, ['name']));
    const head = sending(object({ name: { type: 'string' } }));
    expect(changes(base, head)).toEqual([
      { id: 'request-property-became-optional', level: 'info', operation: SENDS, pointer: `${BODY}/properties/name` },
    ]);
  });
});

describe('request-property-type-changed', () => {
  it('is breaking when the type narrows (number to integer)', () => {
    const base = sending(object({ ratio: { type: 'number' } }));
    const head = sending(object({ ratio: { type: 'integer' } }));
    expect(changes(base, head)).toEqual([
      { id: 'request-property-type-changed', level: 'breaking', operation: SENDS, pointer: `${BODY}/properties/ratio` },
    ]);
  });

  it('is breaking when a type array loses a member', () => {
    const base = sending(object({ id: { type: ['integer', 'string'] } }));
    const head = sending(object({ id: { type: 'string' } }));
    expect(changes(base, head)).toEqual([
      { id: 'request-property-type-changed', level: 'breaking', operation: SENDS, pointer: `${BODY}/properties/id` },
    ]);
  });

  it('widening what is accepted breaks nobody (integer to number, string to a type array)', () => {
    const base = sending(object({ ratio: { type: 'integer' }, id: { type: 'string' } }));
    const head = sending(object({ ratio: { type: 'number' }, id: { type: ['integer', 'string'] } }));
    expect(changes(base, head)).toEqual([]);
  });
});

describe('request-property-became-not-nullable', () => {
  it('is breaking when null leaves a type array', () => {
    const base = sending(object({ note: { type: ['string', 'null'] } }));
    const head = sending(object({ note: { type: 'string' } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'request-property-became-not-nullable',
        level: 'breaking',
        operation: SENDS,
        pointer: `${BODY}/properties/note`,
      },
    ]);
  });

  it('is breaking when the null branch leaves an anyOf', () => {
    const base = sending(object({ note: { anyOf: [{ type: 'string' }, { type: 'null' }] } }));
    const head = sending(object({ note: { type: 'string' } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'request-property-became-not-nullable',
        level: 'breaking',
        operation: SENDS,
        pointer: `${BODY}/properties/note`,
      },
    ]);
  });

  it('accepting null too breaks nobody (a type array, an anyOf, 3.0 nullable)', () => {
    const base = sending(object({ a: { type: 'string' }, b: { type: 'string' }, c: { type: 'string' } }));
    const head = sending(
      object({
        a: { type: ['string', 'null'] },
        b: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        c: { type: 'string', nullable: true },
      }),
    );
    expect(changes(base, head)).toEqual([]);
  });
});

describe('request-property-enum-value-removed', () => {
  it('is breaking: a value an old client sends is refused', () => {
    const base = sending(object({ size: { type: 'string', enum: ['s', 'm', 'l'] } }));
    const head = sending(object({ size: { type: 'string', enum: ['s', 'm'] } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'request-property-enum-value-removed',
        level: 'breaking',
        operation: SENDS,
        pointer: `${BODY}/properties/size`,
      },
    ]);
  });

  it('is breaking when an open set (anyOf of an enum and any string) is closed', () => {
    const open = { anyOf: [{ type: 'string', enum: ['s', 'm'] }, { type: 'string' }] };
    const base = sending(object({ size: open }));
    const head = sending(object({ size: { type: 'string', enum: ['s', 'm'] } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'request-property-enum-value-removed',
        level: 'breaking',
        operation: SENDS,
        pointer: `${BODY}/properties/size`,
      },
    ]);
  });

  it('a value added to a request enum is only information', () => {
    const base = sending(object({ size: { type: 'string', enum: ['s', 'm'] } }));
    const head = sending(object({ size: { type: 'string', enum: ['s', 'm', 'l'] } }));
    expect(changes(base, head)).toEqual([
      { id: 'request-property-enum-value-added', level: 'info', operation: SENDS, pointer: `${BODY}/properties/size` },
    ]);
  });
});

describe('request-property-const-changed', () => {
  it('is breaking: the one value an old client sends is refused', () => {
    const base = sending(object({ kind: { const: 'v1' } }));
    const head = sending(object({ kind: { const: 'v2' } }));
    expect(changes(base, head)).toEqual([
      { id: 'request-property-const-changed', level: 'breaking', operation: SENDS, pointer: `${BODY}/properties/kind` },
    ]);
  });

  it('is breaking when a free value becomes a const', () => {
    const base = sending(object({ kind: { type: 'string' } }));
    const head = sending(object({ kind: { type: 'string', const: 'v1' } }));
    expect(changes(base, head)).toEqual([
      { id: 'request-property-const-changed', level: 'breaking', operation: SENDS, pointer: `${BODY}/properties/kind` },
    ]);
  });

  it('the same const written as a one-value enum is no change', () => {
    const base = sending(object({ kind: { type: 'string', const: 'v1' } }));
    const head = sending(object({ kind: { type: 'string', enum: ['v1'] } }));
    expect(changes(base, head)).toEqual([]);
  });
});

describe('request-property-max-length-decreased', () => {
  it('is breaking: a longer value an old client sends is refused', () => {
    const base = sending(object({ name: { type: 'string', maxLength: 64 } }));
    const head = sending(object({ name: { type: 'string', maxLength: 32 } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'request-property-max-length-decreased',
        level: 'breaking',
        operation: SENDS,
        pointer: `${BODY}/properties/name`,
      },
    ]);
  });

  it('a limit loosened is only information', () => {
    const base = sending(object({ name: { type: 'string', maxLength: 32 } }));
    const head = sending(object({ name: { type: 'string', maxLength: 64 } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'request-property-max-length-increased',
        level: 'info',
        operation: SENDS,
        pointer: `${BODY}/properties/name`,
      },
    ]);
  });
});

describe('request-property-default-value-changed', () => {
  it('is a warning: a client that leaves it out gets another behaviour', () => {
    const base = sending(object({ timeout: { type: 'integer', default: 30 } }));
    const head = sending(object({ timeout: { type: 'integer', default: 60 } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'request-property-default-value-changed',
        level: 'warning',
        operation: SENDS,
        pointer: `${BODY}/properties/timeout`,
      },
    ]);
  });

  it('the same default written beside a $ref (3.1) is no change', () => {
    const schemas = { Seconds: { type: 'integer' } };
    const base = sending(object({ timeout: { $ref: '#/components/schemas/Seconds', default: 30 } }), schemas);
    const head = sending(object({ timeout: { $ref: '#/components/schemas/Seconds', default: 30 } }), schemas);
    expect(changes(base, head)).toEqual([]);
  });

  it('a default beside a $ref (3.1) counts too', () => {
    const schemas = { Seconds: { type: 'integer' } };
    const base = sending(object({ timeout: { $ref: '#/components/schemas/Seconds', default: 30 } }), schemas);
    const head = sending(object({ timeout: { $ref: '#/components/schemas/Seconds', default: 60 } }), schemas);
    expect(changes(base, head)).toEqual([
      {
        id: 'request-property-default-value-changed',
        level: 'warning',
        operation: SENDS,
        pointer: `${BODY}/properties/timeout`,
      },
    ]);
  });
});

describe('request-property-removed', () => {
  it('is a warning when the object stays open (a server may ignore what it no longer reads)', () => {
    const base = sending(object({ name: { type: 'string' }, legacy: { type: 'string' } }));
    const head = sending(object({ name: { type: 'string' } }));
    expect(changes(base, head)).toEqual([
      { id: 'request-property-removed', level: 'warning', operation: SENDS, pointer: `${BODY}/properties/legacy` },
    ]);
  });

  it('is breaking when the object is closed (additionalProperties: false)', () => {
    const base = sending({
      ...object({ name: { type: 'string' }, legacy: { type: 'string' } }),
      additionalProperties: false,
    });
    const head = sending({ ...object({ name: { type: 'string' } }), additionalProperties: false });
    expect(changes(base, head)).toEqual([
      { id: 'request-property-removed', level: 'breaking', operation: SENDS, pointer: `${BODY}/properties/legacy` },
    ]);
  });
});
