// Two versions of one schema, judged by direction. What a client SENDS (a request body, a
// parameter, a WebSocket client message) breaks when the server accepts less than before: a type,
// a value, a limit narrowed, a property now required. What it RECEIVES (a response, an event, a
// server message) breaks when the server may send more than before: a type widened (null too), a
// property no longer guaranteed; a new value in a closed set is a warning (exhaustive switches).
import type { Change, Json } from './change.js';
import {
  type Alternatives,
  type Limits,
  type Located,
  type SchemaView,
  typeFits,
  viewOfAlternatives,
} from './schema-view.js';

export type Direction = 'request' | 'response';

export interface SchemaPlace {
  base: Json;
  head: Json;
  direction: Direction;
  /** The rule prefix at the root: `request-body`, `request-parameter`, `response-body`. */
  subject: 'request-body' | 'request-parameter' | 'response-body';
  operation: string | null;
  /** For messages: `the 200 response (application/json)`, `the query parameter limit`. */
  where: string;
  out: Change[];
}

const MAX_DEPTH = 24;

/** Compares the schema written at `base.pointer` of the older spec with the one at `head.pointer` of the newer. */
export function compareSchemas(place: SchemaPlace, base: Located, head: Located): void {
  walk(place, [[base]], [[head]], { path: '', depth: 0, seen: new Set() });
}

interface At {
  /** `resources.vcpu`, `data[]`, `env_vars.*`: '' at the root. */
  path: string;
  depth: number;
  /** `$ref` pairs already compared on the way here (recursive schemas end). */
  seen: Set<string>;
}

/** One place of the schema, as each side has it. */
function walk(place: SchemaPlace, bs: Alternatives, hs: Alternatives, at: At): void {
  if (at.depth > MAX_DEPTH || !bs.length || !hs.length) return;
  const b = viewOfAlternatives(place.base, distinct(bs));
  const h = viewOfAlternatives(place.head, distinct(hs));
  const pair = `${b.refs.join(',')}|${h.refs.join(',')}`;
  if (pair !== '|') {
    if (at.seen.has(pair)) return;
    at = { ...at, seen: new Set([...at.seen, pair]) };
  }
  const prefix = at.path === '' ? place.subject : place.subject.replace(/-(body|parameter)$/, '-property');
  // What changed is reported where the newer spec says it; what is gone, where the older one said it.
  const report = (id: string, level: Change['level'], message: string, pointer = h.pointer) =>
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
  walk(place, b.items, h.items, step(at, `${at.path}[]`));
  const longest = Math.max(b.prefixItems.length, h.prefixItems.length);
  for (let i = 0; i < longest; i++) {
    const [bi, hi] = [b.prefixItems[i], h.prefixItems[i]];
    if (bi && hi) walk(place, bi, hi, step(at, `${at.path}[${i}]`));
    else if (bi?.[0]?.[0] && !hi && place.direction === 'response')
      place.out.push({
        id: 'response-property-type-changed',
        level: 'warning',
        operation: place.operation,
        pointer: bi[0][0].pointer,
        message: `${subjectOf(place, { path: `${at.path}[${i}]` })} is no longer described (item ${i} of a tuple)`,
      });
  }
  walk(place, b.additional, h.additional, step(at, `${at.path}.*`));
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
  // A long list reads as its first values and a count (an error-code set has dozens).
  const show = (values: unknown[]) =>
    values.length > 8
      ? `${values
          .slice(0, 6)
          .map((v) => JSON.stringify(v))
          .join(', ')} and ${values.length - 6} more`
      : values.map((v) => JSON.stringify(v)).join(', ');
  // One value allowed, however written (`const: x` or `enum: [x]`): the same thing to a client.
  const fixed = (v: SchemaView) => (v.values?.length === 1 && !v.openValues ? JSON.stringify(v.values[0]) : undefined);
  const [was, now] = [fixed(b), fixed(h)];
  if (was !== undefined && now !== undefined && was !== now) {
    report('const-changed', 'breaking', `is now fixed to ${now} (was ${was})`);
    return;
  }
  // A free value now fixed; a list that lost all values but one is judged below, as values removed.
  if (now !== undefined && (!b.values || b.openValues) && place.direction === 'request') {
    report('const-changed', 'breaking', `is now fixed to ${now}`);
    return;
  }
  // A value fixed before and free now is a set that grew: judged below too, like an enum.
  const before = b.values;
  const after = h.values;
  const added = after && before ? after.filter((v) => !includes(before, v)) : [];
  const removed = after && before ? before.filter((v) => !includes(after, v)) : [];
  if (place.direction === 'request') {
    // A list where any value went before (none, or an open set) refuses what it does not list now,
    // even when every value it listed before is still there.
    if (after && !h.openValues && (!before || b.openValues))
      report('enum-value-removed', 'breaking', `now accepts only ${show(after)}`);
    else if (removed.length)
      report(
        'enum-value-removed',
        h.openValues ? 'info' : 'breaking',
        `no longer lists ${show(removed)}${h.openValues ? ' (the set stays open)' : ''}`,
      );
    if (added.length) report('enum-value-added', 'info', `also accepts ${show(added)}`);
  } else {
    // A closed set that is no longer closed (the list dropped, or an open branch added beside it)
    // may send any value: what an exhaustive switch cannot handle, as a new value would be.
    if (before && !b.openValues && (!after || h.openValues))
      report('enum-value-added', 'warning', `is no longer limited to ${show(before)}`);
    else if (added.length)
      report(
        'enum-value-added',
        b.openValues ? 'info' : 'warning',
        `may now be ${show(added)}${b.openValues ? ' (an open set: clients already accept any value)' : ': a client that handles every known value (an exhaustive switch) meets a new one'}`,
      );
    if (removed.length) report('enum-value-removed', 'info', `no longer lists ${show(removed)}`);
  }
}

const MAX_KEYS = new Set(['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties']);
// oasdiff's names: `request-property-max-decreased` for `maximum`, `...-max-length-decreased` for `maxLength`.
const LIMIT_NAMES: Record<keyof Limits, string> = {
  maxLength: 'max-length',
  minLength: 'min-length',
  maximum: 'max',
  minimum: 'min',
  exclusiveMaximum: 'exclusive-max',
  exclusiveMinimum: 'exclusive-min',
  maxItems: 'max-items',
  minItems: 'min-items',
  maxProperties: 'max-properties',
  minProperties: 'min-properties',
};

function compareLimits(place: SchemaPlace, b: SchemaView, h: SchemaView, report: Report): void {
  for (const key of new Set([...Object.keys(b.limits), ...Object.keys(h.limits)]) as Set<keyof Limits>) {
    const [was, now] = [b.limits[key], h.limits[key]];
    const isMax = MAX_KEYS.has(key);
    const tightened = now !== undefined && (was === undefined || (isMax ? now < was : now > was));
    const loosened = was !== undefined && (now === undefined || (isMax ? now > was : now < was));
    if (!tightened && !loosened) continue;
    const id = `${LIMIT_NAMES[key]}-${isMax === tightened ? 'decreased' : 'increased'}`;
    const text =
      now === undefined
        ? `no longer has ${key} (was ${was})`
        : `has ${key} ${now}${was === undefined ? '' : ` (was ${was})`}`;
    // A request refuses what it took before when tightened. A response changes what a client was told
    // to expect either way: tightened (the issue's rule), or loosened, when the server may now send
    // a value outside what the old client was told (oasdiff even calls that an error).
    if (place.direction === 'request') report(id, tightened ? 'breaking' : 'info', text);
    else report(id, 'warning', text);
  }
  if (b.pattern !== h.pattern) {
    const id =
      h.pattern === undefined ? 'pattern-removed' : b.pattern === undefined ? 'pattern-added' : 'pattern-changed';
    const text =
      h.pattern === undefined
        ? `no longer has the pattern ${b.pattern}`
        : `must match ${h.pattern}${b.pattern ? ` (was ${b.pattern})` : ''}`;
    const tightened = h.pattern !== undefined;
    report(id, place.direction === 'response' ? 'warning' : tightened ? 'breaking' : 'info', text);
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
    const [bs, hs] = [b.properties.get(name) ?? [], h.properties.get(name) ?? []];
    const [inBase, inHead] = [bs.length > 0 || b.required.has(name), hs.length > 0 || h.required.has(name)];
    const [wasRequired, isRequired] = [b.required.has(name), h.required.has(name)];
    const next = step(at, at.path ? `${at.path}.${name}` : name);
    // A property only listed in `required` is written nowhere else.
    const [wasAt, isAt] = [
      bs[0]?.[0]?.pointer ?? `${b.pointer}/required`,
      hs[0]?.[0]?.pointer ?? `${h.pointer}/required`,
    ];
    const say = (id: string, level: Change['level'], message: string, pointer = isAt) =>
      place.out.push({
        id,
        level,
        operation: place.operation,
        pointer,
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
          wasAt,
        );
      else
        say(
          wasRequired ? 'response-required-property-removed' : 'response-optional-property-removed',
          wasRequired ? 'breaking' : 'warning',
          'was removed',
          wasAt,
        );
      continue;
    }
    if (request && !wasRequired && isRequired) say('request-property-became-required', 'breaking', 'became required');
    if (request && wasRequired && !isRequired) say('request-property-became-optional', 'info', 'became optional');
    if (!request && wasRequired && !isRequired)
      say('response-property-became-optional', 'breaking', 'is no longer guaranteed (it became optional)');
    if (!request && !wasRequired && isRequired) say('response-property-became-required', 'info', 'is now always there');
    walk(place, bs, hs, next);
  }
}

/** The same schema reached twice (the same `$ref` in two branches) counts once. */
function distinct(alternatives: Alternatives): Alternatives {
  const once = (list: Located[]) => [...new Map(list.map((s) => [JSON.stringify(s.schema), s])).values()];
  const parts = alternatives.map(once);
  return [...new Map(parts.map((list) => [JSON.stringify(list.map((s) => s.schema)), list])).values()];
}

function step(at: At, path: string): At {
  return { path, depth: at.depth + 1, seen: at.seen };
}

function subjectOf(place: SchemaPlace, at: { path: string }): string {
  return at.path ? `${place.where}: \`${at.path}\`` : place.where;
}

function includes(values: unknown[], value: unknown): boolean {
  const key = JSON.stringify(value);
  return values.some((v) => JSON.stringify(v) === key);
}
