// The local HopX has no desktop: every operation of the spec's Desktop tag answers as a sandbox
// without one does (503 DESKTOP_NOT_AVAILABLE), which the typed client turns into
// DesktopNotAvailableError. The operations are taken from the spec, so a new one is covered too.
import { describe, expect, it } from 'vitest';
import { DesktopNotAvailableError } from '../../src/index.js';
import { deref, loadSpec, specOperations } from '../../src/local/spec.js';
import { useLocalHopx } from './local-harness.js';

const local = useLocalHopx();
const spec = loadSpec();
const desktop = specOperations(spec).filter((operation) => operation.op.tags?.includes('Desktop'));

/** A valid request for the operation: the spec's own example body and required parameters. */
function exampleRequest(operation: (typeof desktop)[number]) {
  const media = operation.op.requestBody
    ? deref(spec, operation.op.requestBody).content?.['application/json']
    : undefined;
  const body = media
    ? (media.example ?? (Object.values(media.examples ?? {})[0] as { value?: unknown } | undefined)?.value)
    : undefined;
  const query = Object.fromEntries(
    operation.parameters.filter((p) => p.in === 'query' && p.required).map((p) => [p.name, p.example]),
  );
  return { body, query };
}

describe('desktop on the local HopX', () => {
  it('covers the 38 operations of the Desktop tag', () => {
    expect(desktop).toHaveLength(38);
  });

  it('answers every desktop operation with 503 DESKTOP_NOT_AVAILABLE (DesktopNotAvailableError)', async () => {
    const { agent } = await local.sandbox();
    // The paths come from the spec at run time, so the typed client is called through a loose view.
    const call = agent as unknown as Record<string, (path: string, init: object) => Promise<unknown>>;
    const answers = await Promise.all(
      desktop.map(async (operation) => {
        const { body, query } = exampleRequest(operation);
        const error = await call[operation.method]?.(operation.path, {
          params: { query },
          ...(body === undefined ? {} : { body }),
          // 503 is retryable for the client; no desktop will appear on a retry.
          maxRetries: 0,
        }).then(
          () => undefined,
          (e: unknown) => e,
        );
        return { key: operation.key, error };
      }),
    );
    for (const answer of answers) {
      expect(answer.error, answer.key).toBeInstanceOf(DesktopNotAvailableError);
      expect(answer.error, answer.key).toMatchObject({ status: 503, code: 'DESKTOP_NOT_AVAILABLE' });
    }
  });

  it('says so in /info: no desktop feature and no desktop route', async () => {
    const { agent } = await local.sandbox();
    const info = await agent.GET('/info');
    expect(info.features?.desktop).toBe(false);
    expect(Object.values(info.endpoints ?? {}).filter((route) => route.includes('/desktop/'))).toEqual([]);
  });
});
