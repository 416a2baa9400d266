// The build-context store behind the upload links: it takes exactly the archive a link was signed
// for, refuses archives whose entries would land outside (403 PATH_NOT_ALLOWED), and answers
// `present` for a stored one, so that a client uploads it once.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rawArchive } from './builds-support.js';
import { useLocalHopx } from './local-harness.js';

const harness = useLocalHopx();

/** A link for `archive` under a hash of our choosing (the store cannot check it: see context-store.ts). */
async function linkFor(archive: Buffer, label: string) {
  const filesHash = createHash('sha256').update(label).update(archive).digest('hex');
  const link = await harness.hopx.POST('/v1/templates/files/upload-link', {
    body: { files_hash: filesHash, content_length: archive.length },
  });
  return { filesHash, link };
}

const put = (url: string, body: Buffer, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/gzip', ...headers },
    body: new Uint8Array(body),
  });

describe('the upload link', () => {
  it('hands out a signed URL on the local HopX, then `present` once the archive is stored', async () => {
    const archive = rawArchive([{ path: 'app/main.py', content: 'print(1)\n' }]);
    const { filesHash, link } = await linkFor(archive, 'stored once');
    expect(link).toMatchObject({ present: false, files_hash: filesHash });
    expect(link.upload_url?.startsWith(`${harness.local.url}/_local/uploads/${filesHash}.tar.gz?`)).toBe(true);
    expect(Date.parse(link.expires_at ?? '')).toBeGreaterThan(Date.now());

    // Like a presigned URL, it needs no API key.
    const stored = await put(link.upload_url as string, archive);
    expect(stored.status).toBe(200);

    const again = await harness.hopx.POST('/v1/templates/files/upload-link', {
      body: { files_hash: filesHash, content_length: archive.length },
    });
    expect(again).toEqual({ present: true, files_hash: filesHash, request_id: expect.any(String) });
  });

  it('admits only the archive it was signed for', async () => {
    const archive = rawArchive([{ path: 'a.txt', content: 'a' }]);
    const { link } = await linkFor(archive, 'signed');
    const url = new URL(link.upload_url as string);

    const forged = new URL(url);
    forged.searchParams.set('content_length', String(archive.length + 10));
    const refused = await put(forged.href, Buffer.concat([archive, Buffer.alloc(10)]));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'PERMISSION_DENIED' });

    const shorter = await put(url.href, archive.subarray(0, archive.length - 1));
    expect(shorter.status).toBe(400);
    expect((await shorter.json()).error).toBe(
      `Content-Length is ${archive.length - 1} but the upload link was issued for ${archive.length} bytes`,
    );

    const get = await fetch(url.href);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('PUT');
    await get.body?.cancel();
  });

  it('refuses what is not a tar.gz archive', async () => {
    const notAnArchive = Buffer.from('just some text, not gzip');
    const { link } = await linkFor(notAnArchive, 'not an archive');
    const answer = await put(link.upload_url as string, notAnArchive);
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ code: 'INVALID_REQUEST' });
  });
});

describe('archive entries that would land outside', () => {
  const hostile: Array<[string, Parameters<typeof rawArchive>[0], string]> = [
    [
      'a `..` entry',
      [
        { path: 'ok.txt', content: 'fine' },
        { path: '../evil', content: 'escaped' },
      ],
      '../evil',
    ],
    ['a nested `..` entry', [{ path: 'app/../../evil', content: 'escaped' }], 'app/../../evil'],
    ['an absolute path', [{ path: '/etc/cron.d/evil', content: 'escaped' }], '/etc/cron.d/evil'],
    ['a symbolic link to an absolute path', [{ path: 'etc', type: 'SymbolicLink', linkpath: '/etc' }], 'etc'],
    ['a symbolic link that climbs out', [{ path: 'app/up', type: 'SymbolicLink', linkpath: '../../..' }], 'app/up'],
    [
      'a file written through a link of the archive',
      [
        { path: 'inside', type: 'SymbolicLink', linkpath: 'app' },
        { path: 'inside/x.txt', content: 'through the link' },
      ],
      'inside/x.txt',
    ],
    ['a hard link to an outside path', [{ path: 'passwd', type: 'Link', linkpath: '/etc/passwd' }], 'passwd'],
  ];

  it.each(hostile)('refuses %s with 403 PATH_NOT_ALLOWED and stores nothing', async (label, entries, path) => {
    const archive = rawArchive(entries);
    const { filesHash, link } = await linkFor(archive, label);
    const answer = await put(link.upload_url as string, archive);
    expect(answer.status).toBe(403);
    const body = await answer.json();
    expect(body).toMatchObject({ code: 'PATH_NOT_ALLOWED', path });
    expect(body.error).toContain(JSON.stringify(path));
    const after = await harness.hopx.POST('/v1/templates/files/upload-link', {
      body: { files_hash: filesHash, content_length: archive.length },
    });
    expect(after.present).toBe(false);
  });

  it('refuses device files', async () => {
    const archive = rawArchive([{ path: 'dev-null', type: 'CharacterDevice' }]);
    const { link } = await linkFor(archive, 'device');
    const answer = await put(link.upload_url as string, archive);
    expect(answer.status).toBe(400);
    expect((await answer.json()).error).toContain('CharacterDevice');
  });
});
