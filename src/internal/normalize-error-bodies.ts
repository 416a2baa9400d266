// openapi-fetch middleware: every error response's body arrives as the spec's flat ErrorResponse
// (`{ error, code?, request_id? }`), whatever the server or a gateway sent, with any credential it
// echoed back redacted.
import type { Middleware } from 'openapi-fetch';
import { anyStatusResponse, isNullBodyStatus } from './any-status-response.js';
import { normalizeErrorBody } from './error-body.js';

export function normalizeErrorBodies(secrets: () => readonly string[]): Middleware {
  return {
    async onResponse({ response }) {
      // A 304 (the one error status without a body that reaches here: the transport does not count it
      // as a redirect) is left as it came, and `errorOf` gives it its typed error.
      if (response.ok || isNullBodyStatus(response.status)) return undefined;
      const text = await response.text();
      const body = normalizeErrorBody(text, response.status, response.statusText, secrets());
      const headers = new Headers(response.headers);
      headers.set('content-type', 'application/json');
      headers.delete('content-length');
      return anyStatusResponse(JSON.stringify(body), {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    },
  };
}
