// `npm start`: build everything, start the local mock (Prism for the REST routes, the stream mock
// for SSE and WebSocket, one address for both), serve the docs, print the URLs, and run the tour.
// Ctrl-C stops everything. `--once` exits after the tour (used by the tests).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPrism } from './prism.mjs';
import { serveStatic } from './serve-static.mjs';
import { startStreamMock } from './stream-mock.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const once = process.argv.includes('--once');
const port = (name, fallback) => Number(process.env[name] ?? fallback);
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

step('lint, bundle and generate types (npm run generate)', 'scripts/generate.mjs');
if (existsSync(join(root, 'scripts/build-docs.mjs'))) step('build the docs site (npm run docs)', 'scripts/build-docs.mjs');
step('compile the client (npm run build)', require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json');
step('compile the tour', require.resolve('typescript/bin/tsc'), 'docs/examples/tour.ts', '--outDir', '.tmp/examples', '--rootDir', 'docs/examples', '--module', 'nodenext',
  '--moduleResolution', 'nodenext', '--target', 'es2022', '--strict', '--skipLibCheck', '--types', 'node');

const prism = await startPrism({ port: port('PRISM_PORT', 4010) });
const mock = await startStreamMock({ port: port('MOCK_PORT', 4011), prismUrl: prism.url });
const docs = await serveStatic(join(root, 'docs'), port('DOCS_PORT', 4012));
console.log(`
  HopX API mock (both APIs)  ${mock.url}
  Prism (REST only)          ${prism.url}
  Docs                       ${docs.url}
`);

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled([mock.close(), prism.stop(), docs.close()]);
  process.exit(code);
}
process.once('SIGINT', () => stop(0));
process.once('SIGTERM', () => stop(0));

console.log('▸ the tour (docs/examples/tour.ts) against the mock');
const tour = spawn(process.execPath, ['.tmp/examples/tour.js'], { cwd: root, stdio: 'inherit', env: { ...process.env, HOPX_BASE_URL: mock.url } });
const tourCode = await new Promise((resolve) => tour.on('exit', resolve));
console.log(tourCode === 0 ? '\n✔ tour finished' : `\n✘ tour failed (exit ${tourCode})`);
if (once) await stop(tourCode === 0 ? 0 : 1);
else console.log(`\nThe mock and the docs keep running: open ${docs.url}. Ctrl-C stops everything.`);
