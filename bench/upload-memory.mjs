// Peak memory of a streaming upload, by file size: the client's RSS must stay flat in the size and
// under 128 MiB. Each upload runs in its own process against a local sink that discards the bytes.
import { spawn } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MiB = 1024 * 1024;
const SIZES = [128, 512];
const MODES = ['hopx', 'fetch-formdata', 'fetch-formdata-no-redirect'];
const LIMIT_MIB = 128;

export async function uploadMemory() {
  const sink = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk) => {
      bytes += chunk.length;
    });
    req.on('end', () => {
      const body = JSON.stringify({ success: true, path: '/workspace/big.bin', size: bytes });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    });
  });
  await new Promise((r) => sink.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${sink.address().port}`;
  const dir = await mkdtemp(join(tmpdir(), 'hopx-bench-'));
  const rows = [];
  try {
    for (const size of SIZES) {
      const file = join(dir, `${size}.bin`);
      const handle = await open(file, 'w');
      await handle.truncate(size * MiB); // sparse: created instantly, read back as zeros
      await handle.close();
      for (const mode of MODES) rows.push({ size, ...(await child(mode, file, url)) });
      await rm(file);
    }
  } finally {
    sink.close();
    await rm(dir, { recursive: true, force: true });
  }
  console.log('\nUpload peak RSS (each upload in its own process)');
  console.table(
    rows.map((r) => ({
      'file MiB': r.size,
      client: r.mode,
      'peak RSS MiB': r.maxRssMiB.toFixed(1),
      seconds: (r.ms / 1000).toFixed(2),
    })),
  );
  const ours = rows.filter((r) => r.mode === 'hopx');
  const growth = ours.at(-1).maxRssMiB - ours[0].maxRssMiB;
  const peak = Math.max(...ours.map((r) => r.maxRssMiB));
  for (const size of SIZES) {
    const base = rows.find((r) => r.size === size && r.mode === 'fetch-formdata');
    const mine = rows.find((r) => r.size === size && r.mode === 'hopx');
    console.log(
      `${size} MiB: hopx peak RSS is ${(mine.maxRssMiB / base.maxRssMiB).toFixed(2)}x that of fetch + FormData`,
    );
  }
  const ok = peak < LIMIT_MIB && growth < 32;
  console.log(
    `hopx: peak ${peak.toFixed(1)} MiB (limit ${LIMIT_MIB}), growth from ${SIZES[0]} to ${SIZES.at(-1)} MiB files: ${growth.toFixed(1)} MiB: ${ok ? 'OK' : 'TARGET MISSED'}`,
  );
  return ok;
}

function child(mode, file, url) {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [fileURLToPath(new URL('./upload-child.mjs', import.meta.url)), mode, file, url],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
    });
    proc.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${mode} upload exited with ${code}`)),
    );
  });
}
