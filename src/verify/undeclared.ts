// What a value holds that its schema does not name: properties no schema at their place declares,
// and strings outside a set of values the spec knows. The spec's objects and most of its sets of
// values are open on purpose (the API grows, and a client must not break when it does), so the
// validator accepts both; a conformance run still reports them, as information.
import { deref, type Json } from '../local/spec.js';

export interface Undeclared {
  /** `/body/gpu_count`, `/data/status`. */
  pointer: string;
  message: string;
}

export function undeclaredParts(spec: Json, schema: unknown, value: unknown, base: string): Undeclared[] {
  const found: Undeclared[] = [];
  walk(spec, alternativesOf(spec, [schema], value), value, base, found);
  return found;
}

function walk(spec: Json, schemas: Json[], value: unknown, at: string, found: Undeclared[]): void {
  if (schemas.length === 0) return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      const itemSchemas = schemas.flatMap((s) => [s.prefixItems?.[index] ?? s.items].filter(Boolean));
      walk(spec, alternativesOf(spec, itemSchemas, item), item, `${at}/${index}`, found);
    });
    return;
  }
  if (value && typeof value === 'object') {
    const objects = schemas.filter((s) => s.properties || s.additionalProperties !== undefined || s.type === 'object');
    if (objects.length === 0) return;
    // A map (`env_vars`) or a schema that says nothing about its properties is open by design.
    const open = objects.some(
      (s) => (s.additionalProperties !== undefined && s.additionalProperties !== false) || s.patternProperties,
    );
    const describes = objects.some((s) => s.properties);
    for (const [name, child] of Object.entries(value)) {
      const declared = objects.flatMap((s) => (s.properties?.[name] ? [s.properties[name]] : []));
      const pointer = `${at}/${pointerToken(name)}`;
      if (declared.length > 0) {
        walk(spec, alternativesOf(spec, declared, child), child, pointer, found);
      } else if (open) {
        const extra = objects.flatMap((s) =>
          typeof s.additionalProperties === 'object' ? [s.additionalProperties] : [],
        );
        walk(spec, alternativesOf(spec, extra, child), child, pointer, found);
      } else if (describes) {
        found.push({ pointer, message: `a property the spec does not declare: ${name}` });
      }
    }
    return;
  }
  if (typeof value === 'string') {
    const known = schemas.flatMap((s) => s.enum ?? (s.const !== undefined ? [s.const] : []));
    // Only an open set: a closed enum that misses the value is already the validator's finding.
    const openSet = schemas.some((s) => s.type === 'string' && !s.enum && s.const === undefined && !s.pattern);
    if (known.length > 0 && openSet && !known.includes(value)) {
      found.push({
        pointer: at,
        message: `a value the spec does not know: ${JSON.stringify(value)} (known: ${known.join(', ')})`,
      });
    }
  }
}

/**
 * The schemas that describe `value` at one place: `$ref`s followed, `allOf` merged in, and of
 * `anyOf`/`oneOf` the branch a discriminator names, else every branch whose type fits the value.
 */
function alternativesOf(spec: Json, schemas: unknown[], value: unknown): Json[] {
  const out: Json[] = [];
  const visit = (node: unknown, depth: number) => {
    const schema = deref<Json>(spec, node);
    if (!schema || typeof schema !== 'object' || depth > 30) return;
    if (!fits(schema, value)) return;
    out.push(schema);
    for (const part of schema.allOf ?? []) visit(part, depth + 1);
    const branches: unknown[] = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
    const mapping = schema.discriminator?.mapping;
    const kind =
      mapping && value && typeof value === 'object'
        ? (value as Record<string, unknown>)[schema.discriminator.propertyName]
        : undefined;
    if (typeof kind === 'string' && mapping[kind]) visit({ $ref: mapping[kind] }, depth + 1);
    else for (const branch of branches) visit(branch, depth + 1);
  };
  for (const schema of schemas) visit(schema, 0);
  return out;
}

/** Whether a schema's `type` admits the value's JSON type (a schema without `type` admits anything). */
function fits(schema: Json, value: unknown): boolean {
  if (schema.type === undefined) return true;
  const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
  const actual =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'array'
        : typeof value === 'number'
          ? Number.isInteger(value)
            ? 'integer'
            : 'number'
          : typeof value;
  return types.includes(actual) || (actual === 'integer' && types.includes('number'));
}

function pointerToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}
