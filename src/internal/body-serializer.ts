// Request bodies: JSON, except that a body holding a Blob (a file) is sent as multipart/form-data.
// JSON bodies never hold Blobs (binary fields are typed Blob only in multipart schemas), so the
// presence of one tells the two apart without a table of multipart routes.

export function serializeBody(body: unknown): BodyInit {
  if (body instanceof FormData || body instanceof Blob || body instanceof URLSearchParams) return body;
  if (isPlainObject(body) && Object.values(body).some((value) => value instanceof Blob)) return toFormData(body);
  return JSON.stringify(body);
}

function toFormData(fields: Record<string, unknown>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    if (value instanceof Blob) form.set(name, value, value instanceof File ? value.name : name);
    else form.set(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return form;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
