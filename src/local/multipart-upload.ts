// Reads a `multipart/form-data` request with one file part as it arrives (busboy): the text fields
// are collected, the file part is piped to wherever the caller says once it starts, and nothing is
// held whole in memory. Clients order the parts differently (our client and Python's `requests`
// send `path` first, the official JS SDK's `form-data` sends `file` first), so the caller is told
// which text fields came before the file and decides where its bytes go (straight to their
// destination, or to a staging file until the destination is known).
import type { IncomingMessage } from 'node:http';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';

/** The body is not a form this operation can take (answered as 400). */
export class MultipartError extends Error {}

export interface ReceivedForm {
  /** The text parts, by name. */
  fields: Record<string, string>;
  /** The file part, if there was one (its bytes went to the sink). */
  file: { field: string; filename: string | undefined } | undefined;
}

export interface ReceiveFormOptions {
  /** The name of the one file part the operation takes. */
  fileField: string;
  /** Where the file part's bytes go, given the text fields that came before it. */
  sinkFor(fieldsBefore: Readonly<Record<string, string>>): Promise<Writable>;
}

/** Text fields are small: a path, a version, a checksum. */
const LIMITS = { files: 1, fields: 16, parts: 32, fieldSize: 64 * 1024, fieldNameSize: 200 };

export function receiveForm(req: IncomingMessage, options: ReceiveFormOptions): Promise<ReceivedForm> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: LIMITS });
    } catch (error) {
      req.resume();
      reject(new MultipartError(`the multipart body cannot be read: ${(error as Error).message}`));
      return;
    }
    const fields: Record<string, string> = {};
    let file: ReceivedForm['file'];
    let writing: Promise<void> = Promise.resolve();
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      // Whatever is still coming is read and dropped, so the connection can carry the answer.
      req.unpipe(parser);
      req.resume();
      reject(error);
    };

    parser.on('field', (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated)
        return fail(new MultipartError(`the multipart field ${name} is longer than ${LIMITS.fieldSize} bytes`));
      if (name in fields) return fail(new MultipartError(`the multipart field ${name} is sent twice`));
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (settled) {
        stream.resume();
        return;
      }
      if (name !== options.fileField) {
        stream.resume();
        return fail(new MultipartError(`unexpected file part ${name}: the file goes in the part ${options.fileField}`));
      }
      file = { field: name, filename: info.filename };
      const before = { ...fields };
      writing = options
        .sinkFor(before)
        .then((sink) => pipeline(stream, sink))
        .catch((error) => {
          stream.resume();
          fail(error);
        });
    });
    parser.on('filesLimit', () => fail(new MultipartError(`only one file part is accepted (${options.fileField})`)));
    parser.on('fieldsLimit', () => fail(new MultipartError(`more than ${LIMITS.fields} multipart fields`)));
    parser.on('partsLimit', () => fail(new MultipartError(`more than ${LIMITS.parts} multipart parts`)));
    parser.on('error', (error: Error) => fail(new MultipartError(`the multipart body is malformed: ${error.message}`)));
    parser.on('close', () => {
      void writing.then(() => {
        if (settled) return;
        settled = true;
        resolve({ fields, file });
      });
    });
    // A client that goes away mid-body never ends the request: nothing else would tell the parser.
    req.once('close', () => {
      if (!req.complete) fail(new MultipartError('the client closed the connection before the body ended'));
    });
    req.pipe(parser);
  });
}
