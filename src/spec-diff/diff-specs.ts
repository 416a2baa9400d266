// Two bundled versions of the spec, compared operation by operation: what each one takes
// (parameters, request body, WebSocket client messages) and what it gives back (responses, events,
// server messages), who may call it (security) and where (servers). The rules are in this file and
// compare-schemas.ts; the ids follow oasdiff's.
import { type Change, deref, type Json, pointerOf } from './change.js';
import { compareSchemas, type Direction, type SchemaPlace } from './compare-schemas.js';

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'] as const;

export function diffSpecs(base: Json, head: Json): Change[] {
  const out: Change[] = [];
  compareServers(base.servers, head.servers, null, '/servers', out);
  compareSecuritySchemes(base, head, out);
  const paths = new Set([...Object.keys(base.paths ?? {}), ...Object.keys(head.paths ?? {})]);
  for (const path of [...paths].sort()) {
    const [bItem, hItem] = [base.paths?.[path], head.paths?.[path]];
    for (const method of METHODS) {
      const [bOp, hOp] = [bItem?.[method], hItem?.[method]];
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
      } else if (bOp && hOp) {
        compareOperation({ base, head, operation, pointer, out }, { item: bItem, op: bOp }, { item: hItem, op: hOp });
      }
    }
  }
  return out;
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
  compareServers(b.op.servers ?? b.item.servers, h.op.servers ?? h.item.servers, operation, `${pointer}/servers`, out);
  compareSecurity(place, b.op.security ?? place.base.security, h.op.security ?? place.head.security);
  compareParameters(place, b, h);
  compareRequestBody(place, b.op.requestBody, h.op.requestBody);
  compareResponses(place, b.op.responses ?? {}, h.op.responses ?? {});
  compareWebSocket(place, b.op['x-websocket'], h.op['x-websocket']);
}

function schemaPlace(
  place: OperationPlace,
  direction: Direction,
  subject: SchemaPlace['subject'],
  pointer: string,
  where: string,
): SchemaPlace {
  return {
    base: place.base,
    head: place.head,
    direction,
    subject,
    operation: place.operation,
    pointer,
    where,
    out: place.out,
  };
}

function compareParameters(place: OperationPlace, b: Side, h: Side): void {
  const list = (spec: Json, side: Side) => {
    const byKey = new Map<string, { param: Json; index: number }>();
    const all = [...(side.item.parameters ?? []), ...(side.op.parameters ?? [])];
    all.forEach((node, index) => {
      const param = deref(spec, node);
      // An operation's parameter overrides the path's of the same name and place.
      if (param?.name) byKey.set(`${param.in}:${param.name}`, { param, index });
    });
    return byKey;
  };
  const [before, after] = [list(place.base, b), list(place.head, h)];
  for (const [key, { param }] of before) {
    if (after.has(key)) continue;
    const movedTo = [...after.values()].find((a) => a.param.name === param.name)?.param.in;
    place.out.push({
      id: 'request-parameter-removed',
      level: 'breaking',
      operation: place.operation,
      pointer: `${place.pointer}/parameters`,
      message: movedTo
        ? `the ${param.in} parameter \`${param.name}\` moved to the ${movedTo}`
        : `the ${param.in} parameter \`${param.name}\` was removed`,
    });
  }
  for (const [key, { param, index }] of after) {
    const pointer = `${place.pointer}${pointerOf('parameters', index)}`;
    const was = before.get(key)?.param;
    const where = `the ${param.in} parameter \`${param.name}\``;
    if (!was) {
      const required = param.required === true;
      place.out.push({
        id: required ? 'new-required-request-parameter' : 'new-optional-request-parameter',
        level: required ? 'breaking' : 'info',
        operation: place.operation,
        pointer,
        message: `${where} is new${required ? ' and required' : ''}`,
      });
      continue;
    }
    if (!was.required && param.required)
      place.out.push({
        id: 'request-parameter-became-required',
        level: 'breaking',
        operation: place.operation,
        pointer,
        message: `${where} became required`,
      });
    if (was.required && !param.required)
      place.out.push({
        id: 'request-parameter-became-optional',
        level: 'info',
        operation: place.operation,
        pointer,
        message: `${where} became optional`,
      });
    if (!was.deprecated && param.deprecated)
      place.out.push({
        id: 'request-parameter-deprecated',
        level: 'info',
        operation: place.operation,
        pointer,
        message: `${where} is deprecated`,
      });
    compareSchemas(
      schemaPlace(place, 'request', 'request-parameter', `${pointer}/schema`, where),
      was.schema ?? {},
      param.schema ?? {},
    );
  }
}

function compareRequestBody(place: OperationPlace, baseNode: unknown, headNode: unknown): void {
  const [b, h] = [deref(place.base, baseNode) as Json | undefined, deref(place.head, headNode) as Json | undefined];
  const pointer = `${place.pointer}/requestBody`;
  if (!h) {
    if (b)
      place.out.push({
        id: 'request-body-removed',
        level: 'warning',
        operation: place.operation,
        pointer,
        message: 'the request body was removed (a server may ignore what is still sent, or refuse it)',
      });
    return;
  }
  if (h.required && !b?.required)
    place.out.push({
      id: 'request-body-became-required',
      level: 'breaking',
      operation: place.operation,
      pointer,
      message: 'the request body became required',
    });
  if (!b) return;
  for (const media of Object.keys(b.content ?? {})) {
    if (!h.content?.[media]) {
      place.out.push({
        id: 'request-body-media-type-removed',
        level: 'breaking',
        operation: place.operation,
        pointer: `${pointer}/content`,
        message: `the request body no longer takes ${media}`,
      });
      continue;
    }
    compareSchemas(
      schemaPlace(
        place,
        'request',
        'request-body',
        `${pointer}${pointerOf('content', media, 'schema')}`,
        `the request body (${media})`,
      ),
      b.content[media].schema ?? {},
      h.content[media].schema ?? {},
    );
  }
  for (const media of Object.keys(h.content ?? {}))
    if (!b.content?.[media])
      place.out.push({
        id: 'request-body-media-type-added',
        level: 'info',
        operation: place.operation,
        pointer: `${pointer}${pointerOf('content', media)}`,
        message: `the request body also takes ${media}`,
      });
}

const isSuccess = (status: string) => /^(2|101)/.test(status) || status === '2XX';

function compareResponses(place: OperationPlace, base: Json, head: Json): void {
  for (const status of Object.keys(base)) {
    const pointer = `${place.pointer}${pointerOf('responses', status)}`;
    if (!(status in head)) {
      const success = isSuccess(status);
      place.out.push({
        id: success ? 'response-success-status-removed' : 'response-non-success-status-removed',
        level: success ? 'breaking' : 'info',
        operation: place.operation,
        pointer,
        message: `the ${status} response was removed`,
      });
      continue;
    }
    const [b, h] = [deref(place.base, base[status]) as Json, deref(place.head, head[status]) as Json];
    for (const media of Object.keys(b?.content ?? {})) {
      const where = `the ${status} response (${media})`;
      if (!h?.content?.[media]) {
        place.out.push({
          id: 'response-media-type-removed',
          level: isSuccess(status) ? 'breaking' : 'warning',
          operation: place.operation,
          pointer: `${pointer}/content`,
          message: `${where} was removed`,
        });
        continue;
      }
      const schemaPointer = `${pointer}${pointerOf('content', media, 'schema')}`;
      const [bs, hs] = [b.content[media].schema ?? {}, h.content[media].schema ?? {}];
      compareSchemas(schemaPlace(place, 'response', 'response-body', schemaPointer, where), bs, hs);
      // An event stream's events are described by its `contentSchema`.
      const [be, he] = [deref(place.base, bs)?.contentSchema, deref(place.head, hs)?.contentSchema];
      if (be && he)
        compareSchemas(
          schemaPlace(place, 'response', 'response-body', `${schemaPointer}/contentSchema`, `the events of ${where}`),
          be,
          he,
        );
    }
    for (const media of Object.keys(h?.content ?? {}))
      if (!b?.content?.[media])
        place.out.push({
          id: 'response-media-type-added',
          level: isSuccess(status) ? 'warning' : 'info',
          operation: place.operation,
          pointer: `${pointer}${pointerOf('content', media)}`,
          message: `the ${status} response may now be ${media}`,
        });
  }
  for (const status of Object.keys(head))
    if (!(status in base))
      place.out.push({
        id: isSuccess(status) ? 'response-success-status-added' : 'response-non-success-status-added',
        level: isSuccess(status) ? 'warning' : 'info',
        operation: place.operation,
        pointer: `${place.pointer}${pointerOf('responses', status)}`,
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
    compareSchemas(
      schemaPlace(
        place,
        direction,
        direction === 'request' ? 'request-body' : 'response-body',
        `${place.pointer}${pointerOf('x-websocket', side)}`,
        `the ${side} messages`,
      ),
      { $ref: base[side] },
      { $ref: head[side] },
    );
  }
}

/** Security requirements: a list of alternatives, each a set of schemes (with scopes). */
function compareSecurity(place: OperationPlace, base: Json[] | undefined, head: Json[] | undefined): void {
  const alternatives = (list: Json[] | undefined) =>
    new Set(
      (list ?? []).map((requirement) =>
        JSON.stringify(Object.entries(requirement).sort(([a], [b]) => a.localeCompare(b))),
      ),
    );
  const [b, h] = [alternatives(base), alternatives(head)];
  const open = (set: Set<string>) => set.size === 0 || set.has('[]');
  const pointer = `${place.pointer}/security`;
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

function compareServers(
  base: Json[] | undefined,
  head: Json[] | undefined,
  operation: string | null,
  pointer: string,
  out: Change[],
): void {
  if (!base?.length || !head) return;
  for (const server of base) {
    const now = head.find((s) => s.url === server.url);
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
      if (!next) {
        out.push({
          id: 'api-server-variable-removed',
          level: 'breaking',
          operation,
          pointer,
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
          pointer,
          message: `the variable ${name} of the server ${server.url} no longer takes ${lost.join(', ')}`,
        });
    }
  }
}
