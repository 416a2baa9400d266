// Changes under a sandbox directory, at any depth, as `/files/watch` reports them. One inotify
// watch per directory (a plain fs.watch on each; Node 20's `recursive` on Linux puts one on every
// file instead, and loses events when a tree is removed). inotify only says that a name appeared
// or went ("rename") or that its content changed ("change"), so each event is told apart by
// looking at the path afterwards and at what the watch knew was there:
//   a name that exists and was not known        created
//   a name that exists and was known            modified (written, or replaced by a rename onto it)
//   a known name that is gone                   deleted
//   a name that came and went before it could be looked at is not reported.
// `renamed` is never sent: inotify's two halves of a move are not paired here, so a move is seen as
// the old name deleted and the new one created.
import { type Dirent, type FSWatcher, watch } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { ResolvedPath } from './sandbox-fs.js';

export type FileEvent = 'created' | 'modified' | 'deleted';

/** How the file API names a file it is still writing (see confined-files.ts). */
export const STAGING_SUFFIX = '.hopx-partial';

export interface FileWatch {
  close(): void;
}

/** How a watch ends when the folder it watches is removed. */
export class WatchedFolderRemoved extends Error {}

interface RawEvent {
  kind: string;
  /** Relative to the watched directory ('' is the directory itself). */
  name: string;
}

/**
 * Watches `directory`; `onChange` gets each change with its sandbox path, `onError` the failure that
 * ended the watch (the directory itself removed, an inotify limit). Throws when it cannot start.
 */
export function watchSandboxDirectory(
  directory: ResolvedPath,
  onChange: (change: { path: string; event: FileEvent }) => void,
  onError: (error: Error) => void,
): FileWatch {
  const watchers = new Map<string, FSWatcher>();
  /** Relative paths the watch believes exist. */
  const known = new Set<string>();
  // Raw events wait here while earlier ones are looked at, so that changes are reported in order.
  const pending: RawEvent[] = [];
  let ready = false;
  let draining = false;
  let closed = false;

  const report = (name: string, event: FileEvent) => {
    // The file API's own staging files (written whole, then renamed over the target) are not the
    // sandbox's changes: the rename that completes the write is reported instead.
    if (name.endsWith(STAGING_SUFFIX)) return;
    onChange({ path: posix.join(directory.path, name), event });
  };
  const end = (error?: Error) => {
    if (closed) return;
    closed = true;
    pending.length = 0;
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
    if (error) onError(error);
  };

  const watchFolder = (name: string) => {
    if (closed || watchers.has(name)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(join(directory.host, name), { persistent: false }, (kind, file) => {
        if (closed) return;
        const event = { kind, name: file ? posix.join(name, String(file)) : name };
        const last = pending[pending.length - 1];
        // One write is often several inotify events in a row: one report while none was looked at yet.
        if (last && last.kind === event.kind && last.name === event.name) return;
        pending.push(event);
        void drain();
      });
    } catch (error) {
      if (name === '') throw error;
      // A subfolder already gone is reported by its parent's watch; anything else (the machine's
      // inotify limit) means the watch can no longer see everything: it ends, saying why.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') end(error as Error);
      return;
    }
    watcher.on('error', (error) => {
      // A subfolder's watch ends when the folder goes (its parent reports that); the top one's is the end.
      if (name === '') end(error);
      else forget(name);
    });
    watchers.set(name, watcher);
  };

  /** Walks a folder the watch had not seen: its entries are known, its subfolders watched. */
  const explore = async (name: string, announce: boolean) => {
    watchFolder(name);
    const entries: Dirent[] = await readdir(join(directory.host, name), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (closed) return;
      const child = posix.join(name, entry.name);
      if (known.has(child)) continue;
      known.add(child);
      // Made in a new folder before its watch began: created after the watch began all the same.
      if (announce) report(child, 'created');
      if (entry.isDirectory()) await explore(child, announce);
    }
  };

  const forget = (name: string) => {
    const prefix = `${name}/`;
    for (const path of known) if (path === name || path.startsWith(prefix)) known.delete(path);
    for (const [path, watcher] of watchers)
      if (path === name || path.startsWith(prefix)) {
        watcher.close();
        watchers.delete(path);
      }
  };

  const look = async ({ kind, name }: RawEvent) => {
    const stats = await lstat(join(directory.host, name)).catch(() => undefined);
    if (closed) return;
    if (name === '') {
      if (stats?.isDirectory()) return; // the folder's own metadata: nothing under it changed
      report('', 'deleted');
      return end(new WatchedFolderRemoved(`${directory.path} was removed`));
    }
    if (!stats) {
      if (!known.has(name)) {
        // The watched folder itself going shows up under its own name (inotify's DELETE_SELF).
        if (!(await lstat(directory.host).catch(() => undefined)) && !closed) {
          report('', 'deleted');
          end(new WatchedFolderRemoved(`${directory.path} was removed`));
        }
        return;
      }
      forget(name);
      report(name, 'deleted');
      return;
    }
    const wasKnown = known.has(name);
    known.add(name);
    report(name, kind === 'change' || wasKnown ? 'modified' : 'created');
    if (stats.isDirectory() && !wasKnown) await explore(name, true);
  };

  const drain = async () => {
    if (draining || !ready) return;
    draining = true;
    for (let next = pending.shift(); next && !closed; next = pending.shift()) await look(next);
    draining = false;
  };

  // The top folder's watch starts first (and throws if it cannot); events that arrive while the
  // tree is walked wait until it is.
  watchFolder('');
  void explore('', false).then(() => {
    ready = true;
    void drain();
  });
  return { close: () => end() };
}
