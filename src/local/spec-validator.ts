// The one validation module: requests, responses, Server-Sent Events and WebSocket messages checked
// against the bundled spec with JSON Schema 2020-12 semantics (Ajv2020), for the local HopX, the
// conformance run (npm run verify) and the tests. A check returns the violations it found, each
// with a JSON pointer into the value and what is wrong; an empty list means the value conforms.
import Ajv2020Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { deref, type Json, type SpecOperation, specOperations } from './spec.js';

// ajv and ajv-formats are CommonJS: under NodeNext their classes are the default export's `default`.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;
type Ajv = InstanceType<typeof Ajv2020>;

export interface Violation {
  /** `request`, `response`, `event` (SSE) or `frame` (WebSocket). */
  in: 'request' | 'response' | 'event' | 'frame';
  /** `POST /files/write`, or `WebSocket /terminal`. */
  operation: string;
  /** Where in the value: `/body/exit_code`, `/query/limit`, `/status`, `/headers/content-type`. */
  pointer: string;
  message: string;
  /** The JSON Schema keyword that failed (`required`, `type`, `enum`, ...), when a schema check found it. */
  keyword?: string;
}

export interface RequestParts {
  path: Record<string, string>;
  /** The raw query, as the client sent it. */
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the text fields of a multipart body; undefined when there is none. */
  body: unknown;
  contentType: string | undefined;
}

export interface ValidatedRequest {
  violations: Violation[];
  /** Path and query parameters coerced to their schema's types (`limit=10` → 10). */
  path: Record<string, unknown>;
  query: Record<string, unknown>;
}

export interface ResponseParts {
  status: number;
  contentType: string | undefined;
  headers: Record<string, string | undefined>;
  /** Parsed JSON for a JSON response; undefined otherwise (bytes and streams are not checked here). */
  body?: unknown;
}

/** Formats the spec uses as annotations only: nothing to check in a JSON value. */
const ANNOTATION_FORMATS = ['binary', 'base64', 'html', 'mp4', 'png'];

export class SpecValidator {
  private readonly ajv: Ajv;
  /** Parameters arrive as strings: this instance coerces them to the schema's types. */
  private readonly coercing: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();
  readonly operations: SpecOperation[];

  constructor(readonly spec: Json) {
    const make = (coerceTypes: boolean | 'array') => {
      const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true, coerceTypes });
      addFormats(ajv);
      for (const format of ANNOTATION_FORMATS) ajv.addFormat(format, true);
      ajv.addSchema(spec, 'openapi.json');
      return ajv;
    };
    this.ajv = make(false);
    this.coercing = make('array');
    this.operations = specOperations(spec);
  }

  /**
   * Checks a request against its operation: parameters (coerced), content type and body. A
   * multipart body is streamed by its handler, which checks its fields once read
   * (`skipMultipartFields`, then validateRequest again with the fields as the body).
   */
  validateRequest(
    operation: SpecOperation,
    parts: RequestParts,
    options: { skipMultipartFields?: boolean } = {},
  ): ValidatedRequest {
    const violations: Violation[] = [];
    const found = (pointer: string, message: string, keyword?: string) =>
      violations.push({ in: 'request', operation: operation.key, pointer, message, keyword });
    const path = this.validateParameters(operation, 'path', (name) => parts.path[name], found);
    const query = this.validateParameters(
      operation,
      'query',
      (name, schema) => {
        const values = parts.query.getAll(name);
        if (values.length === 0) return undefined;
        return isArraySchema(this.spec, schema) ? values.flatMap((v) => v.split(',')) : values[values.length - 1];
      },
      found,
    );
    this.validateParameters(operation, 'header', (name) => headerValue(parts.headers, name), found);

    const requestBody = operation.op.requestBody ? deref(this.spec, operation.op.requestBody) : undefined;
    if (requestBody && parts.body === undefined && requestBody.required) found('/body', 'the request body is required');
    if (requestBody && parts.body !== undefined) {
      const media = mediaTypeOf(parts.contentType);
      const declared = Object.keys(requestBody.content ?? {});
      if (!media || !declared.includes(media)) {
        found('/headers/content-type', `content type ${media ?? '(none)'} is not one of ${declared.join(', ')}`);
      } else if (media === 'application/json') {
        const schema = requestBody.content[media].schema;
        for (const v of this.check(this.ajv, `body:${operation.key}`, schema, parts.body, '/body'))
          found(v.pointer, v.message, v.keyword);
      } else if (media === 'multipart/form-data' && !options.skipMultipartFields) {
        // The text fields only: file parts are bytes, which no JSON Schema describes.
        const schema = deref<Json>(this.spec, requestBody.content[media].schema);
        const fields = parts.body as Record<string, unknown>;
        for (const name of schema.required ?? [])
          if (!(name in fields)) found(`/body/${name}`, `the multipart part ${name} is required`);
      }
    }
    return { violations, path, query };
  }

  /** Checks a response: its status is documented, its content type declared, its JSON body valid. */
  validateResponse(operation: SpecOperation, parts: ResponseParts, options: { anyStatus?: boolean } = {}): Violation[] {
    const violations: Violation[] = [];
    const found = (pointer: string, message: string, keyword?: string) =>
      violations.push({ in: 'response', operation: operation.key, pointer, message, keyword });
    const statusKey = String(parts.status);
    const documented =
      operation.op.responses?.[statusKey] ??
      operation.op.responses?.[`${statusKey[0]}XX`] ??
      operation.op.responses?.default;
    if (!documented) {
      if (!options.anyStatus) found('/status', `status ${parts.status} is not documented for ${operation.key}`);
      // An injected fault: the body must still be an error body the clients understand.
      if (parts.body !== undefined) {
        const errorResponse = { $ref: '#/components/schemas/ErrorResponse' };
        for (const v of this.check(this.ajv, 'ErrorResponse', errorResponse, parts.body, '/body'))
          found(v.pointer, v.message, v.keyword);
      }
      return violations;
    }
    const response = deref<Json>(this.spec, documented);
    const content = response.content ?? {};
    const media = mediaTypeOf(parts.contentType);
    const declared = Object.keys(content);
    if (declared.length === 0) {
      if (parts.body !== undefined && parts.body !== '')
        found('/body', `status ${parts.status} is documented without a body`);
    } else if (!media || !declared.includes(media)) {
      found('/headers/content-type', `content type ${media ?? '(none)'} is not one of ${declared.join(', ')}`);
    } else if (isJsonMedia(media) && parts.body !== undefined) {
      for (const v of this.check(
        this.ajv,
        `response:${operation.key}:${statusKey}:${media}`,
        content[media].schema,
        parts.body,
        '/body',
      )) {
        found(v.pointer, v.message, v.keyword);
      }
    }
    for (const [name, header] of Object.entries<Json>(response.headers ?? {})) {
      const value = parts.headers[name.toLowerCase()];
      const definition = deref<Json>(this.spec, header);
      if (value === undefined) {
        if (definition.required) found(`/headers/${name}`, `the ${name} header is required`);
        continue;
      }
      const coerced = { value };
      const schema = { type: 'object', properties: { value: definition.schema } };
      for (const v of this.check(
        this.coercing,
        `header:${operation.key}:${statusKey}:${name}`,
        schema,
        coerced,
        `/headers/${name}`,
      )) {
        found(v.pointer.replace('/value', ''), v.message, v.keyword);
      }
    }
    return violations;
  }

  /** Checks the `data` of one Server-Sent Event against the stream's `contentSchema`. */
  validateEvent(operation: SpecOperation, data: unknown): Violation[] {
    const stream = Object.values<Json>(operation.op.responses ?? {})
      .map((r) => deref<Json>(this.spec, r).content?.['text/event-stream'])
      .find(Boolean);
    const schema = stream?.schema?.contentSchema;
    if (!schema)
      return [
        { in: 'event', operation: operation.key, pointer: '', message: `${operation.key} is not an event stream` },
      ];
    return this.check(this.ajv, `event:${operation.key}`, schema, data, '/data').map((v) => ({
      ...v,
      in: 'event',
      operation: operation.key,
    }));
  }

  /** Checks one WebSocket message against the route's `x-websocket` client or server schema. */
  validateFrame(operation: SpecOperation, side: 'client' | 'server', message: unknown): Violation[] {
    const ref = operation.op['x-websocket']?.[side];
    const name = `WebSocket ${operation.path}`;
    if (typeof ref !== 'string')
      return [{ in: 'frame', operation: name, pointer: '', message: `${operation.key} has no x-websocket.${side}` }];
    return this.check(this.ajv, `frame:${operation.key}:${side}`, { $ref: ref }, message, '').map((v) => ({
      ...v,
      in: 'frame',
      operation: name,
    }));
  }

  /** Checks a value against a component schema by name (for tests and the stream servers). */
  validateSchema(name: string, value: unknown): Violation[] {
    const ref = `#/components/schemas/${name}`;
    if (!this.spec.components?.schemas?.[name]) throw new Error(`no component schema ${name}`);
    return this.check(this.ajv, `schema:${name}`, { $ref: ref }, value, '').map((v) => ({
      ...v,
      in: 'response',
      operation: name,
    }));
  }

  private validateParameters(
    operation: SpecOperation,
    location: 'path' | 'query' | 'header',
    read: (name: string, schema: Json) => unknown,
    found: (pointer: string, message: string, keyword?: string) => void,
  ): Record<string, unknown> {
    const params = operation.parameters.filter((p) => p.in === location);
    const values: Record<string, unknown> = {};
    for (const param of params) {
      const raw = read(param.name, param.schema ?? {});
      if (raw === undefined) {
        if (param.required) found(`/${location}/${param.name}`, `the ${location} parameter ${param.name} is required`);
        continue;
      }
      const holder = { value: raw };
      const key = `param:${operation.key}:${location}:${param.name}`;
      const violations = this.check(
        this.coercing,
        key,
        { type: 'object', properties: { value: param.schema ?? {} } },
        holder,
        `/${location}/${param.name}`,
      );
      for (const v of violations) found(v.pointer.replace(/\/value(?=\/|$)/, ''), v.message, v.keyword);
      values[param.name] = holder.value;
    }
    return values;
  }

  /** Validates `value` against `schema` (compiled once, cached under `key`), reporting pointers under `base`. */
  private check(ajv: Ajv, key: string, schema: unknown, value: unknown, base: string): Violation[] {
    // A message told apart by a discriminator is checked against its own schema only: otherwise
    // one missing field reads as a failure of every other kind of message too.
    const branch = this.branchOf(schema, value);
    const cacheKey = `${ajv === this.ajv ? 'plain' : 'coercing'}:${key}${branch ? `#${branch}` : ''}`;
    let validate = this.compiled.get(cacheKey);
    if (!validate) {
      validate = ajv.compile(wrap(branch ? { $ref: branch } : schema));
      this.compiled.set(cacheKey, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((error) => ({
      in: 'response',
      operation: '',
      // A missing property is pointed at where it should have been, not at the object around it.
      pointer: `${base}${error.instancePath}${error.keyword === 'required' ? `/${pointerToken((error.params as { missingProperty: string }).missingProperty)}` : ''}`,
      message: describe(error),
      keyword: error.keyword,
    }));
  }

  /** The `$ref` a discriminated `oneOf` maps `value` to, if the schema is one and the value names a known kind. */
  private branchOf(schema: unknown, value: unknown): string | undefined {
    const resolved = deref<Json>(this.spec, schema);
    const discriminator = resolved?.discriminator;
    if (!resolved?.oneOf || !discriminator?.mapping || !value || typeof value !== 'object') return undefined;
    const kind = (value as Record<string, unknown>)[discriminator.propertyName];
    return typeof kind === 'string' && Object.hasOwn(discriminator.mapping, kind)
      ? discriminator.mapping[kind]
      : undefined;
  }
}

/** A schema compiled on its own: its `#/components/...` refs become refs into the bundle. */
function wrap(schema: unknown): Json {
  return JSON.parse(JSON.stringify(schema ?? {}).replace(/"\$ref":"#\//g, '"$ref":"openapi.json#/'));
}

function describe(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties')
    return `has a property the schema does not declare: ${(error.params as { additionalProperty: string }).additionalProperty}`;
  if (error.keyword === 'enum')
    return `${error.message}: ${JSON.stringify((error.params as { allowedValues: unknown[] }).allowedValues)}`;
  if (error.keyword === 'required')
    return `is missing the required property ${(error.params as { missingProperty: string }).missingProperty}`;
  return error.message ?? error.keyword;
}

function pointerToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

function isJsonMedia(media: string): boolean {
  return media === 'application/json' || media.endsWith('+json');
}

function isArraySchema(spec: Json, schema: Json): boolean {
  const resolved = deref<Json>(spec, schema);
  return resolved?.type === 'array';
}

function headerValue(headers: RequestParts['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
