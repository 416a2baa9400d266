// Streams: an event stream's events (`contentSchema` of text/event-stream) are received; a WebSocket
// route's client messages are sent and its server messages received (`x-websocket`), each judged by
// its own direction, and reported once (not again through the 101's combined schema).
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/spec-diff/change.js';
import { changes, spec } from './fixtures.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

describe('event streams', () => {
  const events = (Event: Json) =>
    spec({
      paths: {
        '/events': {
          get: {
            responses: {
              '200': {
                description: 'events',
                content: {
                  'text/event-stream': {
                    schema: { type: 'string', contentMediaType: 'application/json', contentSchema: ref('Event') },
                  },
                },
              },
            },
          },
        },
      },
      components: { schemas: { Event } },
    });
  const event = (required: string[], type: Json = { type: 'string', enum: ['created', 'deleted'] }) => ({
    type: 'object',
    required,
    properties: { id: { type: 'string' }, type },
  });

  it("an event's required field made optional is breaking", () => {
    expect(changes(events(event(['id', 'type'])), events(event(['type'])))).toEqual([
      {
        id: 'response-property-became-optional',
        level: 'breaking',
        operation: 'GET /events',
        pointer: '/components/schemas/Event/properties/id',
      },
    ]);
  });

  it('a new event type in a closed set is a warning; a field made required is only information', () => {
    const base = events(event(['type']));
    const head = events(event(['id', 'type'], { type: 'string', enum: ['created', 'deleted', 'expired'] }));
    expect(changes(base, head)).toEqual([
      {
        id: 'response-property-became-required',
        level: 'info',
        operation: 'GET /events',
        pointer: '/components/schemas/Event/properties/id',
      },
      {
        id: 'response-property-enum-value-added',
        level: 'warning',
        operation: 'GET /events',
        pointer: '/components/schemas/Event/properties/type',
      },
    ]);
  });
});

describe('WebSocket messages', () => {
  const socket = (Client: Json, Server: Json) =>
    spec({
      paths: {
        '/stream': {
          get: {
            'x-websocket': { client: '#/components/schemas/Client', server: '#/components/schemas/Server' },
            responses: {
              '101': {
                description: 'Switching Protocols',
                content: { 'application/json': { schema: { oneOf: [ref('Client'), ref('Server')] } } },
              },
            },
          },
        },
      },
      components: { schemas: { Client, Server } },
    });
  const message = (properties: Json, required: string[]) => ({ type: 'object', required, properties });
  const run = message({ type: { const: 'run' }, code: { type: 'string' } }, ['type', 'code']);
  const output = message({ type: { const: 'output' }, data: { type: 'string' } }, ['type', 'data']);

  it('a client message gaining a required field is breaking (what the client sends)', () => {
    const head = message({ type: { const: 'run' }, code: { type: 'string' }, lang: { type: 'string' } }, [
      'type',
      'code',
      'lang',
    ]);
    expect(changes(socket(run, output), socket(head, output))).toEqual([
      {
        id: 'new-required-request-property',
        level: 'breaking',
        operation: 'GET /stream',
        pointer: '/components/schemas/Client/properties/lang',
      },
    ]);
  });

  it('a client message gaining an optional field is only information, reported once', () => {
    const head = message({ type: { const: 'run' }, code: { type: 'string' }, lang: { type: 'string' } }, [
      'type',
      'code',
    ]);
    expect(changes(socket(run, output), socket(head, output))).toEqual([
      {
        id: 'new-optional-request-property',
        level: 'info',
        operation: 'GET /stream',
        pointer: '/components/schemas/Client/properties/lang',
      },
    ]);
  });

  it('a server message losing a required field is breaking (what the client receives)', () => {
    const head = message({ type: { const: 'output' }, data: { type: 'string' } }, ['type']);
    expect(changes(socket(run, output), socket(run, head))).toEqual([
      {
        id: 'response-property-became-optional',
        level: 'breaking',
        operation: 'GET /stream',
        pointer: '/components/schemas/Server/properties/data',
      },
    ]);
  });

  it('a client message field made optional is not read as a received field made optional', () => {
    const head = message({ type: { const: 'run' }, code: { type: 'string' } }, ['type']);
    expect(changes(socket(run, output), socket(head, output))).toEqual([
      {
        id: 'request-property-became-optional',
        level: 'info',
        operation: 'GET /stream',
        pointer: '/components/schemas/Client/properties/code',
      },
    ]);
  });
});
