// The error body on the wire: the docs show the flat form, while both official SDKs read a nested
// `error.message`/`error.code` or a top-level `message` on Control Plane errors. No source settles
// which the server sends, so ErrorResponse accepts all three (issue 9, item 11); the client then
// normalises every shape to ErrorResponseFlat (test/faults/malformed-responses.test.ts).
import { describe, expect, it } from 'vitest';
import { validatorFor } from '../support/spec-schemas.js';
import { spec } from './bundled-spec.js';

function expectValid(schema: string, value: unknown) {
  const validate = validatorFor(schema);
  expect(validate(value), `${schema}: ${JSON.stringify(validate.errors)}`).toBe(true);
}

describe('ErrorResponse', () => {
  it('accepts the flat form of the docs', () => {
    expectValid('ErrorResponse', {
      error: 'Sandbox 1761048129dsaqav4n not found',
      code: 'SANDBOX_NOT_FOUND',
      request_id: 'req_6512bd43d9caa6e0',
    });
    expectValid('ErrorResponse', { error: 'Insufficient credits to create a sandbox' });
  });

  it('accepts the nested form the Python SDK parses on the Control Plane', () => {
    expectValid('ErrorResponse', {
      error: {
        message: 'Rate limit exceeded',
        code: 'RATE_LIMITED',
        request_id: 'req_9bf31c7ff062936a',
        details: { retry_after_seconds: 30 },
      },
    });
  });

  it('accepts the top-level message the JavaScript SDK reads first', () => {
    expectValid('ErrorResponse', { message: 'Sandbox 1761048129dsaqav4n not found', code: 'SANDBOX_NOT_FOUND' });
  });

  it('rejects a body that has neither an error nor a message', () => {
    expect(validatorFor('ErrorResponse')({ code: 'INTERNAL_ERROR' })).toBe(false);
    expect(validatorFor('ErrorResponse')({ error: 42 })).toBe(false);
  });

  it('says which SDK reads which shape (both read more than the flat form)', () => {
    const description: string = spec.components.schemas.ErrorResponse.description;
    expect(description).toMatch(/Python SDK's Control Plane client/);
    expect(description).toMatch(/JavaScript SDK reads first/);
    expect(description).not.toMatch(/no source shows the server sending it/);
  });
});
