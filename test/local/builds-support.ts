// Shared by the templates and builds tests: a build context folder, and hand-made tar.gz archives
// (hostile ones included).

import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import type { ThrowingControlPlaneClient } from '../../src/index.js';

/** A build context folder with `files` (path → content), every mtime set to `mtime`. */
export async function contextDir(files: Record<string, string>, mtime = new Date()): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hopx-build-context-'));
  for (const [path, content] of Object.entries(files)) {
    const at = join(dir, path);
    await mkdir(join(at, '..'), { recursive: true });
    await writeFile(at, content);
    await utimes(at, mtime, mtime);
  }
  return dir;
}

export const removeDir = (dir: string) => rm(dir, { recursive: true, force: true });

export interface RawEntry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice';
  content?: string;
  linkpath?: string;
}

/** A tar.gz written entry by entry, so that it can hold what no tar writer would (`../evil`). */
export function rawArchive(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const { path, type = 'File', content = '', linkpath } of entries) {
    const data = Buffer.from(type === 'File' ? content : '');
    const header = new Header({
      path,
      type,
      mode: type === 'Directory' ? 0o755 : 0o644,
      size: data.length,
      mtime: new Date(),
      uid: 0,
      gid: 0,
      ...(linkpath === undefined ? {} : { linkpath }),
    });
    header.encode();
    if (!header.block) throw new Error(`cannot encode a tar header for ${path}`);
    blocks.push(header.block, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** Polls a build's status until it is no longer `building`. */
export async function buildEnded(hopx: ThrowingControlPlaneClient, buildId: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await hopx.GET('/v1/templates/build/{buildID}/status', { params: { path: { buildID: buildId } } });
    if (status.status !== 'building') return status;
    if (Date.now() > deadline) throw new Error(`build ${buildId} still building after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
