// Strictness that openapi-fetch's own types do not give and ours must: misspelt fields next to
// correct ones, the create-sandbox body, a Blob-shaped object posing as a file, and a binary-only
// operation called without saying how to read it.
import { describe, expectTypeOf, test } from 'vitest';
import type { AgentClient, ControlPlaneClient, CreateSandboxRequest, ThrowingAgentClient, ThrowingControlPlaneClient } from '../../src/index.js';

declare const controlPlane: ControlPlaneClient;
declare const agent: AgentClient;
declare const controlPlaneOrThrow: ThrowingControlPlaneClient;
declare const agentOrThrow: ThrowingAgentClient;

const id = '1761048129dsaqav4n';

// Only the path and parseAs are inferred from a call; the rest is checked against the operation,
// so TypeScript's excess-property check fires inline.
describe('unknown fields next to known ones are not caught inline', () => {
  test('unknown body field', () => {
    // @ts-expect-error `bogus` is not a field of ExecuteRequest
    agent.POST('/execute', { body: { code: 'print(1)', bogus: true } });
    // @ts-expect-error `language` is misspelt, so the run would silently use the default
    agentOrThrow.POST('/execute', { body: { code: 'print(1)', langauge: 'bash' } });
  });

  test('unknown path or query param', () => {
    // @ts-expect-error `/v1/sandboxes/{id}` has no `name` path param
    controlPlane.GET('/v1/sandboxes/{id}', { params: { path: { id, name: 'x' } } });
    // @ts-expect-error `state` is not a query param (it is `status`)
    controlPlane.GET('/v1/sandboxes', { params: { query: { limit: 10, state: 'running' } } });
  });

  test('a misspelt per-call option', () => {
    // (Alone in an all-optional init it is caught; next to a required `params` or `body` it is not.)
    // @ts-expect-error `tiemout` is not a per-call option (it is `timeout`)
    controlPlaneOrThrow.GET('/v1/sandboxes/{id}', { params: { path: { id } }, tiemout: 5000 });
    // @ts-expect-error `maxRetry` is not a per-call option (it is `maxRetries`)
    agent.POST('/execute', { body: { code: 'print(1)' }, maxRetry: 0 });
  });
});

// `CreateSandboxRequest` requires template_id or template_name (anyOf); the generated type must stay
// an object type, so a wrong create body does not compile.
describe('the create-sandbox body is unknown', () => {
  test('CreateSandboxRequest is an object type', () => {
    expectTypeOf<CreateSandboxRequest>().not.toBeUnknown(); //
  });

  test('wrong create bodies compile', () => {
    // @ts-expect-error `template_name` is a string
    controlPlane.POST('/v1/sandboxes', { body: { template_name: 291 } });
    // @ts-expect-error `timeout_seconds` is a number
    controlPlaneOrThrow.POST('/v1/sandboxes', { body: { template_id: '291', timeout_seconds: '1h' } });
    // @ts-expect-error the body is an object naming a template
    controlPlane.POST('/v1/sandboxes', { body: 42 });
  });
});

// Request bodies are not passed through openapi-fetch's `Writable<T>`, which would turn Blob into a
// plain structural object; `file` must be a real Blob or the body would be sent as JSON.
describe('the upload `file` part is Blob-shaped, not Blob', () => {
  test('a plain object is accepted as `file`', () => {
    // @ts-expect-error a plain object is not a Blob
    agent.POST('/files/upload', { body: { file: { size: 1, type: '', arrayBuffer: 1, bytes: 1, slice: 1, stream: 1, text: 1 }, path: '/workspace/x' } });
  });
});

// An operation without a JSON success body (a download) must say how to read it: without parseAs the
// call would fail at run time with HopxResponseFormatError, so it does not compile.
describe('GET /files/download without parseAs', () => {
  test('does not compile', () => {
    // @ts-expect-error parseAs is required: the download answers application/octet-stream, not JSON
    agentOrThrow.GET('/files/download', { params: { query: { path: '/workspace/report.pdf' } } });
    expectTypeOf(agentOrThrow.GET('/files/download', { params: { query: { path: '/workspace/report.pdf' } }, parseAs: 'blob' })).resolves.toEqualTypeOf<Blob>();
  });
});
