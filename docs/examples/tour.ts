// The tour `npm start` runs against the local HopX: one sandbox's life, every result real and typed.
// Against the platform: HOPX_API_KEY=hopx_live_... HOPX_BASE_URL=https://api.hopx.dev node tour.js
import { createHash } from 'node:crypto';
import {
  createAgentClient,
  createControlPlaneClient,
  downloadBytes,
  runCode,
  type SandboxEvent,
  streamSandboxEvents,
  uploadFile,
} from 'hopx-api';

const baseUrl = process.env.HOPX_BASE_URL ?? 'http://127.0.0.1:4011';
const show = (label: string, value: unknown) => console.log(`\n${label}\n${JSON.stringify(value, null, 2)}`);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// The key comes from HOPX_API_KEY (npm start sets it to the local HopX's).
const hopx = createControlPlaneClient({ baseUrl, throwOnError: true });

// 0. Watch the organization's sandbox events while the tour runs (Server-Sent Events).
const watcher = new AbortController();
const events: SandboxEvent[] = [];
const watching = (async () => {
  for await (const event of streamSandboxEvents(hopx, { signal: watcher.signal })) {
    events.push(event.data);
    if (event.data.type === 'sandbox.deleted') return;
  }
})().catch((error) => {
  if (!watcher.signal.aborted) throw error;
});

// 1. Create a sandbox from a public template.
const sandbox = await hopx.POST('/v1/sandboxes', { body: { template_name: 'code-interpreter', timeout_seconds: 600 } });
const id = sandbox.id;
if (!id) throw new Error('the sandbox came back without an id');
show('1. created sandbox', { id, status: sandbox.status, public_host: sandbox.public_host });

// The agent lives on the sandbox's own host (its public_host) and takes the sandbox's token.
const agent = createAgentClient({ sandbox, controlPlane: hopx, throwOnError: true });

// 2. Run code, with its output streamed as it is printed (WebSocket /execute/stream).
console.log('\n2. running code, streamed:');
const run = await runCode(
  agent,
  { code: 'print("hello from HopX")\nprint(6 * 7)', language: 'python' },
  {
    // A chunk can hold several lines: mark each one.
    onStdout: (chunk) => process.stdout.write(chunk.replace(/^(?=.)/gm, '   stdout> ')),
  },
);
show('   finished', { exitCode: run.exitCode, success: run.success, executionTime: run.executionTime });

// 3. Write a file and read it back; upload bytes and download them again.
const source = 'print("hello")\n';
await agent.POST('/files/write', { body: { path: '/workspace/hello.py', content: source } });
const read = await agent.GET('/files/read', { params: { query: { path: '/workspace/hello.py' } } });
show('3. wrote a file and read it back', { path: read.path, size: read.size, same: read.content === source });
const bytes = new Uint8Array(256 * 1024);
// getRandomValues fills at most 64 KiB at a time.
for (let at = 0; at < bytes.length; at += 65_536) crypto.getRandomValues(bytes.subarray(at, at + 65_536));
const uploaded = await uploadFile(agent, '/workspace/random.bin', bytes);
const downloaded = await downloadBytes(agent, '/workspace/random.bin');
show('   uploaded and downloaded', {
  size: uploaded.size,
  sha256: sha256(downloaded),
  same: sha256(downloaded) === sha256(bytes),
});

// 4. The sandbox list (one page here; `paginate(hopx, '/v1/sandboxes')` walks every page).
const page = await hopx.GET('/v1/sandboxes', { params: { query: { limit: 10 } } });
show('4. sandboxes', {
  ids: (page.data ?? []).map((s) => `${s.id} (${s.status})`),
  includesOurs: (page.data ?? []).some((s) => s.id === id),
});

// 5. Delete the sandbox; the event stream saw it come and go.
await hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id } } });
await Promise.race([watching, new Promise((resolve) => setTimeout(resolve, 5_000))]);
watcher.abort();
show(
  '5. deleted; the event stream showed',
  events.filter((e) => e.sandbox_id === id).map((e) => e.type),
);
