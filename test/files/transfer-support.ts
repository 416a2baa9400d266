// Shared by the upload and download tests: a strict, streaming multipart/form-data reader (so a
// server can check a 50 MiB upload while it arrives, hashing the file part without holding it), an
// upload server built on it, and small helpers for temp files and hashes.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export const SANDBOX_ID = '1761048129dsaqav4n';
export const AGENT_TOKEN = 'jwt-abc.def.ghi';

export const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** A fresh folder under the OS temp dir; `cleanup()` removes it and everything in it. */
export async function tempDir(prefix = 'hopx-files-'): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Names in `dir` that look like an unfinished download. */
export async function partialFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.partial'));
}

/** Deterministic pseudo-random bytes (different every byte, so an offset error shows). */
export function patternBytes(length: number, seed = 7): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Strict multipart/form-data reader

export interface MultipartPart {
  /** Header names lower-cased, in the order they came. */
  headers: Array<[string, string]>;
  name: string;
  /** undefined when the Content-Disposition has no filename parameter. */
  filename: string | undefined;
  contentType: string | undefined;
  size: number;
  sha256: string;
  /** The part's bytes, unless they went to a sink (see MultipartReader's `sinkFor`). */
  data: Buffer | undefined;
}

/** The boundary parameter of a `multipart/form-data` Content-Type; throws for any other type. */
export function boundaryOf(contentType: string | undefined): string {
  const match = /^multipart\/form-data\s*;\s*boundary=(?:"([^"]+)"|([^\s;]+))\s*$/i.exec(contentType ?? '');
  if (!match) throw new Error(`not a multipart/form-data content type with a boundary: ${JSON.stringify(contentType)}`);
  const boundary = (match[1] ?? match[2])!;
  // RFC 2046: 1 to 70 characters from a restricted set.
  if (!/^[0-9A-Za-z'()+_,\-./:=? ]{1,70}$/.test(boundary) || boundary.endsWith(' '))
    throw new Error(`invalid boundary ${JSON.stringify(boundary)}`);
  return boundary;
}

type Sink = { write(chunk: Buffer): void; end(): Promise<void> };

/**
 * Reads a multipart body chunk by chunk. Strict: no preamble, every delimiter exactly
 * `\r\n--boundary`, every part with a `Content-Disposition: form-data; name="..."` header, the close
 * delimiter `--boundary--` followed by nothing but an optional CRLF. Each part is hashed as it
 * streams; `sinkFor` may take a part's bytes instead of keeping them in memory.
 */
export class MultipartReader {
  readonly parts: MultipartPart[] = [];
  private readonly opening: Buffer;
  private readonly delimiter: Buffer;
  private state: 'opening' | 'headers' | 'data' | 'after-delimiter' | 'epilogue' = 'opening';
  private pending: Buffer = Buffer.alloc(0);
  private current:
    | {
        part: Omit<MultipartPart, 'size' | 'sha256' | 'data'>;
        hash: ReturnType<typeof createHash>;
        size: number;
        chunks: Buffer[] | undefined;
        sink: Sink | undefined;
      }
    | undefined;
  private readonly sinkEnds: Promise<void>[] = [];

  constructor(
    readonly boundary: string,
    private readonly sinkFor: (name: string, filename: string | undefined) => Sink | undefined = () => undefined,
  ) {
    this.opening = Buffer.from(`--${boundary}\r\n`);
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  write(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      if (this.state === 'opening') {
        if (this.pending.length < this.opening.length) {
          if (!this.opening.subarray(0, this.pending.length).equals(this.pending))
            throw new Error('body does not start with --boundary CRLF');
          return;
        }
        if (!this.pending.subarray(0, this.opening.length).equals(this.opening))
          throw new Error(
            `body does not start with --boundary CRLF: ${JSON.stringify(this.pending.subarray(0, 80).toString('latin1'))}`,
          );
        this.pending = this.pending.subarray(this.opening.length);
        this.state = 'headers';
      } else if (this.state === 'headers') {
        const end = this.pending.indexOf('\r\n\r\n');
        if (end < 0) {
          if (this.pending.length > 16 * 1024) throw new Error('part headers longer than 16 KiB');
          return;
        }
        this.startPart(this.pending.subarray(0, end).toString('utf8'));
        this.pending = this.pending.subarray(end + 4);
        this.state = 'data';
      } else if (this.state === 'data') {
        const at = this.pending.indexOf(this.delimiter);
        if (at < 0) {
          // Keep what could be the start of a delimiter split across chunks.
          const keep = Math.min(this.pending.length, this.delimiter.length - 1);
          this.partData(this.pending.subarray(0, this.pending.length - keep));
          this.pending = this.pending.subarray(this.pending.length - keep);
          return;
        }
        this.partData(this.pending.subarray(0, at));
        this.endPart();
        this.pending = this.pending.subarray(at + this.delimiter.length);
        this.state = 'after-delimiter';
      } else if (this.state === 'after-delimiter') {
        if (this.pending.length < 2) return;
        const next = this.pending.subarray(0, 2).toString('latin1');
        this.pending = this.pending.subarray(2);
        if (next === '\r\n') this.state = 'headers';
        else if (next === '--') this.state = 'epilogue';
        else throw new Error(`delimiter followed by ${JSON.stringify(next)} (want CRLF or --)`);
      } else {
        if (
          !Buffer.from('\r\n').subarray(0, this.pending.length).equals(this.pending.subarray(0, 2)) ||
          this.pending.length > 2
        ) {
          throw new Error(
            `bytes after the close delimiter: ${JSON.stringify(this.pending.subarray(0, 40).toString('latin1'))}`,
          );
        }
        return;
      }
    }
  }

  /** Call at the end of the body: throws unless the close delimiter was seen; waits for the sinks. */
  async end(): Promise<MultipartPart[]> {
    if (this.state !== 'epilogue') throw new Error(`body ended in state '${this.state}' (no close delimiter)`);
    await Promise.all(this.sinkEnds);
    return this.parts;
  }

  private startPart(headerText: string): void {
    const headers: Array<[string, string]> = headerText.split('\r\n').map((line) => {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`malformed part header line ${JSON.stringify(line)}`);
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    });
    const dispositions = headers.filter(([k]) => k === 'content-disposition');
    if (dispositions.length !== 1)
      throw new Error(`a part needs exactly one Content-Disposition, has ${dispositions.length}`);
    const disposition = dispositions[0]![1];
    const match = /^form-data\s*;\s*name="([^"\r\n]*)"(?:\s*;\s*filename="([^"\r\n]*)")?$/.exec(disposition);
    if (!match) throw new Error(`malformed Content-Disposition ${JSON.stringify(disposition)}`);
    const name = match[1]!;
    const filename = match[2];
    const types = headers.filter(([k]) => k === 'content-type');
    if (types.length > 1) throw new Error('more than one Content-Type in a part');
    const sink = this.sinkFor(name, filename);
    this.current = {
      part: { headers, name, filename, contentType: types[0]?.[1] },
      hash: createHash('sha256'),
      size: 0,
      chunks: sink ? undefined : [],
      sink,
    };
  }

  private partData(data: Buffer): void {
    if (!data.length) return;
    const current = this.current!;
    current.hash.update(data);
    current.size += data.length;
    if (current.sink) current.sink.write(Buffer.from(data));
    else current.chunks!.push(Buffer.from(data));
  }

  private endPart(): void {
    const current = this.current!;
    this.parts.push({
      ...current.part,
      size: current.size,
      sha256: current.hash.digest('hex'),
      data: current.chunks ? Buffer.concat(current.chunks) : undefined,
    });
    if (current.sink) this.sinkEnds.push(current.sink.end());
    this.current = undefined;
  }
}

/** Parses a whole body, fed in `chunkSize` pieces (so delimiters split across chunks are exercised). */
export async function parseMultipart(
  body: Uint8Array,
  contentType: string | undefined,
  chunkSize = 7_919,
): Promise<MultipartPart[]> {
  const reader = new MultipartReader(boundaryOf(contentType));
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  for (let i = 0; i < buffer.length; i += chunkSize) reader.write(buffer.subarray(i, i + chunkSize));
  return reader.end();
}

/** A sink that writes a part to a file on disk. */
export function fileSink(path: string): Sink {
  const out = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve).once('error', reject);
  });
  return {
    write: (chunk) => {
      out.write(chunk);
    },
    end: () => {
      out.end();
      return done;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// A local HTTP server whose handler can stream the request itself (unlike the scripted server,
// which reads every body whole first).

export { type RawServer, startRawServer } from '../support/scripted-server.js';
