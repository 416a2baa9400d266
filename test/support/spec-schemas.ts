// Validates values against the spec's own component schemas (ajv, JSON Schema 2020-12 as OpenAPI 3.1
// uses), so the stream test server can only send, and only accept, what openapi.yaml describes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020Module, { type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const spec = JSON.parse(readFileSync(fileURLToPath(new URL('../../generated/openapi.json', import.meta.url)), 'utf8'));
// OpenAPI keywords (discriminator, example, ...) are annotations here, not validation rules.
// ajv is CommonJS: under NodeNext its class is the default export's `default`.
const Ajv2020 = Ajv2020Module.default;
const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
addFormats.default(ajv);
ajv.addSchema({ $id: 'openapi.json', components: spec.components }, 'openapi.json');

const cache = new Map<string, ValidateFunction>();

export function validatorFor(schemaName: string): ValidateFunction {
  const cached = cache.get(schemaName);
  if (cached) return cached;
  if (!spec.components.schemas[schemaName]) throw new Error(`no component schema ${schemaName}`);
  const validate = ajv.compile({ $ref: `openapi.json#/components/schemas/${schemaName}` });
  cache.set(schemaName, validate);
  return validate;
}

/** Throws (failing the test) when `value` does not match the named schema. */
export function assertMatchesSchema(schemaName: string, value: unknown): void {
  const validate = validatorFor(schemaName);
  if (!validate(value)) {
    throw new Error(
      `not a valid ${schemaName}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 300)}`,
    );
  }
}

const refName = (ref: string) => ref.replace('#/components/schemas/', '');

/** The client and server message schemas of each WebSocket route, read from its x-websocket extension. */
export const socketSchemas: Record<string, { client: string; server: string }> = Object.fromEntries(
  Object.entries<any>(spec.paths)
    .filter(([, item]) => item.get?.['x-websocket'])
    .map(([path, item]) => [
      path,
      { client: refName(item.get['x-websocket'].client), server: refName(item.get['x-websocket'].server) },
    ]),
);

/** The event payload schema of each event-stream route, read from its contentSchema. */
export const eventSchemas: Record<string, string> = Object.fromEntries(
  Object.entries<any>(spec.paths)
    .filter(([, item]) => item.get?.responses?.['200']?.content?.['text/event-stream'])
    .map(([path, item]) => [
      path,
      refName(item.get.responses['200'].content['text/event-stream'].schema.contentSchema.$ref),
    ]),
);
