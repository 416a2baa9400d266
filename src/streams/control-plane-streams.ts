// The Control Plane's Server-Sent Event streams, typed from the spec's event schemas.
import type { components } from '../../generated/schema.js';
import type { ControlPlaneClient, ThrowingControlPlaneClient } from '../control-plane-client.js';
import { HopxResponseFormatError } from '../errors.js';
import { callError, resultClientOf } from '../internal/create-api-client.js';
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
export function streamSandboxEvents(controlPlane: AnyControlPlane, options: SandboxEventsOptions = {}): EventStream<SandboxEvent> {
  const { status, region, ...stream } = options;
  return openEventStream<SandboxEvent>('GET /v1/sandboxes/stream', (lastEventId, signal, timeout) =>
    ok(resultClientOf(controlPlane).GET('/v1/sandboxes/stream', {
      params: { query: { status, region }, header: { 'Last-Event-ID': lastEventId } },
      headers: { Accept: 'text/event-stream' },
      parseAs: 'stream',
      signal,
      timeout,
    }), 'GET /v1/sandboxes/stream'), stream);
}

/** Live resource samples of one sandbox (`GET /v1/sandboxes/{id}/metrics/stream`). */
export function streamSandboxMetrics(controlPlane: AnyControlPlane, sandboxId: string, options: SandboxMetricsOptions = {}): EventStream<SandboxMetricsEvent> {
  const { interval, ...stream } = options;
  const name = 'GET /v1/sandboxes/{id}/metrics/stream';
  return openEventStream<SandboxMetricsEvent>(name, (lastEventId, signal, timeout) =>
    ok(resultClientOf(controlPlane).GET('/v1/sandboxes/{id}/metrics/stream', {
      params: { path: { id: sandboxId }, query: { interval }, header: { 'Last-Event-ID': lastEventId } },
      headers: { Accept: 'text/event-stream' },
      parseAs: 'stream',
      signal,
      timeout,
    }), name), stream);
}

/** Changes to the organization's templates (`GET /v1/templates/stream`). */
export function streamTemplateEvents(controlPlane: AnyControlPlane, options: EventStreamOptions = {}): EventStream<TemplateEvent> {
  return openEventStream<TemplateEvent>('GET /v1/templates/stream', (lastEventId, signal, timeout) =>
    ok(resultClientOf(controlPlane).GET('/v1/templates/stream', {
      params: { header: { 'Last-Event-ID': lastEventId } },
      headers: { Accept: 'text/event-stream' },
      parseAs: 'stream',
      signal,
      timeout,
    }), 'GET /v1/templates/stream'), options);
}

/**
 * The event-stream body of a successful call, or `null` for `204 No Content` (as for EventSource,
 * the server has no events for us: the stream ends); any other answer is the call's typed error.
 */
export async function ok(
  call: Promise<{ data?: ReadableStream<Uint8Array>; error?: unknown; response: Response }>,
  operation: string,
): Promise<ReadableStream<Uint8Array> | null> {
  const result = await call;
  if (result.response.status === 204) return null;
  if (!result.data) throw callError(result, operation);
  const type = result.response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/event-stream')) {
    await result.data.cancel();
    throw new HopxResponseFormatError(`${operation}: expected text/event-stream but got '${type}'`, { status: result.response.status, operation });
  }
  return result.data;
}
