#!/usr/bin/env node
// `npm run diff -- [<base>] [<head>]`: what an edit to openapi.yaml breaks for clients generated
// from the older version. Exit 0: no breaking change; 1: breaking changes; 2: usage or input error.
import { realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Change } from './change.js';
import { diffSpecs } from './diff-specs.js';
import { applyIgnores, readIgnoreFile } from './ignore-file.js';
import { defaultBase, InputError, repositoryRoot, sideOf, workingTree } from './load-side.js';
import { counts, markdownReport, textReport } from './report.js';
import { typeCheckPrevious } from './type-check.js';

const USAGE = `Usage: npm run diff -- [<base>] [<head>] [options]

  <base>, <head>     a spec file (.json or .yaml), a release (releases/<version>/openapi.json)
                     or a git ref (the spec at that commit, bundled); <head> defaults to the working
                     tree, <base> to the last release tag, else the newest release in releases/, else HEAD~1
  --json <file>      write { "changes": [{ id, level, operation, pointer, message }] }
  --markdown <file>  write the report as Markdown
  --ignore <file>    accepted changes: a YAML or JSON list of { operation, id, reason }
  --types            also compile the base release's type tests and guide examples against today's
                     sources, and report what no longer compiles
  --gate             the release policy (CI): breaking changes pass only when the head's
                     info.version raised the major version

Exit codes: 0 no breaking change, 1 breaking changes, 2 usage or input error.`;

export async function main(argv: string[], root = repositoryRoot(import.meta.url)): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length > 2) {
    console.error(`At most two sides (<base> <head>), not ${positionals.length}.\n\n${USAGE}`);
    return 2;
  }
  try {
    const base = positionals[0] ? sideOf(positionals[0], root) : defaultBase(root);
    const head = positionals[1] ? sideOf(positionals[1], root) : workingTree(root);
    const changes: Change[] = diffSpecs(base.spec, head.spec);
    if (values.types) {
      if (base.typesFrom) changes.push(...typeCheckPrevious(base.typesFrom, root));
      else console.error(`--types: ${base.label} is a plain file; give a release folder or a git ref to check types`);
    }
    if (values.ignore) changes.push(...applyIgnores(changes, readIgnoreFile(values.ignore)));

    console.log(textReport(changes, base.label, head.label));
    if (values.json) writeFileSync(values.json, `${JSON.stringify({ changes }, null, 2)}\n`);
    if (values.markdown) writeFileSync(values.markdown, markdownReport(changes, base.label, head.label));

    const breaking = counts(changes).breaking;
    if (!breaking) return 0;
    if (values.gate) {
      const [was, now] = [majorOf(base.spec), majorOf(head.spec)];
      if (now > was) {
        console.log(
          `\nRelease policy: ${breaking} breaking change(s) with info.version's major raised (${was} → ${now}): allowed.`,
        );
        return 0;
      }
      console.log(
        `\nRelease policy: ${breaking} breaking change(s) but info.version's major is still ${now}: raise it (and the package version with it), or drop the change, or accept it in an ignore file with a reason.`,
      );
    }
    return 1;
  } catch (error) {
    if (error instanceof InputError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
}

/** The major of a spec's `info.version` (`2.1.0` → 2); a version without one counts as 0. */
export function majorOf(spec: { info?: { version?: unknown } }): number {
  return Number(/^(\d+)/.exec(String(spec.info?.version ?? ''))?.[1] ?? 0);
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      json: { type: 'string' },
      markdown: { type: 'string' },
      ignore: { type: 'string' },
      types: { type: 'boolean' },
      gate: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: Error) => {
      console.error(error.stack ?? error.message);
      process.exitCode = 2;
    },
  );
}
