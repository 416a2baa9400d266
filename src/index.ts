// Public entry point of hopx-api.

export type * from '../generated/schema.js';
export type { AgentClient, AgentClientOptions, SandboxRef, ThrowingAgentClient } from './agent-client.js';
export { createAgentClient } from './agent-client.js';
export type { AgentPaths, ControlPlanePaths, WebSocketPath } from './api-paths.js';
export type {
  CallOptions,
  CommonClientOptions,
  LogEntry,
  LogHook,
  ResultClient,
  ThrowingClient,
} from './client-types.js';
export type {
  ControlPlaneClient,
  ControlPlaneClientOptions,
  ThrowingControlPlaneClient,
} from './control-plane-client.js';
export { createControlPlaneClient, DEFAULT_CONTROL_PLANE_URL } from './control-plane-client.js';
export * from './errors.js';
export type { DownloadOptions } from './files/download.js';
export { downloadBytes, downloadFile, downloadToFile } from './files/download.js';
export type { DisplayData } from './files/rich-output.js';
export { decodeBase64, firstImage, imageBytes, richOutputsOf } from './files/rich-output.js';
export type { UploadOptions, UploadSource } from './files/upload.js';
export { uploadFile } from './files/upload.js';
export type { PagedPath, PageItem, PaginateOptions } from './pagination.js';
export { paginate } from './pagination.js';
export { errorOf } from './results.js';
export type {
  AgentSocketOptions,
  AnyAgentClient,
  ClientMessage,
  ServerMessage,
  SocketPath,
  SocketProtocols,
} from './streams/agent-socket.js';
export { AgentSocket, openAgentSocket } from './streams/agent-socket.js';
export type {
  ExecuteStreamRequest,
  ExecutionOutput,
  FileChange,
  RunCodeOptions,
  TerminalSession,
} from './streams/agent-streams.js';
export { openTerminal, runCode, streamExecution, watchFiles } from './streams/agent-streams.js';
export type { BuildLogEvent, BuildLogOptions } from './streams/build-logs.js';
export { followBuildLogs } from './streams/build-logs.js';
export type { SandboxEventsOptions, SandboxMetricsOptions } from './streams/control-plane-streams.js';
export { streamSandboxEvents, streamSandboxMetrics, streamTemplateEvents } from './streams/control-plane-streams.js';
export type { EventStream, EventStreamOptions, ServerSentEvent } from './streams/event-stream.js';
export { openEventStream } from './streams/event-stream.js';
