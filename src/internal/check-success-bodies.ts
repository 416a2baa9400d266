// openapi-fetch middleware: a success keeps the spec's promise about its body. One that should be
// JSON but is not becomes HopxResponseFormatError (instead of a SyntaxError deep inside the call),
// and an empty file read as bytes is still a file.
import type { Middleware } from 'openapi-fetch';
import { HopxResponseFormatError } from '../errors.js';
import { anyStatusResponse } from './any-status-response.js';
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
        return anyStatusResponse(new Uint8Array(0), {
          status: response.status,
          statusText: response.statusText,
          headers,
        });
      }
      if (response.status === 204 || response.headers.get('content-length') === '0') return undefined;
      const type = response.headers.get('content-type') ?? '';
      const requestId = response.headers.get('x-request-id') ?? undefined;
      if (!/[/+]json\b/i.test(type)) {
        // Not read yet (the transport reads JSON bodies only): dropped unread.
        if (response.body && !response.bodyUsed) await response.body.cancel();
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
      // Hand openapi-fetch the value already parsed: it reads json() next.
      Object.defineProperty(response, 'json', { value: () => Promise.resolve(parsed), configurable: true });
      return response;
    },
  };
}
