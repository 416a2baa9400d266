// The TypeScript examples of a Markdown file, made compilable against this repository's sources:
// used by the guide tests (every example compiles today) and by `npm run diff --types` (the
// previous release's examples still compile against the regenerated client).
import { join, relative } from 'node:path';

/** The fenced TypeScript blocks of a Markdown text (also indented ones, as in list items), with the Markdown line of their first code line. */
export function typescriptBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i] ?? '');
    if (!open) continue;
    const [, indent = '', fence = '```', info = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] ?? '';
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(line);
      if (close?.[1] && close[1][0] === fence[0] && close[1].length >= fence.length) break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    if (/^(ts|typescript)$/i.test(info)) blocks.push({ line: i + 2, code: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** Points `hopx-api`, `hopx-api/template-build` and `hopx-api/local` imports at the sources under `root`, relative to `dir`. */
export function toSourceImports(code: string, dir: string, root: string): string {
  const target = (entry: string) => relative(dir, join(root, entry)).split('\\').join('/');
  const entries: Record<string, string> = {
    '': 'src/index.js',
    '/template-build': 'src/template-build/index.js',
    '/local': 'src/local/index.js',
  };
  return code.replace(
    /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])hopx-api(\/template-build|\/local)?\2/g,
    (_, keyword: string, quote: string, sub?: string) =>
      `${keyword}${quote}${target(entries[sub ?? ''] ?? 'src/index.js')}${quote}`,
  );
}
