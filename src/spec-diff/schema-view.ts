// One schema as a client sees it, whatever way it is written: `$ref`s followed, `allOf` merged,
// `anyOf`/`oneOf` folded into what any branch allows (types, properties, values), and the 3.1
// spellings (type arrays, `const`, `prefixItems`) and 3.0's `nullable` read alike. Comparing two
// views is then the same whichever way either side was written.
import { type Json, locate, pointerOf } from './change.js';

/**
 * A schema and the JSON pointer where it is written. Reports point at the place a reader can open
 * in the spec (`/components/schemas/Sandbox/properties/status`), not at a path through `$ref`s that
 * exists nowhere in the file.
 */
export interface Located {
  schema: unknown;
  pointer: string;
}

/**
 * What a place inside a schema (a property, the items, ...) must be: any one of the alternatives,
 * each all of its parts at once. A property constrained in two `allOf` parts is one alternative of two
 * parts; one declared in two `oneOf` branches is two alternatives.
 */
export type Alternatives = Located[][];

export interface SchemaView {
  /** Where this schema's own keywords are (its `$ref`s followed). */
  pointer: string;
  /** JSON types a value may have (`integer` included in `number` is kept apart); empty: any. */
  types: Set<string>;
  /** Known values, when the schema lists them (enum / const); undefined: no list. */
  values: unknown[] | undefined;
  /** The list of values is open: a branch also takes any string (the spec's open sets). */
  openValues: boolean;
  properties: Map<string, Alternatives>;
  required: Set<string>;
  /** `additionalProperties: false` somewhere that closes the object. */
  closed: boolean;
  /** Schemas of `additionalProperties` (maps). */
  additional: Alternatives;
  items: Alternatives;
  prefixItems: Alternatives[];
  limits: Limits;
  pattern: string | undefined;
  format: string | undefined;
  default: { value: unknown } | undefined;
  deprecated: boolean;
  /** The `$ref`s this view was built from: two views of the same pair are compared once. */
  refs: string[];
}

export interface Limits {
  maxLength?: number;
  minLength?: number;
  maximum?: number;
  minimum?: number;
  exclusiveMaximum?: number;
  exclusiveMinimum?: number;
  maxItems?: number;
  minItems?: number;
  maxProperties?: number;
  minProperties?: number;
}

const LIMIT_KEYS = [
  'maxLength',
  'minLength',
  'maximum',
  'minimum',
  'exclusiveMaximum',
  'exclusiveMinimum',
  'maxItems',
  'minItems',
  'maxProperties',
  'minProperties',
] as const;

export function viewOf(spec: Json, schema: unknown, pointer: string, depth = 0): SchemaView {
  return viewOfAll(spec, [{ schema, pointer }], depth);
}

/** The view of schemas that all apply at once, each read where it is written. */
function viewOfAll(spec: Json, parts: Located[], depth: number): SchemaView {
  const view = emptyView(parts[0] ? locate(spec, parts[0].schema, parts[0].pointer).pointer : '');
  for (const part of parts) merge(spec, view, part.schema, part.pointer, depth);
  return view;
}

/** The view of a place as `Alternatives` describe it. */
export function viewOfAlternatives(spec: Json, alternatives: Alternatives, depth = 0): SchemaView {
  if (alternatives.length === 1 && alternatives[0]) return viewOfAll(spec, alternatives[0], depth);
  const seen = alternatives.map((parts) => viewOfAll(spec, parts, depth + 1));
  const view = emptyView(seen[0]?.pointer ?? '');
  if (seen.length) foldBranches(view, seen);
  return view;
}

function emptyView(pointer: string): SchemaView {
  return {
    pointer,
    types: new Set(),
    values: undefined,
    openValues: false,
    properties: new Map(),
    required: new Set(),
    closed: false,
    additional: [],
    items: [],
    prefixItems: [],
    limits: {},
    pattern: undefined,
    format: undefined,
    default: undefined,
    deprecated: false,
    refs: [],
  };
}

/** `current` and `more` at once: each alternative of one with each of the other. */
function conjoin(current: Alternatives | undefined, more: Alternatives): Alternatives {
  if (!current?.length) return more;
  if (!more.length) return current;
  return current.flatMap((a) => more.map((b) => [...a, ...b]));
}

/** Adds what `schema` (written at `at`) says to `view`: everything in `allOf` applies at once. */
function merge(spec: Json, view: SchemaView, node: unknown, at: string, depth: number): void {
  if (depth > 40 || node === null || typeof node !== 'object') return;
  const { $ref, ...siblings } = node as Json;
  if (typeof $ref === 'string') {
    view.refs.push($ref);
    const target = locate(spec, { $ref }, at);
    merge(spec, view, target.node, target.pointer, depth + 1);
    // In 3.1 the keywords beside a `$ref` apply too (`{ $ref: Language, default: python }`).
    if (Object.keys(siblings).length) merge(spec, view, siblings, at, depth + 1);
    return;
  }
  const schema = node as Json;

  const ownTypes = typesOf(schema);
  if (ownTypes.size) view.types = view.types.size ? intersect(view.types, ownTypes) : ownTypes;
  if (Array.isArray(schema.enum)) view.values = [...schema.enum];
  if ('const' in schema) view.values = [schema.const];
  for (const [name, property] of Object.entries<unknown>(schema.properties ?? {}))
    view.properties.set(
      name,
      conjoin(view.properties.get(name), [[{ schema: property, pointer: `${at}${pointerOf('properties', name)}` }]]),
    );
  for (const name of schema.required ?? []) view.required.add(name);
  if (schema.additionalProperties === false) view.closed = true;
  else if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
    view.additional = conjoin(view.additional, [
      [{ schema: schema.additionalProperties, pointer: `${at}/additionalProperties` }],
    ]);
  if (schema.items && typeof schema.items === 'object')
    view.items = conjoin(view.items, [[{ schema: schema.items, pointer: `${at}/items` }]]);
  (schema.prefixItems ?? []).forEach((item: unknown, index: number) => {
    view.prefixItems[index] = conjoin(view.prefixItems[index], [
      [{ schema: item, pointer: `${at}/prefixItems/${index}` }],
    ]);
  });
  for (const key of LIMIT_KEYS) if (typeof schema[key] === 'number') view.limits[key] = schema[key];
  if (typeof schema.pattern === 'string') view.pattern = schema.pattern;
  if (typeof schema.format === 'string') view.format = schema.format;
  if ('default' in schema) view.default = { value: schema.default };
  if (schema.deprecated === true) view.deprecated = true;

  (schema.allOf ?? []).forEach((part: unknown, index: number) => {
    merge(spec, view, part, `${at}/allOf/${index}`, depth + 1);
  });
  const branches = [
    ...(schema.anyOf ?? []).map((branch: unknown, index: number) =>
      viewOf(spec, branch, `${at}/anyOf/${index}`, depth + 1),
    ),
    ...(schema.oneOf ?? []).map((branch: unknown, index: number) =>
      viewOf(spec, branch, `${at}/oneOf/${index}`, depth + 1),
    ),
  ];
  if (branches.length) foldBranches(view, branches);
}

/** anyOf/oneOf: a value may be any branch's, a property is guaranteed only when every branch has it. */
function foldBranches(view: SchemaView, seen: SchemaView[]): void {
  const types = new Set<string>();
  let anyType = false;
  for (const v of seen) {
    if (v.types.size === 0) anyType = true;
    for (const t of v.types) types.add(t);
  }
  if (!anyType && types.size) view.types = view.types.size ? intersect(view.types, types) : types;
  const listed = seen.filter((v) => v.values !== undefined);
  if (listed.length) {
    view.values = [...new Set([...(view.values ?? []), ...listed.flatMap((v) => v.values ?? [])])];
    // A branch that takes any value of its type (`type: string` alone) leaves the set open.
    view.openValues = seen.some((v) => v.values === undefined && !v.pattern && v.properties.size === 0);
  }
  // A property, the items, ... are any branch's that describes them (and whatever the view said already).
  const union = (pick: (v: SchemaView) => Alternatives | undefined) => seen.flatMap((v) => pick(v) ?? []);
  for (const name of new Set(seen.flatMap((v) => [...v.properties.keys()])))
    view.properties.set(
      name,
      conjoin(
        view.properties.get(name),
        union((v) => v.properties.get(name)),
      ),
    );
  view.additional = conjoin(
    view.additional,
    union((v) => v.additional),
  );
  view.items = conjoin(
    view.items,
    union((v) => v.items),
  );
  const longest = Math.max(0, ...seen.map((v) => v.prefixItems.length));
  for (let index = 0; index < longest; index++)
    view.prefixItems[index] = conjoin(
      view.prefixItems[index],
      union((v) => v.prefixItems[index]),
    );
  for (const v of seen) view.refs.push(...v.refs);
  // Which properties every object the union allows must have. A branch that cannot be an object
  // (`{ type: 'null' }` beside the object: nullable written as anyOf) has no say; without this, making
  // an object nullable would read as every one of its required properties becoming optional.
  const objects = seen.filter((v) => v.types.size === 0 || v.types.has('object'));
  const described = objects.filter((v) => v.properties.size > 0 || v.required.size > 0);
  if (described.length === objects.length && described.length > 0) {
    const [first, ...rest] = described;
    for (const name of first?.required ?? []) if (rest.every((v) => v.required.has(name))) view.required.add(name);
  }
}

function typesOf(schema: Json): Set<string> {
  const types = new Set<string>(Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []);
  if (schema.nullable === true && types.size) types.add('null');
  return types;
}

function intersect(a: Set<string>, b: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const t of a) if (b.has(t) || (t === 'integer' && b.has('number'))) out.add(t);
  for (const t of b) if (t === 'integer' && a.has('number')) out.add(t);
  return out;
}

/** Whether every value of type `from` is also a value of one of `to` (integer fits number). */
export function typeFits(from: string, to: Set<string>): boolean {
  return to.size === 0 || to.has(from) || (from === 'integer' && to.has('number'));
}
