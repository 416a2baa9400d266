// One conformance run: the observer, the clients sending through it, the scenario within a budget,
// and the sandbox deleted in a `finally` whatever happened. The result says per operation what
// was checked, and never calls conforming what could not be checked.
import { randomUUID } from 'node:crypto';
import { createControlPlaneClient } from '../control-plane-client.js';
import { SandboxNotFoundError } from '../errors.js';
import { loadSpec } from '../local/spec.js';
import { SpecValidator } from '../local/spec-validator.js';
import { type Allowance, applyAllowances } from './allowances.js';
import type { Finding } from './findings.js';
import { Observer } from './observer.js';
import { RunFailure, runScenario } from './scenario.js';

export interface VerifyOptions {
  /** The Control Plane's base URL; the agents' come from each sandbox's `public_host`. */
  target: string;
  apiKey: string;
  /** Wall-clock limit of the whole run, in seconds (default 300). */
  budgetSeconds?: number;
  allowances?: Allowance[];
  /** The template of the one sandbox the run creates (default `code-interpreter`). */
  template?: string;
  /** Ctrl-C: ends the run (the sandbox is still deleted). */
  signal?: AbortSignal;
  progress?: (line: string) => void;
}

export interface OperationResult {
  /** `GET /v1/sandboxes/{id}`, or `WebSocket /terminal` for a WebSocket route. */
  operation: string;
  /** Answers (responses, events, frames) checked. */
  checked: number;
  /** Checked answers without an error-level finding. */
  conforming: number;
  /** Error-level findings not covered by an allowance (a failed step counts too). */
  drift: number;
  info: number;
}

export interface VerifyReport {
  target: string;
  startedAt: string;
  durationMs: number;
  /** `failed`: the run itself could not be done (unreachable, key refused, budget spent, interrupted). */
  outcome: 'conforming' | 'drift' | 'failed';
  failure?: string;
  /** The sandbox the run created, and whether it was deleted. */
  sandbox?: { id: string; deleted: boolean };
  operations: OperationResult[];
  findings: Finding[];
  unusedAllowances: Allowance[];
}

export async function runVerify(options: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const spec = loadSpec();
  const validator = new SpecValidator(spec);
  const observer = new Observer(validator, options.target, options.apiKey);
  const budgetMs = (options.budgetSeconds ?? 300) * 1000;
  const budget = AbortSignal.timeout(budgetMs);
  const signal = AbortSignal.any([budget, ...(options.signal ? [options.signal] : [])]);
  const fetch = observer.fetchWith(signal);
  const hopx = createControlPlaneClient({ baseUrl: options.target, apiKey: options.apiKey, throwOnError: true, fetch });
  let sandboxId: string | undefined;
  let failure: string | undefined;
  let deleted = false;

  try {
    await runScenario({
      observer,
      hopx,
      fetch,
      signal,
      runId: randomUUID(),
      template: options.template ?? 'code-interpreter',
      created: (id) => {
        sandboxId = id;
      },
      progress: options.progress ?? (() => {}),
    });
  } catch (error) {
    failure = budget.aborted
      ? `the budget of ${budgetMs / 1000} s was spent before the scenario finished`
      : options.signal?.aborted
        ? 'interrupted'
        : error instanceof RunFailure
          ? error.message
          : `the run failed: ${observer.redact((error as Error).stack ?? String(error))}`;
  } finally {
    if (sandboxId) deleted = await removeSandbox(options, sandboxId);
  }
  if (sandboxId && !deleted)
    failure = `${failure ? `${failure}; ` : ''}the sandbox ${sandboxId} could not be deleted: delete it yourself`;

  const findings = observer.findings();
  const unusedAllowances = applyAllowances(findings, options.allowances ?? []);
  const operations = resultsPerOperation(validator, observer, findings);
  const drifting = findings.some((f) => f.level === 'error' && !f.allowed);
  return {
    target: options.target,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    outcome: failure ? 'failed' : drifting ? 'drift' : 'conforming',
    ...(failure ? { failure } : {}),
    ...(sandboxId ? { sandbox: { id: sandboxId, deleted } } : {}),
    operations,
    findings,
    unusedAllowances,
  };
}

/** 0: no drift; 1: drift (info too, with `failOn: 'info'`); 2: the run itself failed. */
export function exitCodeOf(report: VerifyReport, failOn: 'error' | 'info' = 'error'): 0 | 1 | 2 {
  if (report.outcome === 'failed') return 2;
  if (report.outcome === 'drift') return 1;
  if (failOn === 'info' && report.findings.some((f) => !f.allowed)) return 1;
  return 0;
}

/** Deletes the run's sandbox outside the budget (a spent budget must not leave it running). */
async function removeSandbox(options: VerifyOptions, id: string): Promise<boolean> {
  const hopx = createControlPlaneClient({
    baseUrl: options.target,
    apiKey: options.apiKey,
    throwOnError: true,
    timeout: 30_000,
  });
  try {
    await hopx.DELETE('/v1/sandboxes/{id}', { params: { path: { id } } });
    return true;
  } catch (error) {
    // Already deleted by the scenario (or expired): gone either way.
    return error instanceof SandboxNotFoundError || (error as { status?: number }).status === 410;
  }
}

function resultsPerOperation(validator: SpecValidator, observer: Observer, findings: Finding[]): OperationResult[] {
  return validator.operations.map((operation) => {
    const key = operation.websocket ? `WebSocket ${operation.path}` : operation.key;
    const coverage = observer.coverage.get(key) ?? { checked: 0, drifting: 0 };
    const own = findings.filter((f) => f.operation === key || (operation.websocket && f.operation === operation.key));
    return {
      operation: key,
      checked: coverage.checked,
      conforming: coverage.checked - coverage.drifting,
      drift: own.filter((f) => f.level === 'error' && !f.allowed).length,
      info: own.filter((f) => f.level === 'info' && !f.allowed).length,
    };
  });
}
