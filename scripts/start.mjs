// `npm start`: build everything, start the local HopX (both APIs, with state and real code),
// serve the docs, print the URLs, and run the tour against it. Ctrl-C stops everything.
//
//   --once            exit after the tour (the tests use it)
//   --skip-build      reuse the last build (generated/, docs/, dist/, the compiled tour)
//   --port <n>        the local HopX's Control Plane (default 4011; or HOPX_LOCAL_PORT)
//   --docs-port <n>   the docs site (default 4012; or DOCS_PORT)
//
// However npm start ends (the tour failing, an error, Ctrl-C, SIGTERM), nothing it started keeps
// running: the local HopX deletes every sandbox (each sandbox's namespace also ends by itself when
// this process is gone, even after SIGKILL), and the tour exits with it (see exit-with-parent.cjs).
// Prism, which answers from the spec's examples, stays available as `npm run mock`.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { choosePort, PortTakenError } from './ports.mjs';
import { serveStatic } from './serve-static.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const exitWithParent = fileURLToPath(new URL('./exit-with-parent.cjs', import.meta.url));

const flags = (() => {
  try {
    return parseArgs({
      options: {
        once: { type: 'boolean', default: false },
        'skip-build': { type: 'boolean', default: false },
        port: { type: 'string' },
        'docs-port': { type: 'string' },
      },
    }).values;
  } catch (error) {
    console.error(`npm start: ${error.message}`);
    process.exit(2);
  }
})();

/** What must stop when npm start ends, in the order it was started. */
const running = [];
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled(running.reverse().map((server) => server.close()));
  process.exit(code);
}
process.once('SIGINT', () => stop(0));
process.once('SIGTERM', () => stop(0));
process.once('SIGHUP', () => stop(0));
process.on('uncaughtException', (error) => fail(error));
process.on('unhandledRejection', (error) => fail(error));

function fail(error) {
  console.error(error instanceof PortTakenError ? error.message : `npm start failed: ${error?.stack ?? error}`);
  void stop(1);
}

await main().catch(fail);

async function main() {
  // Ports first: a taken one stops npm start before it spends time building.
  const ports = {};
  for (const [name, what, flag, env, fallback] of [
    ['hopx', 'local HopX', '--port', 'HOPX_LOCAL_PORT', 4011],
    ['docs', 'docs site', '--docs-port', 'DOCS_PORT', 4012],
  ]) {
    const chosen = flags[flag.slice(2)] ?? process.env[env];
    const { port, note } = await choosePort({ what, chosen, flag, env, fallback });
    if (note) console.log(`▸ ${note}`);
    ports[name] = port;
  }

  const step = (what, ...command) => {
    console.log(`▸ ${what}`);
    try {
      execFileSync(process.execPath, command, { cwd: root, stdio: 'pipe', encoding: 'utf8' });
    } catch (error) {
      // Quiet when it works (Redocly prints a Node 20 banner every run); everything when it fails.
      console.error(`${error.stdout ?? ''}${error.stderr ?? ''}`);
      process.exit(1);
    }
  };

  if (!flags['skip-build']) {
    step('lint, bundle and generate types (npm run generate)', 'scripts/generate.mjs');
    if (existsSync(join(root, 'scripts/build-docs.mjs')))
      step('build the docs site (npm run docs)', 'scripts/build-docs.mjs');
    step('compile the client (npm run build)', require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json');
    step(
      'compile the tour',
      require.resolve('typescript/bin/tsc'),
      'docs/examples/tour.ts',
      '--outDir',
      '.tmp/examples',
      '--rootDir',
      'docs/examples',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--strict',
      '--skipLibCheck',
      '--types',
      'node',
    );
  }

  // The built package's own entry point: what `hopx-api/local` users get.
  const { startLocalHopx } = await import('../dist/src/local/index.js');
  const { banner } = await import('../dist/src/local/start-banner.js');
  const local = await startLocalHopx({ port: ports.hopx, log: (line) => console.error(line) });
  running.push(local);
  const docs = await serveStatic(join(root, 'docs'), ports.docs);
  running.push(docs);
  console.log(`\n${banner(local)}\n\n  Docs            ${docs.url}\n`);

  console.log('▸ the tour (docs/examples/tour.ts) against the local HopX');
  const tour = spawn(process.execPath, ['--require', exitWithParent, '.tmp/examples/tour.js'], {
    cwd: root,
    stdio: ['pipe', 'inherit', 'inherit'],
    env: { ...process.env, HOPX_BASE_URL: local.url, HOPX_API_KEY: local.apiKey },
  });
  tour.stdin.on('error', () => {});
  running.push({
    close: () =>
      new Promise((resolve) => {
        if (tour.exitCode !== null || tour.signalCode !== null) return resolve();
        tour.once('exit', resolve);
        tour.kill('SIGTERM');
      }),
  });
  const tourCode = await new Promise((resolve) => tour.on('exit', resolve));
  if (tourCode !== 0) {
    console.error(`\n✘ tour failed (exit ${tourCode}); everything is stopped`);
    await stop(1);
  }
  console.log('\n✔ tour finished');
  if (flags.once) await stop(0);
  else console.log(`\nThe local HopX and the docs keep running (${local.url}, ${docs.url}). Ctrl-C stops everything.`);
}
