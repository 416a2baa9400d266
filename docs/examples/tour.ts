// The tour `npm start` runs against the local mock: one sandbox's life, every result typed.
// Against the real platform: HOPX_API_KEY=hopx_live_... HOPX_BASE_URL=https://api.hopx.dev node tour.js
import { createAgentClient, createControlPlaneClient, downloadBytes, runCode, uploadFile } from 'hopx-api';

const baseUrl = process.env.HOPX_BASE_URL ?? 'http://127.0.0.1:4011';
const local = baseUrl.startsWith('http://127.0.0.1');
const apiKey = process.env.HOPX_API_KEY ?? 'hopx_live_m0ck3dk3y123.local-mock-secret';
const show = (label: string, value: unknown) => console.log(`\n${label}\n${JSON.stringify(value, null, 2)}`);

const hopx = createControlPlaneClient({ apiKey, baseUrl, throwOnError: true });

// 1. Create a sandbox from a public template.
const sandbox = await hopx.POST('/v1/sandboxes', { body: { template_name: 'code-interpreter', timeout_seconds: 600 } });
// The spec cannot promise `id` (an official SDK falls back to another field): check it once.
const id = sandbox.id;
if (!id) throw new Error('the new sandbox has no id');
show('1. created sandbox', { id, status: sandbox.status, public_host: sandbox.public_host });

// The agent lives on the sandbox's own host; the local mock serves it on the same address.
const agent = createAgentClient({ sandbox, controlPlane: hopx, throwOnError: true, ...(local ? { baseUrl } : {}) });

// 2. Run code, with its output streamed as it is printed (WebSocket /execute/stream).
console.log('\n2. running code, streamed:');
const run = await runCode(
  agent,
  { code: 'print("hello from HopX")\nprint(6 * 7)', language: 'python' },
  {
    onStdout: (chunk) => process.stdout.write(`   stdout> ${chunk}`),
  },
);
show('   finished', { exitCode: run.exitCode, success: run.success, executionTime: run.executionTime });

// 3. Write a file, upload another, read and download them back.
const written = await agent.POST('/files/write', {
  body: { path: '/workspace/hello.py', content: 'print("hello")\n' },
});
show('3. wrote a file', written);
const uploaded = await uploadFile(agent, '/workspace/data/report.pdf', new Blob(['%PDF-1.7 tour\n']));
show('   uploaded a file', uploaded);
const read = await agent.GET('/files/read', { params: { query: { path: '/workspace/hello.py' } } });
show('   read it back', read);
const bytes = await downloadBytes(agent, '/workspace/data/report.pdf');
show('   downloaded', { bytes: bytes.byteLength });

// 4. List running sandboxes (one page here; `paginate(hopx, '/v1/sandboxes')` walks every page,
// and stops with an error if a server hands out the same cursor twice, as a static mock does).
const page = await hopx.GET('/v1/sandboxes', { params: { query: { limit: 10, status: 'running' } } });
show('4. sandboxes', { ids: (page.data ?? []).map((s) => `${s.id} (${s.status})`), has_more: page.has_more });

// 5. Delete the sandbox.
const deleted = await hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id } } });
show('5. deleted', deleted);
