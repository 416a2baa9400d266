// Type tests: what calls resolve to, in the `{ data, error }` style and the throwing style, and what
// paginate yields. Every `@ts-expect-error` below is checked by the compiler.
import { describe, expectTypeOf, test } from 'vitest';
import {
  type AgentClient,
  type ControlPlaneClient,
  type ErrorBody,
  type ErrorCode,
  type ErrorResponse,
  type ExecuteResponse,
  type PageItem,
  type Sandbox,
  type SandboxList,
  type TemplateBuildLogs,
  type ThrowingAgentClient,
  type ThrowingControlPlaneClient,
  HopxApiError,
  errorOf,
  paginate,
} from '../../src/index.js';

declare const controlPlane: ControlPlaneClient;
declare const agent: AgentClient;
declare const controlPlaneOrThrow: ThrowingControlPlaneClient;
declare const agentOrThrow: ThrowingAgentClient;

const id = '1761048129dsaqav4n';
const file = { params: { query: { path: '/workspace/report.pdf' } } };

describe('the { data, error } style', () => {
  test('GET /v1/sandboxes/{id}: data is Sandbox | undefined, error is the ErrorResponse shape', async () => {
    const result = await controlPlane.GET('/v1/sandboxes/{id}', { params: { path: { id } } });
    expectTypeOf(result.data).toEqualTypeOf<Sandbox | undefined>();
    expectTypeOf(result.error).toEqualTypeOf<ErrorResponse | undefined>();
    expectTypeOf(result.response).toEqualTypeOf<Response>();
  });

  test('the ErrorResponse shape is the spec schema, and the errors module uses the same one', () => {
    expectTypeOf<ErrorResponse>().toEqualTypeOf<ErrorBody>();
    expectTypeOf<ErrorResponse>().toHaveProperty('error').toEqualTypeOf<string>();
    expectTypeOf<ErrorResponse>().toHaveProperty('code').toEqualTypeOf<ErrorCode | undefined>();
    expectTypeOf<ErrorResponse>().toHaveProperty('request_id').toEqualTypeOf<string | undefined>();
  });

  test('data and error narrow each other', async () => {
    const result = await controlPlane.GET('/v1/sandboxes/{id}', { params: { path: { id } } });
    if (result.error) {
      expectTypeOf(result.error).toEqualTypeOf<ErrorResponse>();
      expectTypeOf(result.data).toEqualTypeOf<undefined>();
    } else {
      expectTypeOf(result.data).toEqualTypeOf<Sandbox>();
      expectTypeOf(result.error).toEqualTypeOf<undefined>();
    }
  });

  test('other operations type their own bodies', async () => {
    expectTypeOf((await controlPlane.GET('/v1/sandboxes')).data).toEqualTypeOf<SandboxList | undefined>();
    expectTypeOf((await controlPlane.POST('/v1/sandboxes', { body: { template_name: 'code-interpreter' } })).data).toEqualTypeOf<Sandbox | undefined>();
    expectTypeOf((await agent.POST('/execute', { body: { code: 'print(1)' } })).data).toEqualTypeOf<ExecuteResponse | undefined>();
    expectTypeOf((await agent.POST('/execute', { body: { code: 'print(1)' } })).error).toEqualTypeOf<ErrorResponse | undefined>();
  });

  test('errorOf turns a failed result into a HopxApiError', async () => {
    const result = await controlPlane.GET('/v1/sandboxes/{id}', { params: { path: { id } } });
    expectTypeOf(errorOf(result)).toEqualTypeOf<HopxApiError | undefined>();
    expectTypeOf(errorOf(result, 'GET /v1/sandboxes/{id}')).toEqualTypeOf<HopxApiError | undefined>();
  });

  test('there is no data property you can use without checking', async () => {
    const result = await controlPlane.GET('/v1/sandboxes/{id}', { params: { path: { id } } });
    // @ts-expect-error `data` may be undefined (an error status): check it or `error` first
    result.data.id;
  });
});

describe('the throwing style', () => {
  test('resolves to the success body itself', () => {
    expectTypeOf(controlPlaneOrThrow.GET('/v1/sandboxes/{id}', { params: { path: { id } } })).resolves.toEqualTypeOf<Sandbox>();
    expectTypeOf(controlPlaneOrThrow.GET('/v1/sandboxes')).resolves.toEqualTypeOf<SandboxList>();
    expectTypeOf(controlPlaneOrThrow.POST('/v1/sandboxes', { body: { template_name: 'code-interpreter' } })).resolves.toEqualTypeOf<Sandbox>();
    expectTypeOf(agentOrThrow.POST('/execute', { body: { code: 'print(1)' } })).resolves.toEqualTypeOf<ExecuteResponse>();
  });

  test('has no { data, error } wrapper', async () => {
    const sandbox = await controlPlaneOrThrow.GET('/v1/sandboxes/{id}', { params: { path: { id } } });
    expectTypeOf(sandbox.id).toEqualTypeOf<string>();
    // @ts-expect-error the throwing client resolves to the Sandbox itself, which has no `data`
    sandbox.data;
    // @ts-expect-error the throwing client resolves to the Sandbox itself, which has no `error`
    sandbox.error;
  });
});

describe('non-JSON bodies are typed by parseAs', () => {
  test("GET /files/download with parseAs: 'blob' gives a Blob", async () => {
    expectTypeOf(agentOrThrow.GET('/files/download', { ...file, parseAs: 'blob' })).resolves.toEqualTypeOf<Blob>();
    expectTypeOf((await agent.GET('/files/download', { ...file, parseAs: 'blob' })).data).toEqualTypeOf<Blob | undefined>();
    expectTypeOf((await agent.GET('/files/download', { ...file, parseAs: 'blob' })).error).toEqualTypeOf<ErrorResponse | undefined>();
  });

  test('the other parseAs modes', () => {
    expectTypeOf(agentOrThrow.GET('/files/download', { ...file, parseAs: 'arrayBuffer' })).resolves.toEqualTypeOf<ArrayBuffer>();
    expectTypeOf(agentOrThrow.GET('/files/download', { ...file, parseAs: 'text' })).resolves.toEqualTypeOf<string>();
    expectTypeOf(agentOrThrow.GET('/files/download', { ...file, parseAs: 'stream' })).resolves.toEqualTypeOf<ReadableStream<Uint8Array>>();
    expectTypeOf(
      controlPlaneOrThrow.GET('/v1/sandboxes/{id}/metrics/stream', { params: { path: { id } }, parseAs: 'stream' }),
    ).resolves.toEqualTypeOf<ReadableStream<Uint8Array>>();
  });

  test('an operation offering JSON and SSE is typed by its JSON body by default', () => {
    expectTypeOf(controlPlaneOrThrow.GET('/v1/templates/build/{buildID}/logs', { params: { path: { buildID: 'b-1' } } })).resolves.toEqualTypeOf<
      TemplateBuildLogs
    >();
  });

  test('parseAs only takes the modes openapi-fetch knows', () => {
    // @ts-expect-error `bytes` is not a parseAs mode (json, text, blob, arrayBuffer, stream)
    agent.GET('/files/download', { ...file, parseAs: 'bytes' });
  });
});

describe('paginate', () => {
  test('yields Sandbox items from /v1/sandboxes, with either client style', async () => {
    expectTypeOf(paginate(controlPlane, '/v1/sandboxes')).toEqualTypeOf<AsyncGenerator<Sandbox, void, undefined>>();
    expectTypeOf(paginate(controlPlaneOrThrow, '/v1/sandboxes', { query: { status: 'running' } })).toEqualTypeOf<
      AsyncGenerator<Sandbox, void, undefined>
    >();
    expectTypeOf<PageItem<'/v1/sandboxes'>>().toEqualTypeOf<Sandbox>();
    for await (const sandbox of paginate(controlPlane, '/v1/sandboxes')) {
      expectTypeOf(sandbox).toEqualTypeOf<Sandbox>();
    }
  });

  test('refuses a path that is not cursor-paged', () => {
    // @ts-expect-error `/v1/sandboxes/{id}` answers one Sandbox, not a page
    paginate(controlPlane, '/v1/sandboxes/{id}');
    // @ts-expect-error `/v1/templates` lists without cursors (no next_cursor), so it is not a PagedPath
    paginate(controlPlane, '/v1/templates');
    // @ts-expect-error `/processes` is an agent path
    paginate(controlPlane, '/processes');
    // @ts-expect-error `/v1/sandboxs` is not a path at all
    paginate(controlPlaneOrThrow, '/v1/sandboxs');
  });

  test('refuses an agent client', () => {
    // @ts-expect-error paginate walks Control Plane lists; an agent client cannot serve them
    paginate(agent, '/v1/sandboxes');
  });
});
