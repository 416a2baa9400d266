// VM Agent: processes. The runs the API named (background code, background commands, async runs),
// with their real status, times and exit codes, and stopping them (their whole process group);
// every process really running in the sandbox, read from /proc; and the IPython interpreter as the
// one Jupyter session, when it runs.
import type { components } from '../../../generated/schema.js';
import { ApiError } from '../api-error.js';
import { callSandbox, exitCodeOf, sandboxPidOfRun, statusOf } from '../code-runs.js';
import { type CallContext, type Handler, json } from '../context.js';
import { procFacts } from '../host/proc-info.js';
import { IpythonKernel } from '../ipython-kernel.js';
import type { ProcessKind, TrackedProcess } from '../process-table.js';

type Schemas = components['schemas'];

/** The runs `/execute/processes` lists and `/execute/kill` stops: the ones whose ids the API handed out. */
const LISTED: ReadonlySet<ProcessKind> = new Set<ProcessKind>(['background', 'command', 'async']);
/** How long a kill waits for the run's group to be gone before it answers. */
const KILL_WAIT_MS = 5_000;

function processInfo(entry: TrackedProcess): Schemas['ProcessInfo'] {
  const { run, result } = entry;
  const pid = sandboxPidOfRun(run);
  return {
    process_id: entry.id,
    execution_id: entry.executionId,
    ...(entry.name === undefined ? {} : { name: entry.name }),
    ...(pid === undefined ? {} : { pid }),
    ...(entry.language === undefined ? {} : { language: entry.language }),
    status: statusOf(entry),
    start_time: run.startedAt.toISOString(),
    end_time: entry.endedAt?.toISOString() ?? null,
    exit_code: result ? exitCodeOf(result) : null,
    duration: result ? result.durationSeconds : (Date.now() - run.startedAt.getTime()) / 1000,
  };
}

async function kill(ctx: CallContext, id: string) {
  const sandbox = callSandbox(ctx);
  const entry = sandbox.processes.get(id);
  if (!entry || !LISTED.has(entry.kind)) throw new ApiError(404, 'PROCESS_NOT_FOUND', `Process not found: ${id}`);
  if (!entry.run.running()) {
    const answer: Schemas['ProcessKillResponse'] = {
      success: false,
      process_id: entry.id,
      status: statusOf(entry),
      message: `Process already ended (${statusOf(entry)})`,
      timestamp: new Date().toISOString(),
    };
    return json(200, answer);
  }
  entry.run.kill('SIGKILL');
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([entry.run.result, new Promise((resolve) => (timer = setTimeout(resolve, KILL_WAIT_MS)))]);
  clearTimeout(timer);
  const stopped = !entry.run.running();
  const answer: Schemas['ProcessKillResponse'] = {
    success: stopped,
    process_id: entry.id,
    status: statusOf(entry),
    message: stopped ? 'Process killed successfully' : 'Process was signalled but has not ended yet',
    timestamp: new Date().toISOString(),
  };
  return json(200, answer);
}

export const processesHandlers: Record<string, Handler> = {
  listBackgroundProcesses(ctx) {
    const sandbox = callSandbox(ctx);
    const processes = sandbox.processes
      .all()
      .filter((entry) => LISTED.has(entry.kind))
      .map(processInfo);
    const answer: Schemas['BackgroundProcessListResponse'] = {
      processes,
      count: processes.length,
      timestamp: new Date().toISOString(),
    };
    return json(200, answer);
  },

  killProcessByQuery: (ctx) => kill(ctx, String(ctx.query.process_id)),

  killProcess: (ctx) => kill(ctx, String(ctx.path.process_id)),

  async listSystemProcesses(ctx) {
    const sandbox = callSandbox(ctx);
    const facts = await Promise.all((await sandbox.host.pids()).map((pid) => procFacts(pid)));
    const processes: Schemas['SystemProcess'][] = facts
      .filter((fact) => fact !== undefined)
      .sort((a, b) => a.pid - b.pid)
      .map((fact) => ({
        pid: fact.pid,
        name: fact.name,
        cpu_percent: fact.cpuPercent,
        ...(fact.memoryPercent === undefined ? {} : { memory_percent: fact.memoryPercent }),
        command: fact.command,
        status: fact.status,
        ...(fact.user === undefined ? {} : { user: fact.user }),
      }));
    const answer: Schemas['SystemProcessListResponse'] = { processes, count: processes.length };
    return json(200, answer);
  },

  listJupyterSessions(ctx) {
    const kernel = IpythonKernel.existing(callSandbox(ctx));
    const state = kernel?.executionState();
    const answer: Schemas['JupyterSessionListResponse'] = {
      sessions: kernel && state && state !== 'dead' ? [{ kernel_id: kernel.kernelId, execution_state: state }] : [],
    };
    return json(200, answer);
  },
};
