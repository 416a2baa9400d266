#!/usr/bin/env node
// `npm run verify -- --target <url>` (or `--live`): does a running HopX still match openapi.yaml?
// Exit 0: no drift; 1: drift found; 2: the run itself failed. Never run by default or in CI.
import { realpathSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_CONTROL_PLANE_URL } from '../control-plane-client.js';
import { readAllowances } from './allowances.js';
import { markdownReport, terminalReport } from './report.js';
import { exitCodeOf, runVerify } from './verify-run.js';

const USAGE = `Usage: npm run verify -- (--target <control-plane-url> | --live | --local) [options]

  --target <url>      the Control Plane to check (agents are reached at each sandbox's public_host)
  --live              the production Control Plane (${DEFAULT_CONTROL_PLANE_URL}), key from HOPX_API_KEY
  --local             a local HopX started for the run (hopx-api/local): see what a report looks like
  --api-key <key>     the API key (default: HOPX_API_KEY)
  --json <file>       write the report as JSON
  --markdown <file>   write the report as Markdown
  --allow <file>      accepted drift: a YAML or JSON list of { operation, pointer, reason }
  --budget <seconds>  wall-clock limit of the run (default 300)
  --template <name>   the template of the one sandbox the run creates (default code-interpreter)
  --fail-on info      also exit 1 on informational drift (undeclared fields, unknown values)

Exit codes: 0 no drift, 1 drift found, 2 the run itself failed.`;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values } = args;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if ([values.live, values.local, values.target !== undefined].filter(Boolean).length !== 1) {
    console.error(`Give one of --target <url>, --live or --local.\n\n${USAGE}`);
    return 2;
  }
  // Loaded only when asked for: a run against HopX itself needs none of the local HopX.
  const local = values.local ? await (await import('../local/index.js')).startLocalHopx() : undefined;
  try {
    return await verify(
      values,
      local?.url ?? (values.live ? DEFAULT_CONTROL_PLANE_URL : String(values.target)),
      local?.apiKey,
      env,
    );
  } finally {
    await local?.close();
  }
}

async function verify(
  values: ReturnType<typeof parse>['values'],
  target: string,
  localKey: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const apiKey = localKey ?? values['api-key'] ?? env.HOPX_API_KEY;
  if (!apiKey) {
    console.error('No API key: set HOPX_API_KEY or pass --api-key.');
    return 2;
  }
  const budget = values.budget === undefined ? 300 : Number(values.budget);
  if (!Number.isFinite(budget) || budget <= 0) {
    console.error(`--budget must be a number of seconds, not ${values.budget}`);
    return 2;
  }
  if (values['fail-on'] !== undefined && values['fail-on'] !== 'info' && values['fail-on'] !== 'error') {
    console.error('--fail-on takes info or error');
    return 2;
  }
  let allowances: Awaited<ReturnType<typeof readAllowances>> = [];
  try {
    if (values.allow) allowances = await readAllowances(values.allow);
  } catch (error) {
    console.error(`--allow: ${(error as Error).message}`);
    return 2;
  }

  // Ctrl-C ends the run, which still deletes its sandbox; a second Ctrl-C leaves at once.
  const interrupt = new AbortController();
  const onSigint = () => {
    if (interrupt.signal.aborted) process.exit(130);
    console.error('\nstopping: deleting the sandbox (Ctrl-C again to leave now)');
    interrupt.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSigint);
  try {
    const report = await runVerify({
      target,
      apiKey,
      budgetSeconds: budget,
      allowances,
      ...(values.template ? { template: values.template } : {}),
      signal: interrupt.signal,
      progress: (line) => console.error(`▸ ${line}`),
    });
    console.log(terminalReport(report));
    if (values.json) await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
    if (values.markdown) await writeFile(values.markdown, markdownReport(report));
    return exitCodeOf(report, values['fail-on'] === 'info' ? 'info' : 'error');
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      target: { type: 'string' },
      live: { type: 'boolean' },
      local: { type: 'boolean' },
      'api-key': { type: 'string' },
      json: { type: 'string' },
      markdown: { type: 'string' },
      allow: { type: 'string' },
      budget: { type: 'string' },
      template: { type: 'string' },
      'fail-on': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}

// Run when started as a program (not when a test imports main()).
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: Error) => {
      console.error(error.message);
      process.exitCode = 2;
    },
  );
}
