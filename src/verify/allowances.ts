// Accepted drift (`--allow <file>`): a known difference between the platform and the spec that
// should not fail every run until the spec (or the platform) is fixed. Each entry names the
// operation and the place, and says why; an entry that matches nothing is reported, so the file
// does not keep excuses for drift that is gone.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { Finding } from './findings.js';

export interface Allowance {
  /** `GET /v1/sandboxes/{id}` or `WebSocket /terminal`, as the report names it. */
  operation: string;
  /** The finding's pointer; a trailing `/*` also covers everything below it. */
  pointer: string;
  /** Why it is accepted (an issue, a platform ticket): shown in every report. */
  reason: string;
  /** Only findings whose message contains this. */
  message?: string;
}

/** Reads an allowance file (YAML or JSON: a list of entries). */
export async function readAllowances(file: string): Promise<Allowance[]> {
  const parsed: unknown = parse(await readFile(file, 'utf8'));
  const list = Array.isArray(parsed) ? parsed : (parsed as { allow?: unknown })?.allow;
  if (!Array.isArray(list)) throw new Error(`${file}: expected a list of { operation, pointer, reason }`);
  return list.map((entry, index) => {
    const { operation, pointer, reason, message } = (entry ?? {}) as Record<string, unknown>;
    if (typeof operation !== 'string' || typeof pointer !== 'string' || typeof reason !== 'string' || !reason.trim())
      throw new Error(`${file}: entry ${index + 1} needs operation, pointer and a reason (strings)`);
    if (message !== undefined && typeof message !== 'string')
      throw new Error(`${file}: entry ${index + 1}: message must be a string`);
    return { operation, pointer, reason, ...(message === undefined ? {} : { message }) };
  });
}

/** Marks the findings an allowance covers; returns the allowances that covered nothing. */
export function applyAllowances(findings: Finding[], allowances: Allowance[]): Allowance[] {
  const used = new Set<Allowance>();
  for (const finding of findings) {
    const allowance = allowances.find((a) => covers(a, finding));
    if (!allowance) continue;
    finding.allowed = allowance.reason;
    used.add(allowance);
  }
  return allowances.filter((a) => !used.has(a));
}

function covers(allowance: Allowance, finding: Finding): boolean {
  if (allowance.operation !== finding.operation) return false;
  if (allowance.message !== undefined && !finding.message.includes(allowance.message)) return false;
  if (allowance.pointer.endsWith('/*')) {
    const prefix = allowance.pointer.slice(0, -2);
    return finding.pointer === prefix || finding.pointer.startsWith(`${prefix}/`);
  }
  return allowance.pointer === finding.pointer;
}
