// A directory entry as `GET /files/list` describes it (FileInfo), from the entry's own `lstat`:
// a link is shown as a link, with its own size and time, not its target's.
import type { Stats } from 'node:fs';

/** `-rw-r--r--`, `drwxr-xr-x`, `lrwxrwxrwx`: the entry's type and permission bits, as `ls -l` shows them. */
export function permissionString(stats: Stats): string {
  const type = stats.isDirectory()
    ? 'd'
    : stats.isSymbolicLink()
      ? 'l'
      : stats.isFIFO()
        ? 'p'
        : stats.isSocket()
          ? 's'
          : stats.isCharacterDevice()
            ? 'c'
            : stats.isBlockDevice()
              ? 'b'
              : '-';
  const bits = stats.mode;
  const triple = (shift: number, special: number, specialChar: string) => {
    const r = bits & (4 << shift) ? 'r' : '-';
    const w = bits & (2 << shift) ? 'w' : '-';
    const x = bits & (1 << shift);
    const s = bits & special;
    const last = s ? (x ? specialChar : specialChar.toUpperCase()) : x ? 'x' : '-';
    return `${r}${w}${last}`;
  };
  return `${type}${triple(6, 0o4000, 's')}${triple(3, 0o2000, 's')}${triple(0, 0o1000, 't')}`;
}

/** One `FileInfo`, under both spellings the SDKs read (`is_directory`/`is_dir`, `modified_time`/`modified`). */
export function fileInfo(name: string, path: string, stats: Stats) {
  const modified = stats.mtime.toISOString();
  return {
    name,
    path,
    size: stats.size,
    is_directory: stats.isDirectory(),
    is_dir: stats.isDirectory(),
    modified_time: modified,
    modified,
    permissions: permissionString(stats),
  };
}
