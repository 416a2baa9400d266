// npm run diff on the whole spec: the last release against the working tree's bundle, with every
// rule (not the type-level check, which is the TypeScript compiler's time). Target: under 1 s.
import { readFileSync } from 'node:fs';
import { diffSpecs } from '../dist/src/spec-diff/diff-specs.js';
import { median, time } from './measure.mjs';
import { limitRow } from './result-row.mjs';

export async function specDiff() {
  const base = JSON.parse(readFileSync(new URL('../releases/0.1.0/openapi.json', import.meta.url), 'utf8'));
  const head = JSON.parse(readFileSync(new URL('../generated/openapi.json', import.meta.url), 'utf8'));
  const runs = [];
  let changes = [];
  for (let i = 0; i < 7; i++) {
    const { ms, value } = await time(() => diffSpecs(base, head));
    runs.push(ms);
    changes = value;
  }
  return [
    limitRow({
      area: 'spec diff',
      measure: `npm run diff, whole spec: ${Object.keys(head.paths).length} paths, ${changes.length} changes found`,
      value: median(runs),
      unit: 'ms',
      below: 1000,
    }),
  ];
}
