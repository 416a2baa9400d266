// The type-level check of a spec change: the previous release's type tests and the examples of its
// guides and README, compiled against today's sources (the regenerated client). What no longer
// compiles is what the change breaks in users' code, named file and line; a `@ts-expect-error`
// that is no longer needed only means a type got looser, and is not reported.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import type { Change } from './change.js';
import { git } from './load-side.js';
import { toSourceImports, typescriptBlocks } from './typescript-blocks.js';

export type TypesSource = { kind: 'ref'; ref: string } | { kind: 'dir'; dir: string };

interface Written {
  /** Where it came from, for the report: `type-tests/errors.test-d.ts:12`, `guides/quickstart.md:40`. */
  origin: (line: number) => string;
  file: string;
}

/** TypeScript's code for an unused `@ts-expect-error`: a type got looser, which breaks nobody. */
const UNUSED_EXPECT_ERROR = 2578;

export function typeCheckPrevious(source: TypesSource, root: string): Change[] {
  const outDir = join(root, '.tmp/previous-release');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const written: Written[] = [];
  for (const { name, text } of previousFiles(source, root, 'type-tests')) {
    const file = join(outDir, name);
    // Type tests import the sources by relative path (`../../src/index.js`): point them at today's.
    writeFileSync(
      file,
      text.replace(/(['"])(?:\.\.\/)+src\//g, (_, quote: string) => `${quote}${relative(outDir, join(root, 'src'))}/`),
    );
    written.push({ file, origin: (line) => `${label(source)}type-tests/${name}:${line}` });
  }
  for (const { name, text } of previousFiles(source, root, 'guides')) {
    typescriptBlocks(text).forEach(({ line, code }, index) => {
      const file = join(outDir, `${name.replace(/\.md$/, '')}-${index + 1}.ts`);
      // Lines kept 1:1 with the Markdown: a message's line maps back to the guide.
      writeFileSync(file, `${toSourceImports(code, outDir, root)}\nexport {};\n`);
      written.push({ file, origin: (at) => `${label(source)}guides/${name}:${line + at - 1}` });
    });
  }
  const program = ts.createProgram(
    written.map((w) => w.file),
    {
      strict: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      types: ['node'],
      skipLibCheck: true,
      noEmit: true,
    },
  );
  const byFile = new Map(written.map((w) => [w.file, w]));
  const changes: Change[] = [];
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    if (diagnostic.code === UNUSED_EXPECT_ERROR || !diagnostic.file) continue;
    const from = byFile.get(diagnostic.file.fileName);
    if (!from) continue;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    changes.push({
      id: 'client-code-no-longer-compiles',
      level: 'breaking',
      operation: null,
      pointer: from.origin(line + 1),
      message: ts.flattenDiagnosticMessageText(diagnostic.messageText, ' '),
    });
  }
  return changes.sort((a, b) => a.pointer.localeCompare(b.pointer, 'en', { numeric: true }));
}

function label(source: TypesSource): string {
  return source.kind === 'dir'
    ? `${source.dir
        .split('\\')
        .join('/')
        .replace(/^.*?(releases\/)/, '$1')}/`
    : `${source.ref}:`;
}

/** The previous release's type tests (`type-tests`) or guides and README (`guides`). */
function previousFiles(
  source: TypesSource,
  root: string,
  kind: 'type-tests' | 'guides',
): { name: string; text: string }[] {
  if (source.kind === 'dir') {
    const dir = join(source.dir, kind);
    return readdirSync(dir)
      .filter((name) => (kind === 'guides' ? name.endsWith('.md') : name.endsWith('.ts')))
      .sort()
      .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
  }
  const paths =
    kind === 'type-tests'
      ? list(source.ref, 'test/types', root).filter((p) => p.endsWith('.ts'))
      : ['README.md', ...list(source.ref, 'docs/guides-src', root).filter((p) => p.endsWith('.md'))];
  return paths.map((path) => ({
    name: path.replace(/^.*\//, ''),
    text: execFileSync('git', ['show', `${source.ref}:${path}`], { cwd: root, encoding: 'utf8' }),
  }));
}

function list(ref: string, dir: string, root: string): string[] {
  return (git(['ls-tree', '-r', '--name-only', ref, dir], root) ?? '').split('\n').filter(Boolean).sort();
}
