// Component schemas are full schemas: every node says what type it is, and every property says
// what it means. (The upstream files are full of bare `{}` and undocumented fields; ours are not.)
import { describe, expect, it } from 'vitest';
import { type Json, spec } from './bundled-spec.js';

// A branch that only adds `required` (e.g. "template_id or template_name") constrains its parent's type.
const constraintOnly = (s: Json) =>
  Object.keys(s).every((k) => ['required', 'description', 'title'].includes(k)) && s.required;
const typed = (s: Json) =>
  s.$ref || s.type || s.oneOf || s.anyOf || s.allOf || s.const !== undefined || s.enum || constraintOnly(s);

function problemsOf(schema: Json, where: string, out: string[] = []): string[] {
  if (!typed(schema)) out.push(`${where}: no type`);
  for (const [name, prop] of Object.entries<Json>(schema.properties ?? {})) {
    if (!prop.$ref && !prop.description) out.push(`${where}.${name}: no description`);
    problemsOf(prop, `${where}.${name}`, out);
  }
  if (schema.items) problemsOf(schema.items, `${where}[]`, out);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    problemsOf(schema.additionalProperties, `${where}{}`, out);
  }
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    for (const [i, s] of (schema[key] ?? []).entries()) problemsOf(s, `${where}.${key}[${i}]`, out);
  }
  return out;
}

describe('component schemas', () => {
  it.each(Object.entries<Json>(spec.components.schemas))('%s is fully typed and described', (name, schema) => {
    expect(schema.description || schema.$ref, `${name} has a description`).toBeTruthy();
    expect(problemsOf(schema, name)).toEqual([]);
  });
});
