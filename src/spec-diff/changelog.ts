#!/usr/bin/env node
// `npm run changelog`: writes the spec section of CHANGELOG.md's "Unreleased" entry from the diff
// between the last release and the working tree, between two markers, so that what the release
// notes say about the spec is what the spec did. A test fails when the section is stale.
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffSpecs } from './diff-specs.js';
import { defaultBase, repositoryRoot, workingTree } from './load-side.js';
import { changelogSections } from './report.js';

export const START = '<!-- spec-changes:start (npm run changelog writes this section) -->';
export const END = '<!-- spec-changes:end -->';

/** The generated section, markers included. */
export function specSection(root: string): string {
  const base = defaultBase(root);
  const head = workingTree(root);
  const body = changelogSections(diffSpecs(base.spec, head.spec), 4);
  return [START, `### Spec (since ${base.label}, from \`npm run diff\`)`, '', ...body, END].join('\n');
}

/** CHANGELOG.md with the spec section replaced (or put first under "## Unreleased"). */
export function withSpecSection(changelog: string, section: string): string {
  const start = changelog.indexOf(START);
  const end = changelog.indexOf(END);
  if (start !== -1 && end > start) return changelog.slice(0, start) + section + changelog.slice(end + END.length);
  const unreleased = changelog.indexOf('## Unreleased');
  if (unreleased === -1) throw new Error('CHANGELOG.md has no "## Unreleased" heading to put the spec section under');
  const after = changelog.indexOf('\n', unreleased) + 1;
  return `${changelog.slice(0, after)}\n${section}\n${changelog.slice(after)}`;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = repositoryRoot(import.meta.url);
  const file = join(root, 'CHANGELOG.md');
  writeFileSync(file, withSpecSection(readFileSync(file, 'utf8'), specSection(root)));
  console.log('CHANGELOG.md: spec section written');
}
