// VM Agent: code execution. `/execute` and `/execute/rich` run a snippet to the end (python3, node or
// bash, in the sandbox, with its environment, killed with its process group at the timeout);
// `/execute/background` and `/execute/async` start one and answer at once (the async one POSTs its
// result to a webhook); `/execute/ipython` and the `/stream/ipython` WebSocket run cells in the
// sandbox's one IPython interpreter, whose state persists. Rich outputs are only what the code
// really displayed (rich-outputs.ts); plain `node` and `bash` runs have none.
import type { components } from '../../../generated/schema.js';
import { ApiError } from '../api-error.js';
import {
  callSandbox,
  codeProgram,
  exitCodeOf,
  findSandboxPid,
  type Language,
  languageOf,
  reportedStderr,
  requireRoom,
  startSandboxRun,
  statusOf,
  timeoutMessage,
} from '../code-runs.js';
import { type CallContext, type Handler, json, type SocketHandler } from '../context.js';
import { deliverWebhook, webhookPayload } from '../execution-webhook.js';
import { type CellResult, IpythonKernel } from '../ipython-kernel.js';
import { inlineRichFields, readDisplayedOutputs, richOutputList, richOutputsOf } from '../rich-outputs.js';
import type { LocalSandbox } from '../state.js';

type Schemas = components['schemas'];

/** The spec's defaults (ExecuteRequest, IpythonExecuteRequest); background and async runs have none documented. */
const EXECUTE_TIMEOUT_SECONDS = 30;
const IPYTHON_TIMEOUT_SECONDS = 60;

/** Runs code to the end and answers `ExecuteResponse` (and the `rich_outputs` list for `/execute/rich`). */
async function executeToEnd(ctx: CallContext, withList: boolean) {
  const sandbox = callSandbox(ctx);
  const body = ctx.body as Schemas['ExecuteRequest'];
  const language = languageOf(ctx.local, body.language);
  requireRoom(ctx.local, sandbox, 'EXECUTION_FAILED');
  const timeoutSeconds = body.timeout ?? EXECUTE_TIMEOUT_SECONDS;
  const program = await codeProgram(ctx.local, sandbox, language, body.code, { collectDisplays: true });
  try {
    const run = await startSandboxRun(ctx.local, sandbox, {
      argv: program.argv,
      workdir: body.workdir,
      env: { ...program.env, ...body.env },
      timeoutSeconds,
    });
    sandbox.processes.attach(run);
    // Nobody reads the answer of a caller that went away: its run ends too.
    const abandon = () => run.kill('SIGKILL');
    ctx.signal.addEventListener('abort', abandon, { once: true });
    const result = await run.result;
    ctx.signal.removeEventListener('abort', abandon);
    const outputs = program.displaysFile
      ? await readDisplayedOutputs(program.displaysFile, ctx.local.limits.outputBytes)
      : [];
    const exitCode = exitCodeOf(result);
    const answer: Schemas['RichExecuteResponse'] = {
      success: exitCode === 0,
      stdout: result.stdout,
      stderr: reportedStderr(ctx.local, result, timeoutSeconds),
      exit_code: exitCode,
      execution_time: result.durationSeconds,
      language,
      timestamp: new Date().toISOString(),
      ...inlineRichFields(outputs),
      ...(withList ? { rich_outputs: richOutputList(outputs) } : {}),
    };
    return json(200, answer);
  } finally {
    await program.cleanup();
  }
}

/** Starts code that the caller does not wait for; it is tracked in the sandbox's process table. */
async function startDetached(
  ctx: CallContext,
  sandbox: LocalSandbox,
  kind: 'background' | 'async',
  body: {
    code: string;
    language?: string | undefined;
    timeout?: number | undefined;
    workdir?: string | undefined;
    env?: Record<string, string> | undefined;
    name?: string | undefined;
  },
) {
  const language: Language = languageOf(ctx.local, body.language);
  requireRoom(ctx.local, sandbox, 'EXECUTION_FAILED');
  const program = await codeProgram(ctx.local, sandbox, language, body.code, { collectDisplays: false });
  let run: Awaited<ReturnType<typeof startSandboxRun>>;
  try {
    run = await startSandboxRun(ctx.local, sandbox, {
      argv: program.argv,
      workdir: body.workdir,
      env: { ...program.env, ...body.env },
      timeoutSeconds: body.timeout,
    });
  } catch (error) {
    await program.cleanup();
    throw error;
  }
  void run.result.then(() => program.cleanup());
  const entry = sandbox.processes.add(kind, run, {
    name: body.name,
    language,
    command: `${language} code (${Buffer.byteLength(body.code)} bytes)`,
  });
  await findSandboxPid(sandbox, run);
  return { entry, run };
}

/** The cell's answer in `ExecuteResponse` terms; notes say why a cell was cut short. */
function cellResponse(ctx: CallContext, result: CellResult, timeoutSeconds: number): Schemas['ExecuteResponse'] {
  let stderr = result.stderr;
  const note = (line: string) => {
    stderr += `${stderr && !stderr.endsWith('\n') ? '\n' : ''}${line}\n`;
  };
  if (result.truncated) note(`[local HopX] output truncated: each stream keeps ${ctx.local.limits.outputBytes} bytes`);
  if (result.timedOut) note(timeoutMessage(timeoutSeconds));
  if (result.lost) note(`[local HopX] ${result.lost}`);
  return {
    success: result.exitCode === 0,
    stdout: result.stdout,
    stderr,
    exit_code: result.exitCode,
    execution_time: result.executionTime,
    language: 'python',
    timestamp: new Date().toISOString(),
    ...inlineRichFields(result.outputs),
  };
}

/** The sandbox's interpreter, started if needed (which takes a process of the sandbox's allowance). */
async function kernelOf(ctx: { local: CallContext['local'] }, sandbox: LocalSandbox): Promise<IpythonKernel> {
  if (!ctx.local.interpreters.python)
    throw new ApiError(
      400,
      'INVALID_REQUEST',
      'IPython is not available: python3 is not installed on the machine running the local HopX',
    );
  const existing = IpythonKernel.existing(sandbox);
  if (!existing || existing.executionState() === 'dead') requireRoom(ctx.local, sandbox, 'EXECUTION_FAILED');
  return IpythonKernel.of(ctx.local, sandbox);
}

export const executionHandlers: Record<string, Handler> = {
  executeCode: (ctx) => executeToEnd(ctx, false),

  executeCodeRich: (ctx) => executeToEnd(ctx, true),

  async executeCodeBackground(ctx) {
    const sandbox = callSandbox(ctx);
    const body = ctx.body as Schemas['BackgroundExecuteRequest'];
    const { entry, run } = await startDetached(ctx, sandbox, 'background', body);
    const answer: Schemas['BackgroundExecuteResponse'] = {
      process_id: entry.id,
      execution_id: entry.executionId,
      ...(body.name === undefined ? {} : { name: body.name }),
      status: statusOf(entry),
      start_time: run.startedAt.toISOString(),
      message: 'Background execution started',
    };
    return json(200, answer);
  },

  async executeCodeAsync(ctx) {
    const sandbox = callSandbox(ctx);
    const body = ctx.body as Schemas['AsyncExecuteRequest'];
    const { entry, run } = await startDetached(ctx, sandbox, 'async', body);
    const target = { url: body.callback_url, headers: body.callback_headers, secret: body.callback_signature_secret };
    void run.result.then(async (result) => {
      // A deleted sandbox's agent is gone with it: there is nobody left to send the result.
      if (ctx.local.state.sandboxes.get(sandbox.id) !== sandbox) return;
      await deliverWebhook(ctx.local, target, webhookPayload(entry.executionId, result, body.timeout));
    });
    const answer: Schemas['AsyncExecuteResponse'] = {
      execution_id: entry.executionId,
      status: 'queued',
      callback_url: body.callback_url,
      message: 'Execution queued. Will POST to callback_url when complete.',
      timestamp: new Date().toISOString(),
    };
    return json(200, answer);
  },

  async executeIpython(ctx) {
    const sandbox = callSandbox(ctx);
    const body = ctx.body as Schemas['IpythonExecuteRequest'];
    const timeoutSeconds = body.timeout ?? IPYTHON_TIMEOUT_SECONDS;
    const kernel = await kernelOf(ctx, sandbox);
    const result = await kernel.execute({ code: body.code, timeoutSeconds, env: body.env }, {}, ctx.signal);
    return json(200, cellResponse(ctx, result, timeoutSeconds));
  },
};

/**
 * `/stream/ipython`: one `execute` message, answered with the cell's output as it comes (`stdout`,
 * `stderr`, `display`), then `result` (or `error` for a timeout or a lost interpreter) and
 * `complete`, after which the server closes. Closing the socket early interrupts the cell.
 */
const streamIpython: SocketHandler = (ctx) => {
  let started = false;
  const gone = new AbortController();
  ctx.onClose(() => gone.abort());
  const now = () => new Date().toISOString();
  ctx.onMessage((message: Schemas['IpythonStreamClientMessage']) => {
    if (started) {
      ctx.send({
        type: 'error',
        error: 'this connection already ran its cell: open a new one for the next',
        code: 'INVALID_REQUEST',
        timestamp: now(),
      });
      return;
    }
    started = true;
    void (async () => {
      const timeoutSeconds = message.timeout ?? IPYTHON_TIMEOUT_SECONDS;
      let result: CellResult;
      try {
        const kernel = await kernelOf(ctx, ctx.sandbox);
        result = await kernel.execute(
          { code: message.code, timeoutSeconds, env: message.env },
          {
            stdout: (data) => ctx.send({ type: 'stdout', data, timestamp: now() }),
            stderr: (data) => ctx.send({ type: 'stderr', data, timestamp: now() }),
            display: (output) => {
              for (const rich of richOutputsOf(output)) ctx.send({ type: 'display', output: rich, timestamp: now() });
            },
          },
          gone.signal,
        );
      } catch (error) {
        ctx.send({
          type: 'error',
          error: error instanceof Error ? error.message : String(error),
          code: error instanceof ApiError ? error.code : 'EXECUTION_FAILED',
          timestamp: now(),
        });
        ctx.send({ type: 'complete', success: false });
        ctx.close(1000);
        return;
      }
      if (result.timedOut)
        ctx.send({ type: 'error', error: timeoutMessage(timeoutSeconds), code: 'EXECUTION_TIMEOUT', timestamp: now() });
      else if (result.lost) ctx.send({ type: 'error', error: result.lost, code: 'EXECUTION_FAILED', timestamp: now() });
      else
        ctx.send({
          type: 'result',
          exit_code: result.exitCode,
          execution_time: result.executionTime,
          timestamp: now(),
        });
      ctx.send({ type: 'complete', success: result.exitCode === 0 && !result.timedOut && !result.lost });
      ctx.close(1000);
    })().catch((error) => {
      ctx.local.log(`local HopX: /stream/ipython failed: ${error instanceof Error ? error.stack : error}`);
      ctx.close(1011, 'internal error');
    });
  });
};

/** `/stream/ipython` shares this group's interpreter. */
export const executionSocketRoutes: Record<string, SocketHandler> = {
  '/stream/ipython': streamIpython,
};
