// `/files/watch`: the client names a directory once (`{action: "watch", path}`); from then on each
// change under it, at any depth, goes out as a `change` message with its sandbox path
// (host/file-watcher.ts says how events are told apart). It ends only when the client closes, the
// sandbox goes, or the watch cannot go on. A path the file API may not touch, or that is no
// directory, a watched folder removed, or a failed watch is answered with an `error` message, and
// the socket is closed.
import { stat } from 'node:fs/promises';
import type { SocketHandler } from '../context.js';
import { type FileWatch, WatchedFolderRemoved, watchSandboxDirectory } from '../host/file-watcher.js';
import { PathError, type ResolvedPath, resolveSandboxPath } from '../host/sandbox-fs.js';
import { SocketOutbox } from './socket-outbox.js';

const now = () => new Date().toISOString();
/** Milliseconds between two changes (socket-outbox.ts says why); changes are never merged. */
const PACE_MS = 2;

export const fileWatchRoute: SocketHandler = (ctx) => {
  const { sandbox } = ctx;
  let watch: FileWatch | undefined;
  let asked = false;
  const outbox = new SocketOutbox(ctx, { paceMs: PACE_MS });
  const fail = (code: string, error: string) => {
    outbox.push({ type: 'error', error, code, timestamp: now() });
    void outbox.drained().then(() => ctx.close(1000, 'the watch failed'));
  };
  const end = () => {
    sandbox.closers.delete(end);
    watch?.close();
    watch = undefined;
  };
  ctx.onClose(end);

  const start = async (message: { action: 'watch'; path?: string }) => {
    if (asked) {
      // One watch per socket, as the protocol has it; the first goes on.
      outbox.push({
        type: 'error',
        error: 'this socket already watches a directory: open another one to watch more',
        code: 'INVALID_REQUEST',
        timestamp: now(),
      });
      return;
    }
    asked = true;
    let directory: ResolvedPath;
    try {
      directory = await resolveSandboxPath(sandbox.host, message.path ?? '/workspace');
    } catch (error) {
      if (error instanceof PathError) return fail(error.code, error.message);
      throw error;
    }
    const found = await stat(directory.host).catch(() => undefined);
    if (!found) return fail('DIRECTORY_NOT_FOUND', `${directory.path} does not exist`);
    if (!found.isDirectory()) return fail('INVALID_PATH', `${directory.path} is not a directory`);
    // The client may have gone while the path was looked at.
    if (ctx.ws.readyState !== ctx.ws.OPEN) return;
    try {
      watch = watchSandboxDirectory(
        directory,
        ({ path, event }) => outbox.push({ type: 'change', path, event, timestamp: now() }),
        (error) =>
          error instanceof WatchedFolderRemoved
            ? fail('DIRECTORY_NOT_FOUND', error.message)
            : fail('FILE_OPERATION_FAILED', `watching ${directory.path} failed: ${error.message}`),
      );
    } catch (error) {
      return fail('FILE_OPERATION_FAILED', `cannot watch ${directory.path}: ${(error as Error).message}`);
    }
    sandbox.closers.add(end);
  };
  ctx.onMessage((message) => {
    start(message).catch((error) => {
      ctx.local.log(`local HopX: WebSocket /files/watch failed: ${error instanceof Error ? error.stack : error}`);
      ctx.close(1011, 'internal error');
    });
  });
};
