// A server can answer with any three-digit status; fetch hands such a response over as it came,
// but the Response constructor refuses a status outside 200–599 (and an odd reason phrase). A
// response rebuilt here (an error body normalised, an answer read whole) keeps the real status.

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** A status whose response has no body: the Response constructor refuses one. */
export function isNullBodyStatus(status: number): boolean {
  return NULL_BODY_STATUSES.has(status);
}

/** A Response with `status` whatever it is; a body given for a status that has none is left out. */
export function anyStatusResponse(
  body: BodyInit | null,
  init: { status: number; statusText?: string; headers?: HeadersInit },
): Response {
  const { status } = init;
  const valid = status >= 200 && status <= 599;
  const allowed = { headers: init.headers, status: valid ? status : 200 };
  const kept = isNullBodyStatus(status) ? null : body;
  let response: Response;
  try {
    response = new Response(kept, { ...allowed, statusText: init.statusText ?? '' });
  } catch {
    response = new Response(kept, allowed);
  }
  if (!valid) Object.defineProperties(response, { status: { value: status }, ok: { value: false } });
  return response;
}
