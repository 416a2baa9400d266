// A call whose answer is read whole (JSON, text) is sent straight to the dispatcher under Node's
// fetch — the same undici connection pool, proxy or mock agent (`setGlobalDispatcher`) — instead of
// through fetch itself. fetch wraps every exchange in a Request, a Response and two web streams;
// on a fast link that machinery costs more than the exchange (a typed call cost 1.3× a bare fetch
// with it, less than one fetch without it). What fetch does for such a call is done here too:
// `accept` and `accept-encoding` defaults, decoding a compressed body, no redirect followed, errors
// shaped as fetch shapes them (a TypeError whose cause is undici's error).
//
// Only where fetch is provably Node's own: a fetch replaced by a mocking library, a browser, Deno or
// Bun, and a `fetch` passed to the client, keep the fetch path.
import { anyStatusResponse, isNullBodyStatus } from './any-status-response.js';
import type { IdleTimer } from './idle-timer.js';
import { alreadyRead } from './incoming-body.js';

/** The part of undici's Dispatcher used here (undici 6's handler interface). */
interface Dispatcher {
  dispatch(options: DispatchOptions, handler: DispatchHandler): boolean;
}
interface DispatchOptions {
  origin: string;
  path: string;
  method: string;
  headers: string[];
  body: string | Uint8Array | null;
}
interface DispatchHandler {
  onConnect(abort: (reason?: unknown) => void): void;
  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: unknown): void;
  onError(error: Error): void;
}

/** A request the dispatcher can take as it is. */
export interface DirectRequest {
  method: string;
  headers: Headers;
  body: string | Uint8Array | null;
  signal: AbortSignal;
}

/** The connection failed after the response head arrived: a failure reading the body, not a lost request. */
export class BodyReadFailure extends Error {
  constructor(
    override readonly cause: unknown,
    private readonly head: Head,
  ) {
    super('the response body could not be read');
  }

  get status(): number {
    return this.head.status;
  }

  /** The response as far as it came: its head, no body. */
  headOnly(): Response {
    return responseOf(this.head, undefined, '');
  }
}

interface Head {
  status: number;
  statusText: string;
  headers: Headers;
}

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/** True when `fetch` is the one Node ships: its source loads Node's bundled undici, no replacement's does. */
export function isNodesOwnFetch(fetch: unknown): boolean {
  return (
    typeof fetch === 'function' &&
    typeof process !== 'undefined' &&
    // The handler interface used here is undici 6's, the one tried (Node 20 and 22 ship it); a Node
    // with another undici keeps the fetch path until it is tried there.
    Number(process.versions?.undici?.split('.')[0]) === 6 &&
    Function.prototype.toString.call(fetch).includes('internal/deps/undici')
  );
}

/** The dispatcher Node's fetch uses now (a caller may have set another since the client was made). */
export function currentDispatcher(): Dispatcher | undefined {
  const dispatcher = (globalThis as Record<symbol, unknown>)[GLOBAL_DISPATCHER] as Dispatcher | undefined;
  return typeof dispatcher?.dispatch === 'function' ? dispatcher : undefined;
}

/** A body the dispatcher sends as it is; anything else (a stream, a Blob) goes through fetch. */
export function directBody(body: unknown): body is string | Uint8Array | null {
  return body === null || typeof body === 'string' || body instanceof Uint8Array;
}

/**
 * Sends the request and reads the whole answer, each wait bounded by `timer`: rejects with fetch's
 * kind of error when no response head came, with BodyReadFailure when the body was cut.
 */
export function dispatchWhole(dispatcher: Dispatcher, url: string, request: DirectRequest, timer: IdleTimer) {
  return new Promise<Response>((resolve, reject) => {
    const target = new URL(url);
    const { signal } = request;
    let abortExchange: ((reason?: unknown) => void) | undefined;
    const onAbort = () => abortExchange?.(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let head: Head | undefined;
    const chunks: Buffer[] = [];

    const fail = (error: unknown) => {
      timer.stop();
      signal.removeEventListener('abort', onAbort);
      if (head) reject(new BodyReadFailure(error, head));
      else reject(signal.aborted ? signal.reason : new TypeError('fetch failed', { cause: error }));
    };
    const handler: DispatchHandler = {
      onConnect(abort) {
        if (signal.aborted) abort(signal.reason);
        else abortExchange = abort;
      },
      onHeaders(status, rawHeaders, _resume, statusText) {
        // An informational answer (100 Continue) is not the response.
        if (status < 200) return true;
        head = { status, statusText, headers: headersOf(rawHeaders) };
        timer.headArrived();
        timer.restart();
        return true;
      },
      onData(chunk) {
        chunks.push(chunk);
        timer.restart();
        return true;
      },
      onComplete() {
        timer.stop();
        signal.removeEventListener('abort', onAbort);
        if (!head) return fail(new Error('the connection closed without a response'));
        const answered = head;
        decode(Buffer.concat(chunks), answered.headers, request.method, answered.status).then(
          (bytes) => resolve(responseOf(answered, bytes, url)),
          (error) => reject(new BodyReadFailure(error, answered)),
        );
      },
      onError: fail,
    };
    try {
      dispatcher.dispatch(
        {
          origin: target.origin,
          path: target.pathname + target.search,
          method: request.method,
          headers: wireHeaders(request.headers),
          body: request.body,
        },
        handler,
      );
    } catch (error) {
      fail(error);
    }
  });
}

/** The request's headers as the dispatcher takes them, with the defaults fetch would add. */
function wireHeaders(headers: Headers): string[] {
  const flat: string[] = [];
  headers.forEach((value, name) => {
    flat.push(name, value);
  });
  if (!headers.has('accept')) flat.push('accept', '*/*');
  if (!headers.has('accept-encoding')) flat.push('accept-encoding', 'gzip, deflate, br');
  return flat;
}

function headersOf(raw: Buffer[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append((raw[i] as Buffer).toString('latin1'), (raw[i + 1] as Buffer).toString('latin1'));
    } catch {
      // A header value fetch's Headers refuses (a NUL byte): fetch drops nothing, but it cannot be kept.
    }
  }
  return headers;
}

/** How each content coding is undone; zlib is loaded only when a body comes compressed (and never in a browser bundle). */
async function decoderOf(coding: string): Promise<((bytes: Buffer) => Promise<Buffer>) | undefined> {
  const zlib = await import('node:zlib');
  const { promisify } = await import('node:util');
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return promisify(zlib.gunzip);
    case 'br':
      return promisify(zlib.brotliDecompress);
    case 'deflate':
      // "deflate" is meant to be zlib-wrapped, but some servers send it raw: a zlib stream starts 0x?8.
      return (bytes) =>
        ((bytes[0] ?? 0) & 0x0f) === 0x08 ? promisify(zlib.inflate)(bytes) : promisify(zlib.inflateRaw)(bytes);
    default:
      return undefined;
  }
}

/** The body as fetch would hand it over: decoded from each content coding, last applied first. */
async function decode(bytes: Buffer, headers: Headers, method: string, status: number): Promise<Buffer> {
  const codings = headers.get('content-encoding');
  if (!codings || bytes.length === 0 || method === 'HEAD' || status === 204 || status === 304) return bytes;
  let decoded = bytes;
  for (const coding of codings.toLowerCase().split(',').reverse()) {
    const decoder = await decoderOf(coding.trim());
    // An unknown coding is handed over as it came, as fetch does.
    if (!decoder) return bytes;
    decoded = await decoder(decoded);
  }
  return decoded;
}

/**
 * A fetch Response for an exchange read whole, its body methods answering from the bytes read; or,
 * with no bytes, for a head alone.
 */
function responseOf(head: Head, bytes: Buffer | undefined, url: string): Response {
  const { status, headers } = head;
  const body =
    bytes === undefined || isNullBodyStatus(status)
      ? null
      : new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
  // Made without a body: a Response given bytes builds a web stream of them (about 40 µs, more
  // than the rest of the call); the stream is made only if someone asks for `body`.
  const response = anyStatusResponse(null, { status, statusText: head.statusText, headers });
  if (url) Object.defineProperty(response, 'url', { value: url });
  if (!body) return response;
  let stream: ReadableStream<Uint8Array> | undefined;
  Object.defineProperties(response, {
    body: { get: () => (stream ??= new Response(body).body as ReadableStream<Uint8Array>), configurable: true },
    bodyUsed: { get: () => false, configurable: true },
    clone: { value: () => responseOf(head, bytes, url), configurable: true },
  });
  return alreadyRead(response, body);
}
