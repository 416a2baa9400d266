// What the agent's metrics routes report for one sandbox, measured, never estimated. A local
// sandbox is not a VM with capacities of its own: its processes share this machine. So the figures
// are the sandbox's (CPU busy time and resident memory of its real processes, the disk its own
// folder takes) and the capacities are the machine's (cores, memory, the file system holding the
// sandbox), which is what the sandbox's code can actually use, since nothing here caps it.
import { hrtime } from 'node:process';
import {
  clockTicksPerSecond,
  cpuCores,
  diskUsage,
  fileSystemOf,
  machineMemory,
  type ProcessReading,
  readProcesses,
} from './host/process-metrics.js';
import type { LocalSandbox } from './state.js';

export interface SandboxUsage {
  /** Seconds since the sandbox (and its agent) started. */
  uptimeSeconds: number;
  cores: number;
  /** CPU busy time of the sandbox's processes across all cores, 0-100, over the last sampling window. */
  cpuPercent: number;
  memory: { totalBytes: number; usedBytes: number; availableBytes: number };
  disk: { totalBytes: number; usedBytes: number; availableBytes: number };
  processes: ProcessReading[];
}

interface CpuSample {
  at: bigint;
  /** CPU ticks by `pid:start`. */
  ticks: Map<string, number>;
}

/** The last CPU reading of each sandbox: usage is measured between two readings. */
const lastCpu = new WeakMap<LocalSandbox, CpuSample>();
/** A reading older than this is too stale to be "now"; closer than MIN_WINDOW it is too noisy. */
const MAX_WINDOW_NS = 60_000_000_000n;
const MIN_WINDOW_NS = 50_000_000n;
const FRESH_WINDOW_MS = 100;

const keyOf = (p: ProcessReading) => `${p.pid}:${p.startTicks}`;

async function sample(sandbox: LocalSandbox): Promise<{ sample: CpuSample; processes: ProcessReading[] }> {
  const processes = await readProcesses(await sandbox.host.pids());
  return {
    sample: { at: hrtime.bigint(), ticks: new Map(processes.map((p) => [keyOf(p), p.cpuTicks])) },
    processes,
  };
}

/**
 * CPU busy percent between `before` and `after`: each process's ticks since `before` (all of its
 * ticks when it started after). A process that ended in between takes its last ticks with it.
 */
function cpuPercent(before: CpuSample, after: CpuSample, cores: number): number {
  let busy = 0;
  for (const [key, ticks] of after.ticks) busy += Math.max(0, ticks - (before.ticks.get(key) ?? 0));
  const seconds = Number(after.at - before.at) / 1e9;
  const percent = (busy / clockTicksPerSecond() / (seconds * cores)) * 100;
  return Math.min(100, Math.max(0, Math.round(percent * 100) / 100));
}

export async function measureSandbox(sandbox: LocalSandbox): Promise<SandboxUsage> {
  const cores = cpuCores();
  let previous = lastCpu.get(sandbox);
  let current = await sample(sandbox);
  const age = previous ? current.sample.at - previous.at : 0n;
  if (!previous || age < MIN_WINDOW_NS || age > MAX_WINDOW_NS) {
    // No recent reading to compare with: measure over a short window now.
    previous = current.sample;
    await new Promise((resolve) => setTimeout(resolve, FRESH_WINDOW_MS));
    current = await sample(sandbox);
  }
  lastCpu.set(sandbox, current.sample);
  const [memory, fileSystem, used] = await Promise.all([
    machineMemory(),
    fileSystemOf(sandbox.host.root),
    diskUsage(sandbox.host.root),
  ]);
  return {
    uptimeSeconds: (Date.now() - sandbox.createdAt.getTime()) / 1000,
    cores,
    cpuPercent: cpuPercent(previous, current.sample, cores),
    memory: {
      totalBytes: memory.totalBytes,
      usedBytes: current.processes.reduce((sum, p) => sum + (p.rssBytes ?? 0), 0),
      availableBytes: memory.availableBytes,
    },
    disk: { totalBytes: fileSystem.totalBytes, usedBytes: used, availableBytes: fileSystem.availableBytes },
    processes: current.processes,
  };
}

const percentOf = (part: number, total: number) =>
  total > 0 ? Math.min(100, Math.round((part / total) * 10_000) / 100) : 0;

/** The spec's `SystemMetrics` from a measurement. */
export function systemMetrics(usage: SandboxUsage) {
  return {
    cpu: { usage_percent: usage.cpuPercent, cores: usage.cores },
    memory: {
      total: usage.memory.totalBytes,
      used: usage.memory.usedBytes,
      free: usage.memory.availableBytes,
      usage_percent: percentOf(usage.memory.usedBytes, usage.memory.totalBytes),
    },
    disk: {
      total: usage.disk.totalBytes,
      used: usage.disk.usedBytes,
      free: usage.disk.availableBytes,
      usage_percent: percentOf(usage.disk.usedBytes, usage.disk.totalBytes),
    },
    uptime: Math.round(usage.uptimeSeconds * 10) / 10,
  };
}
