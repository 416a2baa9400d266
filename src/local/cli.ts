#!/usr/bin/env node
// `hopx-local` (`npx hopx-local`): a local HopX on loopback until Ctrl-C. It prints where the
// Control Plane answers, the API key to use, and how code is kept in its sandbox on this machine.
import { parseArgs } from 'node:util';
import { type LocalHopxOptions, startLocalHopx } from './local-hopx.js';
import { banner } from './start-banner.js';

const USAGE = `Usage: hopx-local [options]

  --port <n>            Control Plane port (default 4011; 0 = any free port)
  --host <address>      address to bind (default 127.0.0.1; anything else is reachable from the network)
  --data-dir <dir>      where sandboxes, templates and uploads live (default: a temp folder, removed on exit)
  --api-key <key>       the API key to accept (default: a new hopx_live_... key, printed)
  --token-ttl <s>       lifetime of sandbox tokens in seconds (default 3600)
  --isolation <mode>    auto (default), namespace or workspace
  --latency <ms>        added before every answer
  --max-sandboxes <n>   sandboxes at once (default 200)
  --quiet               print only the address and key

Faults per request: send \`Prefer: code=503\`, \`code=429, retry-after=2\`, \`delay=1500\`, \`cut=3\`
(end an event stream or WebSocket after 3 messages) or \`drop\`.`;

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        'api-key': { type: 'string' },
        'token-ttl': { type: 'string' },
        isolation: { type: 'string' },
        latency: { type: 'string' },
        'max-sandboxes': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    console.error(`hopx-local: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const number = (name: string): number | undefined => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) {
      console.error(`hopx-local: --${name} must be a whole number, not ${JSON.stringify(raw)}`);
      process.exit(2);
    }
    return value;
  };
  const isolation = values.isolation as LocalHopxOptions['isolation'];
  if (isolation !== undefined && !['auto', 'namespace', 'workspace'].includes(isolation)) {
    console.error(`hopx-local: --isolation is auto, namespace or workspace, not ${JSON.stringify(isolation)}`);
    process.exit(2);
  }
  const port = number('port') ?? Number(process.env.HOPX_LOCAL_PORT ?? 4011);
  const maxSandboxes = number('max-sandboxes');
  let local: Awaited<ReturnType<typeof startLocalHopx>>;
  try {
    local = await startLocalHopx({
      port,
      ...(values.host ? { host: String(values.host) } : {}),
      ...(values['data-dir'] ? { dataDir: String(values['data-dir']) } : {}),
      ...(values['api-key'] ? { apiKey: String(values['api-key']) } : {}),
      ...(number('token-ttl') ? { tokenTtlSeconds: number('token-ttl') } : {}),
      ...(isolation ? { isolation } : {}),
      latencyMs: number('latency') ?? 0,
      ...(maxSandboxes ? { limits: { sandboxes: maxSandboxes } } : {}),
      log: (line) => console.error(line),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      console.error(
        `hopx-local: port ${port} is taken; choose another with --port <n> (or HOPX_LOCAL_PORT), or --port 0 for any free port.`,
      );
    } else {
      console.error(`hopx-local: ${(error as Error).message}`);
    }
    process.exit(1);
  }
  if (values.quiet) console.log(`${local.url} ${local.apiKey}`);
  else console.log(banner(local));
  const stop = async () => {
    await local.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.once('SIGHUP', stop);
}

await main();
