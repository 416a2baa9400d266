// One upload in a fresh process, so its peak RSS is the upload's alone. Prints JSON.
// usage: node bench/upload-child.mjs <hopx|fetch-formdata|fetch-formdata-no-redirect> <file> <url>
import { openAsBlob } from 'node:fs';

const [mode, file, url] = process.argv.slice(2);
const started = performance.now();
if (mode === 'hopx') {
  const { createAgentClient, uploadFile } = await import('../dist/src/index.js');
  const agent = createAgentClient({ sandbox: { id: 'bench', public_host: url, auth_token: 'bench-token-0123456789' } });
  await uploadFile(agent, '/workspace/big.bin', file);
} else {
  // What a hand-written client does: FormData with a file-backed Blob.
  const form = new FormData();
  form.set('path', '/workspace/big.bin');
  form.set('file', await openAsBlob(file), 'big.bin');
  const response = await fetch(`${url}/files/upload`, {
    method: 'POST',
    body: form,
    headers: { Authorization: 'Bearer bench-token-0123456789' },
    ...(mode === 'fetch-formdata-no-redirect' ? { redirect: 'error' } : {}),
  });
  await response.text();
}
const ms = performance.now() - started;
console.log(JSON.stringify({ mode, maxRssMiB: process.resourceUsage().maxRSS / 1024, ms }));
