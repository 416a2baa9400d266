// VM Agent: commands. A program with its arguments, run directly (no shell of ours: the SDKs send
// `bash -c <line>` themselves), in the sandbox, with its environment and timeout. `/commands/run`
// answers when it exits; `/commands/background` answers at once and tracks it in the sandbox's
// process table, where `/execute/processes` lists it and `/execute/kill/{process_id}` stops it.
import type { components } from '../../../generated/schema.js';
import {
  callSandbox,
  exitCodeOf,
  findSandboxPid,
  reportedStderr,
  requireRoom,
  startSandboxRun,
  statusOf,
} from '../code-runs.js';
import { type Handler, json } from '../context.js';

type Schemas = components['schemas'];

/** CommandRequest's documented default (the agent's 30 s), for both routes: they share the request. */
const COMMAND_TIMEOUT_SECONDS = 30;

export const commandsHandlers: Record<string, Handler> = {
  async runCommand(ctx) {
    const sandbox = callSandbox(ctx);
    const body = ctx.body as Schemas['CommandRequest'];
    requireRoom(ctx.local, sandbox, 'COMMAND_FAILED');
    const argv = [body.command, ...(body.args ?? [])];
    const timeoutSeconds = body.timeout ?? COMMAND_TIMEOUT_SECONDS;
    const run = await startSandboxRun(ctx.local, sandbox, {
      argv,
      workdir: body.workdir,
      env: body.env,
      timeoutSeconds,
    });
    sandbox.processes.attach(run);
    const abandon = () => run.kill('SIGKILL');
    ctx.signal.addEventListener('abort', abandon, { once: true });
    const [result, pid] = await Promise.all([run.result, findSandboxPid(sandbox, run)]);
    ctx.signal.removeEventListener('abort', abandon);
    const exitCode = exitCodeOf(result);
    const answer: Schemas['CommandResponse'] = {
      success: exitCode === 0,
      stdout: result.stdout,
      stderr: reportedStderr(ctx.local, result, timeoutSeconds),
      exit_code: exitCode,
      execution_time: result.durationSeconds,
      command: argv.join(' '),
      ...(pid === undefined ? {} : { pid }),
      timestamp: new Date().toISOString(),
    };
    return json(200, answer);
  },

  async runCommandBackground(ctx) {
    const sandbox = callSandbox(ctx);
    const body = ctx.body as Schemas['CommandRequest'];
    requireRoom(ctx.local, sandbox, 'COMMAND_FAILED');
    const argv = [body.command, ...(body.args ?? [])];
    const run = await startSandboxRun(ctx.local, sandbox, {
      argv,
      workdir: body.workdir,
      env: body.env,
      timeoutSeconds: body.timeout ?? COMMAND_TIMEOUT_SECONDS,
    });
    const entry = sandbox.processes.add('command', run, { command: argv.join(' ') });
    const pid = await findSandboxPid(sandbox, run);
    const answer: Schemas['BackgroundCommandResponse'] = {
      process_id: entry.id,
      status: statusOf(entry),
      ...(pid === undefined ? {} : { pid }),
      message: 'Command started in background',
      timestamp: run.startedAt.toISOString(),
    };
    return json(200, answer);
  },
};
