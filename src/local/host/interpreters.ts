// The programs that run a snippet of code, found once on this machine: python3 (its real executable,
// not a version manager's shim, which costs a shell start per run), node (this one) and bash.
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';

export type Runtime = 'python' | 'javascript' | 'bash';

export interface Interpreters {
  python: string | undefined;
  node: string;
  bash: string | undefined;
  /** Folders to put first on a run's PATH, so `python3` and `node` name the same programs. */
  paths: string[];
}

export function findInterpreters(): Interpreters {
  const python = probe('python3', ['-c', 'import sys; print(sys.executable)']);
  const bash = probe('bash', ['-c', 'command -v bash']);
  const paths = [...new Set([python, process.execPath].filter((p): p is string => Boolean(p)).map((p) => dirname(p)))];
  return { python, node: process.execPath, bash, paths };
}

function probe(command: string, args: string[]): string | undefined {
  try {
    return (
      execFileSync(command, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

/** The spec's language names and aliases (`ExecutionLanguage`) to what runs them. */
export function runtimeOf(language: string | undefined): Runtime | undefined {
  switch ((language ?? 'python').toLowerCase()) {
    case 'python':
    case 'python3':
      return 'python';
    case 'javascript':
    case 'node':
    case 'nodejs':
    case 'js':
      return 'javascript';
    case 'bash':
    case 'sh':
    case 'shell':
      return 'bash';
    default:
      return undefined;
  }
}

/** The command line that runs `code` with `runtime`, or undefined when this machine lacks it. */
export function codeArgv(interpreters: Interpreters, runtime: Runtime, code: string): string[] | undefined {
  switch (runtime) {
    case 'python':
      return interpreters.python ? [interpreters.python, '-u', '-c', code] : undefined;
    case 'javascript':
      return [interpreters.node, '-e', code];
    case 'bash':
      return interpreters.bash ? [interpreters.bash, '-c', code] : undefined;
  }
}
