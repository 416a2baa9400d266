// How the local HopX keeps a sandbox's code in the sandbox's own filesystem. It runs code as the
// user, on this machine: this is not a security boundary, only a view that matches the platform.
//
//   namespace   each sandbox gets a private mount and PID namespace (`unshare`), held open by one
//               small process: its root is an overlay of this machine's root with the sandbox's
//               own directory on top, so `/workspace` (and whatever a template installed) is the
//               sandbox's, writes anywhere land in the sandbox's directory, `/tmp` is private, and
//               one sandbox cannot see another's files or processes. Needs root, or user namespaces.
//   workspace   runs start in the sandbox's workspace directory with HOME there; absolute paths
//               such as `/workspace/data.csv` are this machine's, not the sandbox's.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';

export type IsolationMode = 'namespace' | 'workspace';
export type IsolationPreference = IsolationMode | 'auto';

export interface Isolation {
  mode: IsolationMode;
  /** Why this mode (shown on start). */
  reason: string;
  /** unshare's flags for a sandbox's namespaces (namespace mode). */
  unshareFlags: string[];
}

const NAMESPACE_FLAGS = ['--mount', '--pid', '--fork', '--kill-child', '--propagation', 'private'];

/** Finds out which mode this machine allows, by really starting one sandbox namespace in `scratch`. */
export async function detectIsolation(preference: IsolationPreference, scratch: string): Promise<Isolation> {
  if (preference === 'workspace') return { mode: 'workspace', reason: 'chosen', unshareFlags: [] };
  const asRoot = process.getuid?.() === 0;
  const flags = asRoot ? NAMESPACE_FLAGS : ['--user', '--map-root-user', ...NAMESPACE_FLAGS];
  const failure =
    process.platform === 'linux' ? await tryNamespace(flags, scratch) : `${process.platform} has no Linux namespaces`;
  if (!failure) {
    return {
      mode: 'namespace',
      reason: asRoot ? 'running as root' : 'user namespaces are available',
      unshareFlags: flags,
    };
  }
  if (preference === 'namespace') throw new Error(`namespace isolation is not available here: ${failure}`);
  return { mode: 'workspace', reason: `no namespaces (${failure})`, unshareFlags: [] };
}

async function tryNamespace(flags: string[], scratch: string): Promise<string | undefined> {
  const dir = await mkdtemp(join(scratch, 'probe-'));
  try {
    for (const sub of ['upper', 'work', 'merged']) await mkdir(join(dir, sub));
    const script = `${mountScript}\necho ready`;
    return await new Promise<string | undefined>((resolve) => {
      const child = spawn(
        'unshare',
        [
          ...flags,
          '/bin/sh',
          '-c',
          script,
          'probe',
          join(dir, 'upper'),
          join(dir, 'work'),
          join(dir, 'merged'),
          scratch,
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (d) => {
        output += d;
      });
      child.stderr.on('data', (d) => {
        output += d;
      });
      child.on('error', (error) => resolve(error.message));
      child.on('close', (code) =>
        resolve(code === 0 && output.includes('ready') ? undefined : output.trim().split('\n').pop() || `exit ${code}`),
      );
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Sets up a sandbox's view, run as `sh -c <script> name upper work merged hidden`: the overlay, a
 * private /proc (this PID namespace), /dev, a private /tmp, and the local HopX's own data directory
 * hidden under an empty tmpfs (other sandboxes live there).
 */
export const mountScript = [
  'set -e',
  'mount -t overlay overlay -o "lowerdir=/,upperdir=$1,workdir=$2" "$3"',
  'mount -t proc proc "$3/proc"',
  'mount --rbind /dev "$3/dev"',
  'mount -t tmpfs -o mode=1777 tmpfs "$3/tmp"',
  'if [ -d "$3$4" ]; then mount -t tmpfs -o mode=0755,size=1m tmpfs "$3$4"; fi',
].join('\n');
