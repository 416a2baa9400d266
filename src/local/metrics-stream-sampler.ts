// The samples of `GET /v1/sandboxes/{id}/metrics/stream`, measured: CPU and memory from /proc for
// every process the sandbox has (sandbox.host.pids()), disk from the sandbox's own folder and the
// filesystem it lives on. A sandbox here has no CPU or memory quota of its own, so percentages are
// of this machine.
import { execFileSync } from 'node:child_process';
import { lstat, readdir, readFile, statfs } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import type { LocalSandbox } from './state.js';

export interface MetricsSample {
  cpu: { usage_percent: number; cores: number };
  memory: { total: number; used: number; usage_percent: number };
  disk: { total: number; used: number; free: number; usage_percent: number };
  /** Seconds since the sandbox was created (its "boot"). */
  uptime: number;
}

/** Clock ticks per second and page size, which /proc counts in. */
const CLOCK_TICKS = systemValue('CLK_TCK', 100);
const PAGE_BYTES = systemValue('PAGESIZE', 4096);

function systemValue(name: string, fallback: number): number {
  try {
    return Number(execFileSync('getconf', [name], { encoding: 'utf8', timeout: 5000 }).trim()) || fallback;
  } catch {
    return fallback;
  }
}

/** Samples one sandbox; CPU usage is over the time since the previous sample (or since it was made). */
export class MetricsSampler {
  private ticks = new Map<number, number>();
  private at = 0;

  constructor(
    private readonly sandbox: LocalSandbox,
    private readonly dataDir: string,
  ) {}

  /** Takes the first reading, which the first sample's CPU usage is measured from. */
  async start(): Promise<void> {
    this.ticks = await this.readTicks();
    this.at = performance.now();
  }

  async sample(): Promise<MetricsSample> {
    const ticks = await this.readTicks();
    const now = performance.now();
    let used = 0;
    // A process seen for the first time counts whole: it started since the previous reading.
    for (const [pid, count] of ticks) used += count - (this.ticks.get(pid) ?? 0);
    const seconds = Math.max((now - this.at) / 1000, 0.001);
    const cores = availableParallelism();
    this.ticks = ticks;
    this.at = now;
    const rss = await this.residentBytes([...ticks.keys()]);
    const total = totalmem();
    const disk = await statfs(this.dataDir);
    const diskTotal = disk.blocks * disk.bsize;
    const diskUsed = await folderBytes(this.sandbox.host.root);
    return {
      cpu: { usage_percent: clamp(((Math.max(used, 0) / CLOCK_TICKS / seconds) * 100) / cores), cores },
      memory: { total, used: rss, usage_percent: clamp((rss / total) * 100) },
      disk: {
        total: diskTotal,
        used: diskUsed,
        free: disk.bavail * disk.bsize,
        usage_percent: clamp(diskTotal ? (diskUsed / diskTotal) * 100 : 0),
      },
      uptime: Math.max((Date.now() - this.sandbox.createdAt.getTime()) / 1000, 0),
    };
  }

  /** User + system CPU ticks of each of the sandbox's processes. */
  private async readTicks(): Promise<Map<number, number>> {
    const ticks = new Map<number, number>();
    for (const pid of await this.sandbox.host.pids().catch(() => [])) {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const utime = Number(fields[11]);
      const stime = Number(fields[12]);
      if (Number.isFinite(utime) && Number.isFinite(stime)) ticks.set(pid, utime + stime);
    }
    return ticks;
  }

  private async residentBytes(pids: number[]): Promise<number> {
    let bytes = 0;
    for (const pid of pids) {
      const statm = await readFile(`/proc/${pid}/statm`, 'utf8').catch(() => '');
      const resident = Number(statm.split(' ')[1]);
      if (Number.isFinite(resident)) bytes += resident * PAGE_BYTES;
    }
    return bytes;
  }
}

/** Bytes of the files in a folder (the sandbox's own layer: what it wrote, or its template gave it). */
async function folderBytes(dir: string): Promise<number> {
  let bytes = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) bytes += await folderBytes(path);
    else bytes += (await lstat(path).catch(() => undefined))?.size ?? 0;
  }
  return bytes;
}

const clamp = (percent: number) => Math.min(100, Math.max(0, Math.round(percent * 100) / 100));
