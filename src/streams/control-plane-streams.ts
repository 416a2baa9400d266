// The Control Plane's Server-Sent Event streams, typed from the spec's event schemas.
import type { components } from '../../generated/schema.js';
import type { ControlPlaneClient, ThrowingControlPlaneClient } from '../control-plane-client.js';
import { HopxResponseFormatError } from '../errors.js';
import { resultClientOf } from '../internal/create-api-client.js';
import { dataOf } from '../results.js';
import { type EventStream, type EventStreamOptions, openEventStream } from './event-stream.js';

type Schemas = components['schemas'];
export type SandboxEvent = Schemas['SandboxEvent'];
export type SandboxMetricsEvent = Schemas['SandboxMetricsEvent'];
export type TemplateEvent = Schemas['TemplateEvent'];

type AnyControlPlane = ControlPlaneClient | ThrowingControlPlaneClient;

export interface SandboxEventsOptions extends EventStreamOptions {
  status?: Schemas['SandboxStatus'];
  region?: string;
}

export interface SandboxMetricsOptions extends EventStreamOptions {
  /** Seconds between samples (server default 5). */
  interval?: number;
}

/** Lifecycle events of the organization's sandboxes (`GET /v1/sandboxes/stream`). */
export function streamSandboxEvents(
  controlPlane: AnyControlPlane,
  options: SandboxEventsOptions = {},
): EventStream<SandboxEvent> {
  const { status, region, ...stream } = options;
  return controlPlaneEvents(controlPlane, '/v1/sandboxes/stream', { query: { status, region } }, stream);
}

/** Live resource samples of one sandbox (`GET /v1/sandboxes/{id}/metrics/stream`). */
export function streamSandboxMetrics(
  controlPlane: AnyControlPlane,
  sandboxId: string,
  options: SandboxMetricsOptions = {},
): EventStream<SandboxMetricsEvent> {
  const { interval, ...stream } = options;
  return controlPlaneEvents(
    controlPlane,
    '/v1/sandboxes/{id}/metrics/stream',
    { path: { id: sandboxId }, query: { interval } },
    stream,
  );
}

/** Changes to the organization's templates (`GET /v1/templates/stream`). */
export function streamTemplateEvents(
  controlPlane: AnyControlPlane,
  options: EventStreamOptions = {},
): EventStream<TemplateEvent> {
  return controlPlaneEvents(controlPlane, '/v1/templates/stream', {}, options);
}

/** `GET path` as a typed event stream: each connection asks for events after the last one delivered. */
function controlPlaneEvents<T>(
  controlPlane: AnyControlPlane,
  path: EventStreamPath,
  params: { path?: object; query?: object },
  options: EventStreamOptions,
): EventStream<T> {
  const operation = `GET ${path}`;
  const client = resultClientOf(controlPlane) as { GET(path: string, init: object): Promise<CallResult> };
  return openEventStream<T>(
    operation,
    (lastEventId, signal, timeout) =>
      eventStreamBody(
        client.GET(path, {
          params: { ...params, header: { 'Last-Event-ID': lastEventId } },
          headers: { Accept: 'text/event-stream' },
          parseAs: 'stream',
          signal,
          timeout,
        }),
        operation,
      ),
    options,
  );
}

type EventStreamPath = '/v1/sandboxes/stream' | '/v1/sandboxes/{id}/metrics/stream' | '/v1/templates/stream';
type CallResult = { data?: ReadableStream<Uint8Array>; error?: unknown; response: Response };

/**
 * The event-stream body of a successful call, or `null` for `204 No Content` (as for EventSource,
 * the server has no events for us: the stream ends); any other answer is the call's typed error.
 */
export async function eventStreamBody(
  call: Promise<CallResult>,
  operation: string,
): Promise<ReadableStream<Uint8Array> | null> {
  const result = await call;
  if (result.response.status === 204) return null;
  const body = dataOf(result, operation);
  const type = result.response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/event-stream')) {
    await body.cancel();
    throw new HopxResponseFormatError(`${operation}: expected text/event-stream but got '${type}'`, {
      status: result.response.status,
      operation,
    });
  }
  return body;
}
