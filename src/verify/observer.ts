// The judge of a conformance run. The typed clients send through `observer.fetch`, which hands them
// the response unchanged and checks a copy of it: the status is documented, the content type and
// headers are the spec's, the JSON body fits its schema, and every Server-Sent Event of a stream
// fits the stream's event schema. WebSocket frames come in through `frame()`. It keeps, per
// operation, how many answers it checked and which did not conform.
import { createParser } from 'eventsource-parser';
import { redactHeaders, redactJson, redactText } from '../internal/secrets.js';
import { Router } from '../local/router.js';
import { deref, type Json, type SpecOperation } from '../local/spec.js';
import { mediaTypeOf, type SpecValidator, type Violation } from '../local/spec-validator.js';
import { type Finding, findingsOf, type Reproducer, valueAt } from './findings.js';
import { undeclaredParts } from './undeclared.js';

export interface Coverage {
  /** Answers (responses, events, frames) checked. */
  checked: number;
  /** Of those, how many had an error-level finding. */
  drifting: number;
}

export class Observer {
  readonly coverage = new Map<string, Coverage>();
  private readonly found = new Map<string, Finding>();
  private readonly secrets = new Set<string>();
  private readonly controlPlane: Router;
  private readonly agent: Router;

  constructor(
    private readonly validator: SpecValidator,
    /** The Control Plane's base URL: everything else is a sandbox's agent. */
    private readonly controlPlaneUrl: string,
    apiKey: string,
  ) {
    this.secrets.add(apiKey);
    this.controlPlane = new Router(validator.operations, 'control-plane');
    this.agent = new Router(validator.operations, 'agent');
  }

  /** How many error-level findings so far (a step that failed after one was explained by it). */
  errorCount = 0;

  findings(): Finding[] {
    return [...this.found.values()];
  }

  /** A credential seen on the way (a sandbox token): kept out of every report from now on. */
  addSecret(secret: string): void {
    this.secrets.add(secret);
  }

  /** A fetch that checks what comes back; `signal` (the run's budget) also ends each request. */
  fetchWith(signal?: AbortSignal): typeof fetch {
    return async (input, init) => {
      const request = input instanceof Request && !init ? input : new Request(input, init);
      const reproducer = await this.reproducerOf(request);
      // The signal goes to fetch itself: undici forgets an abort passed through a Request object
      // once that object is garbage collected (the transport holds its own request for that reason).
      const response = await fetch(
        request,
        signal
          ? ({
              signal: AbortSignal.any([request.signal, signal]),
              ...(request.body ? { duplex: 'half' } : {}),
            } as RequestInit)
          : undefined,
      );
      return this.inspect(request.method, new URL(request.url), reproducer, response);
    };
  }

  /** One WebSocket message, either way, of the route `operation` (found with `operationAt`). */
  frame(operation: SpecOperation, side: 'client' | 'server', text: string, request: Reproducer): void {
    const key = `WebSocket ${operation.path}`;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.record(
        key,
        'frame',
        [{ level: 'error', operation: key, in: 'frame', pointer: '', message: 'a frame that is not JSON' }],
        text,
        request,
      );
      return;
    }
    const violations = this.validator.validateFrame(operation, side, message);
    const ref = operation.op['x-websocket']?.[side];
    const extra = undeclaredParts(this.validator.spec, { $ref: ref }, message, '').map((u) => ({
      level: 'info' as const,
      operation: key,
      in: 'frame' as const,
      ...u,
    }));
    this.record(key, 'frame', [...findingsOf(violations), ...extra], message, request);
  }

  /** A step of the scenario that did not go as the spec says (a call failed, a message never came). */
  scenario(operation: string, message: string, request?: Reproducer): void {
    this.record(
      operation,
      'scenario',
      [{ level: 'error', operation, in: 'scenario', pointer: '', message: this.redact(message) }],
      undefined,
      request,
      false,
    );
  }

  /** The operation a URL is, for the WebSocket probe and the reports. */
  operationAt(method: string, url: URL): SpecOperation | undefined {
    const base = new URL(this.controlPlaneUrl);
    const router = url.origin === base.origin ? this.controlPlane : this.agent;
    const path =
      url.origin === base.origin ? url.pathname.slice(base.pathname.replace(/\/$/, '').length) : url.pathname;
    const route = router.match(method, path || '/');
    return route && 'operation' in route ? route.operation : undefined;
  }

  redact(text: string): string {
    return redactText(text, [...this.secrets]);
  }

  private async inspect(method: string, url: URL, request: Reproducer, response: Response): Promise<Response> {
    const operation = this.operationAt(method, url);
    if (!operation) {
      const key = `${method} ${url.pathname}`;
      this.scenario(key, `no operation of the spec is ${key}`, request);
      return response;
    }
    const media = mediaTypeOf(response.headers.get('content-type') ?? undefined);
    const headers = Object.fromEntries(response.headers);
    const head = { status: response.status, contentType: response.headers.get('content-type') ?? undefined, headers };
    if (media === 'text/event-stream' && response.ok && response.body) {
      this.check(operation, head, undefined, request);
      // Checked as the client reads it: cancelling (break, close) still reaches the connection.
      const body = response.body.pipeThrough(this.eventChecker(operation, request));
      return new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    }
    if (media === 'application/json' || media?.endsWith('+json')) {
      const text = await response.clone().text();
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        this.record(
          operation.key,
          'response',
          [
            {
              level: 'error',
              operation: operation.key,
              in: 'response',
              pointer: '/body',
              message: 'a JSON content type with a body that is not JSON',
            },
          ],
          { body: text.slice(0, 200) },
          request,
          true,
          response.status,
        );
        return response;
      }
      this.learnTokens(body);
      this.check(operation, head, body, request);
      return response;
    }
    this.check(operation, head, undefined, request);
    return response;
  }

  private check(
    operation: SpecOperation,
    head: { status: number; contentType: string | undefined; headers: Record<string, string> },
    body: unknown,
    request: Reproducer,
  ): void {
    const violations = this.validator.validateResponse(operation, { ...head, body });
    const findings = findingsOf(violations);
    const documented = deref<Json | undefined>(this.validator.spec, operation.op.responses?.[String(head.status)]);
    const schema = documented?.content?.[mediaTypeOf(head.contentType) ?? '']?.schema;
    if (body !== undefined && schema) {
      for (const u of undeclaredParts(this.validator.spec, schema, body, '/body'))
        findings.push({ level: 'info', operation: operation.key, in: 'response', ...u });
    }
    // A documented header that is optional (a required one is the validator's error) but absent.
    for (const [name, header] of Object.entries<Json>(documented?.headers ?? {})) {
      if (head.headers[name.toLowerCase()] !== undefined || deref<Json>(this.validator.spec, header).required) continue;
      findings.push({
        level: 'info',
        operation: operation.key,
        in: 'response',
        pointer: `/headers/${name}`,
        message: `the documented header ${name} is absent`,
      });
    }
    this.record(
      operation.key,
      'response',
      findings,
      { body, headers: head.headers, status: head.status },
      request,
      true,
      head.status,
    );
  }

  /** Passes an event stream through unchanged, checking each event's data against the stream's schema. */
  private eventChecker(operation: SpecOperation, request: Reproducer): TransformStream<Uint8Array, Uint8Array> {
    const contentSchema = Object.values<Json>(operation.op.responses ?? {})
      .map((r) => deref<Json>(this.validator.spec, r).content?.['text/event-stream'])
      .find(Boolean)?.schema?.contentSchema;
    const parser = createParser({
      onEvent: (event) => {
        let data: unknown;
        try {
          data = JSON.parse(event.data);
        } catch {
          const finding = {
            level: 'error' as const,
            operation: operation.key,
            in: 'event' as const,
            pointer: '/data',
            message: 'an event whose data is not JSON',
          };
          this.record(operation.key, 'event', [finding], { data: event.data.slice(0, 200) }, request);
          return;
        }
        const violations: Violation[] = this.validator.validateEvent(operation, data);
        const extra = contentSchema
          ? undeclaredParts(this.validator.spec, contentSchema, data, '/data').map((u) => ({
              level: 'info' as const,
              operation: operation.key,
              in: 'event' as const,
              ...u,
            }))
          : [];
        this.record(operation.key, 'event', [...findingsOf(violations), ...extra], { data }, request);
      },
    });
    const decoder = new TextDecoder();
    return new TransformStream({
      transform(chunk, controller) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        controller.enqueue(chunk);
      },
    });
  }

  private record(
    operation: string,
    kind: Finding['in'],
    findings: Array<Pick<Finding, 'level' | 'operation' | 'in' | 'pointer' | 'message'>>,
    received: unknown,
    request: Reproducer | undefined,
    count = true,
    status?: number,
  ): void {
    if (count) {
      const coverage = this.coverage.get(operation) ?? { checked: 0, drifting: 0 };
      coverage.checked += 1;
      if (findings.some((f) => f.level === 'error')) coverage.drifting += 1;
      this.coverage.set(operation, coverage);
    }
    for (const finding of findings) {
      if (finding.level === 'error') this.errorCount += 1;
      const key = `${finding.operation}\u0000${finding.pointer}\u0000${finding.message}`;
      const known = this.found.get(key);
      if (known) {
        known.occurrences += 1;
        continue;
      }
      const value = kind === 'scenario' ? undefined : valueAt(received, finding.pointer);
      this.found.set(key, {
        ...finding,
        in: kind === 'scenario' ? 'scenario' : finding.in,
        message: this.redact(finding.message),
        ...(value === undefined ? {} : { value: redactJson(value, [...this.secrets]) }),
        ...(status === undefined ? {} : { status }),
        ...(request ? { request } : {}),
        occurrences: 1,
      });
    }
  }

  private learnTokens(body: unknown): void {
    const token = (body as { auth_token?: unknown } | undefined)?.auth_token;
    if (typeof token === 'string') this.addSecret(token);
  }

  private async reproducerOf(request: Request): Promise<Reproducer> {
    const media = mediaTypeOf(request.headers.get('content-type') ?? undefined);
    let body: string | undefined;
    if (request.body && media === 'application/json') body = this.redact(await request.clone().text());
    else if (request.body) body = `(${media ?? 'a body'}, not shown)`;
    return {
      method: request.method,
      url: this.redact(request.url),
      headers: redactHeaders(request.headers),
      ...(body === undefined ? {} : { body }),
    };
  }
}
