// An error answer of the local HopX, in the spec's flat ErrorResponse: thrown by a handler, sent by
// the pipeline (http-pipeline.ts) after the same validation as every other answer.
import { PathError } from './host/sandbox-fs.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** More fields of the ErrorResponse (`path`, `details`, ...). */
    readonly extra: Record<string, unknown> = {},
    /** Headers to send with it (`Retry-After`, ...). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(requestId: string): Record<string, unknown> {
    return {
      error: this.message,
      code: this.code,
      request_id: requestId,
      ...this.extra,
      timestamp: new Date().toISOString(),
    };
  }
}

/** Any failure of a handler as the answer to send: its ApiError, a path refusal, or a 500. */
export function apiErrorOf(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof PathError) return new ApiError(error.status, error.code, error.message, { path: error.path });
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(500, 'INTERNAL_ERROR', `the local HopX failed: ${message}`);
}

export const notFound = (what: string, code = 'INVALID_REQUEST') => new ApiError(404, code, `${what} not found`);
