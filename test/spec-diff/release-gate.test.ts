// The release policy, on this repository itself: against the last release (releases/<version>/),
// the working tree's spec may break clients only with a raised info.version major; the package
// version may not run ahead of the spec's; and CHANGELOG.md's spec section is what the diff says.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { END, START, specSection, withSpecSection } from '../../src/spec-diff/changelog.js';
import { majorOf } from '../../src/spec-diff/cli.js';
import { diffSpecs } from '../../src/spec-diff/diff-specs.js';
import { newestRelease, sideOf, workingTree } from '../../src/spec-diff/load-side.js';
import { counts } from '../../src/spec-diff/report.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const release = newestRelease(root);

describe('the release gate on this repository', () => {
  it('has a release to compare with', () => {
    expect(release).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('breaks nothing since the last release, or raised the major version', () => {
    const base = sideOf(join('releases', release ?? '', 'openapi.json'), root);
    const head = workingTree(root);
    const breaking = counts(diffSpecs(base.spec, head.spec)).breaking;
    if (breaking > 0)
      expect(majorOf(head.spec), `${breaking} breaking changes since ${release}`).toBeGreaterThan(majorOf(base.spec));
    else expect(majorOf(head.spec)).toBeGreaterThanOrEqual(majorOf(base.spec));
  });

  it("keeps the package's major version at or below the spec's (a release sets it to info.version)", () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const spec = parse(readFileSync(join(root, 'openapi.yaml'), 'utf8')) as { info: { version: string } };
    expect(majorOf({ info: { version: pkg.version } })).toBeLessThanOrEqual(majorOf(spec));
  });

  it("has CHANGELOG.md's spec section as npm run changelog writes it now", () => {
    const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toContain(START);
    expect(changelog, 'the spec section is stale: run npm run changelog').toBe(
      withSpecSection(changelog, specSection(root)),
    );
    expect(changelog.indexOf(END)).toBeLessThan(changelog.indexOf('\n## ', changelog.indexOf('## Unreleased') + 1));
  });
});
