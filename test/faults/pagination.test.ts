// paginate() walks cursor pages lazily, stops when the caller stops, and refuses a server that
// would make it loop forever.
import { afterEach, describe, expect, it } from 'vitest';
import { createControlPlaneClient, HopxResponseFormatError, paginate, RateLimitError } from '../../src/index.js';
import { type ScriptedServer, sendJson, startScriptedServer } from '../support/scripted-server.js';

const apiKey = 'hopx_live_a1b2c3d4e5f6.c29tZS1zZWNyZXQ';
let server: ScriptedServer;
afterEach(() => server?.close());

const sandbox = (n: number) => ({
  id: `17610481${n}abcdef`,
  object: 'sandbox',
  status: 'running',
  created_at: '2025-10-21T12:02:09Z',
});
const pages: Record<string, object> = {
  '': { object: 'list', data: [sandbox(1), sandbox(2)], has_more: true, next_cursor: 'c2' },
  c2: { object: 'list', data: [sandbox(3)], has_more: true, next_cursor: 'c3' },
  c3: { object: 'list', data: null, has_more: false, next_cursor: null },
};

function pagedServer(book: Record<string, object>) {
  return startScriptedServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    sendJson(res, 200, book[url.searchParams.get('cursor') ?? '']);
  });
}

describe('paginate', () => {
  it('yields every item of every page, passing filters and the cursor along', async () => {
    server = await pagedServer(pages);
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    const ids: string[] = [];
    for await (const s of paginate(hopx, '/v1/sandboxes', { query: { status: 'running', limit: 2 } })) ids.push(s.id!);
    expect(ids).toEqual(['176104811abcdef', '176104812abcdef', '176104813abcdef']);
    expect(server.seen.map((r) => r.url)).toEqual([
      '/v1/sandboxes?status=running&limit=2',
      '/v1/sandboxes?status=running&limit=2&cursor=c2',
      '/v1/sandboxes?status=running&limit=2&cursor=c3',
    ]);
  });

  it('fetches no further page once the caller breaks out', async () => {
    server = await pagedServer(pages);
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    for await (const s of paginate(hopx, '/v1/sandboxes')) {
      expect(s.id).toBe('176104811abcdef');
      break;
    }
    expect(server.seen).toHaveLength(1);
  });

  it('refuses a cursor it has already followed (the server would loop forever)', async () => {
    server = await pagedServer({
      '': pages['']!,
      c2: { object: 'list', data: [sandbox(3)], has_more: true, next_cursor: 'c2' },
    });
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const s of paginate(hopx, '/v1/sandboxes')) seen.push(s.id!);
    })().catch((e) => e);
    expect(error).toBeInstanceOf(HopxResponseFormatError);
    expect(error.message).toContain('next_cursor "c2" was already used');
    expect(seen).toHaveLength(3);
  });

  it('throws the typed error of a failed page', async () => {
    server = await startScriptedServer((_req, res) =>
      sendJson(res, 429, { error: 'slow down' }, { 'Retry-After': '120' }),
    );
    const hopx = createControlPlaneClient({ apiKey, baseUrl: server.url });
    const error = await paginate(hopx, '/v1/sandboxes')
      .next()
      .catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfter).toBe(120);
  });
});
