// Descriptions claim only what a source shows, and say so where the sources disagree (issue 9,
// item 13). Each case is a claim that was wrong or unsourced, checked against the corrected text.
import { describe, expect, it } from 'vitest';
import { operations } from './bundled-spec.js';

const description = (key: string): string => operations.find((o) => o.key === key)!.op.description;

describe('operation descriptions', () => {
  it('POST /execute/ipython: no claim of empty stdout (no SDK note or changelog says so)', () => {
    expect(description('POST /execute/ipython')).not.toMatch(/empty `?stdout/);
  });

  it("GET /files/read: only the Python SDK's async client interpolates the path unencoded", () => {
    const text = description('GET /files/read');
    expect(text).toMatch(/async\s+client \(`_async_files\.py`/);
    expect(text).toMatch(/synchronous Python SDK pass it as a query parameter/);
  });

  it('PUT /v1/sandboxes/{id}/timeout: says the CLI sends 0 while the JavaScript SDK refuses it', () => {
    const text = description('PUT /v1/sandboxes/{id}/timeout');
    expect(text).toMatch(/CLI\s+sends it to disable the timeout/);
    expect(text).toMatch(/Python\s+SDK passes any value through/);
    expect(text).not.toMatch(/The SDKs refuse values of zero or less/);
  });

  it('POST /desktop/x11/wait_for: the Python SDK waits 30 s beyond the timeout (timeout + 30)', () => {
    expect(description('POST /desktop/x11/wait_for')).toMatch(/Python SDK adds 30 s/);
  });

  it('GET /cache/stats: no Go-duration claim for ttl', () => {
    expect(description('GET /cache/stats')).not.toMatch(/Go duration/);
  });
});
