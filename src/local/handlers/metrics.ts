// The agent's metrics routes: `/system`, `/metrics`, `/metrics/snapshot` (the same MetricsSnapshot)
// and `/metrics/prometheus`, all measured from the sandbox's real processes and this machine
// (agent-metrics.ts); the request and error counters are the pipeline's (http-pipeline.ts).

import { measureSandbox, type SandboxUsage, systemMetrics } from '../agent-metrics.js';
import { type Handler, json } from '../context.js';
import { clockTicksPerSecond } from '../host/process-metrics.js';
import type { ProcessKind } from '../process-table.js';
import type { LocalSandbox } from '../state.js';
import { agentSandbox } from './agent-sandbox.js';

/**
 * Runs the API started and tracks (background and async code, background commands, streamed runs);
 * not the interpreter or terminal sessions themselves, nor a template's start command.
 */
const TRACKED_EXECUTION_KINDS: ReadonlySet<ProcessKind> = new Set(['background', 'async', 'command', 'stream']);
/** What `/execute/background`, `/execute/async` and `/commands/background` leave running. */
const BACKGROUND_KINDS: ReadonlySet<ProcessKind> = new Set(['background', 'async', 'command']);

function runCounts(sandbox: LocalSandbox) {
  const all = sandbox.processes.all();
  const background = all.filter((p) => BACKGROUND_KINDS.has(p.kind));
  const tracked = all.filter((p) => TRACKED_EXECUTION_KINDS.has(p.kind) && p.run.running()).length;
  return {
    // Plus the runs answering a request right now (`/execute`, `/commands/run`).
    activeExecutions: tracked + sandbox.processes.foregroundCount(),
    background: background.length,
    backgroundRunning: background.filter((p) => p.run.running()).length,
  };
}

function snapshot(sandbox: LocalSandbox, usage: SandboxUsage) {
  const runs = runCounts(sandbox);
  return {
    uptime_seconds: Math.round(usage.uptimeSeconds * 10) / 10,
    // Both spellings, as the spec lists them (the SDKs read one or the other).
    total_requests: sandbox.counters.requests,
    requests_total: sandbox.counters.requests,
    total_errors: sandbox.counters.errors,
    error_count: sandbox.counters.errors,
    active_executions: runs.activeExecutions,
    system: systemMetrics(usage),
    process: { count: runs.background, running: runs.backgroundRunning },
    // The local agent keeps no execution cache (see handlers/cache.ts): nothing cached, nothing looked up.
    cache: { size: 0, hits: 0, misses: 0 },
  };
}

/** Prometheus text exposition format 0.0.4: HELP and TYPE, then one sample per line. */
function prometheusText(sandbox: LocalSandbox, usage: SandboxUsage): string {
  const runs = runCounts(sandbox);
  const label = `sandbox_id="${sandbox.id}"`;
  const lines: string[] = [];
  const gauge = (name: string, help: string, samples: [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, value] of samples) lines.push(`${name}{${labels}} ${value}`);
  };
  const sum = (pick: (p: SandboxUsage['processes'][number]) => number | undefined) =>
    usage.processes.reduce((total, p) => total + (pick(p) ?? 0), 0);
  gauge('hopx_sandbox_uptime_seconds', 'Seconds since the sandbox started.', [[label, usage.uptimeSeconds]]);
  gauge('hopx_sandbox_processes', 'Processes running in the sandbox.', [[label, usage.processes.length]]);
  gauge('hopx_sandbox_cpu_usage_percent', "CPU busy time of the sandbox's processes across all cores, in percent.", [
    [label, usage.cpuPercent],
  ]);
  gauge('hopx_sandbox_process_cpu_seconds', "CPU time used so far by the sandbox's running processes.", [
    [label, sum((p) => p.cpuTicks) / clockTicksPerSecond()],
  ]);
  gauge('hopx_sandbox_memory_rss_bytes', "Resident memory of the sandbox's processes.", [
    [label, usage.memory.usedBytes],
  ]);
  gauge('hopx_sandbox_io_read_bytes', "Bytes the sandbox's running processes read from storage.", [
    [label, sum((p) => p.readBytes)],
  ]);
  gauge('hopx_sandbox_io_write_bytes', "Bytes the sandbox's running processes wrote to storage.", [
    [label, sum((p) => p.writeBytes)],
  ]);
  gauge('hopx_sandbox_disk_used_bytes', "Disk space the sandbox's own files take.", [[label, usage.disk.usedBytes]]);
  gauge('hopx_sandbox_executions_active', 'Code executions and commands running now.', [
    [label, runs.activeExecutions],
  ]);
  gauge('hopx_sandbox_background_processes', 'Background processes the agent knows, by state.', [
    [`${label},state="running"`, runs.backgroundRunning],
    [`${label},state="ended"`, runs.background - runs.backgroundRunning],
  ]);
  gauge('hopx_machine_cpu_cores', 'CPUs of the machine the sandbox runs on.', [[label, usage.cores]]);
  gauge('hopx_machine_memory_total_bytes', 'Memory of the machine the sandbox runs on.', [
    [label, usage.memory.totalBytes],
  ]);
  gauge('hopx_machine_memory_available_bytes', 'Memory the machine can still give without swapping.', [
    [label, usage.memory.availableBytes],
  ]);
  gauge('hopx_filesystem_size_bytes', "Size of the file system holding the sandbox's files.", [
    [label, usage.disk.totalBytes],
  ]);
  gauge('hopx_filesystem_available_bytes', "Free space on the file system holding the sandbox's files.", [
    [label, usage.disk.availableBytes],
  ]);
  return `${lines.join('\n')}\n`;
}

export const metricsHandlers: Record<string, Handler> = {
  async getSystemMetrics(ctx) {
    return json(200, systemMetrics(await measureSandbox(agentSandbox(ctx))));
  },

  async getMetrics(ctx) {
    const sandbox = agentSandbox(ctx);
    return json(200, snapshot(sandbox, await measureSandbox(sandbox)));
  },

  async getMetricsSnapshot(ctx) {
    const sandbox = agentSandbox(ctx);
    return json(200, snapshot(sandbox, await measureSandbox(sandbox)));
  },

  async getPrometheusMetrics(ctx) {
    const sandbox = agentSandbox(ctx);
    return {
      kind: 'bytes',
      status: 200,
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      body: prometheusText(sandbox, await measureSandbox(sandbox)),
    };
  },
};
