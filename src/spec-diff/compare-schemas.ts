// Two versions of one schema, judged by direction. What a client SENDS (a request body, a
// parameter, a WebSocket client message) breaks when the server accepts less than before: a type,
// a value, a limit narrowed, a property now required. What it RECEIVES (a response, an event, a
// server message) breaks when the server may send more than before: a type widened (null too), a
// property no longer guaranteed; a new value in a closed set is a warning (exhaustive switches).
import { type Change, type Json, pointerOf } from './change.js';
import { type Limits, type SchemaView, typeFits, viewOf } from './schema-view.js';

export type Direction = 'request' | 'response';

export interface SchemaPlace {
  base: Json;
  head: Json;
  direction: Direction;
  /** The rule prefix at the root: `request-body`, `request-parameter`, `response-body`. */
  subject: 'request-body' | 'request-parameter' | 'response-body';
  operation: string | null;
  /** Pointer of the root schema in the spec. */
  pointer: string;
  /** For messages: `the 200 response (application/json)`, `the query parameter limit`. */
  where: string;
  out: Change[];
}

const MAX_DEPTH = 24;

export function compareSchemas(place: SchemaPlace, base: unknown, head: unknown): void {
  walk(place, base, head, { path: '', pointer: place.pointer, depth: 0, seen: new Set() });
}

interface At {
  /** `resources.vcpu`, `data[]`, `env_vars.*`: '' at the root. */
  path: string;
  pointer: string;
  depth: number;
  /** `$ref` pairs already compared on the way here (recursive schemas end). */
  seen: Set<string>;
}

function walk(place: SchemaPlace, baseNode: unknown, headNode: unknown, at: At): void {
  if (at.depth > MAX_DEPTH || baseNode === undefined || headNode === undefined) return;
  const b = viewOf(place.base, baseNode);
  const h = viewOf(place.head, headNode);
  const pair = `${b.refs.join(',')}|${h.refs.join(',')}`;
  if (pair !== '|') {
    if (at.seen.has(pair)) return;
    at = { ...at, seen: new Set([...at.seen, pair]) };
  }
  const prefix = at.path === '' ? place.subject : place.subject.replace(/-(body|parameter)$/, '-property');
  const report = (id: string, level: Change['level'], message: string, pointer = at.pointer) =>
    place.out.push({
      id: `${prefix}-${id}`,
      level,
      operation: place.operation,
      pointer,
      message: `${subjectOf(place, at)} ${message}`,
    });

  compareTypes(place, b, h, report);
  compareValues(place, b, h, report);
  compareLimits(place, b, h, report);
  compareDefaults(b, h, report);
  compareProperties(place, b, h, at);
  const child = (schemas: unknown[]) =>
    schemas.length === 1 ? schemas[0] : schemas.length ? { anyOf: schemas } : undefined;
  if (b.items.length && h.items.length) walk(place, child(b.items), child(h.items), step(at, `${at.path}[]`, 'items'));
  const longest = Math.max(b.prefixItems.length, h.prefixItems.length);
  for (let i = 0; i < longest; i++) {
    const [bi, hi] = [b.prefixItems[i], h.prefixItems[i]];
    if (bi && hi) walk(place, child(bi), child(hi), step(at, `${at.path}[${i}]`, 'prefixItems', i));
    else if (bi && !hi && place.direction === 'response')
      place.out.push({
        id: 'response-property-type-changed',
        level: 'warning',
        operation: place.operation,
        pointer: pointerOf(...pointerParts(at.pointer), 'prefixItems', i),
        message: `${subjectOf(place, { ...at, path: `${at.path}[${i}]` })} is no longer described (item ${i} of a tuple)`,
      });
  }
  if (b.additional.length && h.additional.length)
    walk(place, child(b.additional), child(h.additional), step(at, `${at.path}.*`, 'additionalProperties'));
}

type Report = (id: string, level: Change['level'], message: string, pointer?: string) => void;

function compareTypes(place: SchemaPlace, b: SchemaView, h: SchemaView, report: Report): void {
  const show = (types: Set<string>) => (types.size ? [...types].sort().join(' | ') : 'any type');
  if (place.direction === 'request') {
    // Accepted before, refused now.
    const lost = b.types.size === 0 ? (h.types.size ? ['any'] : []) : [...b.types].filter((t) => !typeFits(t, h.types));
    if (lost.length === 1 && lost[0] === 'null') report('became-not-nullable', 'breaking', 'no longer accepts null');
    else if (lost.length)
      report('type-changed', 'breaking', `narrowed its type from ${show(b.types)} to ${show(h.types)}`);
  } else {
    // Sent now, never before.
    const gained =
      h.types.size === 0 ? (b.types.size ? ['any'] : []) : [...h.types].filter((t) => !typeFits(t, b.types));
    if (gained.length === 1 && gained[0] === 'null') report('became-nullable', 'breaking', 'may now be null');
    else if (gained.length)
      report('type-changed', 'breaking', `changed its type from ${show(b.types)} to ${show(h.types)}`);
  }
}

function compareValues(place: SchemaPlace, b: SchemaView, h: SchemaView, report: Report): void {
  const show = (values: unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');
  if (b.constant || h.constant) {
    const same = b.constant && h.constant && JSON.stringify(b.constant.value) === JSON.stringify(h.constant.value);
    if (!same && h.constant && (b.constant || place.direction === 'request'))
      report(
        'const-changed',
        'breaking',
        `is now fixed to ${JSON.stringify(h.constant.value)}${b.constant ? ` (was ${JSON.stringify(b.constant.value)})` : ''}`,
      );
    else if (!same && b.constant && !h.constant && place.direction === 'response')
      report('const-changed', 'breaking', `is no longer fixed to ${JSON.stringify(b.constant.value)}`);
    if (!same) return;
  }
  const before = b.values;
  const after = h.values;
  const added = after && before ? after.filter((v) => !includes(before, v)) : [];
  const removed = after && before ? before.filter((v) => !includes(after, v)) : [];
  if (place.direction === 'request') {
    if (after && !h.openValues && (!before || b.openValues) && !before?.every((v) => includes(after, v)))
      report('enum-value-removed', 'breaking', `now accepts only ${show(after)}`);
    else if (removed.length)
      report(
        'enum-value-removed',
        h.openValues ? 'info' : 'breaking',
        `no longer lists ${show(removed)}${h.openValues ? ' (the set stays open)' : ''}`,
      );
    if (added.length) report('enum-value-added', 'info', `also accepts ${show(added)}`);
  } else {
    if (before && !after && !b.openValues)
      report('enum-value-added', 'warning', `is no longer limited to ${show(before)}`);
    if (added.length)
      report(
        'enum-value-added',
        b.openValues ? 'info' : 'warning',
        `may now be ${show(added)}${b.openValues ? ' (an open set: clients already accept any value)' : ': a client that handles every known value (an exhaustive switch) meets a new one'}`,
      );
    if (removed.length) report('enum-value-removed', 'info', `no longer lists ${show(removed)}`);
  }
}

const MAX_KEYS = new Set(['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties']);

function compareLimits(place: SchemaPlace, b: SchemaView, h: SchemaView, report: Report): void {
  for (const key of new Set([...Object.keys(b.limits), ...Object.keys(h.limits)]) as Set<keyof Limits>) {
    const [was, now] = [b.limits[key], h.limits[key]];
    const isMax = MAX_KEYS.has(key);
    const tightened = now !== undefined && (was === undefined || (isMax ? now < was : now > was));
    const loosened = was !== undefined && (now === undefined || (isMax ? now > was : now < was));
    if (!tightened && !loosened) continue;
    const id = `${kebab(key)}-${isMax === tightened ? 'decreased' : 'increased'}`;
    const text =
      now === undefined
        ? `no longer has ${key} (was ${was})`
        : `has ${key} ${now}${was === undefined ? '' : ` (was ${was})`}`;
    if (place.direction === 'request') report(id, tightened ? 'breaking' : 'info', text);
    else report(id, tightened ? 'warning' : 'info', text);
  }
  if (b.pattern !== h.pattern) {
    const id =
      h.pattern === undefined ? 'pattern-removed' : b.pattern === undefined ? 'pattern-added' : 'pattern-changed';
    const text =
      h.pattern === undefined
        ? `no longer has the pattern ${b.pattern}`
        : `must match ${h.pattern}${b.pattern ? ` (was ${b.pattern})` : ''}`;
    const tightened = h.pattern !== undefined;
    report(id, tightened ? (place.direction === 'request' ? 'breaking' : 'warning') : 'info', text);
  }
  if (b.format !== h.format && h.format !== undefined)
    report('format-changed', 'warning', `has the format ${h.format}${b.format ? ` (was ${b.format})` : ''}`);
}

function compareDefaults(b: SchemaView, h: SchemaView, report: Report): void {
  const show = (d: { value: unknown } | undefined) => (d ? JSON.stringify(d.value) : 'none');
  if (show(b.default) !== show(h.default))
    report('default-value-changed', 'warning', `has the default ${show(h.default)} (was ${show(b.default)})`);
}

function compareProperties(place: SchemaPlace, b: SchemaView, h: SchemaView, at: At): void {
  const names = new Set([...b.properties.keys(), ...h.properties.keys(), ...b.required, ...h.required]);
  const request = place.direction === 'request';
  for (const name of [...names].sort()) {
    const [inBase, inHead] = [
      b.properties.has(name) || b.required.has(name),
      h.properties.has(name) || h.required.has(name),
    ];
    const [wasRequired, isRequired] = [b.required.has(name), h.required.has(name)];
    const next = step(at, at.path ? `${at.path}.${name}` : name, 'properties', name);
    const say = (id: string, level: Change['level'], message: string) =>
      place.out.push({
        id,
        level,
        operation: place.operation,
        pointer: next.pointer,
        message: `${subjectOf(place, next)} ${message}`,
      });
    if (!inBase && inHead) {
      if (request)
        say(
          isRequired ? 'new-required-request-property' : 'new-optional-request-property',
          isRequired ? 'breaking' : 'info',
          isRequired ? 'is new and required' : 'is new (optional)',
        );
      else say(isRequired ? 'response-required-property-added' : 'response-optional-property-added', 'info', 'is new');
      continue;
    }
    if (inBase && !inHead) {
      if (request)
        say(
          'request-property-removed',
          h.closed ? 'breaking' : 'warning',
          h.closed ? 'was removed and the object is closed' : 'was removed (a server may ignore it or refuse it)',
        );
      else
        say(
          wasRequired ? 'response-required-property-removed' : 'response-optional-property-removed',
          wasRequired ? 'breaking' : 'warning',
          'was removed',
        );
      continue;
    }
    if (request && !wasRequired && isRequired) say('request-property-became-required', 'breaking', 'became required');
    if (request && wasRequired && !isRequired) say('request-property-became-optional', 'info', 'became optional');
    if (!request && wasRequired && !isRequired)
      say('response-property-became-optional', 'breaking', 'is no longer guaranteed (it became optional)');
    if (!request && !wasRequired && isRequired) say('response-property-became-required', 'info', 'is now always there');
    const [bs, hs] = [b.properties.get(name) ?? [], h.properties.get(name) ?? []];
    if (bs.length && hs.length) walk(place, one(bs), one(hs), next);
  }
}

function one(schemas: unknown[]): unknown {
  const distinct = [...new Map(schemas.map((s) => [JSON.stringify(s), s])).values()];
  return distinct.length === 1 ? distinct[0] : { anyOf: distinct };
}

function step(at: At, path: string, ...parts: Array<string | number>): At {
  return { path, pointer: `${at.pointer}${pointerOf(...parts)}`, depth: at.depth + 1, seen: at.seen };
}

function pointerParts(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function subjectOf(place: SchemaPlace, at: { path: string }): string {
  return at.path ? `${place.where}: \`${at.path}\`` : place.where;
}

function includes(values: unknown[], value: unknown): boolean {
  const key = JSON.stringify(value);
  return values.some((v) => JSON.stringify(v) === key);
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
