// What a client receives (a response body): an edit breaks it when the server may now send something
// the old client was never told about, or stop sending what it was promised. Each rule is shown
// breaking and beside an edit that looks alike and must stay quiet.
import { describe, expect, it } from 'vitest';
import { changes, RECEIVES, RESPONSE, receiving } from './fixtures.js';

const object = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  properties,
  ...(required.length ? { required } : {}),
});

describe('response-required-property-removed', () => {
  it('is breaking: a client reads a field that is no longer sent', () => {
    const base = receiving(object({ id: { type: 'string' }, status: { type: 'string' } }, ['id', 'status']));
    const head = receiving(object({ id: { type: 'string' } }, ['id']));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-required-property-removed',
        level: 'breaking',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/status`,
      },
    ]);
  });

  it('an optional property removed is a warning, not a break', () => {
    const base = receiving(object({ id: { type: 'string' }, note: { type: 'string' } }, ['id']));
    const head = receiving(object({ id: { type: 'string' } }, ['id']));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-optional-property-removed',
        level: 'warning',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/note`,
      },
    ]);
  });

  it('a property added to a response is only information', () => {
    const base = receiving(object({ id: { type: 'string' } }, ['id']));
    const head = receiving(object({ id: { type: 'string' }, note: { type: 'string' } }, ['id']));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-optional-property-added',
        level: 'info',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/note`,
      },
    ]);
  });
});

describe('response-property-became-optional', () => {
  it('is breaking: the field was promised and may now be missing', () => {
    const base = receiving(object({ id: { type: 'string' }, status: { type: 'string' } }, ['id', 'status']));
    const head = receiving(object({ id: { type: 'string' }, status: { type: 'string' } }, ['id']));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-became-optional',
        level: 'breaking',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/status`,
      },
    ]);
  });

  it('becoming required is only information', () => {
    const base = receiving(object({ status: { type: 'string' } }));
    const head = receiving(object({ status: { type: 'string' } }, ['status']));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-became-required',
        level: 'info',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/status`,
      },
    ]);
  });
});

describe('response-property-type-changed', () => {
  it('is breaking when the type widens (integer to number)', () => {
    const base = receiving(object({ size: { type: 'integer' } }));
    const head = receiving(object({ size: { type: 'number' } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-type-changed',
        level: 'breaking',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/size`,
      },
    ]);
  });

  it('is breaking when the type changes (string to integer)', () => {
    const base = receiving(object({ size: { type: 'string' } }));
    const head = receiving(object({ size: { type: 'integer' } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-type-changed',
        level: 'breaking',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/size`,
      },
    ]);
  });

  it('is breaking at the root of the body', () => {
    const base = receiving({ type: 'object' });
    const head = receiving({ type: ['object', 'array'] });
    expect(changes(base, head)).toEqual([
      { id: 'response-body-type-changed', level: 'breaking', operation: RECEIVES, pointer: RESPONSE },
    ]);
  });

  it('narrowing what is sent breaks nobody (number to integer, a type array to one type)', () => {
    const base = receiving(object({ size: { type: 'number' }, id: { type: ['integer', 'string'] } }));
    const head = receiving(object({ size: { type: 'integer' }, id: { type: 'string' } }));
    expect(changes(base, head)).toEqual([]);
  });
});

describe('response-property-became-nullable', () => {
  it('is breaking when null joins a type array', () => {
    const base = receiving(object({ expires_at: { type: 'string' } }));
    const head = receiving(object({ expires_at: { type: ['string', 'null'] } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-became-nullable',
        level: 'breaking',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/expires_at`,
      },
    ]);
  });

  it('is breaking when the property becomes anyOf [it, null]', () => {
    const base = receiving(object({ expires_at: { type: 'string' } }));
    const head = receiving(object({ expires_at: { anyOf: [{ type: 'string' }, { type: 'null' }] } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-became-nullable',
        level: 'breaking',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/expires_at`,
      },
    ]);
  });

  it('an object made nullable keeps its required properties (only the null is new)', () => {
    const thing = object({ id: { type: 'string' } }, ['id']);
    const schemas = { Thing: thing };
    const base = receiving(object({ thing: { $ref: '#/components/schemas/Thing' } }), schemas);
    const head = receiving(
      object({ thing: { anyOf: [{ $ref: '#/components/schemas/Thing' }, { type: 'null' }] } }),
      schemas,
    );
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-became-nullable',
        level: 'breaking',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/thing`,
      },
    ]);
  });

  it('null leaving a response is no change a client must handle', () => {
    const base = receiving(
      object({ a: { type: ['string', 'null'] }, b: { anyOf: [{ type: 'string' }, { type: 'null' }] } }),
    );
    const head = receiving(object({ a: { type: 'string' }, b: { type: 'string' } }));
    expect(changes(base, head)).toEqual([]);
  });
});

describe('response-property-enum-value-added', () => {
  it('is a warning for a closed set: an exhaustive switch meets a value it does not know', () => {
    const base = receiving(object({ state: { type: 'string', enum: ['on', 'off'] } }));
    const head = receiving(object({ state: { type: 'string', enum: ['on', 'off', 'broken'] } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-enum-value-added',
        level: 'warning',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/state`,
      },
    ]);
  });

  it('is information for an open set (anyOf an enum and any string): clients already take any value', () => {
    const open = (values: string[]) => ({ anyOf: [{ type: 'string', enum: values }, { type: 'string' }] });
    const base = receiving(object({ state: open(['on', 'off']) }));
    const head = receiving(object({ state: open(['on', 'off', 'broken']) }));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-enum-value-added',
        level: 'info',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/state`,
      },
    ]);
  });

  it('is a warning when a closed set is opened (an anyOf branch taking any string added beside it)', () => {
    const base = receiving(object({ state: { type: 'string', enum: ['on', 'off'] } }));
    const head = receiving(object({ state: { anyOf: [{ type: 'string', enum: ['on', 'off'] }, { type: 'string' }] } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-enum-value-added',
        level: 'warning',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/state`,
      },
    ]);
  });

  it('a value removed from a response enum is only information', () => {
    const base = receiving(object({ state: { type: 'string', enum: ['on', 'off', 'broken'] } }));
    const head = receiving(object({ state: { type: 'string', enum: ['on', 'off'] } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-enum-value-removed',
        level: 'info',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/state`,
      },
    ]);
  });
});

describe('response-property-default-value-changed', () => {
  it('is a warning', () => {
    const base = receiving(object({ region: { type: 'string', default: 'eu' } }));
    const head = receiving(object({ region: { type: 'string', default: 'us' } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-default-value-changed',
        level: 'warning',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/region`,
      },
    ]);
  });

  it('the same default is no change, however the schema around it is rewritten', () => {
    const base = receiving(object({ region: { type: 'string', default: 'eu' } }));
    const head = receiving({ allOf: [object({ region: { type: 'string', default: 'eu' } })] });
    expect(changes(base, head)).toEqual([]);
  });
});

describe('response limits and patterns', () => {
  it('a pattern added is a warning', () => {
    const base = receiving(object({ id: { type: 'string' } }));
    const head = receiving(object({ id: { type: 'string', pattern: '^[a-z0-9]+$' } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-pattern-added',
        level: 'warning',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/id`,
      },
    ]);
  });

  it('a maximum lowered is a warning', () => {
    const base = receiving(object({ count: { type: 'integer', maximum: 100 } }));
    const head = receiving(object({ count: { type: 'integer', maximum: 50 } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-max-decreased',
        level: 'warning',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/count`,
      },
    ]);
  });

  it('a limit loosened or a pattern removed is a warning too: the server may send what it never did', () => {
    const base = receiving(
      object({ id: { type: 'string', pattern: '^[a-z]+$' }, count: { type: 'integer', maximum: 50 } }),
    );
    const head = receiving(object({ id: { type: 'string' }, count: { type: 'integer', maximum: 100 } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-max-increased',
        level: 'warning',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/count`,
      },
      {
        id: 'response-property-pattern-removed',
        level: 'warning',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/id`,
      },
    ]);
  });

  it('the same limits written another way are no change (allOf parts, a $ref)', () => {
    const schemas = { Count: { type: 'integer', maximum: 50 } };
    const base = receiving(object({ count: { type: 'integer', minimum: 0, maximum: 50 } }), schemas);
    const head = receiving(
      object({ count: { allOf: [{ $ref: '#/components/schemas/Count' }, { minimum: 0 }] } }),
      schemas,
    );
    expect(changes(base, head)).toEqual([]);
  });
});

describe('response-property-const-changed', () => {
  it('is breaking: the one value a client matches on is another', () => {
    const base = receiving(object({ object: { const: 'sandbox' } }));
    const head = receiving(object({ object: { const: 'vm' } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-const-changed',
        level: 'breaking',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/object`,
      },
    ]);
  });

  it('a const that becomes an enum of more values is a new value, as for an enum (a warning)', () => {
    const base = receiving(object({ object: { const: 'sandbox' } }));
    const head = receiving(object({ object: { type: 'string', enum: ['sandbox', 'vm'] } }));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-enum-value-added',
        level: 'warning',
        operation: RECEIVES,
        pointer: `${RESPONSE}/properties/object`,
      },
    ]);
  });

  it('a const written as a one-value enum is no change', () => {
    const base = receiving(object({ object: { const: 'sandbox' } }));
    const head = receiving(object({ object: { enum: ['sandbox'] } }));
    expect(changes(base, head)).toEqual([]);
  });

  it('a response value fixed by a new const is no change a client must handle', () => {
    const base = receiving(object({ object: { type: 'string' } }));
    const head = receiving(object({ object: { type: 'string', const: 'sandbox' } }));
    expect(changes(base, head)).toEqual([]);
  });
});
