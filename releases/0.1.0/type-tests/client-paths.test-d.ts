// Type tests: each client only accepts its own host's paths, with the methods the spec gives them.
// Every `@ts-expect-error` below is checked by the compiler (an unused one is itself an error).
import { describe, expectTypeOf, test } from 'vitest';
import {
  type AgentClient,
  type AgentPaths,
  type ControlPlaneClient,
  type ControlPlanePaths,
  type PagedPath,
  type ThrowingAgentClient,
  type ThrowingControlPlaneClient,
  type WebSocketPath,
  type paths,
  createAgentClient,
  createControlPlaneClient,
} from '../../src/index.js';
import type { AgentInfo, HealthResponse, Sandbox, SandboxList } from '../../src/index.js';

declare const controlPlane: ControlPlaneClient;
declare const agent: AgentClient;
declare const controlPlaneOrThrow: ThrowingControlPlaneClient;
declare const agentOrThrow: ThrowingAgentClient;

const sandbox = { id: '1761048129dsaqav4n', public_host: 'https://7777-x.vms.hopx.dev', auth_token: 't' };

describe('the path split', () => {
  test('Control Plane paths are exactly /v1/... and /health', () => {
    expectTypeOf<keyof ControlPlanePaths>().toEqualTypeOf<Extract<keyof paths, `/v1/${string}` | '/health'>>();
    expectTypeOf<'/v1/sandboxes' | '/v1/sandboxes/{id}' | '/v1/templates' | '/health'>().toExtend<keyof ControlPlanePaths>();
    expectTypeOf<'/execute'>().not.toExtend<keyof ControlPlanePaths>();
  });

  test('the WebSocket-only routes are the six 101 routes', () => {
    expectTypeOf<WebSocketPath>().toEqualTypeOf<
      '/commands/stream' | '/execute/stream' | '/files/watch' | '/stream' | '/stream/ipython' | '/terminal'
    >();
  });

  test('agent paths are everything else, /health included, WebSocket routes and /v1/... excluded', () => {
    expectTypeOf<keyof AgentPaths>().toEqualTypeOf<Exclude<keyof paths, `/v1/${string}` | WebSocketPath>>();
    expectTypeOf<'/execute' | '/files/read' | '/files/upload' | '/env' | '/health'>().toExtend<keyof AgentPaths>();
    expectTypeOf<WebSocketPath>().not.toExtend<keyof AgentPaths>();
    expectTypeOf<'/v1/sandboxes'>().not.toExtend<keyof AgentPaths>();
  });

  test('only GET /v1/sandboxes is a cursor-paged path', () => {
    expectTypeOf<PagedPath>().toEqualTypeOf<'/v1/sandboxes'>();
  });
});

describe('the Control Plane client', () => {
  test('calls its own paths', () => {
    expectTypeOf(controlPlaneOrThrow.GET('/v1/sandboxes')).resolves.toEqualTypeOf<SandboxList>();
    expectTypeOf(controlPlaneOrThrow.GET('/v1/sandboxes/{id}', { params: { path: { id: sandbox.id } } })).resolves.toEqualTypeOf<Sandbox>();
    expectTypeOf(controlPlaneOrThrow.GET('/health')).resolves.toHaveProperty('status').toEqualTypeOf<HealthResponse['status']>();
  });

  test('refuses agent paths', () => {
    // @ts-expect-error `/files/read` is an agent path, not a Control Plane path
    controlPlane.GET('/files/read', { params: { query: { path: '/workspace/a.txt' } } });
    // @ts-expect-error `/execute` is an agent path, not a Control Plane path
    controlPlane.POST('/execute', { body: { code: 'print(1)' } });
    // @ts-expect-error `/execute` is an agent path (throwing client too)
    controlPlaneOrThrow.POST('/execute', { body: { code: 'print(1)' } });
  });

  test('refuses unknown paths', () => {
    // @ts-expect-error `/v1/sandbox` (singular) is not a path of the spec
    controlPlane.GET('/v1/sandbox', {});
    // @ts-expect-error `/v2/sandboxes` is not a path of the spec
    controlPlaneOrThrow.GET('/v2/sandboxes', {});
    // @ts-expect-error a concrete id is not a path: the template `/v1/sandboxes/{id}` plus params.path is
    controlPlane.GET('/v1/sandboxes/1761048129dsaqav4n', {});
  });

  test('refuses a method the path does not have', () => {
    // @ts-expect-error `/v1/sandboxes` has GET and POST, no DELETE
    controlPlane.DELETE('/v1/sandboxes', {});
    // @ts-expect-error `/v1/sandboxes/{id}` has GET and DELETE, no POST
    controlPlane.POST('/v1/sandboxes/{id}', { params: { path: { id: sandbox.id } } });
    // @ts-expect-error `/v1/sandboxes/{id}/timeout` is PUT, not PATCH (the Control Plane has no PATCH route at all)
    controlPlaneOrThrow.PATCH('/v1/sandboxes/{id}/timeout', { params: { path: { id: sandbox.id } }, body: { timeout_seconds: 60 } });
    // Without a second argument the wrong method is still refused (reported as a missing argument).
    // @ts-expect-error `/v1/sandboxes` has no DELETE
    controlPlane.DELETE('/v1/sandboxes');
  });
});

describe('the agent client', () => {
  test('calls its own paths, /health included', () => {
    expectTypeOf(agentOrThrow.GET('/info')).resolves.toEqualTypeOf<AgentInfo>();
    expectTypeOf(agentOrThrow.GET('/health')).resolves.toHaveProperty('status').toEqualTypeOf<'ok' | 'healthy' | 'degraded'>();
  });

  test('refuses Control Plane paths', () => {
    // @ts-expect-error `/v1/sandboxes` is a Control Plane path, not an agent path
    agent.GET('/v1/sandboxes', {});
    // @ts-expect-error `/v1/sandboxes/{id}` is a Control Plane path, not an agent path
    agentOrThrow.GET('/v1/sandboxes/{id}', { params: { path: { id: sandbox.id } } });
    // @ts-expect-error `/v1/sandboxes/{id}/token/refresh` is a Control Plane path (the agent client renews its own token)
    agent.POST('/v1/sandboxes/{id}/token/refresh', { params: { path: { id: sandbox.id } } });
    // Without a second argument the wrong path is still refused (reported as a missing argument).
    // @ts-expect-error `/v1/templates` is a Control Plane path
    agent.GET('/v1/templates');
  });

  test('refuses the WebSocket-only routes (fetch cannot open them)', () => {
    // @ts-expect-error `/execute/stream` is WebSocket only
    agent.GET('/execute/stream', {});
    // @ts-expect-error `/terminal` is WebSocket only
    agent.GET('/terminal', {});
    // @ts-expect-error `/commands/stream` is WebSocket only
    agent.GET('/commands/stream', {});
    // @ts-expect-error `/files/watch` is WebSocket only
    agentOrThrow.GET('/files/watch', {});
    // @ts-expect-error `/stream` is WebSocket only
    agent.GET('/stream', {});
    // @ts-expect-error `/stream/ipython` is WebSocket only
    agent.GET('/stream/ipython', {});
  });

  test('refuses unknown paths and wrong methods', () => {
    // @ts-expect-error `/files/delete` is not a path of the spec (it is DELETE /files/remove)
    agent.POST('/files/delete', { body: { path: '/workspace/a.txt' } });
    // @ts-expect-error `/execute` is POST only
    agent.GET('/execute', {});
    // @ts-expect-error `/files/remove` is DELETE, not POST
    agent.POST('/files/remove', { params: { query: { path: '/workspace/a.txt' } } });
  });
});

describe('the factories', () => {
  test('throwOnError picks the client type', () => {
    expectTypeOf(createControlPlaneClient()).toEqualTypeOf<ControlPlaneClient>();
    expectTypeOf(createControlPlaneClient({ apiKey: 'k' })).toEqualTypeOf<ControlPlaneClient>();
    expectTypeOf(createControlPlaneClient({ throwOnError: false })).toEqualTypeOf<ControlPlaneClient>();
    expectTypeOf(createControlPlaneClient({ throwOnError: true })).toEqualTypeOf<ThrowingControlPlaneClient>();
    expectTypeOf(createAgentClient({ sandbox })).toEqualTypeOf<AgentClient>();
    expectTypeOf(createAgentClient({ sandbox: sandbox.id, controlPlane })).toEqualTypeOf<AgentClient>();
    expectTypeOf(createAgentClient({ sandbox, throwOnError: true })).toEqualTypeOf<ThrowingAgentClient>();
    expectTypeOf(createAgentClient({ sandbox, controlPlane: controlPlaneOrThrow })).toEqualTypeOf<AgentClient>();
  });

  test('the two client types are not interchangeable', () => {
    expectTypeOf<ControlPlaneClient>().not.toExtend<AgentClient>();
    expectTypeOf<AgentClient>().not.toExtend<ControlPlaneClient>();
    expectTypeOf<ThrowingControlPlaneClient>().not.toExtend<ControlPlaneClient>();
  });

  test('bad factory options do not compile', () => {
    // @ts-expect-error the agent client needs a sandbox
    createAgentClient({ controlPlane });
    // @ts-expect-error an agent client cannot be the controlPlane of another agent client
    createAgentClient({ sandbox, controlPlane: agent });
    // @ts-expect-error authHeader is `X-API-Key` or `Authorization`
    createControlPlaneClient({ authHeader: 'Bearer' });
    // @ts-expect-error the client-wide timeout is a number of ms
    createControlPlaneClient({ timeout: '60s' });
  });
});
