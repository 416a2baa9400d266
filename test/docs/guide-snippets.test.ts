// Every ```ts block of the guides (docs/guides-src/*.md) and of README.md must compile against the
// real sources, as a reader would paste it: strict, ES modules, top-level await allowed.
//
// Each block is written to .tmp/snippets/ with `hopx-api` imports pointed at src/, then all of them
// are type-checked in one TypeScript program; each block is one test, failing with the compiler's
// messages at their line in the Markdown file.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { toSourceImports as toSources, typescriptBlocks } from '../../src/spec-diff/typescript-blocks.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outDir = join(root, '.tmp/snippets');
const guidesDir = join(root, 'docs/guides-src');

/** The options a reader's project would plausibly have (not this repository's stricter ones). */
const compilerOptions: ts.CompilerOptions = {
  strict: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
  types: ['node'],
  skipLibCheck: true,
  noEmit: true,
};

interface Snippet {
  /** `docs/guides-src/quickstart.md` */
  source: string;
  /** 1-based position among the file's TypeScript blocks. */
  index: number;
  /** Line in the Markdown file of the block's first code line (1-based). */
  line: number;
  code: string;
  /** Where it is written for the compiler. */
  file: string;
}

/** Points `hopx-api` imports at this repository's sources, relative to `dir`. */
const toSourceImports = (code: string, dir: string) => toSources(code, dir, root);

const sources = [
  'README.md',
  ...readdirSync(guidesDir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/guides-src/${f}`),
];
const guides = sources.filter((s) => s.startsWith('docs/'));

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const snippets: Snippet[] = sources.flatMap((source) =>
  typescriptBlocks(readFileSync(join(root, source), 'utf8')).map(({ line, code }, i) => {
    const name = source === 'README.md' ? 'readme' : `guide-${source.replace(/^.*\//, '').replace(/\.md$/, '')}`;
    const file = join(outDir, `${name}-${i + 1}.ts`);
    // Lines are kept 1:1 with the Markdown, so a message's line maps straight back to the guide.
    writeFileSync(file, `${toSourceImports(code, outDir)}\nexport {};\n`);
    return { source, index: i + 1, line, code, file };
  }),
);

// A snippet that must NOT compile: proves the checker really reads the sources and is strict.
const canary = join(outDir, 'canary-must-fail.ts');
writeFileSync(
  canary,
  toSourceImports(
    [
      "import { createControlPlaneClient } from 'hopx-api';",
      'const hopx = createControlPlaneClient({ throwOnError: true });',
      "await hopx.POST('/execute', { body: { code: 'print(1)' } });", // an agent path on the Control Plane client
      "const sandbox = await hopx.POST('/v1/sandboxes', { body: { template_name: 1 } });", // wrong type
      'export const id: number = sandbox.id;', // a string is not a number
      '',
    ].join('\n'),
    outDir,
  ),
);

let program: ts.Program;
const format = (diagnostic: ts.Diagnostic, snippet?: Snippet): string => {
  const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  if (!diagnostic.file || diagnostic.start === undefined) return `TS${diagnostic.code}: ${text}`;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const where =
    snippet && diagnostic.file.fileName === snippet.file
      ? `${snippet.source}:${snippet.line + line}:${character + 1}`
      : `${relative(root, diagnostic.file.fileName)}:${line + 1}:${character + 1}`;
  return `${where} - TS${diagnostic.code}: ${text}`;
};
const diagnosticsOf = (file: string) => {
  const sourceFile = program.getSourceFile(file);
  if (!sourceFile) throw new Error(`${file} is not part of the program`);
  return [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)];
};

beforeAll(() => {
  program = ts.createProgram([...snippets.map((s) => s.file), canary], compilerOptions);
}, 120_000);

describe('code blocks in the guides and the README compile', () => {
  it('found TypeScript blocks in README.md and in every guide', () => {
    expect(guides.length).toBeGreaterThanOrEqual(6);
    const empty = sources.filter((source) => !snippets.some((s) => s.source === source));
    expect(empty, 'files without a ```ts block').toEqual([]);
  });

  it('the checker is set up right (and rejects a broken snippet)', () => {
    expect([...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map((d) => format(d))).toEqual([]);
    const messages = diagnosticsOf(canary).map((d) => format(d));
    // One error per broken line (3, 4 and 5 of the canary), each for the expected reason.
    expect(messages.map((m) => m.replace(/^.*?:(\d+):\d+ - (TS\d+).*$/s, '$1 $2'))).toEqual([
      '3 TS2345',
      '4 TS2322',
      '5 TS2322',
    ]);
    expect(messages[0]).toContain('"/execute"');
  });

  it.each(snippets.map((s) => [`${s.source} #${s.index} (line ${s.line})`, s] as const))('%s', (_name, snippet) => {
    const errors = diagnosticsOf(snippet.file).map((d) => format(d, snippet));
    if (errors.length) {
      throw new Error(
        `${snippet.source}, TypeScript block #${snippet.index} (compiled as ${relative(root, snippet.file)}) does not compile:\n${errors.join('\n')}`,
      );
    }
  });
});
