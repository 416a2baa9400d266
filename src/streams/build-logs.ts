// A template build's log, followed to the end: as Server-Sent Events when the server offers them,
// otherwise by polling the JSON form with `?offset=` (what the official SDKs do, every 2 s).
import type { components } from '../../generated/schema.js';
import type { ControlPlaneClient, ThrowingControlPlaneClient } from '../control-plane-client.js';
import { HopxError, HopxResponseFormatError } from '../errors.js';
import { abortableSleep } from '../internal/abortable-sleep.js';
import { resultClientOf } from '../internal/create-api-client.js';
import { dataOf } from '../results.js';
import { type EventStreamOptions, openEventStream } from './event-stream.js';

export type BuildLogEvent = components['schemas']['TemplateBuildLogEvent'];
type BuildStatus = components['schemas']['TemplateBuildStatus'];

export interface BuildLogOptions extends EventStreamOptions {
  /** `auto` (default) asks for an event stream and falls back to polling; `poll` only polls. */
  mode?: 'auto' | 'poll';
  /** Poll interval in ms (default 2000). */
  pollInterval?: number;
  /** Start from this log offset when polling (default 0). */
  offset?: number;
}

const TERMINAL: ReadonlySet<BuildStatus | undefined> = new Set(['active', 'success', 'completed', 'failed'] as const);
const isLast = (event: { complete?: boolean; status?: BuildStatus }) =>
  event.complete === true || TERMINAL.has(event.status);
const NAME = 'GET /v1/templates/build/{buildID}/logs';

/** Log lines of one build until it completes. `buildId` is also accepted as the template id (the SDKs send that). */
export async function* followBuildLogs(
  controlPlane: ControlPlaneClient | ThrowingControlPlaneClient,
  buildId: string,
  options: BuildLogOptions = {},
): AsyncGenerator<BuildLogEvent, void, undefined> {
  const client = resultClientOf(controlPlane);
  const { mode = 'auto', pollInterval = 2000, offset = 0, ...streamOptions } = options;
  let jsonAnswer: components['schemas']['TemplateBuildLogs'] | undefined;

  if (mode === 'auto') {
    const stream = openEventStream<BuildLogEvent>(
      NAME,
      async (lastEventId, signal, timeout) => {
        const result = await client.GET('/v1/templates/build/{buildID}/logs', {
          params: { path: { buildID: buildId }, query: { offset }, header: { 'Last-Event-ID': lastEventId } },
          headers: { Accept: 'text/event-stream, application/json;q=0.5' },
          parseAs: 'stream',
          signal,
          timeout,
        });
        // No event stream on offer (204 No Content): follow the log by polling its JSON form.
        if (result.response.status === 204) throw new FellBackToPolling();
        const body = dataOf(result, NAME);
        if ((result.response.headers.get('content-type') ?? '').startsWith('text/event-stream')) return body;
        // The server answered the JSON form: remember it and poll from there.
        const text = await new Response(body).text();
        try {
          jsonAnswer = JSON.parse(text);
        } catch (cause) {
          throw new HopxResponseFormatError(
            `${NAME}: the log is neither an event stream nor JSON (starts with ${JSON.stringify(text.slice(0, 60))})`,
            {
              status: result.response.status,
              operation: NAME,
              cause,
            },
          );
        }
        throw new FellBackToPolling();
      },
      streamOptions,
      isLast,
    );
    try {
      for await (const event of stream) yield event.data;
      return;
    } catch (error) {
      if (!(error instanceof FellBackToPolling)) throw error;
    } finally {
      stream.close();
    }
  }
  yield* poll(client, buildId, offset, pollInterval, streamOptions.signal, jsonAnswer);
}

async function* poll(
  client: ControlPlaneClient,
  buildId: string,
  startOffset: number,
  intervalMs: number,
  signal: AbortSignal | undefined,
  first: components['schemas']['TemplateBuildLogs'] | undefined,
): AsyncGenerator<BuildLogEvent, void, undefined> {
  let offset = startOffset;
  let page = first;
  for (;;) {
    if (!page) {
      page = dataOf(
        await client.GET('/v1/templates/build/{buildID}/logs', {
          params: { path: { buildID: buildId }, query: { offset } },
          signal,
        }),
        NAME,
      );
    }
    // Neither `logs` nor `offset` is guaranteed (both SDKs default them: `logs || ""`,
    // `offset || offset`): no text means nothing new, no offset means ask again from the same place.
    const lines = (page.logs ?? '').split('\n').filter((line) => line.trim() !== '');
    const done = isLast(page);
    for (const [i, message] of lines.entries()) {
      const last = i === lines.length - 1;
      yield {
        message,
        level: levelOf(message),
        status: page.status,
        complete: last ? done : false,
        offset: last ? page.offset : undefined,
      };
    }
    if (done) return;
    offset = page.offset ?? offset;
    page = undefined;
    await abortableSleep(intervalMs, signal, NAME);
  }
}

/** The JSON form has no level per line; the SDKs grep for these markers, and so do we. */
function levelOf(line: string): BuildLogEvent['level'] {
  if (/\bERROR\b|❌/.test(line)) return 'ERROR';
  if (/\bWARN(ING)?\b|⚠/.test(line)) return 'WARN';
  return 'INFO';
}

class FellBackToPolling extends HopxError {
  constructor() {
    super('the server answered the JSON form of the build log');
  }
}
