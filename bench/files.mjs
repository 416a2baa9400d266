// Uploads and downloads: throughput against a plain fetch moving the same file to and from the same
// local server, and the client's peak RSS by file size against a limit of 96 MiB, the plain fetch's
// beside it for reference (on Node 20 a download through fetch peaks near 120 MiB whoever reads
// the body: V8 frees the network's buffers in batches of up to 32 MiB). Every transfer runs in its
// own process (files-child.mjs), so its peak RSS is its own; the clients take turns
// (interleavedMedians) so that machine noise hits both alike.
import { spawn } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { interleavedMedians } from './measure.mjs';
import { comparedRow, limitRow } from './result-row.mjs';

const MiB = 1024 * 1024;
const SIZES_MIB = [128, 512];
const ROUNDS = 5;
const RSS_LIMIT_MIB = 96;
const BASELINE = {
  upload: 'fetch, multipart body streamed from the file',
  download: 'fetch, body piped to the file',
};

export async function fileTransfers() {
  const server = createServer(serve);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  const dir = await mkdtemp(join(tmpdir(), 'hopx-bench-files-'));
  const rows = [];
  try {
    for (const direction of ['upload', 'download']) {
      for (const sizeMiB of SIZES_MIB) {
        const bytes = sizeMiB * MiB;
        const file = join(dir, `${direction}-${sizeMiB}.bin`);
        if (direction === 'upload') {
          const handle = await open(file, 'w');
          await handle.truncate(bytes); // sparse: made at once, read back as zeros
          await handle.close();
        }
        const peaks = { hopx: [], fetch: [] };
        const run = (client) => async () => {
          const { ms, maxRssMiB } = await child([direction, client, file, url, String(bytes)]);
          peaks[client].push(maxRssMiB);
          return sizeMiB / (ms / 1000);
        };
        const rate = await interleavedMedians({ hopx: run('hopx'), fetch: run('fetch') }, ROUNDS);
        rows.push(
          comparedRow({
            area: direction,
            measure: `throughput, ${sizeMiB} MiB file`,
            value: rate.hopx,
            unit: 'MiB/s',
            baseline: BASELINE[direction],
            baselineValue: rate.fetch,
            higherIsBetter: true,
            minRatio: 1,
          }),
          limitRow({
            area: direction,
            measure: `peak RSS, ${sizeMiB} MiB file (highest of ${ROUNDS})`,
            value: Math.max(...peaks.hopx),
            unit: 'MiB',
            below: RSS_LIMIT_MIB,
          }),
          limitRow({
            area: direction,
            measure: `peak RSS, ${sizeMiB} MiB file: the plain fetch, for reference`,
            value: Math.max(...peaks.fetch),
            unit: 'MiB',
          }),
        );
        await rm(file, { force: true });
      }
    }
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

/** The agent's two file operations: an upload sink that counts and drops, and a download of zeros. */
function serve(req, res) {
  const url = new URL(req.url, 'http://bench');
  if (req.method === 'POST' && url.pathname === '/files/upload') {
    let received = 0;
    req.on('data', (chunk) => {
      received += chunk.length;
    });
    req.on('end', () => {
      const body = JSON.stringify({ success: true, path: '/workspace/file.bin', size: received });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    });
    return;
  }
  const size = Number(/^\/workspace\/(\d+)\.bin$/.exec(url.searchParams.get('path') ?? '')?.[1]);
  if (req.method !== 'GET' || url.pathname !== '/files/download' || !size) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
  Readable.from(zeros(size)).pipe(res);
}

const BLOCK = Buffer.alloc(256 * 1024);

function* zeros(size) {
  for (let left = size; left > 0; left -= BLOCK.length) yield left >= BLOCK.length ? BLOCK : BLOCK.subarray(0, left);
}

function child(args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [fileURLToPath(new URL('./files-child.mjs', import.meta.url)), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (data) => {
      out += data;
    });
    proc.on('error', reject);
    proc.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${args.slice(0, 2).join(' ')} exited with ${code}`)),
    );
  });
}
