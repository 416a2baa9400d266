// The webhook of `POST /execute/async`: when the run ends, its result is POSTed to the request's
// `callback_url` as the spec's `ExecutionWebhookPayload` (the `executionComplete` callback), with the
// request's `callback_headers`. The payload is checked against the spec before it leaves, like every
// other answer of the local HopX; a violation is logged and counted.
//
// Signing: with `callback_signature_secret`, the body is signed with HMAC-SHA256. The spec says no
// source names the header; the Python SDK's `run_code_async` docstring shows
// `X-HOPX-Signature: sha256=...` and `X-HOPX-Timestamp: <unix seconds>`, so those are sent. What the
// platform feeds the HMAC is not documented anywhere: here it is the exact body bytes.
import { createHmac } from 'node:crypto';
import type { components } from '../../generated/schema.js';
import { exitCodeOf, timeoutMessage } from './code-runs.js';
import type { Local } from './context.js';
import type { RunResult } from './host/processes.js';

export type ExecutionWebhookPayload = components['schemas']['ExecutionWebhookPayload'];

export interface WebhookTarget {
  url: string;
  headers: Record<string, string> | undefined;
  secret: string | undefined;
}

const DELIVERY_TIMEOUT_MS = 30_000;

/** The payload for a finished run, in the spec's terms (`completed`, `failed` or `timeout`). */
export function webhookPayload(
  executionId: string,
  result: RunResult,
  timeoutSeconds: number | undefined,
): ExecutionWebhookPayload {
  const exitCode = exitCodeOf(result);
  const status = result.timedOut ? 'timeout' : exitCode === 0 ? 'completed' : 'failed';
  const error = result.timedOut
    ? timeoutMessage(timeoutSeconds ?? result.durationSeconds)
    : result.killed
      ? 'Execution was killed'
      : exitCode !== 0
        ? `Execution failed with exit code ${exitCode}`
        : undefined;
  return {
    execution_id: executionId,
    status,
    stdout: result.stdout,
    stderr: result.stderr,
    exit_code: exitCode,
    execution_time: result.durationSeconds,
    timestamp: new Date().toISOString(),
    ...(error ? { error } : {}),
  };
}

/** POSTs `payload` to the target once; a failed delivery is logged (whether the platform retries is unknown). */
export async function deliverWebhook(local: Local, target: WebhookTarget, payload: ExecutionWebhookPayload) {
  const violations = local.validator.validateSchema('ExecutionWebhookPayload', payload);
  if (violations.length) {
    local.violationLog.push(...violations);
    local.log(
      `local HopX: SPEC VIOLATION in an execution webhook: ${violations.map((v) => `${v.pointer} ${v.message}`).join('; ')}`,
    );
    return;
  }
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { ...(target.headers ?? {}), 'content-type': 'application/json' };
  if (target.secret) {
    headers['X-HOPX-Signature'] = `sha256=${createHmac('sha256', target.secret).update(body).digest('hex')}`;
    headers['X-HOPX-Timestamp'] = String(Math.floor(Date.now() / 1000));
  }
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) local.log(`local HopX: the execution webhook ${target.url} answered ${response.status}`);
  } catch (error) {
    local.log(
      `local HopX: the execution webhook ${target.url} could not be delivered: ${error instanceof Error ? error.message : error}`,
    );
  }
}
