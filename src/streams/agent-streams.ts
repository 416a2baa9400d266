// Helpers for the common WebSocket cases: run code and collect its output, a terminal, a file watch.
import type { components } from '../../generated/schema.js';
import { HopxStreamClosedError } from '../errors.js';
import { type AgentSocket, type AgentSocketOptions, type AnyAgentClient, openAgentSocket } from './agent-socket.js';

type Schemas = components['schemas'];
export type ExecuteStreamRequest = Omit<Schemas['ExecuteStreamExecute'], 'type'>;
export type FileChange = Schemas['FileWatchChange'];

/** Starts running code and returns the session: iterate it for stdout, stderr, result and complete. */
export async function streamExecution(
  agent: AnyAgentClient,
  request: ExecuteStreamRequest,
  options?: AgentSocketOptions,
): Promise<AgentSocket<'/execute/stream'>> {
  const socket = await openAgentSocket(agent, '/execute/stream', options);
  socket.send({ type: 'execute', ...request });
  return socket;
}

export interface ExecutionOutput {
  stdout: string;
  stderr: string;
  exitCode: number | undefined;
  /** Seconds, as the agent measured it. */
  executionTime: number | undefined;
  success: boolean;
}

export interface RunCodeOptions extends AgentSocketOptions {
  /** Called with each stdout chunk as it arrives. */
  onStdout?: (data: string) => void;
  onStderr?: (data: string) => void;
}

/** Runs code over the streaming route and resolves with everything it printed and how it ended. */
export async function runCode(
  agent: AnyAgentClient,
  request: ExecuteStreamRequest,
  options: RunCodeOptions = {},
): Promise<ExecutionOutput> {
  const { onStdout, onStderr, ...socketOptions } = options;
  const output: ExecutionOutput = {
    stdout: '',
    stderr: '',
    exitCode: undefined,
    executionTime: undefined,
    success: false,
  };
  for await (const message of await streamExecution(agent, request, socketOptions)) {
    switch (message.type) {
      case 'stdout':
        output.stdout += message.data;
        onStdout?.(message.data);
        break;
      case 'stderr':
        output.stderr += message.data;
        onStderr?.(message.data);
        break;
      case 'result':
        output.exitCode = message.exit_code;
        output.executionTime = message.execution_time;
        break;
      case 'complete':
        output.success = message.success;
        break;
    }
  }
  return output;
}

export interface TerminalSession {
  /** Sends keystrokes (include `\n` to run a line). */
  write(data: string): void;
  resize(cols: number, rows: number): void;
  /** What the shell prints, chunk by chunk, until it exits. */
  output: AsyncIterable<string>;
  /** The shell's exit code, once it exits; rejects if the session fails first. */
  exitCode: Promise<number>;
  close(): void;
}

/** Opens an interactive shell. Read `output` to see what it prints; `exitCode` settles when it ends. */
export async function openTerminal(
  agent: AnyAgentClient,
  options: AgentSocketOptions & { cols?: number; rows?: number } = {},
): Promise<TerminalSession> {
  const { cols, rows, ...socketOptions } = options;
  const socket = await openAgentSocket(agent, '/terminal', socketOptions);
  if (cols && rows) socket.send({ type: 'resize', cols, rows });
  const printed = new ChunkQueue();
  // Read the socket eagerly, so that `exitCode` settles even when nobody reads `output`.
  const exitCode = (async () => {
    try {
      for await (const message of socket) {
        if (message.type === 'output') {
          if (message.data) printed.push(message.data);
        } else {
          printed.end();
          // The SDKs' types and the CLI name it `code`; another official client reads `exitCode`.
          // Neither is guaranteed: a shell that ended without saying how counts as 0, as the CLI does.
          return message.code ?? message.exitCode ?? 0;
        }
      }
      throw new HopxStreamClosedError('WebSocket /terminal: the session was closed before the shell exited', {
        operation: 'WebSocket /terminal',
        closeCode: 1000,
        closeReason: 'client closed',
      });
    } catch (error) {
      printed.fail(error);
      throw error;
    }
  })();
  exitCode.catch(() => {}); // a caller who never awaits it must not get an unhandled rejection
  return {
    write: (data) => socket.send({ type: 'input', data }),
    resize: (c, r) => socket.send({ type: 'resize', cols: c, rows: r }),
    output: printed,
    exitCode,
    close: () => socket.close(),
  };
}

/** Terminal output, buffered until read: iterable once, ends when the shell exits. */
class ChunkQueue implements AsyncIterable<string> {
  private readonly chunks: string[] = [];
  private done = false;
  private failure: unknown;
  private wake: (() => void) | undefined;
  push(chunk: string) {
    this.chunks.push(chunk);
    this.wake?.();
  }
  end() {
    this.done = true;
    this.wake?.();
  }
  fail(error: unknown) {
    this.failure = error;
    this.end();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<string, void, undefined> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk !== undefined) {
        yield chunk;
        continue;
      }
      if (this.failure !== undefined) throw this.failure;
      if (this.done) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}

/** Watches a directory: iterate the changes; `break` (or close()) stops watching. */
export async function watchFiles(
  agent: AnyAgentClient,
  path = '/workspace',
  options?: AgentSocketOptions,
): Promise<AgentSocket<'/files/watch'>> {
  const socket = await openAgentSocket(agent, '/files/watch', options);
  socket.send({ action: 'watch', path });
  return socket;
}
