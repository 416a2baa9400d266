// Readings of this machine and of a set of its processes, straight from the kernel (/proc, statfs):
// what the metrics routes report. Nothing here is estimated; a figure the kernel does not give for
// a process (a kernel thread has no memory of its own, /proc/<pid>/io may be unreadable) is left out.
import { execFileSync } from 'node:child_process';
import { lstat, readdir, readFile, statfs } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

export interface ProcessReading {
  pid: number;
  /** When it started, in clock ticks after boot: with the pid, tells a process from a later one with the same pid. */
  startTicks: number;
  /** User plus system CPU time, in clock ticks. */
  cpuTicks: number;
  /** Resident memory in bytes (VmRSS), when it has any. */
  rssBytes: number | undefined;
  /** Bytes it made the storage layer read and write (/proc/<pid>/io), when readable. */
  readBytes: number | undefined;
  writeBytes: number | undefined;
}

let ticks: number | undefined;
/**
 * The unit of /proc's CPU times (USER_HZ). `getconf CLK_TCK` says it; where getconf is missing,
 * 100 is what the kernel exports to userspace on every architecture Node runs on.
 */
export function clockTicksPerSecond(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5_000 }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** One process, or undefined when it is gone (processes end between listing and reading). */
export async function readProcess(pid: number): Promise<ProcessReading | undefined> {
  const [stat, status, io] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined),
    readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined),
    readFile(`/proc/${pid}/io`, 'utf8').catch(() => undefined),
  ]);
  if (!stat) return undefined;
  // The command name sits in parentheses and may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields from the third (`state`) on: utime is the 14th, stime the 15th, starttime the 22nd.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const start = Number(fields[19]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime) || !Number.isFinite(start)) return undefined;
  const rssKb = status ? /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1] : undefined;
  const ioField = (name: string) => {
    const value = io ? new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] : undefined;
    return value === undefined ? undefined : Number(value);
  };
  return {
    pid,
    startTicks: start,
    cpuTicks: utime + stime,
    rssBytes: rssKb === undefined ? undefined : Number(rssKb) * 1024,
    readBytes: ioField('read_bytes'),
    writeBytes: ioField('write_bytes'),
  };
}

export async function readProcesses(pids: number[]): Promise<ProcessReading[]> {
  const readings = await Promise.all(pids.map(readProcess));
  return readings.filter((r): r is ProcessReading => r !== undefined);
}

/** This machine's memory (/proc/meminfo): all of it, and what can still be had without swapping. */
export async function machineMemory(): Promise<{ totalBytes: number; availableBytes: number }> {
  const meminfo = await readFile('/proc/meminfo', 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(meminfo)?.[1] ?? Number.NaN);
  const total = kb('MemTotal');
  // Kernels before 3.14 have no MemAvailable: free memory is the closest the kernel says.
  const available = Number.isNaN(kb('MemAvailable')) ? kb('MemFree') : kb('MemAvailable');
  return { totalBytes: total * 1024, availableBytes: available * 1024 };
}

/** CPUs this process may use. */
export function cpuCores(): number {
  return availableParallelism();
}

/** Size and free space (for an unprivileged user) of the file system holding `dir`. */
export async function fileSystemOf(dir: string): Promise<{ totalBytes: number; availableBytes: number }> {
  const stats = await statfs(dir);
  return { totalBytes: stats.blocks * stats.bsize, availableBytes: stats.bavail * stats.bsize };
}

/**
 * Disk space used by everything under `dir` (`du`: allocated blocks, each hard-linked file once,
 * links not followed, other file systems mounted inside not entered).
 */
export async function diskUsage(dir: string): Promise<number> {
  const top = await lstat(dir).catch(() => undefined);
  if (!top) return 0;
  const seen = new Set<string>();
  let bytes = 0;
  const walk = async (path: string): Promise<void> => {
    const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
    await Promise.all(
      entries.map(async (entry) => {
        const full = join(path, entry.name);
        const stats = await lstat(full).catch(() => undefined);
        if (!stats || stats.dev !== top.dev) return;
        const key = `${stats.ino}`;
        if (stats.nlink > 1) {
          if (seen.has(key)) return;
          seen.add(key);
        }
        bytes += stats.blocks * 512;
        if (stats.isDirectory()) await walk(full);
      }),
    );
  };
  bytes += top.blocks * 512;
  await walk(dir);
  return bytes;
}
