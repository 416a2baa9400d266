// The docs site, opened in a real browser (Debian's Chromium, driven by playwright-core), served from
// 127.0.0.1 with every other address blocked and every request recorded:
// - docs/ is exactly what `npm run docs` builds now;
// - the Redoc reference lists every operation of generated/openapi.json under the two tag groups,
//   renders an operation, badges those no official client uses, and its search finds one;
// - the landing page and every guide render with the site's stylesheet, and their links resolve;
// - nothing was requested from anywhere but 127.0.0.1.
// Nothing is skipped: without /usr/bin/chromium every test fails and says how to install it (launchChromium).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without type declarations
import { serveStatic } from '../../scripts/serve-static.mjs';
import { launchChromium } from '../support/chromium.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const docs = join(root, 'docs');
const screenshot = join(root, '.tmp/docs-reference.png');

interface Operation {
  operationId: string;
  summary: string;
  tag: string;
  method: string;
  path: string;
}
const spec = JSON.parse(readFileSync(join(root, 'generated/openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, { operationId?: string; summary?: string; tags?: string[] }>>;
  'x-tagGroups': { name: string; tags: string[] }[];
};
const operations: Operation[] = Object.entries(spec.paths).flatMap(([path, item]) =>
  Object.entries(item).flatMap(([method, op]) =>
    op && typeof op === 'object' && op.operationId
      ? [{ operationId: op.operationId, summary: op.summary ?? '', tag: op.tags?.[0] ?? '', method, path }]
      : [],
  ),
);
const tagGroups = spec['x-tagGroups'];
const guideNames = readdirSync(join(docs, 'guides-src'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => f.replace(/\.md$/, ''));

/** Redoc's route for a tag: its name in lower case, words joined by `-` (`Template Builds` → `template-builds`). */
const tagRoute = (tag: string) =>
  `#/${tag
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}`;
/** Redoc's route for an operation: its tag's route, then the operationId in lower case. */
const operationRoute = (op: Operation) => `${tagRoute(op.tag)}/${op.operationId.toLowerCase()}`;

/** Local: this machine's loopback, or something that never touches the network. */
const isLocal = (url: string) => {
  const { protocol, hostname } = new URL(url);
  return ['data:', 'blob:', 'about:'].includes(protocol) || hostname === '127.0.0.1';
};

const requested: string[] = [];
let server: { url: string; close(): Promise<void> } | undefined;
let base: string;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  if (!existsSync(join(docs, 'reference.html'))) throw new Error('docs/reference.html is missing: run `npm run docs`.');
  const served: { url: string; close(): Promise<void> } = await serveStatic(docs);
  server = served;
  base = served.url.replace(/\/$/, '');
  // Fails with the apt-get line when Debian's Chromium is missing.
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  context.on('request', (request) => {
    requested.push(request.url());
  });
  context.on('page', (page) =>
    page.on('websocket', (socket) => {
      requested.push(socket.url());
    }),
  );
  // Whatever is not local is recorded (above) and never leaves the machine.
  await context.route('**/*', (route) =>
    isLocal(route.request().url()) ? route.continue() : route.abort('blockedbyclient'),
  );
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh tab on `path`, failing the test on any script error in the page. */
async function open(path: string): Promise<Page & { errors: string[] }> {
  const page = Object.assign(await context.newPage(), { errors: [] as string[] });
  page.on('pageerror', (error) => page.errors.push(error.message));
  const response = await page.goto(`${base}/${path}`, { waitUntil: 'load' });
  expect(response?.status(), `GET /${path}`).toBe(200);
  return page;
}

/**
 * Opens the reference on an operation and waits until Redoc's script has rendered it (the page is
 * prerendered on its overview only, so an operation's heading proves the client is running), then
 * until it stops scrolling to it.
 */
async function openReference(route = '#/files/uploadfile'): Promise<Page & { errors: string[] }> {
  const page = await open(`reference.html${route}`);
  await page.locator(`h2 a[href="${route}"]`).first().waitFor({ timeout: 10_000 });
  let last = '';
  await expect
    .poll(
      async () => {
        const now = await page.evaluate(() => `${window.scrollY}/${document.documentElement.scrollHeight}`);
        const settled = now === last;
        last = now;
        return settled;
      },
      { timeout: 10_000, interval: 250 },
    )
    .toBe(true);
  return page;
}

/** Goes to a route of the reference and waits until every one of `links` is in the page. */
async function goToRoute(page: Page, route: string, links: string[], timeout = 10_000): Promise<string[]> {
  await page.evaluate((hash) => {
    window.location.hash = hash;
  }, route);
  const present = () =>
    page.evaluate(
      (hrefs) => hrefs.filter((href) => document.querySelector(`a[href="${CSS.escape(href)}"]`) !== null),
      links,
    );
  try {
    await page.waitForFunction(
      (hrefs) => hrefs.every((href) => document.querySelector(`a[href="${CSS.escape(href)}"]`) !== null),
      links,
      { timeout },
    );
  } catch {
    // Fall through: the caller reports what is missing.
  }
  return present();
}

describe('the docs site in Chromium', () => {
  it('docs/ is what npm run docs builds now', () => {
    let output: string;
    try {
      output = execFileSync(process.execPath, ['scripts/build-docs.mjs', '--check'], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      throw new Error(`${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || String(error));
    }
    expect(output).toContain('docs/ is up to date');
  }, 30_000);

  it('reference.html lists every operation of the spec', async () => {
    const page = await openReference();
    expect(operations.length).toBeGreaterThan(90);
    // Redoc's menu shows the operations of the current tag, each a link to its route
    // (`#/files/uploadfile`: the operationId in lower case). Visit each tag and look for all of them.
    const missing: string[] = [];
    for (const tag of new Set(operations.map((o) => o.tag))) {
      const expected = operations.filter((o) => o.tag === tag);
      const found = new Set(await goToRoute(page, tagRoute(tag), expected.map(operationRoute)));
      for (const op of expected) {
        if (!found.has(operationRoute(op)))
          missing.push(
            `${op.operationId} (${op.method.toUpperCase()} ${op.path}, expected a link to ${operationRoute(op)})`,
          );
      }
    }
    expect(missing, 'operations missing from the reference').toEqual([]);
    expect(page.errors).toEqual([]);
    await page.close();
  }, 45_000);

  it('reference.html shows the two tag groups, each with its tags', async () => {
    const page = await openReference();
    expect(tagGroups.map((g) => g.name)).toEqual(['Control Plane', 'VM Agent']);
    // One measurement of the menu: each group's heading, then the top of each tag's entry.
    const layout = await page.evaluate(
      ({ groups, routes }) => {
        const top = (selector: string) => document.querySelector(selector)?.getBoundingClientRect().top ?? null;
        return {
          groups: groups.map((name) => top(`[data-text="${name}"]`)),
          tags: routes.map((route) => top(`a[href="${route}"]`)),
        };
      },
      { groups: tagGroups.map((g) => g.name), routes: tagGroups.flatMap((g) => g.tags.map(tagRoute)) },
    );
    expect(
      layout.groups.every((y) => y !== null),
      'both group headings are in the menu',
    ).toBe(true);
    const misplaced: string[] = [];
    let t = 0;
    for (const [i, group] of tagGroups.entries()) {
      const start = layout.groups[i]!;
      const end = layout.groups[i + 1] ?? Number.POSITIVE_INFINITY;
      for (const tag of group.tags) {
        const y = layout.tags[t++];
        if (y === null || y === undefined || !(y > start && y < end))
          misplaced.push(`${tag} is not listed under ${group.name}`);
      }
    }
    expect(misplaced).toEqual([]);
    await page.close();
  });

  it('reference.html renders an operation (Upload a file), with a link back to the index', async () => {
    const page = await openReference('#/files/uploadfile');
    const heading = page.locator('h2:has(a[href="#/files/uploadfile"])');
    expect(await heading.innerText()).toContain('Upload a file');
    // The heading is on screen (the screenshot shows the operation, not a blank scroll position).
    const box = await heading.boundingBox();
    expect(box && box.y >= 0 && box.y < 900, 'the heading is in the viewport').toBe(true);
    const text = await page.locator('#redoc').innerText();
    expect(text).toContain('/files/upload');
    expect(text).toContain('multipart/form-data');
    expect(await page.locator('#hopx-docs-bar a[href="index.html"]').count()).toBe(1);
    // Wait for the search index too, so the screenshot shows the finished page ("Search", not "Loading...").
    await page
      .getByText('Loading...')
      .first()
      .waitFor({ state: 'detached', timeout: 10_000 })
      .catch(() => {});
    mkdirSync(join(root, '.tmp'), { recursive: true });
    await page.screenshot({ path: screenshot });
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('reference.html says what x-idempotent, x-timeout and x-websocket mean for the client', async () => {
    // Added by scripts/build-docs.mjs from the same extensions generated/operations.ts is made from.
    const byKey = (method: string, path: string) => operations.find((o) => o.method === method && o.path === path)!;
    const terminal = operationRoute(byKey('get', '/terminal'));
    const page = await openReference(terminal);
    const paragraph = page.locator('p', { hasText: 'Client behaviour (GET /terminal)' }).first();
    await paragraph.waitFor({ timeout: 10_000 });
    const text = await paragraph.innerText();
    expect(text).toContain('its last message is exit, after which the client closes');
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('reference.html badges an operation that no official client uses, and only such an operation', async () => {
    // Built from x-evidence by scripts/build-docs.mjs: GET /v1/sandboxes/stream is named only by the docs.
    const byKey = (method: string, path: string) => operations.find((o) => o.method === method && o.path === path)!;
    const sseOnly = operationRoute(byKey('get', '/v1/sandboxes/stream'));
    const execute = operationRoute(byKey('post', '/execute'));
    const page = await openReference(sseOnly);
    const badgeOf = (route: string) => page.locator(`h2:has(a[href="${route}"]) [data-component-name="Tag/Tag"]`);
    // textContent: Redoc's tag style capitalises what it shows.
    expect(await badgeOf(sseOnly).textContent()).toBe('No SDK evidence (docs only)');
    await page.evaluate((hash) => {
      window.location.hash = hash;
    }, execute);
    await page.locator(`h2 a[href="${execute}"]`).first().waitFor({ timeout: 10_000 });
    expect(await page.locator(`h2:has(a[href="${execute}"])`).innerText()).toContain(
      'Run code and wait for the result',
    );
    expect(await badgeOf(execute).count()).toBe(0);
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it("reference.html's search finds an operation and goes to it", async () => {
    const page = await open('reference.html#/');
    const input = page.locator('[data-testid="search-dialog"] input');
    // The menu's search box opens the dialog; so does Ctrl+K. Retry until Redoc's script listens.
    await expect
      .poll(
        async () => {
          if (!(await input.count())) await page.keyboard.press('Control+k');
          return input.count();
        },
        { timeout: 15_000 },
      )
      .toBe(1);
    await input.fill('Upload a file');
    const hit = page.locator(
      '[data-testid="search-dialog"] a[data-component-name="Search/SearchItem"][href="#/files/uploadfile"]',
    );
    await hit.waitFor({ timeout: 10_000 });
    expect(await hit.innerText()).toContain('Upload a file');
    await hit.click();
    await page.locator('h2:has(a[href="#/files/uploadfile"])').waitFor({ timeout: 10_000 });
    expect(new URL(page.url()).hash).toBe('#/files/uploadfile');
    await page.close();
  });

  it('index.html and every guide render with the stylesheet, code and a link to the index', async () => {
    const index = await open('index.html');
    expect(await index.locator('h1').innerText()).toBe('hopx-api documentation');
    expect(await index.locator('a[href="reference.html"]').count()).toBeGreaterThan(0);
    expect(await index.locator('ol.guides a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(
      expect.arrayContaining(guideNames.map((name) => `guides/${name}.html`)),
    );
    // The stylesheet applied (its header bar has a border), so it loaded.
    expect(await index.locator('header.site').evaluate((e) => getComputedStyle(e).borderBottomStyle)).toBe('solid');
    await index.close();

    for (const name of guideNames) {
      const page = await open(`guides/${name}.html`);
      expect(await page.locator('main h1').count(), `${name}: one title`).toBe(1);
      expect(await page.locator('pre code.language-ts').count(), `${name}: TypeScript examples`).toBeGreaterThan(0);
      expect(await page.locator('header.site a.home[href="../index.html"]').count(), `${name}: link to the index`).toBe(
        1,
      );
      expect(
        await page.locator('header.site').evaluate((e) => getComputedStyle(e).borderBottomStyle),
        `${name}: styled`,
      ).toBe('solid');
      expect(page.errors).toEqual([]);
      await page.close();
    }
  });

  it('every link of the index and the guides resolves', async () => {
    const pages = ['index.html', ...guideNames.map((name) => `guides/${name}.html`)];
    const links = new Map<string, string>(); // absolute URL → the page that links it
    for (const path of pages) {
      const page = await open(path);
      for (const href of await page
        .locator('a[href]')
        .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href))) {
        if (!links.has(href)) links.set(href, path);
      }
      await page.close();
    }
    const broken: string[] = [];
    const referenceRoutes: [string, string][] = [];
    for (const [href, from] of links) {
      const url = new URL(href);
      if (!isLocal(href)) continue; // an external link is fine to show; it is never fetched here
      const response = await fetch(`${url.origin}${url.pathname}`);
      if (response.status !== 200) {
        broken.push(`${from}: ${url.pathname} answers ${response.status}`);
        continue;
      }
      const hash = decodeURIComponent(url.hash.slice(1));
      if (!hash) continue;
      if (url.pathname === '/reference.html') referenceRoutes.push([url.hash, from]);
      else if (!(await response.text()).includes(` id="${hash}"`))
        broken.push(`${from}: ${url.pathname} has no #${hash}`);
    }
    // Links into the reference name a Redoc route (`#/section/authentication`): its menu must have it.
    if (referenceRoutes.length) {
      const page = await openReference();
      for (const [route, from] of referenceRoutes) {
        if (!(await goToRoute(page, route, [route])).length)
          broken.push(`${from}: reference.html has no route ${route}`);
      }
      await page.close();
    }
    expect(links.size).toBeGreaterThan(10);
    expect(broken).toEqual([]);
  }, 45_000);

  it('nothing was requested from anywhere but 127.0.0.1', () => {
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.some((url) => url.endsWith('/style.css'))).toBe(true);
    expect(requested.filter((url) => !isLocal(url))).toEqual([]);
  });
});
