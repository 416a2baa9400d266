// A limit on what a client sends (maximum, minimum, length, pattern) is in the spec only when a source
// states it or every official client enforces it: a limit the platform does not enforce makes the mock
// reject real calls (issue 9, item 9). docs/spec-audit.md lists where each remaining limit comes from.
import { describe, expect, it } from 'vitest';
import { validatorFor } from '../support/spec-schemas.js';
import { deref, operations, spec, walkSchemas } from './bundled-spec.js';

const LIMIT_KEYWORDS = [
  'maximum',
  'minimum',
  'exclusiveMaximum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
];

/** Every limit and where it sits, walking parameters, request bodies and WebSocket client messages. */
function requestLimits(): string[] {
  const found = new Set<string>();
  const visited = new Set<object>();
  const walk = (node: unknown, where: string) =>
    walkSchemas(
      node,
      where,
      (schema, at) => {
        for (const keyword of LIMIT_KEYWORDS) {
          if (keyword in schema) found.add(`${at} ${keyword}=${JSON.stringify(schema[keyword])}`);
        }
      },
      visited,
    );
  for (const { op, pathItem, key } of operations) {
    for (const raw of [...(pathItem.parameters ?? []), ...(op.parameters ?? [])]) {
      const param = deref(raw);
      walk(param.schema, `${param.in === 'path' ? 'path' : key} param ${param.name}`);
    }
    if (op.requestBody) walk(deref(op.requestBody).content, `${key} body`);
    if (op['x-websocket']) walk({ $ref: op['x-websocket'].client }, `${key} message`);
  }
  return [...found].sort();
}

describe('request limits', () => {
  it('are only the ones with a source (see docs/spec-audit.md)', () => {
    expect(requestLimits()).toEqual([
      'ExecuteRequest.timeout minimum=1', // the agent's generated models (ge=1); no client sends less
      'GET /v1/sandboxes param limit maximum=100', // upstream spec: "max 100"
      'GET /v1/templates/build/{buildID}/logs param offset minimum=0', // an offset into the log
      'KeyboardTypeRequest.delay_ms minimum=0', // a duration
      'SetSandboxTimeoutRequest.timeout_seconds minimum=0', // the CLI sends 0; the JS SDK rejects <= 0
      'TemplateBuildCommandStep.filesHash pattern="^[a-f0-9]{64}$"', // both SDKs send a SHA-256 hex digest
      'TemplateBuildRequest.from_image minLength=1', // both SDKs refuse a build without a base image
      'TemplateReadyCheck.interval minimum=0', // a duration
      'TemplateReadyCheck.port maximum=65535', // a TCP port
      'TemplateReadyCheck.port minimum=1',
      'TemplateReadyCheck.timeout minimum=0', // a duration
      'TemplateUploadLinkRequest.content_length minimum=1', // upstream spec
      'TemplateUploadLinkRequest.files_hash pattern="^[a-f0-9]{64}$"', // both SDKs send a SHA-256 hex digest
      'VncStartRequest.display minimum=0', // an X display number
      'path param buildID minLength=1', // a path segment cannot be empty
      'path param id minLength=1',
      'path param name minLength=1',
      'path param process_id minLength=1',
    ]);
  });

  it('an /execute run of 600 seconds is valid: both SDKs pass any timeout through (default 120)', () => {
    const validate = validatorFor('ExecuteRequest');
    expect(
      validate({ code: 'import time; time.sleep(500)', language: 'python', timeout: 600, workdir: '/workspace' }),
      JSON.stringify(validate.errors),
    ).toBe(true);
  });

  it('PUT /v1/sandboxes/{id}/timeout with 0 is valid: the official CLI sends it to disable the timeout', () => {
    const validate = validatorFor('SetSandboxTimeoutRequest');
    expect(validate({ timeout_seconds: 0 }), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ timeout_seconds: -1 })).toBe(false);
    // The description says that the sources disagree, instead of picking one silently.
    expect(spec.components.schemas.SetSandboxTimeoutRequest.properties.timeout_seconds.description).toMatch(
      /CLI[\s\S]*JavaScript SDK rejects/,
    );
  });
});
