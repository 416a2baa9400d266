// Path-safety scenarios shared by both isolation modes (path-safety.test.ts, namespace;
// path-safety-workspace.test.ts): `..` escapes, NUL bytes, symbolic links made by the sandbox's own
// code, a link swapped in after a path was checked, and uploads aimed outside. For each, the answer
// is the spec's refusal, nothing is read or written outside the sandbox's folder (checked on this
// machine's filesystem), and the server keeps serving.
import { randomBytes } from 'node:crypto';
import { lstat, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { BadRequestError, PathNotAllowedError, uploadFile } from '../../src/index.js';
import { openDirectory, openRegularFile, PendingFile } from '../../src/local/host/confined-files.js';
import { PathError } from '../../src/local/host/sandbox-fs.js';
import type { SandboxHost } from '../../src/local/host/sandbox-host.js';
import type { LocalHarness } from './local-harness.js';

/** The machine's own file the escapes aim at; it must never be read or changed through the API. */
const PASSWD = '/etc/passwd';

export function pathSafetyScenarios(local: LocalHarness, mode: 'namespace' | 'workspace') {
  /** A name no one else uses, for files that must not appear on this machine. */
  const unique = (what: string) => `hopx-escape-${what}-${randomBytes(6).toString('hex')}`;
  const sandboxFolder = (id: string) => join(local.local.dataDir, 'sandboxes', id);
  const hostOf = (id: string): SandboxHost => {
    // The sandbox's machine side, to plant what a racing process could: internal on purpose.
    const state = (local.local as unknown as { state: { sandboxes: Map<string, { host: SandboxHost }> } }).state;
    const found = state.sandboxes.get(id);
    if (!found) throw new Error(`no sandbox ${id}`);
    return found.host;
  };

  it('is the isolation mode this file is about', () => {
    expect(local.local.isolation.mode).toBe(mode);
  });

  it('refuses `..` escapes, relative or absolute, for every file operation (403 PATH_NOT_ALLOWED)', async () => {
    const { agent } = await local.sandbox();
    const passwd = await readFile(PASSWD, 'utf8');
    const target = unique('dotdot');
    const escapes = ['/workspace/../../../etc/passwd', '../../../../../../etc/passwd', '/../../etc/passwd'];
    for (const path of escapes) {
      await expect(agent.GET('/files/read', { params: { query: { path } } })).rejects.toBeInstanceOf(
        PathNotAllowedError,
      );
      await expect(
        agent.GET('/files/download', { params: { query: { path } }, parseAs: 'stream' }),
      ).rejects.toBeInstanceOf(PathNotAllowedError);
    }
    const writes = [`/workspace/../../etc/${target}`, `../../../../etc/${target}`, `/../tmp/../../etc/${target}`];
    for (const path of writes) {
      await expect(agent.POST('/files/write', { body: { path, content: 'escaped' } })).rejects.toBeInstanceOf(
        PathNotAllowedError,
      );
      await expect(agent.POST('/files/mkdir', { body: { path } })).rejects.toBeInstanceOf(PathNotAllowedError);
      await expect(agent.DELETE('/files/remove', { params: { query: { path } } })).rejects.toBeInstanceOf(
        PathNotAllowedError,
      );
    }
    await expect(lstat(`/etc/${target}`)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(PASSWD, 'utf8')).toBe(passwd);
  });

  it("never hands out this machine's /etc/passwd, whatever absolute path names it", async () => {
    const { agent } = await local.sandbox();
    for (const path of ['/etc/passwd', '/etc/./passwd', '//etc//passwd']) {
      const error = await agent.GET('/files/read', { params: { query: { path } } }).catch((e) => e);
      if (mode === 'namespace') {
        // The machine's folders are visible to the sandbox's code, read-only in spirit; the API refuses them.
        expect(error).toBeInstanceOf(PathNotAllowedError);
      } else {
        // Absolute paths name the sandbox's own folder here: there is no /etc/passwd in it.
        expect(error).toMatchObject({ status: 404, code: 'FILE_NOT_FOUND' });
      }
      expect(error.message).not.toContain('root:');
    }
  });

  it("keeps what the API writes to /tmp in the sandbox, never in this machine's /tmp", async () => {
    const { agent } = await local.sandbox();
    const name = unique('tmp');
    // The sandbox's /tmp is its own: a private tmpfs in namespace mode, a folder of the sandbox's in
    // workspace mode. The file is there, for the sandbox only.
    await agent.POST('/files/write', { body: { path: `/tmp/${name}`, content: 'sandbox only' } });
    expect(await agent.GET('/files/read', { params: { query: { path: `/tmp/${name}` } } })).toMatchObject({
      content: 'sandbox only',
    });
    await expect(lstat(`/tmp/${name}`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses NUL bytes in any path (400 INVALID_PATH)', async () => {
    const { agent, sandbox } = await local.sandbox();
    const read = await agent.GET('/files/read', { params: { query: { path: '/workspace/a\0.txt' } } }).catch((e) => e);
    expect(read).toBeInstanceOf(BadRequestError);
    expect(read).toMatchObject({ status: 400, code: 'INVALID_PATH' });
    const write = await agent
      .POST('/files/write', { body: { path: '/workspace/b.txt\0/../../etc/x', content: 'x' } })
      .catch((e) => e);
    expect(write).toMatchObject({ status: 400, code: 'INVALID_PATH' });
    const upload = await uploadFile(agent, '/workspace/c\0.txt', new Uint8Array([1]), { filename: 'c.txt' }).catch(
      (e) => e,
    );
    expect(upload).toMatchObject({ status: 400, code: 'INVALID_PATH' });
    expect(await readdir(join(sandboxFolder(sandbox.id), 'root', 'workspace'))).toEqual([]);
  });

  it("does not follow links the sandbox's code made out of the allowed places, and removes the link, not its target", async () => {
    const { agent } = await local.sandbox();
    const passwd = await readFile(PASSWD, 'utf8');
    const made = await agent.POST('/commands/run', {
      body: {
        command: 'bash',
        args: [
          '-c',
          'ln -s /etc etc-link && ln -s /etc/passwd passwd-link && ln -s ../../../../../../../../etc up-link && ' +
            'mkdir real && echo inside > real/f.txt && ln -s /workspace/real ok-link',
        ],
        workdir: '/workspace',
      },
    });
    expect(made).toMatchObject({ exit_code: 0 });
    for (const path of ['/workspace/etc-link/passwd', '/workspace/passwd-link', '/workspace/up-link/passwd']) {
      await expect(agent.GET('/files/read', { params: { query: { path } } })).rejects.toBeInstanceOf(
        PathNotAllowedError,
      );
      await expect(agent.POST('/files/write', { body: { path, content: 'overwritten' } })).rejects.toBeInstanceOf(
        PathNotAllowedError,
      );
    }
    await expect(
      agent.GET('/files/list', { params: { query: { path: '/workspace/etc-link' } } }),
    ).rejects.toBeInstanceOf(PathNotAllowedError);
    await expect(uploadFile(agent, '/workspace/etc-link/hopx-upload', new Uint8Array([1]))).rejects.toBeInstanceOf(
      PathNotAllowedError,
    );
    // A link that stays inside is followed, like the sandbox's own code would.
    if (mode === 'namespace') {
      expect(await agent.GET('/files/read', { params: { query: { path: '/workspace/ok-link/f.txt' } } })).toMatchObject(
        { content: 'inside\n', path: '/workspace/real/f.txt' },
      );
    }
    // Listing shows links as links; removing one removes only the link.
    const listing = await agent.GET('/files/list');
    expect(listing.files?.find((f) => f?.name === 'etc-link')?.permissions).toMatch(/^l/);
    await agent.DELETE('/files/remove', { params: { query: { path: '/workspace/etc-link' } } });
    await agent.DELETE('/files/remove', { params: { query: { path: '/workspace/passwd-link' } } });
    expect(await readFile(PASSWD, 'utf8')).toBe(passwd);
    expect((await lstat('/etc')).isDirectory()).toBe(true);
    const names = (await agent.GET('/files/list')).files?.map((f) => f?.name);
    expect(names).not.toContain('etc-link');
    expect(names).not.toContain('passwd-link');
  });

  it('refuses a link swapped in after the path was checked: the opened file is checked again', async () => {
    const { sandbox } = await local.sandbox();
    const host = hostOf(sandbox.id);
    // What a process racing the API could do: a directory of the checked path becomes a link out.
    // The path below is what the check would have seen before the swap (no link in it).
    await symlink('/etc', join(host.root, 'workspace', 'swapped'));
    const swapped = { path: '/workspace/swapped/passwd', host: host.hostPathOf('/workspace/swapped/passwd') };
    await expect(openRegularFile(host, swapped)).rejects.toBeInstanceOf(PathError);
    const directory = { path: '/workspace/swapped', host: host.hostPathOf('/workspace/swapped') };
    await expect(openDirectory(host, directory)).rejects.toBeInstanceOf(PathError);
    const target = unique('swap');
    const into = { path: `/workspace/swapped/${target}`, host: host.hostPathOf(`/workspace/swapped/${target}`) };
    await expect(PendingFile.create(host, into)).rejects.toBeInstanceOf(PathError);
    await expect(lstat(`/etc/${target}`)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir('/etc')).not.toContain(expect.stringMatching(/hopx-partial$/));
    await rm(join(host.root, 'workspace', 'swapped'));
  });

  it('refuses uploads aimed outside, in either part order, and keeps nothing of them', async () => {
    const { agent, sandbox } = await local.sandbox();
    const target = unique('upload');
    // In workspace mode `/etc/...` names a folder inside the sandbox's own, which does not exist.
    const absolute =
      mode === 'namespace' ? { status: 403, code: 'PATH_NOT_ALLOWED' } : { status: 400, code: 'DIRECTORY_NOT_FOUND' };
    await expect(uploadFile(agent, `/etc/${target}`, new Uint8Array(64 * 1024))).rejects.toMatchObject(absolute);
    for (const path of [`../../../../etc/${target}`, `/workspace/../../etc/${target}`, `/tmp/../../etc/${target}`]) {
      await expect(uploadFile(agent, path, new Uint8Array(64 * 1024))).rejects.toBeInstanceOf(PathNotAllowedError);
      // The official JS SDK sends the file before the path: the bytes wait in the sandbox's folder, then go.
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(64 * 1024)]), 'x.bin');
      form.append('path', path);
      const response = await fetch(`${sandbox.public_host}/files/upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sandbox.auth_token}` },
        body: form,
      });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'PATH_NOT_ALLOWED' });
    }
    await expect(lstat(`/etc/${target}`)).rejects.toMatchObject({ code: 'ENOENT' });
    const staging = await readdir(join(sandboxFolder(sandbox.id), 'uploads')).catch(() => []);
    expect(staging).toEqual([]);
    expect(await readdir(join(sandboxFolder(sandbox.id), 'root', 'workspace'))).toEqual([]);
  });

  it("keeps one sandbox out of another's files", async () => {
    const first = await local.sandbox();
    const second = await local.sandbox();
    await first.agent.POST('/files/write', { body: { path: '/workspace/secret.txt', content: 'first only' } });
    const otherHostPath = join(sandboxFolder(first.sandbox.id), 'root', 'workspace', 'secret.txt');
    const seen = await second.agent.GET('/files/read', { params: { query: { path: otherHostPath } } }).catch((e) => e);
    // Namespace mode: /tmp is the sandbox's own, empty of the local HopX's data; workspace mode: the
    // absolute path names a place inside the second sandbox's folder, where nothing is.
    expect(seen).toMatchObject({ status: 404, code: 'FILE_NOT_FOUND' });
  });

  it('keeps serving after all of that', async () => {
    const { agent } = await local.sandbox();
    await agent.POST('/files/write', { body: { path: '/workspace/still.txt', content: 'fine' } });
    expect(await agent.GET('/files/read', { params: { query: { path: '/workspace/still.txt' } } })).toMatchObject({
      content: 'fine',
    });
    expect(await agent.GET('/health')).toMatchObject({ status: 'healthy' });
  });
}
