// One sandbox on this machine: its own directory (a 0700 folder holding the sandbox's filesystem),
// the namespace holder that gives its code the sandbox's view (isolation.ts), and every process it
// runs. Everything the HTTP handlers do to the machine for a sandbox goes through here or through
// sandbox-fs.ts (paths) and processes.ts (runs).
import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdir, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Isolation, mountScript } from './isolation.js';

export interface SandboxHostOptions {
  id: string;
  /** The sandbox's own folder (created 0700; removed by destroy()). */
  dir: string;
  isolation: Isolation;
  /** A template's root to start from (copied), if any. */
  templateRoot?: string | undefined;
  /** The local HopX's data folder, hidden from the sandbox's code. */
  dataDir: string;
}

/** The environment variable every process of a sandbox carries (workspace mode finds strays by it). */
export const SANDBOX_MARKER = 'HOPX_LOCAL_SANDBOX';

export class SandboxHost {
  /** The sandbox's filesystem: its `/` (namespace mode: the overlay's upper layer). */
  readonly root: string;
  private holder: ChildProcess | undefined;
  /** The holder's PID on this machine: PID 1 of the sandbox's PID namespace. */
  private holderPid: number | undefined;
  private readonly groups = new Set<number>();
  private destroyed = false;

  private constructor(readonly options: SandboxHostOptions) {
    this.root = join(options.dir, 'root');
  }

  get id(): string {
    return this.options.id;
  }

  get mode() {
    return this.options.isolation.mode;
  }

  static async create(options: SandboxHostOptions): Promise<SandboxHost> {
    const host = new SandboxHost(options);
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    if (options.templateRoot) await copyTree(options.templateRoot, host.root, host.mode);
    // /workspace, and /tmp for workspace mode (namespace mode mounts a private one over it).
    await mkdir(join(host.root, 'workspace'), { recursive: true });
    await mkdir(join(host.root, 'tmp'), { recursive: true, mode: 0o1777 });
    if (host.mode === 'namespace') {
      try {
        await host.startHolder();
      } catch (error) {
        await host.destroy();
        throw error;
      }
    }
    return host;
  }

  /** Where sandbox path `/a/b` is on this machine (after resolving it with sandbox-fs.ts). */
  hostPathOf(sandboxPath: string): string {
    if (this.mode === 'namespace') return `/proc/${this.holderPid}/root${sandboxPath}`;
    return join(this.root, sandboxPath);
  }

  /**
   * Starts `argv` in the sandbox, in `cwd` (a sandbox path), with exactly `env`, as the leader of a
   * new process group. The caller owns the child (processes.ts); destroy() kills it regardless.
   */
  spawn(argv: string[], cwd: string, env: Record<string, string>, stdio: 'pipe' | 'ignore' = 'pipe'): ChildProcess {
    if (this.destroyed) throw new Error(`sandbox ${this.id} is gone`);
    const line = this.commandLine(argv, cwd);
    const child = spawn(line.file, line.args, {
      cwd: line.cwd,
      env: this.environment(env),
      detached: true,
      stdio: [stdio, stdio, stdio],
    });
    if (child.pid) {
      const group = child.pid;
      this.groups.add(group);
      child.once('exit', () => this.groups.delete(group));
    }
    return child;
  }

  /**
   * How to start `argv` in the sandbox, in `cwd` (a sandbox path): for spawn() and for anything
   * else that starts processes there (a pseudo-terminal).
   */
  commandLine(argv: string[], cwd: string): { file: string; args: string[]; cwd: string } {
    if (this.destroyed) throw new Error(`sandbox ${this.id} is gone`);
    if (this.mode === 'namespace') {
      const userns = this.options.isolation.unshareFlags.includes('--user') ? ['--user', '--preserve-credentials'] : [];
      // nsenter cannot change into a directory of the new root itself: a shell does, then execs.
      const args = [
        '-t',
        String(this.holderPid),
        '--mount',
        '--pid',
        ...userns,
        '--root',
        '--wd',
        '--',
        '/bin/sh',
        '-c',
        'cd -- "$0" && exec "$@"',
        cwd,
        ...argv,
      ];
      return { file: 'nsenter', args, cwd: '/' };
    }
    return { file: argv[0] ?? 'true', args: argv.slice(1), cwd: join(this.root, cwd) };
  }

  /** The environment of a process of the sandbox: exactly `env`, marked (and HOME in workspace mode). */
  environment(env: Record<string, string>): Record<string, string> {
    const marked = { ...env, [SANDBOX_MARKER]: this.id };
    return this.mode === 'workspace' ? { ...marked, HOME: join(this.root, 'workspace') } : marked;
  }

  /** Every process of the sandbox that is still there (PIDs of this machine). */
  async pids(): Promise<number[]> {
    const entries = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
    const found: number[] = [];
    if (this.mode === 'namespace' && this.holderPid) {
      const namespace = await readlink(`/proc/${this.holderPid}/ns/pid`).catch(() => undefined);
      if (!namespace) return [];
      for (const pid of entries) {
        if ((await readlink(`/proc/${pid}/ns/pid`).catch(() => undefined)) === namespace) found.push(pid);
      }
      return found;
    }
    const marker = `${SANDBOX_MARKER}=${this.id}\0`;
    for (const pid of entries) {
      if (pid === process.pid) continue;
      const environ = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
      if (`${environ}\0`.includes(marker)) found.push(pid);
    }
    return found;
  }

  /** Sends `signal` to every process of the sandbox: SIGSTOP to pause, SIGCONT to resume, SIGKILL to stop. */
  async signalAll(signal: NodeJS.Signals): Promise<void> {
    // nsenter stops itself when it sees its child stop, and can do so just after a SIGCONT
    // reached it; so the signal is sent again until every process is in the wanted state.
    const settled = (state: string) => (signal === 'SIGCONT' ? state !== 'T' : state === 'T' || state === 'Z');
    for (let attempt = 0; attempt < 40; attempt++) {
      const pids = (await this.pids()).filter((pid) => pid !== this.holderPid);
      for (const group of this.groups) tryKill(-group, signal);
      for (const pid of pids) tryKill(pid, signal);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const states = await Promise.all([...this.groups, ...pids].map(processState));
      if (states.every((state) => state === undefined || settled(state))) return;
    }
  }

  /** Kills every process of the sandbox and removes its folder. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const group of this.groups) tryKill(-group, 'SIGKILL');
    const stray = await this.pids().catch(() => []);
    for (const pid of stray) tryKill(pid, 'SIGKILL');
    if (this.holder && this.holder.exitCode === null && this.holder.signalCode === null) {
      // Killing PID 1 of the sandbox's namespace kills everything left in it.
      const exited = new Promise((resolve) => this.holder?.once('exit', resolve));
      if (this.holderPid) tryKill(this.holderPid, 'SIGKILL');
      this.holder.kill('SIGKILL');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    }
    await rm(this.options.dir, { recursive: true, force: true, maxRetries: 3 });
  }

  private async startHolder(): Promise<void> {
    const { dir, isolation, dataDir } = this.options;
    await mkdir(join(dir, 'work'));
    await mkdir(join(dir, 'merged'));
    // The holder's stdin is its lifeline: when the local HopX goes, however it goes, the pipe
    // closes, the loop ends, PID 1 of the namespace exits and the kernel ends every process in it.
    const script = `${mountScript}\ncd "$3"\nexec chroot . /bin/sh -c 'cd /workspace && echo ready && while read -r _; do :; done'`;
    const holder = spawn(
      'unshare',
      [
        ...isolation.unshareFlags,
        '/bin/sh',
        '-c',
        script,
        'hopx-sandbox',
        this.root,
        join(dir, 'work'),
        join(dir, 'merged'),
        dataDir,
      ],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    this.holder = holder;
    holder.stdin?.on('error', () => {});
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk;
        if (output.includes('ready')) {
          holder.stdout?.off('data', onData);
          resolve();
        }
      };
      holder.stdout?.on('data', onData);
      holder.stderr?.on('data', (chunk: Buffer) => {
        output += chunk;
      });
      holder.once('exit', (code) =>
        reject(new Error(`sandbox ${this.id}: its namespace did not start (exit ${code}): ${output.trim()}`)),
      );
      holder.once('error', reject);
    });
    // unshare --fork: the holder is unshare's child.
    const children = await readFile(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8');
    const pid = Number(children.trim().split(/\s+/)[0]);
    if (!pid) throw new Error(`sandbox ${this.id}: cannot find its namespace's first process`);
    this.holderPid = pid;
    holder.stdout?.resume();
  }
}

/**
 * A template's filesystem, copied for one sandbox. In namespace mode the root is an overlay layer
 * whose deletions of this machine's files are whiteouts (0:0 character devices): `cp -a` (run as
 * root, as namespace mode is) makes them again, so the sandbox does not see those files either.
 */
async function copyTree(from: string, to: string, mode: SandboxHost['mode']): Promise<void> {
  if (mode === 'namespace') {
    const copied = await new Promise<boolean>((resolve) => {
      const child = spawn('cp', ['-a', '--', `${from}/.`, to], { stdio: 'ignore' });
      child.once('error', () => resolve(false));
      child.once('close', (code) => resolve(code === 0));
    });
    if (copied) return;
    await rm(to, { recursive: true, force: true });
  }
  await cp(from, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
}

/** The scheduler state letter of a process (R, S, T, Z, ...), or undefined once it is gone. */
async function processState(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat?.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}
