// What /proc says about one process of this machine, as `ps` would show it: its name, command line,
// state, owner, CPU and memory use, and its PID as the sandbox's own code sees it (the innermost
// PID namespace). Linux only, like the rest of the local HopX's process handling.
import { readFile } from 'node:fs/promises';
import { clockTicksPerSecond } from './process-metrics.js';

export interface ProcFacts {
  /** The PID inside the process's own PID namespace (what `os.getpid()` returns in the sandbox). */
  pid: number;
  name: string;
  command: string;
  /** The scheduler state in the words of `ps`/psutil: running, sleeping, zombie, ... */
  status: string;
  user: string | undefined;
  /** CPU time over the process's lifetime, in percent of one CPU (as `ps -o %cpu` computes it). */
  cpuPercent: number;
  /** Resident memory, in percent of this machine's memory. */
  memoryPercent: number | undefined;
}

const STATES: Record<string, string> = {
  R: 'running',
  S: 'sleeping',
  D: 'disk-sleep',
  T: 'stopped',
  t: 'tracing-stop',
  Z: 'zombie',
  X: 'dead',
  x: 'dead',
  I: 'idle',
  K: 'wake-kill',
  W: 'waking',
  P: 'parked',
};

/** The facts of `hostPid`, or undefined when it is gone (processes end while they are listed). */
export async function procFacts(hostPid: number): Promise<ProcFacts | undefined> {
  try {
    const [stat, status, cmdline, uptime, meminfo, passwd] = await Promise.all([
      readFile(`/proc/${hostPid}/stat`, 'utf8'),
      readFile(`/proc/${hostPid}/status`, 'utf8'),
      readFile(`/proc/${hostPid}/cmdline`, 'utf8'),
      readFile('/proc/uptime', 'utf8'),
      readFile('/proc/meminfo', 'utf8').catch(() => ''),
      readFile('/etc/passwd', 'utf8').catch(() => ''),
    ]);
    // `pid (comm) state ...`: comm may hold spaces and parentheses, so split after the last `)`.
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat
      .slice(close + 2)
      .trim()
      .split(/\s+/);
    // Field numbers of proc(5), counted from `state` (field 3).
    const field = (n: number) => Number(fields[n - 3] ?? 0);
    const state = fields[0] ?? '?';
    const ticks = clockTicksPerSecond();
    const cpuSeconds = (field(14) + field(15)) / ticks;
    const aliveSeconds = Number(uptime.split(/\s+/)[0]) - field(22) / ticks;
    const cpuPercent = aliveSeconds > 0 ? Math.max(0, (cpuSeconds / aliveSeconds) * 100) : 0;
    const line = (key: string) => status.match(new RegExp(`^${key}:\\s*(.*)$`, 'm'))?.[1]?.trim();
    const nsPids = (line('NSpid') ?? String(hostPid)).split(/\s+/);
    const uid = line('Uid')?.split(/\s+/)[0];
    const rssKb = Number(line('VmRSS')?.split(/\s+/)[0] ?? 0);
    const totalKb = Number(meminfo.match(/^MemTotal:\s*(\d+)/m)?.[1] ?? 0);
    const args = cmdline.split('\0').filter(Boolean);
    return {
      pid: Number(nsPids[nsPids.length - 1]),
      name,
      command: args.length ? args.join(' ') : `[${name}]`,
      status: STATES[state] ?? state,
      user: uid === undefined ? undefined : (userName(passwd, uid) ?? uid),
      cpuPercent: round(cpuPercent),
      memoryPercent: totalKb > 0 ? round(Math.min(100, (rssKb / totalKb) * 100)) : undefined,
    };
  } catch {
    return undefined;
  }
}

/**
 * The PID a run has inside its sandbox. In namespace mode the run's own process is `nsenter`, which
 * forks the program into the sandbox's PID namespace: that child's innermost PID is the answer. The
 * fork can take a moment, so this looks a few times, while the run is still running.
 */
export async function sandboxPidOf(
  hostPid: number,
  mode: 'namespace' | 'workspace',
  running: () => boolean,
): Promise<number | undefined> {
  if (mode === 'workspace') return hostPid;
  for (let attempt = 0; attempt < 20 && running(); attempt++) {
    const children = await readFile(`/proc/${hostPid}/task/${hostPid}/children`, 'utf8').catch(() => undefined);
    if (children === undefined) return undefined;
    const child = Number(children.trim().split(/\s+/)[0]);
    if (child) return (await procFacts(child))?.pid;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return undefined;
}

function userName(passwd: string, uid: string): string | undefined {
  for (const entry of passwd.split('\n')) {
    const [name, , id] = entry.split(':');
    if (id === uid && name) return name;
  }
  return undefined;
}

const round = (value: number) => Math.round(value * 100) / 100;
