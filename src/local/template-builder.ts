// Runs a template build on this machine. The build gets a sandbox of its own (host/sandbox-host.ts,
// over an empty folder): RUN steps really run in it (namespace mode: in its namespace, whose
// overlay's upper layer collects every file they write; workspace mode: in its workspace), COPY
// steps write the uploaded files into it (build-copy.ts), and ENV, WORKDIR and CMD are recorded.
// When every step succeeded, that layer becomes the template's root, which each sandbox made from
// the template starts from a copy of. The log holds each step and the commands' real output.
//
// FROM cannot be honoured (the local HopX pulls no images): the log says so, and the steps run on
// this machine's own system. A step that needs the image or the network fails for real.
import { readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, posix } from 'node:path';
import { runCopy } from './build-copy.js';
import { type BuildRecord, StepFailure } from './build-record.js';
import type { Local } from './context.js';
import { type Run, runEnv, startRun } from './host/processes.js';
import { SandboxHost } from './host/sandbox-host.js';

export type BuildStep =
  | { kind: 'RUN'; command: string }
  | {
      kind: 'COPY';
      sources: string[];
      dest: string;
      filesHash: string | undefined;
      permissions: string | undefined;
      owner: string | undefined;
    }
  | { kind: 'ENV'; key: string; value: string }
  | { kind: 'WORKDIR'; path: string }
  | { kind: 'USER'; user: string }
  | { kind: 'CMD'; args: string[] };

export interface BuildPlan {
  fromImage: string;
  steps: BuildStep[];
  /** The request's startCmd (wins over a CMD step). */
  startCmd: string | undefined;
  /** The request's readyCmd, described for the log. */
  readyCmd: { type: string } | undefined;
}

/** A request step (either SDK's encoding) as a build step, or why it cannot be one. */
export function buildStepOf(step: Record<string, any>, index: number): BuildStep | string {
  const args: string[] = Array.isArray(step.args) ? step.args : [];
  const where = `step ${index + 1} (${step.type})`;
  switch (step.type) {
    case 'RUN':
      return args.length >= 1 && args.join(' ').trim()
        ? { kind: 'RUN', command: args.join(' ') }
        : `${where} needs a command`;
    case 'COPY': {
      const [sources, dest] = args;
      if (!sources || !dest) return `${where} needs args [sources, destination]`;
      return {
        kind: 'COPY',
        sources: sources.split(',').filter((s) => s.trim() !== ''),
        dest,
        filesHash: step.filesHash,
        permissions: step.permissions,
        owner: step.owner,
      };
    }
    case 'ENV':
      return args[0] ? { kind: 'ENV', key: args[0], value: args.slice(1).join(' ') } : `${where} needs a name`;
    case 'env':
      return step.key ? { kind: 'ENV', key: step.key, value: step.value } : `${where} needs a key`;
    case 'WORKDIR':
      return args[0] ? { kind: 'WORKDIR', path: args[0] } : `${where} needs a directory`;
    case 'workdir':
      return step.path ? { kind: 'WORKDIR', path: step.path } : `${where} needs a path`;
    case 'USER':
      return args[0] ? { kind: 'USER', user: args[0] } : `${where} needs a user`;
    case 'CMD':
      return args.length ? { kind: 'CMD', args } : `${where} needs a command`;
    default:
      return `${where} is not a step type the local HopX knows`;
  }
}

export function describeStep(step: BuildStep): string {
  switch (step.kind) {
    case 'RUN':
      return `RUN ${step.command}`;
    case 'COPY':
      return `COPY ${step.sources.join(',')} ${step.dest}`;
    case 'ENV':
      return `ENV ${step.key}=${step.value}`;
    case 'WORKDIR':
      return `WORKDIR ${step.path}`;
    case 'USER':
      return `USER ${step.user}`;
    case 'CMD':
      return `CMD ${JSON.stringify(step.args)}`;
  }
}

/** What a successful build gives its template. */
export interface BuiltRoot {
  root: string;
  env: Record<string, string>;
  workdir: string | undefined;
  startCmd: string | undefined;
}

/**
 * Runs the plan into a new root under `templateDir`. Resolves with what the template becomes, or
 * rejects with a StepFailure that says which step failed and why.
 */
export async function runBuild(
  local: Local,
  build: BuildRecord,
  plan: BuildPlan,
  templateDir: string,
): Promise<BuiltRoot> {
  const scratch = join(templateDir, `scratch-${build.id}`);
  const root = join(templateDir, `root-${build.id}`);
  let host: SandboxHost | undefined;
  let running: Run | undefined;
  /** The step under way, to name in the failure. */
  let step: string | undefined;
  const stop = () => running?.kill();
  build.cancel.signal.addEventListener('abort', stop);
  try {
    build.log(
      `⚠ FROM ${plan.fromImage}: the local HopX cannot pull images; the steps run on this machine's own system (${systemName()}) instead`,
    );
    await mkdir(scratch, { recursive: true, mode: 0o700 });
    host = await SandboxHost.create({
      id: `build-${build.id}`,
      dir: join(templateDir, `build-${build.id}`),
      isolation: local.isolation,
      dataDir: local.dataDir,
    });
    const env: Record<string, string> = {};
    let workdir: string | undefined;
    let cmd: string | undefined;
    for (const [index, current] of plan.steps.entries()) {
      if (build.cancel.signal.aborted) throw new StepFailure('the build was cancelled');
      step = `Step ${index + 1}/${plan.steps.length}: ${describeStep(current)}`;
      build.currentStep = step;
      build.log(step);
      const cwd = workdir ?? '/workspace';
      switch (current.kind) {
        case 'RUN': {
          const splitter = new LineSplitter((line) => build.log(line));
          running = startRun(host, {
            argv: ['/bin/sh', '-c', current.command],
            cwd,
            env: runEnv(local.interpreters.paths, env, undefined),
            maxOutputBytes: local.limits.outputBytes,
            onStdout: (text) => splitter.push('stdout', text),
            onStderr: (text) => splitter.push('stderr', text),
          });
          const result = await running.result;
          running = undefined;
          splitter.flush();
          if (build.cancel.signal.aborted) throw new StepFailure('the build was cancelled');
          if (result.exitCode !== 0)
            throw new StepFailure(
              result.exitCode === null
                ? `command was ended by ${result.signal}`
                : `command exited with status ${result.exitCode}`,
            );
          break;
        }
        case 'COPY':
          await runCopy({ local, host, scratch, workdir: cwd, log: (line) => build.log(line) }, current);
          break;
        case 'ENV':
          env[current.key] = current.value;
          break;
        case 'WORKDIR': {
          workdir = posix.resolve(cwd, current.path);
          await makeDirectory(local, host, workdir, build);
          break;
        }
        case 'USER':
          build.log(
            `USER ${current.user} not applied: the local HopX runs every step and sandbox as the current user (${userInfo().username})`,
          );
          break;
        case 'CMD':
          cmd = current.args.length === 1 ? current.args[0] : current.args.map(shellQuote).join(' ');
          build.log(
            plan.startCmd
              ? "not used: the build's startCmd is the command every sandbox of the template starts with"
              : 'recorded as the command every sandbox of the template starts with',
          );
          break;
      }
      build.progress = Math.floor(((index + 1) / plan.steps.length) * 99);
    }
    step = undefined;
    if (plan.readyCmd)
      build.log(
        `readyCmd (${plan.readyCmd.type}) not checked: a sandbox of this template starts its start command in the background and is ready at once`,
      );
    // The build's filesystem becomes the template's: its upper layer in namespace mode (deletions of
    // this machine's files included, as whiteouts that each sandbox's copy keeps), its folder in
    // workspace mode. It moves out before the build's sandbox (and its folder) goes.
    await rename(host.root, root);
    return { root, env, workdir, startCmd: plan.startCmd ?? cmd };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    const reason =
      error instanceof StepFailure
        ? error.message
        : `the local HopX failed: ${error instanceof Error ? error.message : String(error)}`;
    throw new StepFailure(step ? `${step} failed: ${reason}` : reason);
  } finally {
    build.cancel.signal.removeEventListener('abort', stop);
    await host?.destroy();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** WORKDIR creates its directory, as Docker does: inside the build's view of the filesystem. */
async function makeDirectory(local: Local, host: SandboxHost, path: string, build: BuildRecord): Promise<void> {
  // Workspace mode: runs see this machine's paths, so the template's folders live under its root.
  if (host.mode === 'workspace') {
    await mkdir(join(host.root, path), { recursive: true });
    return;
  }
  const run = startRun(host, {
    argv: ['mkdir', '-p', '--', path],
    cwd: '/',
    env: runEnv(local.interpreters.paths, {}, undefined),
    maxOutputBytes: 64 * 1024,
  });
  const result = await run.result;
  if (result.stderr.trim()) build.log(result.stderr.trimEnd());
  if (result.exitCode !== 0) throw new StepFailure(`WORKDIR ${path}: mkdir exited with status ${result.exitCode}`);
}

/** Splits a command's output into lines per stream, keeping a partial line until it ends. */
class LineSplitter {
  private readonly partial = { stdout: '', stderr: '' };
  constructor(private readonly emit: (line: string) => void) {}
  push(stream: 'stdout' | 'stderr', text: string): void {
    const lines = (this.partial[stream] + text).split('\n');
    this.partial[stream] = lines.pop() ?? '';
    for (const line of lines) this.emit(line.replace(/\r$/, ''));
  }
  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.emit(this.partial[stream]);
      this.partial[stream] = '';
    }
  }
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

let system: string | undefined;
/** This machine's system, as /etc/os-release names it. */
function systemName(): string {
  if (system) return system;
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    system = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1] ?? process.platform;
  } catch {
    system = process.platform;
  }
  return system;
}
