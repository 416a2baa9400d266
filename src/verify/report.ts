// A conformance run's report, for people: a summary for the terminal and a Markdown page with the
// per-operation table and every finding with its reproducer. (`--json` writes the report object.)
import type { Finding } from './findings.js';
import type { VerifyReport } from './verify-run.js';

const OUTCOME = {
  conforming: 'no drift',
  drift: 'drift found',
  failed: 'the run failed',
} as const;

export function summaryLine(report: VerifyReport): string {
  const checked = report.operations.filter((o) => o.checked > 0);
  const errors = report.findings.filter((f) => f.level === 'error' && !f.allowed).length;
  const info = report.findings.filter((f) => f.level === 'info' && !f.allowed).length;
  const allowed = report.findings.filter((f) => f.allowed).length;
  return [
    `${OUTCOME[report.outcome]}${report.failure ? `: ${report.failure}` : ''}`,
    `${checked.length} of ${report.operations.length} operations checked`,
    `${errors} error${errors === 1 ? '' : 's'}, ${info} informational, ${allowed} allowed`,
    `${(report.durationMs / 1000).toFixed(1)} s`,
  ].join(' · ');
}

/** What the terminal shows: the summary and one line per finding. */
export function terminalReport(report: VerifyReport): string {
  const lines = [`Conformance of ${report.target} with openapi.yaml`, `  ${summaryLine(report)}`];
  for (const finding of report.findings) lines.push(`  ${findingLine(finding)}`);
  for (const allowance of report.unusedAllowances)
    lines.push(`  allowance matched nothing: ${allowance.operation} ${allowance.pointer} (${allowance.reason})`);
  return lines.join('\n');
}

export function markdownReport(report: VerifyReport): string {
  const out: string[] = [];
  out.push(`# Conformance of \`${report.target}\` with \`openapi.yaml\``, '');
  out.push(`Run ${report.startedAt}. **${summaryLine(report)}**.`, '');
  if (report.sandbox)
    out.push(
      `The run created sandbox \`${report.sandbox.id}\`, which was ${report.sandbox.deleted ? 'deleted' : '**not deleted**'}.`,
      '',
    );

  out.push('## Findings', '');
  if (report.findings.length === 0) out.push('None.', '');
  for (const finding of report.findings) out.push(...findingSection(finding));
  if (report.unusedAllowances.length) {
    out.push('## Allowances that matched nothing', '', '| operation | pointer | reason |', '| --- | --- | --- |');
    for (const a of report.unusedAllowances) out.push(`| ${a.operation} | \`${a.pointer}\` | ${cell(a.reason)} |`);
    out.push('');
  }

  out.push('## Operations', '');
  out.push('| operation | checked | conforming | drift | info |', '| --- | ---: | ---: | ---: | ---: |');
  for (const o of report.operations.filter((o) => o.checked > 0 || o.drift > 0))
    out.push(`| \`${o.operation}\` | ${o.checked} | ${o.conforming} | ${o.drift} | ${o.info} |`);
  const skipped = report.operations.filter((o) => o.checked === 0 && o.drift === 0);
  if (skipped.length) {
    out.push('', `Not exercised by the scenario (${skipped.length}), so neither conforming nor drifting: `);
    out.push(skipped.map((o) => `\`${o.operation}\``).join(', '));
  }
  out.push('');
  return out.join('\n');
}

function findingLine(f: Finding): string {
  const tag = f.allowed ? 'allowed' : f.level;
  const times = f.occurrences > 1 ? ` (×${f.occurrences})` : '';
  const value = f.value === undefined ? '' : ` — got ${short(f.value)}`;
  return `${tag.padEnd(7)} ${f.operation} ${f.pointer || '(whole)'}: ${f.message}${value}${times}`;
}

function findingSection(f: Finding): string[] {
  const out = [
    `### ${f.allowed ? 'allowed' : f.level} · \`${f.operation}\` · \`${f.pointer || '(whole message)'}\``,
    '',
  ];
  out.push(`${f.message}${f.occurrences > 1 ? ` (seen ${f.occurrences} times)` : ''}.`);
  if (f.allowed) out.push('', `Allowed: ${f.allowed}`);
  if (f.status !== undefined) out.push('', `Status: ${f.status}.`);
  if (f.value !== undefined)
    out.push('', 'Received:', '', '```json', JSON.stringify(f.value, null, 2).slice(0, 2000), '```');
  if (f.request) {
    out.push('', 'Request:', '', '```http', `${f.request.method} ${f.request.url}`);
    for (const [name, value] of Object.entries(f.request.headers)) out.push(`${name}: ${value}`);
    if (f.request.body !== undefined) out.push('', f.request.body.slice(0, 2000));
    out.push('```');
  }
  out.push('');
  return out;
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
