// The client core (everything but Node's `ws` and file helpers) runs in a browser: bundled for the
// browser, loaded in headless Chromium, it makes typed calls to the Prism mock (CORS is on).
import { createServer } from 'node:http';
import { build } from 'esbuild';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { spec } from '../spec/bundled-spec.js';
import { launchChromium, recordedPage } from '../support/chromium.js';

let closeAll: (() => Promise<void>) | undefined;
afterAll(() => closeAll?.());

describe('the client in a browser', () => {
  it('makes typed calls to Prism from headless Chromium, with nothing fetched off the machine', async () => {
    const bundle = await build({
      entryPoints: [new URL('./fixtures/browser-call.ts', import.meta.url).pathname],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      target: 'chrome120',
      // Loaded only on the Node paths (WebSocket in Node, local files), never by these calls.
      external: ['ws', 'node:*'],
    });
    const js = bundle.outputFiles[0]!.text;
    expect(js).not.toMatch(/from ["']node:/);
    const page = `<!doctype html><meta charset="utf-8"><title>hopx-api in a browser</title><script type="module" src="/client.js"></script>`;
    const server = createServer((req, res) => {
      if (req.url === '/client.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      else res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const browser = await launchChromium();
    closeAll = async () => {
      await browser.close();
      await new Promise((r) => server.close(r));
    };
    const { page: tab, offMachine } = await recordedPage(browser);
    await tab.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
    await tab.waitForFunction(() => typeof (globalThis as { runCall?: unknown }).runCall === 'function');
    const result = await tab.evaluate((prismUrl) => (globalThis as any).runCall(prismUrl), inject('prismUrl'));
    // Prism answers the spec's first example for GET /v1/sandboxes/{id}.
    const example = spec.paths['/v1/sandboxes/{id}'].get.responses['200'].content['application/json'];
    const expected = example.example ?? Object.values<any>(example.examples)[0].value;
    expect(result).toEqual({
      id: expected.id,
      status: expected.status,
      templateName: expected.template_name,
      notFound: 'SandboxNotFoundError SANDBOX_NOT_FOUND',
    });
    expect(offMachine).toEqual([]);
  }, 60_000);
});
