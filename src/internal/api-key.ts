// Finds and checks the Control Plane API key before any request is made, so a missing or mistyped
// key fails at once with a clear message instead of as a 401 later. The key itself is never echoed.
import { HopxConfigError } from '../errors.js';

/** `hopx_live_<12 alphanumerics>.<base64url secret>` (the CLI's pattern; test keys use `hopx_test_`). */
const API_KEY_PATTERN = /^hopx_(live|test)_[A-Za-z0-9]{12}\.[A-Za-z0-9_-]+$/;

export function resolveApiKey(explicit: string | undefined): string {
  const fromEnv = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.HOPX_API_KEY;
  const key = explicit ?? fromEnv;
  const source = explicit !== undefined ? 'the apiKey option' : 'HOPX_API_KEY';
  if (key === undefined || key.trim() === '') {
    throw new HopxConfigError('No HopX API key: pass { apiKey } or set the HOPX_API_KEY environment variable.');
  }
  if (!API_KEY_PATTERN.test(key)) {
    const hint = /\s/.test(key)
      ? ' It contains white space (a stray newline?).'
      : ' Expected hopx_live_<key id>.<secret>.';
    throw new HopxConfigError(`The API key from ${source} is malformed (${key.length} characters).${hint}`);
  }
  return key;
}
