// Redocly plugin for `npm run lint` (loaded by redocly.yaml). Two kinds of checks the built-in
// rules cannot express:
//
// Rules for the extensions that `npm run generate` turns into the tables the clients read
// (generated/operations.ts): a malformed one must fail the lint, not quietly change how a client
// retries or waits.
//   hopx/x-idempotent   a boolean, and only on POST or PATCH (GET, PUT and DELETE are idempotent anyway)
//   hopx/x-timeout      { seconds } or { fromBody, margin }, fromBody naming a numeric field of the JSON body
//   hopx/x-websocket    { client, server, final? } on a 101 route: existing message schemas, and `final`
//                       one of the server's message types
//
// Assertion functions for the configurable rules in redocly.yaml:
//   hopx/uniqueList     the value is a list (YAML sequence) without repeated items. Redocly's `enum`
//                       checks each item of a list but also accepts a bare string, and nothing built in
//                       rejects a repeated item; `x-evidence` must be a set of sources.

const SCHEMA_REF = /^#\/components\/schemas\/[A-Za-z0-9_.-]+$/;

function XIdempotent() {
  return {
    Operation(operation, ctx) {
      if (!('x-idempotent' in operation)) return;
      const value = operation['x-idempotent'];
      const method = ctx.key;
      if (typeof value !== 'boolean') {
        ctx.report({ message: 'x-idempotent must be true or false.', location: ctx.location.child('x-idempotent') });
      } else if (method !== 'post' && method !== 'patch') {
        ctx.report({
          message: `x-idempotent is only for POST and PATCH: ${String(method).toUpperCase()} is idempotent by definition.`,
          location: ctx.location.child('x-idempotent'),
        });
      }
    },
  };
}

function XTimeout() {
  let root;
  return {
    Root: {
      enter: (node) => {
        root = node;
      },
    },
    Operation(operation, ctx) {
      const timeout = operation['x-timeout'];
      if (timeout === undefined) return;
      const at = ctx.location.child('x-timeout');
      if (!isObject(timeout))
        return ctx.report({
          message: 'x-timeout must be an object: { seconds } or { fromBody, margin }.',
          location: at,
        });
      const keys = Object.keys(timeout).sort().join(',');
      if (keys === 'seconds') {
        if (!isPositiveNumber(timeout.seconds))
          ctx.report({ message: 'x-timeout.seconds must be a positive number.', location: at.child('seconds') });
        return;
      }
      if (keys !== 'fromBody,margin') {
        return ctx.report({
          message: `x-timeout must hold either seconds, or fromBody and margin (found: ${keys || 'nothing'}).`,
          location: at,
        });
      }
      if (!(typeof timeout.margin === 'number' && timeout.margin >= 0)) {
        ctx.report({
          message: 'x-timeout.margin must be a number of seconds (0 or more).',
          location: at.child('margin'),
        });
      }
      const body = follow(root, operation.requestBody);
      const schema = follow(root, body?.content?.['application/json']?.schema);
      const type = follow(root, schema?.properties?.[timeout.fromBody])?.type;
      const numeric =
        type === 'number' ||
        type === 'integer' ||
        (Array.isArray(type) && type.some((t) => t === 'number' || t === 'integer'));
      if (!numeric) {
        ctx.report({
          message: `x-timeout.fromBody must name a numeric property of the JSON request body (${JSON.stringify(timeout.fromBody)} is not one).`,
          location: at.child('fromBody'),
        });
      }
    },
  };
}

function XWebsocket() {
  let root;
  return {
    Root: {
      enter: (node) => {
        root = node;
      },
    },
    Operation(operation, ctx) {
      const socket = operation['x-websocket'];
      const upgrades = Boolean(operation.responses?.['101']);
      if (socket === undefined) {
        if (upgrades)
          ctx.report({
            message: 'A WebSocket (101) route needs x-websocket: { client, server }.',
            location: ctx.location.child('responses').child('101'),
          });
        return;
      }
      const at = ctx.location.child('x-websocket');
      if (!upgrades)
        ctx.report({ message: 'x-websocket is only for routes that answer 101 Switching Protocols.', location: at });
      if (!isObject(socket))
        return ctx.report({ message: 'x-websocket must be an object: { client, server, final? }.', location: at });
      const unknown = Object.keys(socket).filter((key) => !['client', 'server', 'final'].includes(key));
      if (unknown.length) ctx.report({ message: `x-websocket has unknown keys: ${unknown.join(', ')}.`, location: at });
      const schemas = {};
      for (const side of ['client', 'server']) {
        const ref = socket[side];
        const schema = typeof ref === 'string' && SCHEMA_REF.test(ref) ? follow(root, { $ref: ref }) : undefined;
        if (!schema)
          ctx.report({
            message: `x-websocket.${side} must point at a component schema ('#/components/schemas/Name').`,
            location: at.child(side),
          });
        schemas[side] = schema;
      }
      if (socket.final === undefined || !schemas.server) return;
      const types = (schemas.server.oneOf ?? [schemas.server]).map(
        (member) => follow(root, member)?.properties?.type?.const,
      );
      if (!types.includes(socket.final)) {
        ctx.report({
          message: `x-websocket.final must be one of the server's message types (${types.filter(Boolean).join(', ')}).`,
          location: at.child('final'),
        });
      }
    },
  };
}

/**
 * `node`, following local `$ref`s through the document. (Redocly's own resolver only knows the refs
 * it met while walking the document, and the strings inside x-websocket are not among them.)
 */
function follow(root, node) {
  for (let hops = 0; isObject(node) && typeof node.$ref === 'string' && hops < 20; hops++) {
    if (!node.$ref.startsWith('#/')) return undefined;
    node = node.$ref
      .slice(2)
      .split('/')
      .reduce((at, part) => at?.[part.replaceAll('~1', '/').replaceAll('~0', '~')], root);
  }
  return node;
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveNumber(value) {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

export default function hopxPlugin() {
  return {
    id: 'hopx',
    rules: {
      oas3: {
        'x-idempotent': XIdempotent,
        'x-timeout': XTimeout,
        'x-websocket': XWebsocket,
      },
    },
    assertions: {
      uniqueList(value, enabled, { baseLocation }) {
        if (!enabled || value === undefined) return [];
        if (!Array.isArray(value)) return [{ message: 'Should be a list', location: baseLocation }];
        const repeated = value.filter((item, i) => value.indexOf(item) !== i);
        return repeated.map((item) => ({ message: `"${item}" is listed more than once`, location: baseLocation }));
      },
    },
  };
}
