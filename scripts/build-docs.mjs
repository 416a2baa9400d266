// `npm run docs`: writes the offline docs site into docs/.
//
//   docs/reference.html   Redoc (`redocly build-docs --inlineBundle`): one self-contained file, built
//                         from the bundle of API `main` plus a badge on every operation that no
//                         official client uses (from its `x-evidence`; see addEvidenceBadges).
//                         Its footer logo pointed at cdn.redoc.ly; it is swapped for an inline SVG,
//                         so opening the page fetches nothing from another machine.
//   docs/guides/*.html    docs/guides-src/*.md rendered with marked.
//   docs/index.html       the landing page: the reference and the guides.
//   docs/style.css        copied from docs/guides-src/style.css (the only stylesheet; no fonts, no CDN).
//
// The output depends only on its sources, so it is committed. `--check` builds in memory and exits 1
// (writing nothing) when the committed docs/ differs from a fresh build.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Marked } from 'marked';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('..', import.meta.url));
const docs = join(root, 'docs');
const sources = join(docs, 'guides-src');
const check = process.argv.includes('--check');
const started = Date.now();

/** Guides in reading order; any other guide follows, alphabetically. */
const ORDER = [
  'quickstart',
  'authentication',
  'errors-and-retries',
  'streaming',
  'files-and-uploads',
  'local-hopx',
  'verify',
  'regenerating-the-client',
];

/** Every file of the site: path relative to docs/ → contents. */
const site = new Map();

// --- The API reference -------------------------------------------------------------------------

site.set('reference.html', buildReference());

function buildReference() {
  const scratch = mkdtempSync(join(tmpdir(), 'hopx-docs-'));
  const out = join(scratch, 'reference.html');
  const redocly = (...args) =>
    execFileSync(process.execPath, [require.resolve('@redocly/cli/bin/cli.js'), ...args], {
      cwd: root,
      stdio: 'pipe', // quiet when it works (Redocly prints a Node 20 banner on every run)
      encoding: 'utf8',
    });
  try {
    // Badges are a view of x-evidence, not part of the spec: add them to a copy of the bundle.
    const bundle = JSON.parse(redocly('bundle', 'main', '--ext', 'json'));
    addEvidenceBadges(bundle);
    describeClientFacts(bundle);
    const withBadges = join(scratch, 'openapi.json');
    writeFileSync(withBadges, JSON.stringify(bundle));
    redocly('build-docs', withBadges, '--inlineBundle', '--title', 'HopX API reference', '-o', out);
    return postProcessReference(readFileSync(out, 'utf8'));
  } catch (error) {
    console.error(`${error.stdout ?? ''}${error.stderr ?? ''}`);
    throw error;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Redoc shows an operation's `x-badges` next to its title. An operation that no official client calls
 * (only the docs or the upstream spec name it) gets one badge naming its sources, so a reader knows
 * that its shape is less certain than the rest.
 */
function addEvidenceBadges(bundle) {
  // The sources that show an official client using the operation, as `x-evidence` names them.
  const CLIENT_EVIDENCE = ['sdk-js', 'sdk-python', 'cli'];
  const EVIDENCE_LABELS = {
    docs: 'docs',
    'upstream-spec': 'upstream spec',
    'sdk-js': 'JS SDK',
    'sdk-python': 'Python SDK',
    cli: 'CLI',
  };
  for (const pathItem of Object.values(bundle.paths ?? {})) {
    for (const operation of Object.values(pathItem)) {
      const evidence = operation?.['x-evidence'];
      if (!Array.isArray(evidence) || evidence.some((source) => CLIENT_EVIDENCE.includes(source))) continue;
      const sources = evidence.map((source) => EVIDENCE_LABELS[source] ?? source).join(', ');
      operation['x-badges'] = [
        ...(operation['x-badges'] ?? []),
        { name: `No SDK evidence (${sources} only)`, color: '#b45309', position: 'after' },
      ];
    }
  }
}

/**
 * What the spec's client-facing extensions mean, said in the docs where a reader looks: the same
 * x-idempotent, x-timeout and x-websocket that `npm run generate` turns into the clients' tables, so
 * an edit to openapi.yaml changes the client and the reference at once.
 */
function describeClientFacts(bundle) {
  const name = (ref) => `\`${ref.replace('#/components/schemas/', '')}\``;
  for (const [path, pathItem] of Object.entries(bundle.paths ?? {})) {
    for (const [method, operation] of Object.entries(pathItem)) {
      if (!operation || typeof operation !== 'object' || !operation.operationId) continue;
      const facts = [];
      if (operation['x-idempotent'])
        facts.push(`safe to send twice (\`x-idempotent\`), so the client retries it after a lost response`);
      const timeout = operation['x-timeout'];
      if (timeout?.seconds) facts.push(`the client waits up to ${timeout.seconds} s for it by default (\`x-timeout\`)`);
      if (timeout?.fromBody)
        facts.push(
          `the client waits for the run's own \`${timeout.fromBody}\` plus ${timeout.margin} s (\`x-timeout\`)`,
        );
      const socket = operation['x-websocket'];
      if (socket) {
        const end = socket.final
          ? `its last message is \`${socket.final}\`, after which the client closes`
          : 'it has no last message: it runs until one side closes';
        facts.push(
          `after the upgrade the client sends ${name(socket.client)} messages and the server ${name(socket.server)} messages; ${end} (\`x-websocket\`)`,
        );
      }
      if (facts.length === 0) continue;
      operation.description = `${operation.description ?? ''}\n\n**Client behaviour** (${method.toUpperCase()} ${path}): ${facts.join('; ')}.`;
    }
  }
}

function postProcessReference(html) {
  // 1. The only things the page would load from elsewhere: Redocly's footer logo (two variants).
  const logo = `data:image/svg+xml,${encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="20" viewBox="0 0 120 20">' +
      '<text x="0" y="15" font-family="sans-serif" font-size="13" fill="#6b7280">Redocly</text></svg>',
  )}`;
  for (const url of ['https://cdn.redoc.ly/redoc/logo-mini-full.svg', 'https://cdn.redoc.ly/redoc/logo-mini.svg']) {
    if (!html.includes(url))
      throw new Error(
        `build-docs: expected Redoc's logo URL ${url} in the page; Redoc changed, check what it loads now`,
      );
    html = html.replaceAll(url, logo);
  }
  // 2. No telemetry, whatever Redoc's default.
  html = html.replace(
    /const __redoc_options = (\{.*?\});/,
    (_, json) => `const __redoc_options = ${JSON.stringify({ ...JSON.parse(json), disableTelemetry: true })};`,
  );
  // 3. Redoc routes with the URL hash (`#/files/uploadfile`), but its prerendered menu links are
  //    `/files`, which hydration keeps: opened in a new tab (or clicked before the script runs)
  //    they point at the server root and 404. Give them the hash form the client renders itself.
  const start = html.indexOf('<div id="redoc">');
  const end = html.indexOf('<script type="module">', start);
  if (start === -1 || end === -1) throw new Error("build-docs: cannot find Redoc's prerendered markup");
  html = html.slice(0, start) + html.slice(start, end).replaceAll('href="/', 'href="#/') + html.slice(end);
  // 4. A bar linking back to the landing page, above Redoc's own markup (outside its React root).
  const body = '\n<body>\n';
  if (html.indexOf(body) === -1 || html.indexOf(body) !== html.lastIndexOf(body))
    throw new Error('build-docs: cannot find the <body> of the Redoc page');
  const bar =
    '<nav id="hopx-docs-bar" style="font:14px/1.4 system-ui,sans-serif;padding:6px 16px;border-bottom:1px solid #e5e7eb;background:#f8fafc">' +
    '<a href="index.html" style="color:#1d4ed8;text-decoration:none">&larr; hopx-api docs</a>' +
    '<span style="color:#6b7280"> &middot; API reference, generated from openapi.yaml by <code>npm run docs</code></span></nav>\n';
  html = html.replace(body, `${body}${bar}`);
  // The bundle names other CDN addresses (icon sets) that this page never loads: the docs test opens
  // the page in Chromium and fails on any request that leaves 127.0.0.1.
  return html;
}

// --- The guides --------------------------------------------------------------------------------

const guideNames = readdirSync(sources)
  .filter((f) => f.endsWith('.md'))
  .map((f) => basename(f, '.md'))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
function rank(name) {
  const i = ORDER.indexOf(name);
  return i === -1 ? ORDER.length : i;
}

const guides = guideNames.map((name) => {
  const markdown = readFileSync(join(sources, `${name}.md`), 'utf8');
  const marked = markdownFor();
  const tokens = marked.lexer(markdown);
  // lexer() + parser() skip the walkTokens option (only parse() runs it): walk them here.
  marked.walkTokens(tokens, (token) => rewriteLink(name, token));
  const heading = tokens.find((t) => t.type === 'heading' && t.depth === 1);
  if (!heading) throw new Error(`build-docs: docs/guides-src/${name}.md needs a "# Title" first line`);
  const intro = tokens.find((t) => t.type === 'paragraph');
  return {
    name,
    title: heading.text,
    // The first paragraph, as the index's one-line description (its links would point elsewhere from there).
    summary: intro ? String(markdownFor().parseInline(intro.text)).replace(/<\/?a\b[^>]*>/g, '') : '',
    body: marked.parser(tokens),
  };
});

for (const [i, guide] of guides.entries()) {
  const previous = guides[i - 1];
  const next = guides[i + 1];
  const pager = [
    previous ? `<a rel="prev" href="${previous.name}.html">&larr; ${escapeHtml(previous.title)}</a>` : '<span></span>',
    next ? `<a rel="next" href="${next.name}.html">${escapeHtml(next.title)} &rarr;</a>` : '<span></span>',
  ].join('\n      ');
  site.set(
    `guides/${guide.name}.html`,
    page({
      title: guide.title,
      up: '../',
      main: `${guide.body}
    <nav class="pager">
      ${pager}
    </nav>`,
      source: `docs/guides-src/${guide.name}.md`,
    }),
  );
}

/** `.md` links between guides point at the pages they become; a link to any other `.md` is an error. */
function rewriteLink(name, token) {
  if (token.type !== 'link' || /^[a-z][a-z0-9+.-]*:/i.test(token.href) || token.href.startsWith('#')) return;
  const [path, hash] = token.href.split('#');
  if (!path.endsWith('.md')) return;
  const target = basename(path, '.md');
  if (path.includes('/') || !existsSync(join(sources, `${target}.md`))) {
    throw new Error(
      `build-docs: docs/guides-src/${name}.md links to ${token.href}, which is not a guide (link guides by file name, the reference as ../reference.html)`,
    );
  }
  token.href = `${target}.html${hash === undefined ? '' : `#${hash}`}`;
}

/** A marked instance for one guide: GitHub-flavoured, with an id (and a # link) on every heading. */
function markdownFor() {
  const slugs = new Map();
  const marked = new Marked({
    gfm: true,
    renderer: {
      heading({ tokens, depth }) {
        const html = this.parser.parseInline(tokens);
        const base =
          html
            .replace(/<[^>]+>/g, '')
            .toLowerCase()
            .replace(/&[a-z#0-9]+;/g, '')
            .replace(/[^a-z0-9]+/g, '-')
            .replace(/^-|-$/g, '') || 'section';
        const count = slugs.get(base) ?? 0;
        slugs.set(base, count + 1);
        const id = count ? `${base}-${count}` : base;
        return depth === 1
          ? `<h1 id="${id}">${html}</h1>\n`
          : `<h${depth} id="${id}"><a class="anchor" href="#${id}">#</a>${html}</h${depth}>\n`;
      },
    },
  });
  return marked;
}

// --- The landing page and the stylesheet -------------------------------------------------------

site.set(
  'index.html',
  page({
    title: 'hopx-api documentation',
    up: '',
    main: `<h1>hopx-api documentation</h1>
    <p>A TypeScript client for the <a href="https://hopx.ai">HopX</a> sandbox platform, generated from one OpenAPI 3.1
    description of its two HTTP APIs: the <strong>Control Plane</strong> (sandboxes, templates, builds) and the
    <strong>VM Agent</strong> that runs inside each sandbox (code, commands, files, desktop).</p>
    <section class="cards">
      <a class="card" href="reference.html">
        <h2>API reference</h2>
        <p>Every operation of both APIs, its parameters, bodies, responses and examples, with search.
        WebSocket routes list their messages; event streams their events.</p>
      </a>
    </section>
    <h2 id="guides">Guides</h2>
    <ol class="guides">
${guides.map((g) => `      <li><a href="guides/${g.name}.html">${escapeHtml(g.title)}</a><br><span>${g.summary}</span></li>`).join('\n')}
    </ol>`,
    source: 'scripts/build-docs.mjs',
  }),
);

site.set('style.css', readFileSync(join(sources, 'style.css'), 'utf8'));

function page({ title, up, main, source }) {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)}${title.startsWith('hopx-api') ? '' : ' · hopx-api'}</title>
  <link rel="stylesheet" href="${up}style.css">
</head>
<body>
  <header class="site">
    <a class="home" href="${up}index.html">hopx-api docs</a>
    <nav>
      <a href="${up}reference.html">API reference</a>
      <a href="${up}index.html#guides">Guides</a>
    </nav>
  </header>
  <main>
    ${main}
  </main>
  <footer>Generated from <code>${source}</code> by <code>npm run docs</code>. <a href="${up}index.html">Back to the index</a>.</footer>
</body>
</html>
`;
}

function escapeHtml(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// --- Write, or compare ---------------------------------------------------------------------------

/** The generated files now in docs/ (guides/ is entirely generated). */
function existing() {
  const files = ['reference.html', 'index.html', 'style.css'].filter((f) => existsSync(join(docs, f)));
  const dir = join(docs, 'guides');
  if (existsSync(dir)) files.push(...readdirSync(dir).map((f) => `guides/${f}`));
  return files;
}

const stale = [];
for (const [path, text] of site) {
  let committed;
  try {
    committed = readFileSync(join(docs, path), 'utf8');
  } catch {}
  if (committed !== text) stale.push(path);
}
const extra = existing().filter((path) => !site.has(path));

if (check) {
  if (stale.length || extra.length) {
    console.error(
      `docs/ is stale: ${[...stale, ...extra.map((p) => `${p} (no longer generated)`)].join(', ')}. Run npm run docs and commit the result.`,
    );
    process.exit(1);
  }
  console.log(`docs/ is up to date (${site.size} files, ${Date.now() - started} ms)`);
} else {
  for (const path of extra) rmSync(join(docs, path));
  mkdirSync(join(docs, 'guides'), { recursive: true });
  for (const path of stale) writeFileSync(join(docs, path), site.get(path));
  const changed = [...stale, ...extra];
  console.log(
    `docs/: ${changed.length ? `wrote ${stale.length}, removed ${extra.length} of ${site.size} files` : `${site.size} files already up to date`} (${Date.now() - started} ms)`,
  );
}
