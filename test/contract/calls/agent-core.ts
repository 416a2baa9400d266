// VM Agent core: code execution, commands, processes, Jupyter, agent info and metrics, cache, self-update.
// The WebSocket routes (/execute/stream, /commands/stream, /stream, /stream/ipython, /terminal) are not here.
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import {
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  ProcessNotFoundError,
} from '../../../src/index.js';
import { type ContractCall, SANDBOX_ID } from '../contract-harness.js';

const PROCESS_ID = 'proc_1761048301abcd';
/** Asks Prism for a declared error status or a named example. */
const prefer = (value: string) => ({ headers: { Prefer: value } });

// A few bytes standing in for the new agent executable (an ELF header), with its real checksum.
const agentBinary = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]);
const agentChecksum = createHash('sha256').update(agentBinary).digest('hex');

export const agentCoreCalls: ContractCall[] = [
  // ── Code execution ────────────────────────────────────────────────────────
  {
    operation: 'POST /execute',
    async run({ agent }) {
      const { data, response } = await agent.POST('/execute', {
        body: {
          code: 'import sys\nprint(f"Python {sys.version_info.major}.{sys.version_info.minor}")\n',
          language: 'python',
          timeout: 120,
          workdir: '/workspace',
          env: { DEBUG: 'true' },
        },
      });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
      expect(data?.stdout).toBe('Python 3.11\n');
      expect(data?.exit_code).toBe(0);
    },
  },
  {
    operation: 'POST /execute',
    name: 'a plot comes back as base64 PNG (example "plot")',
    async run({ agentOrThrow }) {
      const result = await agentOrThrow.POST('/execute', {
        body: { code: 'import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()\n', language: 'python' },
        ...prefer('example=plot'),
      });
      expect(result.success).toBe(true);
      expect(result.png).toMatch(/^iVBORw0KGgo/);
    },
  },
  {
    operation: 'POST /execute',
    name: 'a failing snippet is a 200 with success false (example "failed")',
    async run({ agent }) {
      const { data, error } = await agent.POST('/execute', {
        body: { code: '1 / 0', language: 'python' },
        ...prefer('example=failed'),
      });
      expect(error).toBeUndefined();
      expect(data?.success).toBe(false);
      expect(data?.exit_code).toBe(1);
      expect(data?.stderr).toContain('ZeroDivisionError');
    },
  },
  {
    operation: 'POST /execute',
    name: '400 MISSING_PARAMETER',
    async run({ agent }) {
      const { data, error, response } = await agent.POST('/execute', {
        body: { code: 'console.log(2 + 2)', language: 'javascript' },
        ...prefer('code=400, example=missingParameter'),
      });
      expect(response.status).toBe(400);
      expect(data).toBeUndefined();
      expect(error?.code).toBe('MISSING_PARAMETER');
      expect(error?.error).toBe('Missing required parameter: path');
    },
  },
  {
    operation: 'POST /execute/rich',
    async run({ agent }) {
      const { data, response } = await agent.POST('/execute/rich', {
        body: {
          code: "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3, 4], [1, 4, 9, 16])\nplt.savefig('/workspace/plot.png')\n",
          language: 'python',
          timeout: 60,
        },
      });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
      expect(data?.rich_outputs?.[0]?.type).toBe('image/png');
      expect(data?.rich_outputs?.[0]?.format).toBe('base64');
    },
  },
  {
    operation: 'POST /execute/background',
    async run({ agent }) {
      const { data, response } = await agent.POST('/execute/background', {
        body: {
          code: 'import time\nfor i in range(3):\n    print(i, flush=True)\n    time.sleep(60)\n',
          language: 'python',
          timeout: 300,
          name: 'slow-loop',
          env: { LOG_LEVEL: 'info' },
        },
      });
      expect(response.status).toBe(200);
      expect(data?.process_id).toBe(PROCESS_ID);
      expect(data?.status).toBe('running');
      expect(data?.name).toBe('slow-loop');
    },
  },
  {
    operation: 'POST /execute/async',
    async run({ agentOrThrow }) {
      const queued = await agentOrThrow.POST('/execute/async', {
        body: {
          code: 'import time\ntime.sleep(600)\nprint("done")\n',
          language: 'python',
          timeout: 1800,
          workdir: '/workspace',
          callback_url: 'https://example.org/webhooks/hopx',
          callback_headers: { 'X-Job-Ref': 'nightly-report' },
          callback_signature_secret: 'whsec_5f2b8c1d9e7a4b3c',
        },
      });
      expect(queued.execution_id).toBe('exec_1761048301abcd');
      expect(queued.status).toBe('queued');
      expect(queued.callback_url).toBe('https://example.org/webhooks/hopx');
    },
  },
  {
    operation: 'POST /execute/ipython',
    async run({ agent }) {
      const { data, response } = await agent.POST('/execute/ipython', {
        body: { code: 'x = 42\nprint(x)\n', timeout: 60 },
      });
      expect(response.status).toBe(200);
      expect(data?.stdout).toBe('42\n');
      expect(data?.language).toBe('python');
    },
  },
  {
    operation: 'POST /execute/ipython',
    name: '400 rejects with BadRequestError',
    async run({ agentOrThrow }) {
      const call = agentOrThrow.POST('/execute/ipython', {
        body: { code: '%timeit sum(range(1000))', timeout: 60 },
        ...prefer('code=400'),
      });
      await expect(call).rejects.toBeInstanceOf(BadRequestError);
      await expect(call).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    },
  },

  // ── Processes ─────────────────────────────────────────────────────────────
  {
    operation: 'GET /execute/processes',
    async run({ agent }) {
      const { data, response } = await agent.GET('/execute/processes');
      expect(response.status).toBe(200);
      expect(data?.count).toBe(2);
      expect(data?.processes?.[0]?.process_id).toBe(PROCESS_ID);
      expect(data?.processes?.[1]?.exit_code).toBe(0);
    },
  },
  {
    operation: 'DELETE /execute/kill',
    async run({ agent }) {
      const { data, response } = await agent.DELETE('/execute/kill', { params: { query: { process_id: PROCESS_ID } } });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
      expect(data?.process_id).toBe(PROCESS_ID);
    },
  },
  {
    operation: 'DELETE /execute/kill',
    name: '404 in the data/error style',
    async run({ agent }) {
      const { error, response } = await agent.DELETE('/execute/kill', {
        params: { query: { process_id: 'proc_1761040000gone' } },
        ...prefer('code=404, example=process'),
      });
      expect(response.status).toBe(404);
      expect(error?.code).toBe('PROCESS_NOT_FOUND');
      expect(error?.error).toContain('proc_');
    },
  },
  {
    operation: 'POST /execute/kill/{process_id}',
    async run({ agentOrThrow }) {
      const killed = await agentOrThrow.POST('/execute/kill/{process_id}', {
        params: { path: { process_id: PROCESS_ID } },
      });
      expect(killed.success).toBe(true);
      expect(killed.process_id).toBe(PROCESS_ID);
      expect(killed.status).toBe('killed');
    },
  },
  {
    operation: 'POST /execute/kill/{process_id}',
    name: '404 rejects with ProcessNotFoundError',
    async run({ agentOrThrow }) {
      const call = agentOrThrow.POST('/execute/kill/{process_id}', {
        params: { path: { process_id: 'cmd_1761040000gone' } },
        ...prefer('code=404, example=process'),
      });
      await expect(call).rejects.toBeInstanceOf(ProcessNotFoundError);
      await expect(call).rejects.toBeInstanceOf(NotFoundError);
      await expect(call).rejects.toMatchObject({ status: 404, code: 'PROCESS_NOT_FOUND' });
    },
  },
  {
    operation: 'GET /processes',
    async run({ agent }) {
      const { data, response } = await agent.GET('/processes');
      expect(response.status).toBe(200);
      expect(data?.count).toBe(2);
      expect(data?.processes?.[0]?.name).toBe('hopx-vm-agent');
      expect(data?.processes?.[1]?.pid).toBe(4821);
    },
  },
  {
    operation: 'GET /processes',
    name: '500 rejects with InternalServerError',
    async run({ agentOrThrow }) {
      const call = agentOrThrow.GET('/processes', prefer('code=500'));
      await expect(call).rejects.toBeInstanceOf(InternalServerError);
      await expect(call).rejects.toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    },
  },
  {
    operation: 'GET /jupyter/sessions',
    async run({ agent }) {
      const { data, response } = await agent.GET('/jupyter/sessions');
      expect(response.status).toBe(200);
      expect(data?.sessions).toHaveLength(1);
      expect(data?.sessions?.[0]?.kernel_id).toBe('6f1c2b7e-3d4a-4e5b-8c9d-0a1b2c3d4e5f');
      expect(data?.sessions?.[0]?.execution_state).toBe('idle');
    },
  },

  // ── Commands ──────────────────────────────────────────────────────────────
  {
    operation: 'POST /commands/run',
    async run({ agent }) {
      const { data, response } = await agent.POST('/commands/run', {
        body: { command: 'bash', args: ['-c', 'ls -la /workspace | head -n 5'], timeout: 30, workdir: '/workspace' },
      });
      expect(response.status).toBe(200);
      expect(data?.exit_code).toBe(0);
      expect(data?.stdout).toContain('main.py');
      expect(data?.command).toBe('bash -c ls -la /workspace | head -n 5');
    },
  },
  {
    operation: 'POST /commands/run',
    name: '400 MISSING_PARAMETER',
    async run({ agent }) {
      const { error, response } = await agent.POST('/commands/run', {
        body: { command: 'python3', args: ['--version'], env: { PYTHONUNBUFFERED: '1' } },
        ...prefer('code=400'),
      });
      expect(response.status).toBe(400);
      expect(error?.code).toBe('INVALID_REQUEST');
    },
  },
  {
    operation: 'POST /commands/background',
    async run({ agent }) {
      const { data, response } = await agent.POST('/commands/background', {
        body: { command: 'bash', args: ['-c', 'python3 -m http.server 8000'], timeout: 120, workdir: '/workspace' },
      });
      expect(response.status).toBe(200);
      expect(data?.process_id).toBe('cmd_1761048301abcd');
      expect(data?.status).toBe('running');
      expect(data?.pid).toBe(4930);
    },
  },

  // ── Agent info ────────────────────────────────────────────────────────────
  {
    operation: 'GET /',
    async run({ agent }) {
      const { data, response } = await agent.GET('/');
      expect(response.status).toBe(200);
      expect(data?.service).toBe('HopX VM Agent');
      expect(data?.version).toBe('3.2.8');
      expect(data?.endpoints).toMatchObject({ execute: 'POST /execute' });
    },
  },
  {
    operation: 'GET /',
    name: 'endpoints as a list (example "endpointList")',
    async run({ agent }) {
      const { data } = await agent.GET('/', prefer('example=endpointList'));
      expect(data?.agent).toBe('hopx-vm-agent-desktop');
      expect(data?.endpoints).toContain('POST /execute');
    },
  },
  {
    operation: 'GET /info',
    async run({ agentOrThrow }) {
      const info = await agentOrThrow.GET('/info');
      expect(info.vm_id).toBe(SANDBOX_ID);
      expect(info.agent_version).toBe('3.2.8');
      expect(info.features?.code_execution).toBe(true);
    },
  },
  {
    operation: 'GET /info',
    name: 'upstream field names (example "upstreamFields")',
    async run({ agent }) {
      const { data } = await agent.GET('/info', prefer('example=upstreamFields'));
      expect(data?.vm_id).toBe(SANDBOX_ID);
      expect(data?.version).toBe('3.2.8');
      expect(data?.platform).toBe('linux/amd64');
    },
  },
  {
    operation: 'GET /ping',
    async run({ agent }) {
      const { data, response } = await agent.GET('/ping');
      expect(response.status).toBe(200);
      expect(data?.message).toBe('pong');
    },
  },
  {
    operation: 'GET /system',
    async run({ agent }) {
      const { data, response } = await agent.GET('/system');
      expect(response.status).toBe(200);
      expect(data?.cpu?.cores).toBe(2);
      expect(data?.memory?.total).toBe(2147483648);
      expect(data?.disk?.usage_percent).toBe(30);
    },
  },

  // ── Metrics ───────────────────────────────────────────────────────────────
  {
    operation: 'GET /metrics',
    async run({ agent }) {
      const { data, response } = await agent.GET('/metrics');
      expect(response.status).toBe(200);
      expect(data?.total_requests).toBe(1284);
      expect(data?.total_executions).toBe(217);
    },
  },
  {
    operation: 'GET /metrics/snapshot',
    async run({ agentOrThrow }) {
      const snapshot = await agentOrThrow.GET('/metrics/snapshot');
      expect(snapshot.uptime_seconds).toBe(9252);
      expect(snapshot.active_executions).toBe(1);
      expect(snapshot.total_errors).toBe(3);
    },
  },
  {
    operation: 'GET /metrics/snapshot',
    name: 'TypeScript model fields (example "typescriptModel")',
    async run({ agent }) {
      const { data } = await agent.GET('/metrics/snapshot', prefer('example=typescriptModel'));
      expect(data?.requests_total).toBe(1284);
      expect(data?.p95_duration_ms).toBe(912.7);
      expect(data?.cache?.hit_rate).toBe(0.75);
    },
  },
  {
    operation: 'GET /metrics/prometheus',
    async run({ agent }) {
      const { data, response } = await agent.GET('/metrics/prometheus', { parseAs: 'text' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(data).toContain('# TYPE hopx_agent_uptime_seconds gauge');
      expect(data).toContain('hopx_agent_execution_duration_seconds_count 217');
    },
  },

  // ── Cache ─────────────────────────────────────────────────────────────────
  {
    operation: 'GET /cache/stats',
    async run({ agent }) {
      const { data, response } = await agent.GET('/cache/stats');
      expect(response.status).toBe(200);
      expect(data?.cache?.size).toBe(12);
      expect(data?.cache?.max_size).toBe(1000);
      expect(data?.cache?.ttl).toBe('1h0m0s');
    },
  },
  {
    operation: 'POST /cache/clear',
    async run({ agentOrThrow }) {
      const cleared = await agentOrThrow.POST('/cache/clear');
      expect(cleared.message).toBe('Cache cleared');
      expect(cleared.entries_removed).toBe(12);
    },
  },

  // ── Agent self-update ─────────────────────────────────────────────────────
  {
    operation: 'POST /update/upload',
    async run({ agent }) {
      const { data, response } = await agent.POST('/update/upload', {
        body: {
          binary: new Blob([agentBinary], { type: 'application/octet-stream' }),
          version: '3.2.9',
          checksum: agentChecksum,
        },
      });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
      expect(data?.version).toBe('3.2.9');
    },
  },
  {
    operation: 'POST /update/apply',
    async run({ agent }) {
      const { data, response } = await agent.POST('/update/apply', { body: { version: '3.2.9' } });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
      expect(data?.message).toBe('Update applied; restart the agent to run it');
    },
  },
  {
    operation: 'POST /update/restart',
    async run({ agent }) {
      const { data, response } = await agent.POST('/update/restart');
      expect(response.status).toBe(200);
      expect(data?.message).toBe('Agent restarting');
      expect(data?.version).toBe('3.2.9');
    },
  },
  {
    operation: 'GET /update/backups',
    async run({ agentOrThrow }) {
      const list = await agentOrThrow.GET('/update/backups');
      expect(list.count).toBe(2);
      expect(list.backups?.[0]?.version).toBe('3.2.8');
      expect(list.backups?.[0]?.path).toBe('/usr/local/bin/hopx-vm-agent.3.2.8.bak');
    },
  },

  // ── 401 (last: the client renews its token through the Control Plane, retries once, then gives up) ──
  {
    operation: 'POST /commands/run',
    name: '401 rejects with AuthenticationError after one token renewal',
    async run({ agentOrThrow }) {
      const call = agentOrThrow.POST('/commands/run', {
        body: { command: 'bash', args: ['-c', 'whoami'] },
        ...prefer('code=401'),
      });
      await expect(call).rejects.toBeInstanceOf(AuthenticationError);
      await expect(call).rejects.toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    },
  },
];
