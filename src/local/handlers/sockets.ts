// The agent's WebSocket routes, by path (`/stream/ipython` is the execution group's): streamed
// runs of code and commands (run-socket.ts), the terminal (terminal-socket.ts) and the file watch
// (file-watch-socket.ts). The pipeline (socket-pipeline.ts) has already checked the upgrade and
// checks every frame both ways against the route's `x-websocket` schemas.
import type { Local, SocketHandler } from '../context.js';
import { codeArgv, runtimeOf } from '../host/interpreters.js';
import { fileWatchRoute } from './file-watch-socket.js';
import { RefusedRun, type RunPlan, streamedRunRoute } from './run-socket.js';
import { terminalRoute } from './terminal-socket.js';

/** `ExecuteStreamExecute`'s documented default. */
const CODE_TIMEOUT_SECONDS = 60;
/** `CommandStreamCommand` is modelled on `CommandRequest`, whose documented agent default is 30 s. */
const COMMAND_TIMEOUT_SECONDS = 30;

/** An `execute` message (`ExecuteStreamExecute`): the code, run by its language's interpreter. */
function codePlan(
  message: { code: string; language?: string; timeout?: number; workdir?: string; env?: Record<string, string> },
  local: Local,
): RunPlan {
  const language = message.language ?? 'python';
  const runtime = runtimeOf(language);
  if (!runtime)
    throw new RefusedRun(
      'EXECUTION_FAILED',
      `the local HopX cannot run ${language}: it runs python, javascript and bash (and their aliases)`,
    );
  const argv = codeArgv(local.interpreters, runtime, message.code);
  if (!argv) throw new RefusedRun('EXECUTION_FAILED', `${runtime} is not installed on this machine`);
  const timeoutSeconds = message.timeout ?? CODE_TIMEOUT_SECONDS;
  return {
    argv,
    workdir: message.workdir,
    timeoutSeconds,
    env: message.env,
    language,
    command: message.code,
    timedOut: `Execution timed out after ${timeoutSeconds} seconds`,
  };
}

/** A `command` message (`CommandStreamCommand`): the program and its arguments, no shell added. */
function commandPlan(message: {
  command: string;
  args?: string[];
  timeout?: number;
  workdir?: string;
  env?: Record<string, string>;
}): RunPlan {
  const argv = [message.command, ...(message.args ?? [])];
  const timeoutSeconds = message.timeout ?? COMMAND_TIMEOUT_SECONDS;
  return {
    argv,
    workdir: message.workdir,
    timeoutSeconds,
    env: message.env,
    command: argv.join(' '),
    timedOut: `Command timed out after ${timeoutSeconds} seconds`,
  };
}

export const socketRoutes: Record<string, SocketHandler> = {
  '/execute/stream': streamedRunRoute({ ending: 'result', plan: codePlan }),
  '/commands/stream': streamedRunRoute({ ending: 'exit', plan: commandPlan }),
  // The rich stream runs code the same way. A `display` message would carry a rich output (a plot,
  // a table) the run produced; plain interpreters produce none, so none is ever sent.
  '/stream': streamedRunRoute({ ending: 'result', plan: codePlan }),
  '/terminal': terminalRoute,
  '/files/watch': fileWatchRoute,
};
