// What a fetch that got no response tells the caller: the cause in words, with any credential
// redacted, and a copy of the underlying error that keeps nothing but its message and code.
import { errorCode } from './retry-policy.js';
import { redactText } from './secrets.js';

export function describeCause(cause: unknown, secrets: readonly string[]): string {
  const code = errorCode(cause);
  const message =
    cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause);
  return redactText(code && !message.includes(code) ? `${code} ${message}` : message, secrets);
}

/** The underlying error without anything that could hold request headers (undici keeps none, proxies might). */
export function sanitizedCause(cause: unknown, secrets: readonly string[]): Error {
  const code = errorCode(cause);
  const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause;
  const error = new Error(redactText(inner instanceof Error ? inner.message : String(inner), secrets));
  if (code) (error as Error & { code?: string }).code = code;
  return error;
}
