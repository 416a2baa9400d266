// openapi-fetch middleware: every error response's body arrives as the spec's flat ErrorResponse
// (`{ error, code?, request_id? }`), whatever the server or a gateway sent, with any credential it
// echoed back redacted.
import type { Middleware } from 'openapi-fetch';
import { normalizeErrorBody } from './error-body.js';
import { redactJson } from './secrets.js';

export function normalizeErrorBodies(secrets: () => readonly string[]): Middleware {
  return {
    async onResponse({ response }) {
      if (response.ok) return undefined;
      const text = await response.text();
      const body = redactJson(normalizeErrorBody(text, response.status, response.statusText), secrets());
      const headers = new Headers(response.headers);
      headers.set('content-type', 'application/json');
      headers.delete('content-length');
      return new Response(JSON.stringify(body), { status: response.status, statusText: response.statusText, headers });
    },
  };
}
