// Shared by the execution, command, process and IPython tests of the local HopX: looking at this
// machine's processes from outside the sandbox, and a WebSocket to a sandbox's agent.
import { readdir, readFile } from 'node:fs/promises';
import WebSocket from 'ws';

/**
 * PIDs (of this machine) of the processes running `words`: their command line starts with them (the
 * program by its name or path). `nsenter`, which starts a namespace-mode run, has them later in its
 * own command line and does not count.
 */
export async function hostProcessesRunning(...words: string[]): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const args = (await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const program = args[0]?.split('/').pop();
    if (program === words[0] && words.every((word, i) => i === 0 || args[i] === word)) found.push(Number(name));
  }
  return found;
}

/** PIDs (of this machine) of every process that still belongs to sandbox `id` (they carry its marker). */
export async function hostProcessesOfSandbox(id: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const environ = await readFile(`/proc/${name}/environ`, 'latin1').catch(() => '');
    if (environ.split('\0').includes(`HOPX_LOCAL_SANDBOX=${id}`)) found.push(Number(name));
  }
  return found;
}

/** Waits until `check` holds, up to `ms`; returns whether it did. */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 5_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

export interface SocketSession {
  ws: WebSocket;
  /** Every message received so far. */
  messages: Array<Record<string, any>>;
  /** Resolves with the close code once the socket has closed. */
  closed: Promise<number>;
  /** Resolves once a message of `type` has arrived. */
  next(type: string, ms?: number): Promise<Record<string, any>>;
}

/** Opens a WebSocket route of a sandbox's agent with its token. */
export async function openAgentSocket(publicHost: string, path: string, token: string): Promise<SocketSession> {
  const ws = new WebSocket(`${publicHost.replace(/^http/, 'ws')}${path}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  const messages: Array<Record<string, any>> = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    messages.push(JSON.parse(data.toString()));
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = async (type: string, ms = 15_000) => {
    const until = Date.now() + ms;
    for (;;) {
      const found = messages.find((m) => m.type === type);
      if (found) return found;
      if (Date.now() > until) throw new Error(`no ${type} message within ${ms} ms: ${JSON.stringify(messages)}`);
      await Promise.race([
        new Promise<void>((resolve) => waiters.push(resolve)),
        new Promise((resolve) => setTimeout(resolve, 100)),
      ]);
    }
  };
  return { ws, messages, closed, next };
}
