// Two bundled versions of the spec, compared operation by operation: what each one takes
// (parameters, request body, WebSocket client messages) and what it gives back (responses, events,
// server messages), who may call it (security) and where (servers). The rules are in this file and
// compare-schemas.ts; the ids follow oasdiff's.
import { type Change, type Json, locate, pointerOf } from './change.js';
import { compareSchemas, type Direction, type SchemaPlace } from './compare-schemas.js';

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'] as const;

export function diffSpecs(base: Json, head: Json): Change[] {
  const out: Change[] = [];
  compareServers(listOf(base.servers, '/servers'), listOf(head.servers, '/servers'), null, out);
  compareSecuritySchemes(base, head, out);
  for (const [basePath, headPath] of matchPaths(Object.keys(base.paths ?? {}), Object.keys(head.paths ?? {}))) {
    const [bItem, hItem] = [basePath && base.paths[basePath], headPath && head.paths[headPath]];
    for (const method of METHODS) {
      const [bOp, hOp] = [bItem?.[method], hItem?.[method]];
      // Named and pointed at as the newer spec has it; as the older one had it, when it is gone.
      const path = (hOp ? headPath : basePath) ?? '';
      const operation = `${method.toUpperCase()} ${path}`;
      const pointer = pointerOf('paths', path, method);
      if (bOp && !hOp) {
        const pathGone = !hItem;
        out.push({
          id: bOp.deprecated
            ? 'api-removed-after-deprecation'
            : pathGone
              ? 'api-path-removed-without-deprecation'
              : 'api-removed-without-deprecation',
          level: 'breaking',
          operation,
          pointer,
          message: `${operation} was removed${bOp.deprecated ? ' (it was deprecated)' : ''}`,
        });
      } else if (!bOp && hOp) {
        out.push({ id: 'endpoint-added', level: 'info', operation, pointer, message: `${operation} is new` });
      } else if (bOp && hOp && basePath && headPath) {
        compareOperation(
          { base, head, operation, pointer, out },
          { item: bItem, op: bOp, path: basePath, method },
          { item: hItem, op: hOp, path: headPath, method },
        );
      }
    }
  }
  return out;
}

/**
 * Pairs each path of the older spec with the same path of the newer one. A path whose parameters
 * were only renamed (`/items/{id}` → `/items/{itemId}`) is the same URL on the wire, so it is paired
 * too: a client built from the older spec still calls it. Unpaired paths come with `undefined`.
 */
function matchPaths(base: string[], head: string[]): Array<[string | undefined, string | undefined]> {
  const template = (path: string) => path.replace(/\{[^}]*\}/g, '{}');
  const unpaired = new Set(head.filter((path) => !base.includes(path)));
  const pairs: Array<[string | undefined, string | undefined]> = [];
  for (const path of [...base].sort()) {
    if (head.includes(path)) {
      pairs.push([path, path]);
      continue;
    }
    const renamed = [...unpaired].filter((candidate) => template(candidate) === template(path));
    const only = renamed.length === 1 ? renamed[0] : undefined;
    if (only) unpaired.delete(only);
    pairs.push([path, only]);
  }
  for (const path of [...unpaired].sort()) pairs.push([undefined, path]);
  return pairs;
}

interface OperationPlace {
  base: Json;
  head: Json;
  operation: string;
  pointer: string;
  out: Change[];
}

interface Side {
  item: Json;
  op: Json;
  path: string;
  method: string;
}

function compareOperation(place: OperationPlace, b: Side, h: Side): void {
  const { operation, pointer, out } = place;
  if (!b.op.deprecated && h.op.deprecated)
    out.push({
      id: 'endpoint-deprecated',
      level: 'warning',
      operation,
      pointer,
      message: `${operation} is deprecated`,
    });
  compareOperationServers(place, b, h);
  compareSecurity(place, securityOf(place.base, b), securityOf(place.head, h));
  compareParameters(place, b, h);
  compareRequestBody(place, b, h);
  compareResponses(place, b, h);
  compareWebSocket(place, b.op['x-websocket'], h.op['x-websocket']);
}

/** The servers an operation is called on, and where they are declared: its own, its path's or the root's. */
function serversOf(spec: Json, side: Side): Array<{ server: Json; pointer: string }> {
  if (side.op.servers) return listOf(side.op.servers, pointerOf('paths', side.path, side.method, 'servers'));
  if (side.item.servers) return listOf(side.item.servers, pointerOf('paths', side.path, 'servers'));
  return listOf(spec.servers, '/servers');
}

function compareOperationServers(place: OperationPlace, b: Side, h: Side): void {
  // The root's servers are compared once, outside any operation; an operation that has (or had)
  // servers of its own is compared with what it is called on now, whichever level declares it.
  if (!b.op.servers && !b.item.servers && !h.op.servers && !h.item.servers) return;
  compareServers(serversOf(place.base, b), serversOf(place.head, h), place.operation, place.out);
}

/** The security requirements an operation has, and where they are declared (its own or the root's). */
function securityOf(spec: Json, side: Side): { list: Json[] | undefined; pointer: string } {
  if (side.op.security)
    return { list: side.op.security, pointer: pointerOf('paths', side.path, side.method, 'security') };
  return { list: spec.security, pointer: '/security' };
}

function schemaPlace(
  place: OperationPlace,
  direction: Direction,
  subject: SchemaPlace['subject'],
  where: string,
): SchemaPlace {
  return { base: place.base, head: place.head, direction, subject, operation: place.operation, where, out: place.out };
}

interface Parameter {
  param: Json;
  /** The entry in the path's or the operation's list (a `$ref`, maybe). */
  entry: string;
  /** The parameter itself, its `$ref` followed. */
  at: string;
}

function compareParameters(place: OperationPlace, b: Side, h: Side): void {
  const list = (spec: Json, side: Side) => {
    const byKey = new Map<string, Parameter>();
    const add = (nodes: unknown[] | undefined, ...where: string[]) =>
      (nodes ?? []).forEach((node, index) => {
        const entry = pointerOf(...where, 'parameters', index);
        const { node: param, pointer: at } = locate(spec, node, entry);
        // An operation's parameter overrides the path's of the same name and place.
        if (param?.name) byKey.set(keyOf(side, param), { param, entry, at });
      });
    add(side.item.parameters, 'paths', side.path);
    add(side.op.parameters, 'paths', side.path, side.method);
    return byKey;
  };
  const [before, after] = [list(place.base, b), list(place.head, h)];
  for (const [key, { param, entry }] of before) {
    if (after.has(key)) continue;
    const movedTo = [...after.values()].find((a) => a.param.name.toLowerCase() === param.name.toLowerCase())?.param.in;
    place.out.push({
      id: 'request-parameter-removed',
      level: 'breaking',
      operation: place.operation,
      pointer: entry,
      message: movedTo
        ? `the ${param.in} parameter \`${param.name}\` moved to the ${movedTo}`
        : `the ${param.in} parameter \`${param.name}\` was removed`,
    });
  }
  for (const [key, { param, entry, at }] of after) {
    const was = before.get(key)?.param;
    const where = `the ${param.in} parameter \`${param.name}\``;
    if (!was) {
      const required = param.required === true;
      place.out.push({
        id: required ? 'new-required-request-parameter' : 'new-optional-request-parameter',
        level: required ? 'breaking' : 'info',
        operation: place.operation,
        pointer: entry,
        message: `${where} is new${required ? ' and required' : ''}`,
      });
      continue;
    }
    if (was.in === 'path' && was.name !== param.name)
      place.out.push({
        id: 'request-path-parameter-renamed',
        level: 'info',
        operation: place.operation,
        pointer: at,
        message: `the path parameter \`${was.name}\` is now called \`${param.name}\` (the URL is the same)`,
      });
    if (!was.required && param.required)
      place.out.push({
        id: 'request-parameter-became-required',
        level: 'breaking',
        operation: place.operation,
        pointer: at,
        message: `${where} became required`,
      });
    if (was.required && !param.required)
      place.out.push({
        id: 'request-parameter-became-optional',
        level: 'info',
        operation: place.operation,
        pointer: at,
        message: `${where} became optional`,
      });
    if (!was.deprecated && param.deprecated)
      place.out.push({
        id: 'request-parameter-deprecated',
        level: 'info',
        operation: place.operation,
        pointer: at,
        message: `${where} is deprecated`,
      });
    const beforeAt = before.get(key)?.at ?? '';
    compareSchemas(
      schemaPlace(place, 'request', 'request-parameter', where),
      { schema: was.schema ?? {}, pointer: `${beforeAt}/schema` },
      { schema: param.schema ?? {}, pointer: `${at}/schema` },
    );
  }
}

/**
 * What makes two parameters the same one: where it goes and its name. Header names are
 * case-insensitive on the wire; a path parameter is its position in the template, since renaming it
 * leaves the URL as it was.
 */
function keyOf(side: Side, param: Json): string {
  if (param.in === 'header') return `header:${String(param.name).toLowerCase()}`;
  if (param.in === 'path') {
    const position = [...side.path.matchAll(/\{([^}]*)\}/g)].findIndex((m) => m[1] === param.name);
    if (position >= 0) return `path:#${position}`;
  }
  return `${param.in}:${param.name}`;
}

function compareRequestBody(place: OperationPlace, bSide: Side, hSide: Side): void {
  const [b, h] = [
    locate(place.base, bSide.op.requestBody, pointerOf('paths', bSide.path, bSide.method, 'requestBody')),
    locate(place.head, hSide.op.requestBody, pointerOf('paths', hSide.path, hSide.method, 'requestBody')),
  ];
  const [bBody, hBody] = [b.node as Json | undefined, h.node as Json | undefined];
  if (!hBody) {
    if (bBody)
      place.out.push({
        id: 'request-body-removed',
        level: 'warning',
        operation: place.operation,
        pointer: b.pointer,
        message: 'the request body was removed (a server may ignore what is still sent, or refuse it)',
      });
    return;
  }
  if (hBody.required && !bBody?.required)
    place.out.push({
      id: bBody ? 'request-body-became-required' : 'new-required-request-body',
      level: 'breaking',
      operation: place.operation,
      pointer: h.pointer,
      message: bBody ? 'the request body became required' : 'a request body is new and required',
    });
  if (!bBody) return;
  for (const media of Object.keys(bBody.content ?? {})) {
    if (!hBody.content?.[media]) {
      place.out.push({
        id: 'request-body-media-type-removed',
        level: 'breaking',
        operation: place.operation,
        pointer: `${b.pointer}${pointerOf('content', media)}`,
        message: `the request body no longer takes ${media}`,
      });
      continue;
    }
    compareSchemas(
      schemaPlace(place, 'request', 'request-body', `the request body (${media})`),
      { schema: bBody.content[media].schema ?? {}, pointer: `${b.pointer}${pointerOf('content', media, 'schema')}` },
      { schema: hBody.content[media].schema ?? {}, pointer: `${h.pointer}${pointerOf('content', media, 'schema')}` },
    );
  }
  for (const media of Object.keys(hBody.content ?? {}))
    if (!bBody.content?.[media])
      place.out.push({
        id: 'request-body-media-type-added',
        level: 'info',
        operation: place.operation,
        pointer: `${h.pointer}${pointerOf('content', media)}`,
        message: `the request body also takes ${media}`,
      });
}

const isSuccess = (status: string) => /^(2|101)/.test(status) || status === '2XX';

function compareResponses(place: OperationPlace, bSide: Side, hSide: Side): void {
  const [base, head] = [bSide.op.responses ?? {}, hSide.op.responses ?? {}];
  const [bAt, hAt] = [
    pointerOf('paths', bSide.path, bSide.method, 'responses'),
    pointerOf('paths', hSide.path, hSide.method, 'responses'),
  ];
  // A WebSocket route's 101 describes its messages both ways at once; `x-websocket` has them apart,
  // each judged by its own direction (compareWebSocket), so the 101's body would only repeat them,
  // with the client's messages judged as if received.
  const messages = (status: string) => status === '101' && bSide.op['x-websocket'] && hSide.op['x-websocket'];
  for (const status of Object.keys(base)) {
    if (!(status in head)) {
      const success = isSuccess(status);
      place.out.push({
        id: success ? 'response-success-status-removed' : 'response-non-success-status-removed',
        level: success ? 'breaking' : 'info',
        operation: place.operation,
        pointer: `${bAt}${pointerOf(status)}`,
        message: `the ${status} response was removed`,
      });
      continue;
    }
    const b = locate(place.base, base[status], `${bAt}${pointerOf(status)}`);
    const h = locate(place.head, head[status], `${hAt}${pointerOf(status)}`);
    const [bResponse, hResponse] = [b.node as Json | undefined, h.node as Json | undefined];
    for (const media of Object.keys(bResponse?.content ?? {})) {
      const where = `the ${status} response (${media})`;
      if (!hResponse?.content?.[media]) {
        place.out.push({
          id: 'response-media-type-removed',
          level: isSuccess(status) ? 'breaking' : 'warning',
          operation: place.operation,
          pointer: `${b.pointer}${pointerOf('content', media)}`,
          message: `${where} was removed`,
        });
        continue;
      }
      if (messages(status)) continue;
      const bs = {
        schema: bResponse?.content[media].schema ?? {},
        pointer: `${b.pointer}${pointerOf('content', media, 'schema')}`,
      };
      const hs = {
        schema: hResponse.content[media].schema ?? {},
        pointer: `${h.pointer}${pointerOf('content', media, 'schema')}`,
      };
      compareSchemas(schemaPlace(place, 'response', 'response-body', where), bs, hs);
      // An event stream's events are described by its `contentSchema`.
      const [be, he] = [locate(place.base, bs.schema, bs.pointer), locate(place.head, hs.schema, hs.pointer)];
      if (be.node?.contentSchema && he.node?.contentSchema)
        compareSchemas(
          schemaPlace(place, 'response', 'response-body', `the events of ${where}`),
          { schema: be.node.contentSchema, pointer: `${be.pointer}/contentSchema` },
          { schema: he.node.contentSchema, pointer: `${he.pointer}/contentSchema` },
        );
    }
    for (const media of Object.keys(hResponse?.content ?? {}))
      if (!bResponse?.content?.[media])
        place.out.push({
          id: 'response-media-type-added',
          level: isSuccess(status) ? 'warning' : 'info',
          operation: place.operation,
          pointer: `${h.pointer}${pointerOf('content', media)}`,
          message: `the ${status} response may now be ${media}`,
        });
  }
  for (const status of Object.keys(head))
    if (!(status in base))
      place.out.push({
        id: isSuccess(status) ? 'response-success-status-added' : 'response-non-success-status-added',
        level: isSuccess(status) ? 'warning' : 'info',
        operation: place.operation,
        pointer: `${hAt}${pointerOf(status)}`,
        message: `the ${status} response is new`,
      });
}

/** The messages of a WebSocket route: the client's are sent (a request), the server's received. */
function compareWebSocket(place: OperationPlace, base: Json | undefined, head: Json | undefined): void {
  if (!base || !head) return;
  for (const [side, direction] of [
    ['client', 'request'],
    ['server', 'response'],
  ] as const) {
    if (!base[side] || !head[side]) continue;
    // `x-websocket` names each side's schema by its `$ref` string.
    compareSchemas(
      schemaPlace(place, direction, direction === 'request' ? 'request-body' : 'response-body', `the ${side} messages`),
      { schema: { $ref: base[side] }, pointer: `${place.pointer}${pointerOf('x-websocket', side)}` },
      { schema: { $ref: head[side] }, pointer: `${place.pointer}${pointerOf('x-websocket', side)}` },
    );
  }
}

/** Security requirements: a list of alternatives, each a set of schemes (with scopes). */
function compareSecurity(
  place: OperationPlace,
  base: { list: Json[] | undefined; pointer: string },
  head: { list: Json[] | undefined; pointer: string },
): void {
  const alternatives = (list: Json[] | undefined) =>
    new Set(
      (list ?? []).map((requirement) =>
        JSON.stringify(
          Object.entries(requirement)
            .map(([name, scopes]) => [name, [...(scopes as string[])].sort()])
            .sort(([a], [b]) => String(a).localeCompare(String(b))),
        ),
      ),
    );
  const [b, h] = [alternatives(base.list), alternatives(head.list)];
  const open = (set: Set<string>) => set.size === 0 || set.has('[]');
  // Where the newer spec says it; where the older one did, when the newer says nothing.
  const pointer = head.list ? head.pointer : base.pointer;
  if (open(b) && !open(h)) {
    place.out.push({
      id: 'api-security-added',
      level: 'breaking',
      operation: place.operation,
      pointer,
      message: 'now needs credentials',
    });
    return;
  }
  if (open(b)) return;
  const lost = [...b].filter((a) => !h.has(a));
  if (lost.length && !open(h))
    place.out.push({
      id: 'api-security-changed',
      level: 'breaking',
      operation: place.operation,
      pointer,
      message: `no longer accepts ${lost.map(describeRequirement).join(' or ')}`,
    });
  const gained = [...h].filter((a) => !b.has(a) && a !== '[]');
  if (gained.length)
    place.out.push({
      id: 'api-security-alternative-added',
      level: 'info',
      operation: place.operation,
      pointer,
      message: `also accepts ${gained.map(describeRequirement).join(' or ')}`,
    });
  if (!open(b) && open(h))
    place.out.push({
      id: 'api-security-removed',
      level: 'info',
      operation: place.operation,
      pointer,
      message: 'no longer needs credentials',
    });
}

function describeRequirement(key: string): string {
  const entries = JSON.parse(key) as Array<[string, string[]]>;
  return (
    entries.map(([name, scopes]) => (scopes.length ? `${name} (${scopes.join(', ')})` : name)).join(' + ') ||
    'no credentials'
  );
}

function compareSecuritySchemes(base: Json, head: Json, out: Change[]): void {
  const [b, h] = [base.components?.securitySchemes ?? {}, head.components?.securitySchemes ?? {}];
  for (const name of Object.keys(b)) {
    const pointer = pointerOf('components', 'securitySchemes', name);
    if (!h[name]) continue; // Operations that used it report their own change.
    const shape = (s: Json) =>
      JSON.stringify({ type: s.type, in: s.in, name: s.name, scheme: s.scheme?.toLowerCase() });
    if (shape(b[name]) !== shape(h[name]))
      out.push({
        id: 'security-scheme-changed',
        level: 'breaking',
        operation: null,
        pointer,
        message: `the security scheme ${name} changed how credentials are sent`,
      });
  }
}

/** A list of servers with the pointer of each. */
function listOf(servers: Json[] | undefined, pointer: string): Array<{ server: Json; pointer: string }> {
  return (servers ?? []).map((server, index) => ({ server, pointer: `${pointer}/${index}` }));
}

function compareServers(
  base: Array<{ server: Json; pointer: string }>,
  head: Array<{ server: Json; pointer: string }>,
  operation: string | null,
  out: Change[],
): void {
  // No servers means the document's own host (`/`): dropping every server moves the API there.
  if (!base.length) return;
  for (const { server, pointer } of base) {
    const now = head.find((s) => s.server.url === server.url)?.server;
    if (!now) {
      out.push({
        id: 'api-server-removed',
        level: 'breaking',
        operation,
        pointer,
        message: `the server ${server.url} was removed`,
      });
      continue;
    }
    for (const [name, variable] of Object.entries<Json>(server.variables ?? {})) {
      const next = now.variables?.[name];
      const at = `${pointer}${pointerOf('variables', name)}`;
      if (!next) {
        out.push({
          id: 'api-server-variable-removed',
          level: 'breaking',
          operation,
          pointer: at,
          message: `the variable ${name} of the server ${server.url} was removed`,
        });
        continue;
      }
      const lost = (variable.enum ?? []).filter((v: string) => next.enum && !next.enum.includes(v));
      if (lost.length)
        out.push({
          id: 'api-server-variable-enum-value-removed',
          level: 'breaking',
          operation,
          pointer: at,
          message: `the variable ${name} of the server ${server.url} no longer takes ${lost.join(', ')}`,
        });
    }
  }
}
