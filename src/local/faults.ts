// Faults on demand, for testing an app's retry, resume and timeout paths: per request with a
// `Prefer` header (the form Prism uses), and server-wide latency.
//
//   Prefer: code=503            answer this status (the spec's error shape; 429/503 add Retry-After)
//   Prefer: code=429, retry-after=2
//   Prefer: delay=1500          wait this many ms before answering
//   Prefer: cut=3               an event stream or WebSocket is cut after this many events/messages
//   Prefer: drop                the connection is dropped without an answer

export interface Faults {
  status: number | undefined;
  retryAfter: number | undefined;
  delayMs: number;
  cutAfter: number | undefined;
  drop: boolean;
}

export function faultsOf(prefer: string | string[] | undefined, latencyMs: number): Faults {
  const faults: Faults = {
    status: undefined,
    retryAfter: undefined,
    delayMs: latencyMs,
    cutAfter: undefined,
    drop: false,
  };
  const text = Array.isArray(prefer) ? prefer.join(',') : (prefer ?? '');
  for (const part of text.split(/[,;]/)) {
    const [rawKey, rawValue] = part.split('=').map((s) => s.trim());
    const key = rawKey?.toLowerCase();
    const value = Number(rawValue);
    if (key === 'code' && Number.isInteger(value) && value >= 400 && value <= 599) faults.status = value;
    else if (key === 'retry-after' && value >= 0) faults.retryAfter = value;
    else if (key === 'delay' && value >= 0) faults.delayMs += Math.min(value, 120_000);
    else if (key === 'cut' && Number.isInteger(value) && value >= 0) faults.cutAfter = value;
    else if (key === 'drop') faults.drop = true;
  }
  return faults;
}

const REASONS: Record<number, [string, string]> = {
  400: ['INVALID_REQUEST', 'injected fault: bad request'],
  401: ['TOKEN_INVALID', 'injected fault: unauthorized'],
  403: ['PERMISSION_DENIED', 'injected fault: forbidden'],
  404: ['INVALID_REQUEST', 'injected fault: not found'],
  408: ['INVALID_REQUEST', 'injected fault: request timeout'],
  409: ['INVALID_REQUEST', 'injected fault: conflict'],
  429: ['INVALID_REQUEST', 'injected fault: rate limit exceeded'],
  500: ['INTERNAL_ERROR', 'injected fault: internal error'],
  502: ['INTERNAL_ERROR', 'injected fault: bad gateway'],
  503: ['INTERNAL_ERROR', 'injected fault: service unavailable'],
  504: ['INTERNAL_ERROR', 'injected fault: gateway timeout'],
};

/** The error body and code of an injected status. */
export function injectedError(status: number): { code: string; message: string } {
  const [code, message] = REASONS[status] ?? ['INTERNAL_ERROR', `injected fault: HTTP ${status}`];
  return { code, message };
}
