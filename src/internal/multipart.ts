// multipart/form-data (RFC 7578), written the way the HTML standard's algorithm (and so fetch)
// writes it, piece by piece: so that a body can keep its file part as a lazily read Blob or a stream
// and still be sent with a known length. Used for FormData bodies and by uploadFile.

/** A boundary that no file's bytes will contain by chance. */
export function newBoundary(): string {
  return `----hopx-${crypto.randomUUID()}`;
}

/** One text field, with its closing line break. */
export function fieldPart(boundary: string, name: string, value: string): string {
  return `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"\r\n\r\n${value.replace(/\r\n|\r|\n/g, '\r\n')}\r\n`;
}

/** The headers of one file part: its bytes follow, then a line break (`afterFile`). */
export function filePartHead(boundary: string, name: string, filename: string, type: string): string {
  return (
    `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"; filename="${escapeName(filename)}"\r\n` +
    `Content-Type: ${type || 'application/octet-stream'}\r\n\r\n`
  );
}

export const afterFile = '\r\n';

/** The last line of the body. */
export function closing(boundary: string): string {
  return `--${boundary}--\r\n`;
}

export function contentTypeOf(boundary: string): string {
  return `multipart/form-data; boundary=${boundary}`;
}

/**
 * FormData as multipart bytes in a Blob whose file parts stay references, so a file-backed Blob is
 * still read lazily from disk and the size is known up front (a Content-Length, no chunking).
 */
export function encodeFormData(form: FormData): { blob: Blob; contentType: string } {
  const boundary = newBoundary();
  const parts: Array<string | Blob> = [];
  form.forEach((value, name) => {
    if (typeof value === 'string') parts.push(fieldPart(boundary, name, value));
    else parts.push(filePartHead(boundary, name, value.name, value.type), value, afterFile);
  });
  parts.push(closing(boundary));
  return { blob: new Blob(parts), contentType: contentTypeOf(boundary) };
}

/** The HTML standard escapes these three in names and filenames. */
function escapeName(name: string): string {
  return name.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
}
