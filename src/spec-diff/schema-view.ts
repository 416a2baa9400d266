// One schema as a client sees it, whatever way it is written: `$ref`s followed, `allOf` merged,
// `anyOf`/`oneOf` folded into what any branch allows (types, properties, values), and the 3.1
// spellings (type arrays, `const`, `prefixItems`) and 3.0's `nullable` read alike. Comparing two
// views is then the same whichever way either side was written.
import { deref, type Json } from './change.js';

export interface SchemaView {
  /** JSON types a value may have (`integer` included in `number` is kept apart); empty: any. */
  types: Set<string>;
  /** Known values, when the schema lists them (enum / const); undefined: no list. */
  values: unknown[] | undefined;
  /** The list of values is open: a branch also takes any string (the spec's open sets). */
  openValues: boolean;
  /** `const`, when every branch that says something fixes one value. */
  constant: { value: unknown } | undefined;
  properties: Map<string, unknown[]>;
  required: Set<string>;
  /** `additionalProperties: false` somewhere that closes the object. */
  closed: boolean;
  /** Schemas of `additionalProperties` (maps). */
  additional: unknown[];
  items: unknown[];
  prefixItems: unknown[][];
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

export function viewOf(spec: Json, schema: unknown, depth = 0): SchemaView {
  const view: SchemaView = {
    types: new Set(),
    values: undefined,
    openValues: false,
    constant: undefined,
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
  merge(spec, view, schema, depth);
  return view;
}

/** Adds what `schema` says to `view` (allOf: everything applies at once). */
function merge(spec: Json, view: SchemaView, node: unknown, depth: number): void {
  if (depth > 40 || node === undefined || node === null) return;
  if (node === true || node === false) return;
  if (typeof (node as Json).$ref === 'string') view.refs.push((node as Json).$ref);
  const schema = deref(spec, node) as Json;
  if (!schema || typeof schema !== 'object') return;

  const ownTypes = typesOf(schema);
  if (ownTypes.size) view.types = view.types.size ? intersect(view.types, ownTypes) : ownTypes;
  if (Array.isArray(schema.enum)) view.values = [...schema.enum];
  if ('const' in schema) {
    view.constant = { value: schema.const };
    view.values = [schema.const];
  }
  for (const [name, property] of Object.entries<unknown>(schema.properties ?? {}))
    view.properties.set(name, [...(view.properties.get(name) ?? []), property]);
  for (const name of schema.required ?? []) view.required.add(name);
  if (schema.additionalProperties === false) view.closed = true;
  else if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
    view.additional.push(schema.additionalProperties);
  if (schema.items && typeof schema.items === 'object') view.items.push(schema.items);
  (schema.prefixItems ?? []).forEach((item: unknown, index: number) => {
    view.prefixItems[index] = [...(view.prefixItems[index] ?? []), item];
  });
  for (const key of LIMIT_KEYS) if (typeof schema[key] === 'number') view.limits[key] = schema[key];
  if (typeof schema.pattern === 'string') view.pattern = schema.pattern;
  if (typeof schema.format === 'string') view.format = schema.format;
  if ('default' in schema) view.default = { value: schema.default };
  if (schema.deprecated === true) view.deprecated = true;

  for (const part of schema.allOf ?? []) merge(spec, view, part, depth + 1);
  const branches: unknown[] = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  if (branches.length) foldBranches(spec, view, branches, depth);
}

/** anyOf/oneOf: a value may be any branch's, a property is guaranteed only when every branch has it. */
function foldBranches(spec: Json, view: SchemaView, branches: unknown[], depth: number): void {
  const seen = branches.map((branch) => viewOf(spec, branch, depth + 1));
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
  for (const v of seen) {
    for (const [name, schemas] of v.properties)
      view.properties.set(name, [...(view.properties.get(name) ?? []), ...schemas]);
    view.additional.push(...v.additional);
    view.items.push(...v.items);
    v.prefixItems.forEach((items, index) => {
      view.prefixItems[index] = [...(view.prefixItems[index] ?? []), ...items];
    });
    view.refs.push(...v.refs);
  }
  const objects = seen.filter((v) => v.properties.size > 0 || v.required.size > 0);
  if (objects.length === seen.length && objects.length > 0) {
    const [first, ...rest] = objects;
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
