// One upload or download in a fresh process, so that its peak RSS is the transfer's own. Prints JSON:
// { ms, maxRssMiB, cpuMs } (ms counts the transfer only, not the start of Node nor the imports;
// cpuMs is the whole process's, a check on ms when the machine is busy).
// usage: node bench/files-child.mjs <upload|download> <hopx|fetch> <local file> <url> <size in bytes>
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const [direction, client, file, url, size] = process.argv.slice(2);
const TOKEN = 'bench-token-0123456789';
const REMOTE = `/workspace/${size}.bin`;

const hopx = client === 'hopx' ? await import('../dist/src/index.js') : undefined;
const agent = hopx?.createAgentClient({ sandbox: { id: 'bench', public_host: url, auth_token: TOKEN } });

const started = performance.now();
if (direction === 'upload') {
  if (hopx) await hopx.uploadFile(agent, REMOTE, file);
  else await fetchUpload();
} else {
  if (hopx) await hopx.downloadToFile(agent, REMOTE, file);
  else await fetchDownload();
  const written = (await stat(file)).size;
  await rm(file);
  if (written !== Number(size)) throw new Error(`download: ${written} of ${size} bytes written`);
}
const ms = performance.now() - started;
const usage = process.resourceUsage();
console.log(
  JSON.stringify({ ms, maxRssMiB: usage.maxRSS / 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }),
);

/**
 * What a hand-written client does: the multipart body as a stream over the file, sent with duplex
 * 'half'; with redirect 'error', since by default fetch keeps a copy of a streamed body in case a
 * redirect asks for it again (the whole file in memory: about 580 MiB of RSS for a 512 MiB file).
 */
async function fetchUpload() {
  const boundary = `----bench-${crypto.randomUUID()}`;
  const head =
    `--${boundary}\r\nContent-Disposition: form-data; name="path"\r\n\r\n${REMOTE}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${size}.bin"\r\n` +
    'Content-Type: application/octet-stream\r\n\r\n';
  const tail = `\r\n--${boundary}--\r\n`;
  async function* parts() {
    yield new TextEncoder().encode(head);
    yield* createReadStream(file);
    yield new TextEncoder().encode(tail);
  }
  const response = await fetch(`${url}/files/upload`, {
    method: 'POST',
    body: ReadableStream.from(parts()),
    duplex: 'half',
    redirect: 'error',
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(Buffer.byteLength(head) + Number(size) + Buffer.byteLength(tail)),
    },
  });
  if (!response.ok) throw new Error(`upload: HTTP ${response.status}`);
  await response.json();
}

/** What a hand-written client does: fetch, then the body piped to a file. */
async function fetchDownload() {
  const response = await fetch(`${url}/files/download?path=${encodeURIComponent(REMOTE)}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  if (!response.ok) throw new Error(`download: HTTP ${response.status}`);
  await pipeline(Readable.fromWeb(response.body), createWriteStream(file));
}
