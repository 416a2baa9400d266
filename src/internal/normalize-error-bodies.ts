// openapi-fetch middleware: every error response's body arrives as the spec's flat ErrorResponse
// (`{ error, code?, request_id? }`), whatever the server or a gateway sent, with any credential it
// echoed back redacted.
import type { Middleware } from 'openapi-fetch';
import { anyStatusResponse } from './any-status-response.js';
import { normalizeErrorBody } from './error-body.js';

/**
 * Statuses whose response can have no body (a Response refuses one). Of them only 304 is an error
 * status that reaches here (the transport does not count it as a redirect): it is left as it came,
 * and `errorOf` gives it its typed error.
 */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export function normalizeErrorBodies(secrets: () => readonly string[]): Middleware {
  return {
    async onResponse({ response }) {
      if (response.ok || NULL_BODY_STATUSES.has(response.status)) return undefined;
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
