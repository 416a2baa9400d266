// Public entry point of hopx-api.
export { createControlPlaneClient, DEFAULT_CONTROL_PLANE_URL } from './control-plane-client.js';
export type { ControlPlaneClient, ControlPlaneClientOptions, ThrowingControlPlaneClient } from './control-plane-client.js';
export { createAgentClient } from './agent-client.js';
export type { AgentClient, AgentClientOptions, SandboxRef, ThrowingAgentClient } from './agent-client.js';
export { paginate } from './pagination.js';
export type { PagedPath, PageItem, PaginateOptions } from './pagination.js';
export { errorOf } from './internal/create-api-client.js';
export * from './errors.js';
export type { CallOptions, CommonClientOptions, LogEntry, LogHook, ResultClient, ThrowingClient } from './client-types.js';
export type { AgentPaths, ControlPlanePaths, WebSocketPath } from './api-paths.js';
export type * from '../generated/schema.js';
