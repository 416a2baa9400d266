// Importing `hopx-api` loads the client only: nothing of the local HopX (hopx-api/local) or of the
// template builder, and none of their dependencies (ajv, busboy, node-pty, tar), so the core stays
// a few KiB and runs in any fetch runtime.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('the client core bundle holds no local HopX code and none of its dependencies', async () => {
  const result = await build({
    entryPoints: [`${root}src/index.ts`],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'browser',
    // `ws` and `node:*` are loaded only in Node, by dynamic imports a browser never reaches.
    external: ['ws', 'node:*'],
    minify: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(
    inputs.filter((path) =>
      /src\/local\/|src\/template-build\/|node_modules\/(ajv|ajv-formats|busboy|@lydell|tar)\//.test(path),
    ),
  ).toEqual([]);
  expect(inputs.some((path) => path.includes('src/agent-client.ts'))).toBe(true);
  const bytes = result.outputFiles[0]?.contents.byteLength ?? Number.POSITIVE_INFINITY;
  // About 55 KiB minified today (openapi-fetch and eventsource-parser included): a ceiling against an
  // accidental dependency, not a target.
  expect(bytes).toBeLessThan(80 * 1024);
});
