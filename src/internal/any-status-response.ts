// A server can answer with any three-digit status; fetch hands such a response over as it came,
// but the Response constructor refuses a status outside 200–599 (and an odd reason phrase). A
// response rebuilt here (an error body normalised, an answer read whole) keeps the real status.

export function anyStatusResponse(
  body: BodyInit | null,
  init: { status: number; statusText?: string; headers?: HeadersInit },
): Response {
  const { status } = init;
  const valid = status >= 200 && status <= 599;
  const allowed = { headers: init.headers, status: valid ? status : 200 };
  let response: Response;
  try {
    response = new Response(body, { ...allowed, statusText: init.statusText ?? '' });
  } catch {
    response = new Response(body, allowed);
  }
  if (!valid) Object.defineProperties(response, { status: { value: status }, ok: { value: false } });
  return response;
}
