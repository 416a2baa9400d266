// Type tests: what a call must send (path params, query, body) and the per-call options it may add.
// Every `@ts-expect-error` below is checked by the compiler (an unused one is itself an error).
import { describe, expectTypeOf, test } from 'vitest';
import type {
  AgentClient,
  CallOptions,
  ControlPlaneClient,
  ExecuteRequest,
  ExecuteResponse,
  FileResponse,
  RecordingStartRequest,
  Sandbox,
  SandboxList,
  ThrowingAgentClient,
  ThrowingControlPlaneClient,
  components,
} from '../../src/index.js';
import { paginate } from '../../src/index.js';

declare const controlPlane: ControlPlaneClient;
declare const agent: AgentClient;
declare const controlPlaneOrThrow: ThrowingControlPlaneClient;
declare const agentOrThrow: ThrowingAgentClient;
declare const signal: AbortSignal;

const id = '1761048129dsaqav4n';

describe('path parameters', () => {
  test('the right path params compile', () => {
    expectTypeOf(controlPlaneOrThrow.GET('/v1/sandboxes/{id}', { params: { path: { id } } })).resolves.toEqualTypeOf<Sandbox>();
    expectTypeOf(controlPlaneOrThrow.GET('/v1/templates/{name}', { params: { path: { name: 'code-interpreter' } } })).resolves.toEqualTypeOf<
      components['schemas']['Template']
    >();
    expectTypeOf(controlPlaneOrThrow.GET('/v1/templates/build/{buildID}/status', { params: { path: { buildID: 'b-1' } } })).resolves.toEqualTypeOf<
      components['schemas']['BuildStatusResponse']
    >();
  });

  test('missing path params do not compile', () => {
    // @ts-expect-error `/v1/sandboxes/{id}` needs params.path.id, so the init argument is required
    controlPlane.GET('/v1/sandboxes/{id}');
    // @ts-expect-error `params` is required for `/v1/sandboxes/{id}`
    controlPlane.GET('/v1/sandboxes/{id}', {});
    // @ts-expect-error `params.path` is required for `/v1/sandboxes/{id}`
    controlPlane.GET('/v1/sandboxes/{id}', { params: {} });
    // @ts-expect-error `params.path.id` is required
    controlPlane.DELETE('/v1/sandboxes/{id}', { params: { path: {} } });
    // @ts-expect-error `params.path.id` is required (throwing client too)
    controlPlaneOrThrow.POST('/v1/sandboxes/{id}/pause', { params: { path: {} } });
  });

  test('wrong path params do not compile', () => {
    // @ts-expect-error the param is `id`, not `sandbox_id`
    controlPlane.GET('/v1/sandboxes/{id}', { params: { path: { sandbox_id: id } } });
    // @ts-expect-error `id` is a string, not a number
    controlPlane.GET('/v1/sandboxes/{id}', { params: { path: { id: 1761048129 } } });
    // @ts-expect-error the param of this path is `buildID`, not `id`
    controlPlane.GET('/v1/templates/build/{buildID}/status', { params: { path: { id: 'b-1' } } });
    // @ts-expect-error `/v1/sandboxes` has no path params (`path?: never`)
    controlPlane.GET('/v1/sandboxes', { params: { path: { id } } });
  });
});

describe('query parameters', () => {
  test('the right query compiles', () => {
    expectTypeOf(
      controlPlaneOrThrow.GET('/v1/sandboxes', { params: { query: { limit: 10, status: 'running', region: 'eu-1001', cursor: 'c1' } } }),
    ).resolves.toEqualTypeOf<SandboxList>();
    expectTypeOf(controlPlaneOrThrow.GET('/v1/sandboxes', { params: { query: {} } })).resolves.toEqualTypeOf<SandboxList>();
    expectTypeOf(agentOrThrow.GET('/files/read', { params: { query: { path: '/workspace/a.txt' } } })).resolves.toEqualTypeOf<
      components['schemas']['FileContent']
    >();
  });

  test('wrong query types and enum values do not compile', () => {
    // @ts-expect-error `limit` is a number, not a string
    controlPlane.GET('/v1/sandboxes', { params: { query: { limit: 'ten' } } });
    // @ts-expect-error `sleeping` is not a SandboxStatus (creating | running | paused | stopped)
    controlPlane.GET('/v1/sandboxes', { params: { query: { status: 'sleeping' } } });
    // @ts-expect-error `region` is a string, not a number
    controlPlaneOrThrow.GET('/v1/sandboxes', { params: { query: { region: 1001 } } });
    // @ts-expect-error `path` is a string, not an array
    agent.GET('/files/read', { params: { query: { path: ['/workspace/a.txt'] } } });
  });

  test('a missing required query param does not compile', () => {
    // @ts-expect-error `/files/read` needs query.path, so the init argument is required
    agent.GET('/files/read');
    // @ts-expect-error `params.query` is required for `/files/read`
    agent.GET('/files/read', { params: {} });
    // @ts-expect-error `params.query.path` is required
    agent.GET('/files/read', { params: { query: {} } });
  });

  test('unknown query params: caught when no known one is given (weak type), and where there is no query', () => {
    // @ts-expect-error `state` is not a query param of `/v1/sandboxes` (caught: the query type is all-optional and the literal has none of its keys)
    controlPlane.GET('/v1/sandboxes', { params: { query: { state: 'running' } } });
    // @ts-expect-error `/v1/sandboxes/{id}` has no query params (`query?: never`)
    controlPlane.GET('/v1/sandboxes/{id}', { params: { path: { id }, query: { verbose: true } } });
  });
});

describe('request bodies', () => {
  test('the right body compiles', () => {
    expectTypeOf(agentOrThrow.POST('/execute', { body: { code: 'print(1)' } })).resolves.toEqualTypeOf<ExecuteResponse>();
    expectTypeOf(
      agentOrThrow.POST('/execute', { body: { code: 'print(1)', language: 'python', timeout: 30, env: { A: 'b' }, workdir: '/workspace' } }),
    ).resolves.toEqualTypeOf<ExecuteResponse>();
    expectTypeOf(agent.POST('/execute', { body: { code: 'print(1)' } })).resolves.toHaveProperty('data').toEqualTypeOf<ExecuteResponse | undefined>();
    expectTypeOf(controlPlaneOrThrow.PUT('/v1/sandboxes/{id}/timeout', { params: { path: { id } }, body: { timeout_seconds: 600 } }))
      .resolves.toHaveProperty('timeout_seconds').toEqualTypeOf<number | null | undefined>();
    expectTypeOf(agentOrThrow.POST('/files/write', { body: { path: '/workspace/a.txt', content: 'aGk=', encoding: 'base64' } })).resolves.toEqualTypeOf<FileResponse>();
  });

  test('a missing body or a missing required body field does not compile', () => {
    // @ts-expect-error `/execute` needs a body, so the init argument is required
    agent.POST('/execute');
    // @ts-expect-error `body` is required for `/execute`
    agent.POST('/execute', {});
    // @ts-expect-error `code` is required in ExecuteRequest
    agent.POST('/execute', { body: { language: 'python' } });
    // @ts-expect-error `code` is required in ExecuteRequest (throwing client too)
    agentOrThrow.POST('/execute', { body: { language: 'python' } });
    // @ts-expect-error `timeout_seconds` is required in SetSandboxTimeoutRequest
    controlPlane.PUT('/v1/sandboxes/{id}/timeout', { params: { path: { id } }, body: {} });
    // @ts-expect-error `content` is required in FileWriteRequest
    agent.POST('/files/write', { body: { path: '/workspace/a.txt' } });
  });

  test('a body field of the wrong type does not compile', () => {
    // @ts-expect-error `code` is a string, not a number
    agent.POST('/execute', { body: { code: 42 } });
    // @ts-expect-error `timeout` (seconds) is a number, not a string
    agent.POST('/execute', { body: { code: 'print(1)', timeout: '30' } });
    // @ts-expect-error `cobol` is not an ExecutionLanguage
    agent.POST('/execute', { body: { code: 'print(1)', language: 'cobol' } });
    // @ts-expect-error env values are strings, not numbers
    agent.POST('/execute', { body: { code: 'print(1)', env: { RETRIES: 3 } } });
    // @ts-expect-error `timeout_seconds` is a number, not a string
    controlPlane.PUT('/v1/sandboxes/{id}/timeout', { params: { path: { id } }, body: { timeout_seconds: '600' } });
    // @ts-expect-error `encoding` is only ever `base64`
    agent.POST('/files/write', { body: { path: '/workspace/a.txt', content: 'hi', encoding: 'utf8' } });
  });

  test('an unknown body field is caught where TS checks object literals', () => {
    // Inline in the call an extra field next to the known ones is NOT caught (see known-gaps.test-d.ts);
    // typing the literal with the exported schema alias (annotation or `satisfies`) gets TS's excess-property check.
    // @ts-expect-error `bogus` is not a field of ExecuteRequest
    const body: ExecuteRequest = { code: 'print(1)', bogus: true };
    expectTypeOf(agentOrThrow.POST('/execute', { body })).resolves.toEqualTypeOf<ExecuteResponse>();
    // @ts-expect-error `framerate` is not a field of RecordingStartRequest (the field is `fps`)
    agent.POST('/desktop/recording/start', { body: { format: 'mp4', framerate: 30 } satisfies RecordingStartRequest });
    expectTypeOf(agentOrThrow.POST('/execute', { body: { code: 'print(1)', language: 'python' } satisfies ExecuteRequest })).resolves.toEqualTypeOf<ExecuteResponse>();
  });

  test('a body where the operation has none does not compile', () => {
    // @ts-expect-error GET `/v1/sandboxes` takes no body (`body?: never`)
    controlPlane.GET('/v1/sandboxes', { body: { status: 'running' } });
    // @ts-expect-error POST `/v1/sandboxes/{id}/pause` takes no body
    controlPlane.POST('/v1/sandboxes/{id}/pause', { params: { path: { id } }, body: {} });
  });
});

describe('file upload (multipart)', () => {
  test('`file` takes a Blob (or a File)', () => {
    expectTypeOf<components['schemas']['FileUploadForm']['file']>().toEqualTypeOf<Blob>();
    expectTypeOf(agentOrThrow.POST('/files/upload', { body: { file: new Blob(['hello']), path: '/workspace/hello.txt' } })).resolves.toEqualTypeOf<FileResponse>();
    expectTypeOf(agentOrThrow.POST('/files/upload', { body: { file: new File(['hello'], 'hello.txt'), path: '/workspace/hello.txt' } })).resolves.toEqualTypeOf<FileResponse>();
    expectTypeOf(agent.POST('/files/upload', { body: { file: new Blob(['x']), path: '/workspace/x' } })).resolves.toHaveProperty('data').toEqualTypeOf<
      FileResponse | undefined
    >();
  });

  test('`file` does not take a string or raw bytes, and `path` is required', () => {
    // @ts-expect-error `file` is a Blob, not a string
    agent.POST('/files/upload', { body: { file: 'hello', path: '/workspace/hello.txt' } });
    // @ts-expect-error `file` is a Blob, not a Uint8Array (wrap it: `new Blob([bytes])`)
    agent.POST('/files/upload', { body: { file: new Uint8Array([1, 2]), path: '/workspace/hello.bin' } });
    // @ts-expect-error `path` (the destination) is required
    agent.POST('/files/upload', { body: { file: new Blob(['hello']) } });
  });
});

describe('per-call options', () => {
  test('CallOptions is exactly { timeout?: number; maxRetries?: number }', () => {
    expectTypeOf<CallOptions>().toEqualTypeOf<{ timeout?: number; maxRetries?: number }>();
  });

  test('timeout, maxRetries and signal compile next to params and body', () => {
    expectTypeOf(controlPlaneOrThrow.GET('/v1/sandboxes', { timeout: 5000, maxRetries: 0, signal })).resolves.toEqualTypeOf<SandboxList>();
    expectTypeOf(controlPlaneOrThrow.GET('/v1/sandboxes/{id}', { params: { path: { id } }, timeout: 5000, maxRetries: 0, signal })).resolves.toEqualTypeOf<Sandbox>();
    expectTypeOf(agentOrThrow.POST('/execute', { body: { code: 'print(1)' }, timeout: 5000, maxRetries: 0, signal })).resolves.toEqualTypeOf<ExecuteResponse>();
    expectTypeOf(agent.POST('/execute', { body: { code: 'print(1)' }, timeout: 150_000, maxRetries: 3, signal: AbortSignal.timeout(1000) }))
      .resolves.toHaveProperty('data').toEqualTypeOf<ExecuteResponse | undefined>();
    expectTypeOf(controlPlane.GET('/v1/sandboxes/{id}', { params: { path: { id } }, maxRetries: 0, headers: { 'X-Trace': 'a' } }))
      .resolves.toHaveProperty('data').toEqualTypeOf<Sandbox | undefined>();
    expectTypeOf(controlPlaneOrThrow.DELETE('/v1/sandboxes/{id}', { params: { path: { id } }, timeout: 10_000, maxRetries: 0, signal }))
      .resolves.toHaveProperty('status').toEqualTypeOf<components['schemas']['SandboxStatus'] | undefined>();
  });

  test('options of the wrong type do not compile', () => {
    // @ts-expect-error `timeout` is in milliseconds (a number), not '5s'
    controlPlane.GET('/v1/sandboxes', { timeout: '5s' });
    // @ts-expect-error `timeout` is a number (throwing client, with params)
    controlPlaneOrThrow.GET('/v1/sandboxes/{id}', { params: { path: { id } }, timeout: '5s' });
    // @ts-expect-error `maxRetries` is a number, not a boolean
    agent.POST('/execute', { body: { code: 'print(1)' }, maxRetries: false });
    // @ts-expect-error `signal` is an AbortSignal, not an AbortController
    agent.POST('/execute', { body: { code: 'print(1)' }, signal: new AbortController() });
    // A misspelt option is caught when every other init field is optional (TS's weak-type check);
    // next to a required `params` or `body` it is not (see known-gaps.test-d.ts).
    // @ts-expect-error `tiemout` is not an option (it is `timeout`)
    controlPlane.GET('/v1/sandboxes', { tiemout: 5000 });
  });

  test('paginate takes the same options, plus the page query without `cursor`', () => {
    expectTypeOf(paginate(controlPlane, '/v1/sandboxes', { query: { status: 'running', limit: 50 }, timeout: 5000, maxRetries: 0, signal })).toEqualTypeOf<
      AsyncGenerator<Sandbox, void, undefined>
    >();
    // @ts-expect-error `timeout` is a number
    paginate(controlPlane, '/v1/sandboxes', { timeout: '5s' });
    // @ts-expect-error `sleeping` is not a SandboxStatus
    paginate(controlPlane, '/v1/sandboxes', { query: { status: 'sleeping' } });
    // @ts-expect-error the cursor is paginate's job: `cursor` is not part of its query
    paginate(controlPlane, '/v1/sandboxes', { query: { cursor: 'c1' } });
  });
});
