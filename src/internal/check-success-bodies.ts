// openapi-fetch middleware: a success keeps the spec's promise about its body. One that should be
// JSON but is not becomes HopxResponseFormatError (instead of a SyntaxError deep inside the call),
// and an empty file read as bytes is still a file.
import type { Middleware } from 'openapi-fetch';
import { HopxResponseFormatError } from '../errors.js';
import { redactText } from './secrets.js';

export function checkSuccessBodies(secrets: () => readonly string[]): Middleware {
  return {
    async onResponse({ request, response, schemaPath, options }) {
      if (!response.ok) return undefined;
      const operation = `${request.method} ${schemaPath}`;
      if (options.parseAs !== 'json') {
        // openapi-fetch turns a zero-length body into `data: undefined`; an empty file is still a file.
        if (response.headers.get('content-length') !== '0' || response.status === 204 || request.method === 'HEAD')
          return undefined;
        const headers = new Headers(response.headers);
        headers.delete('content-length');
        return new Response(new Uint8Array(0), { status: response.status, statusText: response.statusText, headers });
      }
      if (response.status === 204 || response.headers.get('content-length') === '0') return undefined;
      const type = response.headers.get('content-type') ?? '';
      const requestId = response.headers.get('x-request-id') ?? undefined;
      if (!/[/+]json\b/i.test(type)) {
        await response.body?.cancel();
        throw new HopxResponseFormatError(
          `${operation}: expected a JSON response but got ${type ? `'${type}'` : 'no content type'} (status ${response.status}); ` +
            "pass parseAs: 'text', 'blob' or 'stream' for non-JSON operations",
          { status: response.status, operation, requestId },
        );
      }
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (cause) {
        const snippet = redactText(text.slice(0, 80), secrets());
        throw new HopxResponseFormatError(
          `${operation}: the ${response.status} response is not valid JSON (starts with ${JSON.stringify(snippet)})`,
          {
            status: response.status,
            operation,
            requestId,
            cause,
          },
        );
      }
      // Hand openapi-fetch the value already parsed (it reads json() when a Content-Length is set).
      const headers = new Headers(response.headers);
      headers.set('content-length', String(new TextEncoder().encode(text).byteLength));
      return new ParsedJsonResponse(text, parsed, {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    },
  };
}

/** A response whose JSON body was already parsed while checking it: json() does not parse twice. */
class ParsedJsonResponse extends Response {
  constructor(
    text: string,
    private readonly parsed: unknown,
    init: ResponseInit,
  ) {
    super(text, init);
  }
  override json(): Promise<unknown> {
    return Promise.resolve(this.parsed);
  }
}
