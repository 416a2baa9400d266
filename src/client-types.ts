// The public shape of both clients: openapi-fetch's typed methods, restricted to one API's paths,
// in the `{ data, error }` style or the throwing style.
//
// openapi-fetch infers a call's whole options object from the argument, so a misspelt field next to
// a correct one (`{ body: { code, langauge } }`) compiles. Here only the path and `parseAs` are
// inferred; everything else is checked against the operation (NoInfer), so such typos do not compile.
import type {
  BodySerializer,
  HeadersOptions,
  Middleware,
  ParamsOption,
  QuerySerializer,
  QuerySerializerOptions,
} from 'openapi-fetch';
import type {
  HttpMethod,
  IsOperationRequestBodyOptional,
  OkStatus,
  OperationRequestBodyContent,
  PathsWithMethod,
  RequiredKeysOf,
} from 'openapi-typescript-helpers';
import type { components } from '../generated/schema.js';
import type { HopxError } from './errors.js';

/** Per-call options, passed next to `params`/`body` in any call. */
export interface CallOptions {
  /** Milliseconds to wait for progress: the response, then each pause in a body. */
  timeout?: number;
  /** Retries after the first try; 0 disables them. */
  maxRetries?: number;
}

/** What the `log` hook receives: every request, response, retry and failure, credentials redacted. */
export type LogEntry =
  | { type: 'request'; operation: string; url: string; attempt: number; headers: Record<string, string> }
  | {
      type: 'response';
      operation: string;
      url: string;
      attempt: number;
      status: number;
      durationMs: number;
      headers: Record<string, string>;
    }
  | { type: 'retry'; operation: string; attempt: number; reason: string; delayMs: number }
  | { type: 'error'; operation: string; attempt: number; error: HopxError };

export type LogHook = (entry: LogEntry) => void;

/**
 * Any openapi-typescript `paths` type. It is an interface, which TypeScript lets stand for an index
 * signature only of `any`: `Record<string, unknown>` would refuse it.
 */
// biome-ignore lint/suspicious/noExplicitAny: the one index-signature type an interface is assignable to
export type AnyPaths = Record<string, any>;
/** Error bodies reach the caller normalised to the flat shape, whatever the server sent (error-body.ts). */
type ErrorResponse = components['schemas']['ErrorResponseFlat'];

/** How to read a success body: JSON (the default), or as text, bytes or a stream. */
export type ParseAs = 'json' | 'text' | 'blob' | 'arrayBuffer' | 'stream';
type Parsed = { text: string; blob: Blob; arrayBuffer: ArrayBuffer; stream: ReadableStream<Uint8Array> };

type Responses<Op> = Op extends { responses: infer R } ? R : never;
type SuccessContent<Op> = {
  [S in keyof Responses<Op>]: S extends OkStatus ? (Responses<Op>[S] extends { content: infer C } ? C : never) : never;
}[keyof Responses<Op>];
/** The JSON body of a success, or `never` when the operation has none (binary, text, event-stream). */
type JsonBody<C> = C extends Record<string, unknown> ? C[keyof C & `${string}/json`] : never;
type HasJson<Op> = [JsonBody<SuccessContent<Op>>] extends [never] ? false : true;
/**
 * `undefined` when the spec declares a success without a body (`204 No Content` on `PUT`/`PATCH /env`):
 * openapi-fetch then resolves `data` to `undefined`, so the type must say so.
 */
type EmptySuccess<Op> = {
  [S in keyof Responses<Op>]: S extends OkStatus
    ? Responses<Op>[S] extends { content: unknown }
      ? never
      : undefined
    : never;
}[keyof Responses<Op>];

/** What a success resolves to for this `parseAs`. */
export type SuccessData<Op, A extends ParseAs> = A extends 'json'
  ? JsonBody<SuccessContent<Op>> | EmptySuccess<Op>
  : Parsed[Exclude<A, 'json'>];

type BodyOption<Op> = [OperationRequestBodyContent<Op>] extends [never]
  ? { body?: never }
  : IsOperationRequestBodyOptional<Op> extends true
    ? { body?: OperationRequestBodyContent<Op> }
    : { body: OperationRequestBodyContent<Op> };

/** An operation without a JSON success body must say how to read it. */
type ParseAsOption<Op, A extends ParseAs> =
  HasJson<Op> extends true ? { parseAs?: A } : { parseAs: A & Exclude<ParseAs, 'json'> };

/** Everything one call takes: the operation's params and body, plus fetch and client options. */
export type CallInit<Op> = ParamsOption<Op> &
  BodyOption<Op> &
  CallOptions &
  Omit<RequestInit, 'body' | 'headers' | 'method'> & {
    headers?: HeadersOptions;
    bodySerializer?: BodySerializer<Op>;
    querySerializer?: QuerySerializer<Op> | QuerySerializerOptions;
    middleware?: Middleware[];
    /** Needed by Node's fetch when the body is a stream. */
    duplex?: 'half';
  };

type InitArgs<Op, A extends ParseAs> =
  RequiredKeysOf<CallInit<Op> & ParseAsOption<Op, A>> extends never
    ? [init?: NoInfer<CallInit<Op>> & ParseAsOption<Op, A>]
    : [init: NoInfer<CallInit<Op>> & ParseAsOption<Op, A>];

/** openapi-fetch's result: `{ data, response }` on success, `{ error, response }` on an error status. */
export type CallResult<Op, A extends ParseAs> =
  | { data: SuccessData<Op, A>; error?: never; response: Response }
  | { data?: never; error: ErrorResponse; response: Response };

type Operation<Paths extends AnyPaths, P, M extends HttpMethod> = P extends keyof Paths ? Paths[P][M] : never;

export type ResultMethod<Paths extends AnyPaths, M extends HttpMethod> = <
  P extends PathsWithMethod<Paths, M>,
  A extends ParseAs = 'json',
>(
  url: P,
  ...init: InitArgs<Operation<Paths, P, M>, A>
) => Promise<CallResult<Operation<Paths, P, M>, A>>;

/** Resolves to the success body; an error status rejects with a HopxApiError subclass. */
export type DataMethod<Paths extends AnyPaths, M extends HttpMethod> = <
  P extends PathsWithMethod<Paths, M>,
  A extends ParseAs = 'json',
>(
  url: P,
  ...init: InitArgs<Operation<Paths, P, M>, A>
) => Promise<SuccessData<Operation<Paths, P, M>, A>>;

interface MiddlewareHost<Paths, Style extends 'result' | 'throwing'> {
  /**
   * Type-only brands (never set at run time): they keep a Control Plane client from being passed
   * where an agent client is expected, and a throwing client where a `{ data, error }` one is.
   */
  readonly '~paths'?: Paths;
  readonly '~style'?: Style;
  /** Adds openapi-fetch middleware (runs after the client's own). */
  use(...middleware: Middleware[]): void;
  eject(...middleware: Middleware[]): void;
}

export interface ResultClient<Paths extends AnyPaths> extends MiddlewareHost<Paths, 'result'> {
  GET: ResultMethod<Paths, 'get'>;
  POST: ResultMethod<Paths, 'post'>;
  PUT: ResultMethod<Paths, 'put'>;
  PATCH: ResultMethod<Paths, 'patch'>;
  DELETE: ResultMethod<Paths, 'delete'>;
}

export interface ThrowingClient<Paths extends AnyPaths> extends MiddlewareHost<Paths, 'throwing'> {
  GET: DataMethod<Paths, 'get'>;
  POST: DataMethod<Paths, 'post'>;
  PUT: DataMethod<Paths, 'put'>;
  PATCH: DataMethod<Paths, 'patch'>;
  DELETE: DataMethod<Paths, 'delete'>;
}

/** Options both clients take. */
export interface CommonClientOptions {
  /** The fetch to send with (default: the global one). */
  fetch?: typeof fetch;
  /** Default timeout in ms: for the response, then for each pause between body chunks (default 60 000). */
  timeout?: number;
  /** Retries after the first try for connection errors, 408, 409, 429 and 5xx (default 2; 0 disables). */
  maxRetries?: number;
  /** Receives every request, response, retry and failure, with credentials redacted. */
  log?: LogHook;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
  /** Resolve calls to the success body and throw HopxApiError subclasses instead of returning `{ error }`. */
  throwOnError?: boolean;
}
