// An interactive shell on a pseudo-terminal, inside a sandbox: what `/terminal` drives. It needs a
// pty, so it cannot go through SandboxHost.spawn() (child_process gives pipes): it builds the same
// command line (nsenter into the sandbox's namespaces in namespace mode, the workspace folder in
// workspace mode) and hands it to node-pty. The shell leads its own session (the pty makes it so),
// and kill() ends every process still in that session, jobs included (the socket closed, or the
// sandbox is going).
import { closeSync, constants, openSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import pty, { type IPty } from '@lydell/node-pty';
import type { SandboxHost } from './sandbox-host.js';

export interface PtySessionOptions {
  /** The shell and its arguments, as sandbox paths. */
  argv: string[];
  /** Working directory, as a sandbox path. */
  cwd: string;
  /** The complete environment (see runEnv in processes.ts). */
  env: Record<string, string>;
  cols: number;
  rows: number;
}

export interface PtySession {
  /** The session leader's PID on this machine (nsenter's, in namespace mode). */
  readonly pid: number;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  /** Stops reading the terminal (the shell blocks once the pty's buffer is full). */
  pause(): void;
  resume(): void;
  onData(listener: (data: string) => void): void;
  /** The shell's exit code: as a shell reports it, 128 + the signal's number when a signal ended it. */
  onExit(listener: (code: number) => void): void;
  running(): boolean;
  /** Kills every process of the terminal's session (SIGKILL). */
  kill(): void;
}

export function startPtySession(host: SandboxHost, options: PtySessionOptions): PtySession {
  const env = host.environment(options.env);
  const { file, args, cwd } = host.commandLine(options.argv, options.cwd);
  const terminal: IPty = pty.spawn(file, args, {
    name: env.TERM ?? 'xterm-256color',
    cols: options.cols,
    rows: options.rows,
    cwd,
    env,
  });
  const pid = terminal.pid;
  let ended = false;
  // When the last process holding the terminal's slave side exits, the output it wrote last may
  // never become readable on the master (seen on Linux 6.x: a flood's final kilobytes vanish, and
  // node-pty, hearing no EIO, drops the socket after 200 ms). Holding the slave open here keeps it
  // readable until node-pty has read it; node-pty then ends the session after its 200 ms.
  const slave = holdSlave(terminal);
  let slaveOpen = slave !== undefined;
  const letSlaveGo = () => {
    if (!slaveOpen || slave === undefined) return;
    slaveOpen = false;
    closeSync(slave);
  };
  // node-pty gives the last output only 200 ms once the shell has exited, then drops what is left
  // unread: a terminal whose shell is gone is never held back, and one held back is let go as soon
  // as its shell is (what is left is at most the kernel's pty buffer).
  let holding: ReturnType<typeof setInterval> | undefined;
  const shellGone = () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  };
  const release = () => {
    clearInterval(holding);
    holding = undefined;
    terminal.resume();
  };
  terminal.onExit(() => {
    // What the shell left running (a nohup'd job) stays, as after a logout: it ends with the sandbox.
    ended = true;
    clearInterval(holding);
    letSlaveGo();
  });
  return {
    pid,
    write: (data) => {
      if (!ended) terminal.write(data);
    },
    resize: (cols, rows) => {
      if (!ended) terminal.resize(cols, rows);
    },
    pause: () => {
      if (ended || holding || shellGone()) return;
      terminal.pause();
      holding = setInterval(() => {
        if (shellGone()) release();
      }, 10);
    },
    resume: release,
    onData: (listener) => {
      terminal.onData(listener);
    },
    onExit: (listener) => {
      terminal.onExit(({ exitCode, signal }) => listener(signal ? 128 + signal : exitCode));
    },
    running: () => !ended,
    kill: () => {
      // The group at once (synchronously, for a sandbox being deleted), then the rest of the session:
      // an interactive shell puts each job in a process group of its own.
      tryKill(-pid);
      tryKill(pid);
      void killSession(pid);
      letSlaveGo();
    },
  };
}

/** Opens the terminal's slave side (node-pty keeps its name, e.g. /dev/pts/3, in `_pty`). */
function holdSlave(terminal: IPty): number | undefined {
  const name = (terminal as unknown as { _pty?: unknown })._pty;
  if (typeof name !== 'string') return undefined;
  try {
    return openSync(name, constants.O_RDWR | constants.O_NOCTTY);
  } catch {
    // Without it a flood's last output may be lost at exit; the terminal works all the same.
    return undefined;
  }
}

/** SIGKILLs every process whose session is `sid` (PIDs of this machine's /proc). */
async function killSession(sid: number): Promise<void> {
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  await Promise.all(
    pids.map(async (name) => {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
      // `pid (comm) state ppid pgrp session ...`: comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[3]) === sid) tryKill(Number(name));
    }),
  );
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
