// The lint rules for our own extensions (scripts/redocly-hopx-rules.js) really catch a malformed
// x-idempotent, x-timeout or x-websocket: these extensions decide how clients retry and wait, so a
// typo must fail `npm run lint` instead of quietly turning retries off.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const redocly = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');

function hopxProblems(): string[] {
  let output = '';
  try {
    output = execFileSync(
      process.execPath,
      [redocly, 'lint', 'test/spec/fixtures/bad-extensions.yaml', '--format=json'],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (error: any) {
    output = error.stdout;
  }
  return JSON.parse(output)
    .problems.filter((p: any) => String(p.ruleId).startsWith('hopx/'))
    .map((p: any) => `${p.ruleId} ${p.location[0].pointer}: ${p.message}`);
}

describe('lint rules for the spec extensions', () => {
  it('report each malformed extension, and nothing on a correct one', () => {
    const problems = hopxProblems();
    expect(problems.filter((p) => p.includes('/paths/~1ok/'))).toEqual([]);
    expect(problems).toEqual(
      expect.arrayContaining([
        'hopx/x-idempotent #/paths/~1idempotent-string/post/x-idempotent: x-idempotent must be true or false.',
        'hopx/x-idempotent #/paths/~1idempotent-get/get/x-idempotent: x-idempotent is only for POST and PATCH: GET is idempotent by definition.',
        'hopx/x-timeout #/paths/~1timeout-negative/post/x-timeout/seconds: x-timeout.seconds must be a positive number.',
        'hopx/x-timeout #/paths/~1timeout-mixed/post/x-timeout: x-timeout must hold either seconds, or fromBody and margin (found: margin,seconds).',
        'hopx/x-timeout #/paths/~1timeout-field/post/x-timeout/fromBody: x-timeout.fromBody must name a numeric property of the JSON request body ("timeuot" is not one).',
        "hopx/x-websocket #/paths/~1socket-final/get/x-websocket/final: x-websocket.final must be one of the server's message types (output, complete).",
        'hopx/x-websocket #/paths/~1socket-missing/get/responses/101: A WebSocket (101) route needs x-websocket: { client, server }.',
        "hopx/x-websocket #/paths/~1socket-ref/get/x-websocket/client: x-websocket.client must point at a component schema ('#/components/schemas/Name').",
      ]),
    );
    expect(problems).toHaveLength(8);
  }, 60_000);
});
