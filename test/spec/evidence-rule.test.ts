// Every operation says where its truth comes from in `x-evidence`, and redocly.yaml's
// rule/operation-evidence enforces the shape (issue 9, item 12). `npm run lint` proves that the spec
// passes; this proves that the rule bites: a copy of the spec with five broken `x-evidence` values
// must fail it at exactly those five operations.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { operations } from './bundled-spec.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const redocly = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');

/** Replaces the `x-evidence` list after `operationId: <id>` (and any other extensions) with `replacement` (YAML lines). */
function withEvidence(yaml: string, operationId: string, replacement: string): string {
  const otherExtensions = '(?:      x-(?!evidence).*\\n(?:        .*\\n)*)*';
  const pattern = new RegExp(
    `(      operationId: ${operationId}\\n${otherExtensions})      x-evidence:\\n(        - .*\\n)+`,
  );
  expect(pattern.test(yaml), operationId).toBe(true);
  return yaml.replace(pattern, `$1${replacement}`);
}

describe('rule/operation-evidence', () => {
  it('rejects an unknown source, a repeated one, a missing list, a bare string and an empty list', () => {
    let yaml = readFileSync(`${root}/openapi.yaml`, 'utf8');
    yaml = withEvidence(yaml, 'listSandboxes', '      x-evidence:\n        - docs\n        - blog\n');
    yaml = withEvidence(yaml, 'createSandbox', '      x-evidence:\n        - sdk-js\n        - sdk-js\n');
    yaml = withEvidence(yaml, 'getSandbox', '');
    yaml = withEvidence(yaml, 'deleteSandbox', '      x-evidence: sdk-js\n');
    yaml = withEvidence(yaml, 'pauseSandbox', '      x-evidence: []\n');
    mkdirSync(`${root}/.tmp`, { recursive: true });
    writeFileSync(`${root}/.tmp/broken-evidence.yaml`, yaml);

    let output = '';
    try {
      output = execFileSync(process.execPath, [redocly, 'lint', '.tmp/broken-evidence.yaml', '--format=json'], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error: any) {
      output = error.stdout;
    }
    const flagged = JSON.parse(output)
      .problems.filter((p: any) => p.ruleId === 'rule/operation-evidence')
      .map((p: any) => p.location[0].pointer.replace(/\/x-evidence.*$/, ''));
    expect(flagged.sort()).toEqual([
      '#/paths/~1v1~1sandboxes/get',
      '#/paths/~1v1~1sandboxes/post',
      '#/paths/~1v1~1sandboxes~1{id}/delete',
      '#/paths/~1v1~1sandboxes~1{id}/get',
      '#/paths/~1v1~1sandboxes~1{id}~1pause/post',
    ]);
  }, 60_000);

  it('marks the routes no official client uses by their evidence alone', () => {
    // The three Control Plane streams and /execute/rich are named only by the docs; the WebSocket
    // protocols no SDK speaks only by the upstream agent spec.
    const evidence = (key: string) => operations.find((o) => o.key === key)!.op['x-evidence'];
    for (const key of [
      'GET /v1/sandboxes/stream',
      'GET /v1/sandboxes/{id}/metrics/stream',
      'GET /v1/templates/stream',
      'POST /execute/rich',
    ]) {
      expect(evidence(key), key).toEqual(['docs']);
    }
    for (const key of ['GET /commands/stream', 'GET /stream', 'GET /stream/ipython'])
      expect(evidence(key), key).toEqual(['upstream-spec']);
    expect(evidence('POST /execute')).toEqual(['docs', 'upstream-spec', 'sdk-js', 'sdk-python', 'cli']);
  });
});
