// Accepted changes (`--ignore <file>`): a change the maintainers decided to ship (and said why), so
// that it stops failing the gate. An entry that matches nothing is itself reported: the file must
// not keep excuses for changes that are gone.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Change } from './change.js';
import { InputError } from './load-side.js';

export interface IgnoreEntry {
  /** `GET /v1/sandboxes/{id}`, `*` for every operation, or null for a change outside operations. */
  operation: string | null;
  /** The rule id: `response-property-became-optional`. */
  id: string;
  reason: string;
  /** Only changes whose message contains this. */
  message?: string;
}

export function readIgnoreFile(file: string): IgnoreEntry[] {
  let parsed: unknown;
  try {
    parsed = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InputError(`--ignore ${file}: ${(error as Error).message}`);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { ignore?: unknown } | null)?.ignore;
  if (!Array.isArray(list)) throw new InputError(`--ignore ${file}: expected a list of { operation, id, reason }`);
  return list.map((entry, index) => {
    const { operation, id, reason, message } = (entry ?? {}) as Record<string, unknown>;
    if (
      typeof id !== 'string' ||
      typeof reason !== 'string' ||
      !reason.trim() ||
      !(typeof operation === 'string' || operation === null)
    )
      throw new InputError(`--ignore ${file}: entry ${index + 1} needs operation (or null), id and a reason`);
    if (message !== undefined && typeof message !== 'string')
      throw new InputError(`--ignore ${file}: entry ${index + 1}: message must be a string`);
    return { operation, id, reason, ...(message === undefined ? {} : { message }) };
  });
}

/** Marks the changes the entries cover; returns one warning per entry that covered nothing. */
export function applyIgnores(changes: Change[], entries: IgnoreEntry[]): Change[] {
  const used = new Set<IgnoreEntry>();
  for (const change of changes) {
    const entry = entries.find(
      (e) =>
        e.id === change.id &&
        (e.operation === '*' || e.operation === change.operation) &&
        (e.message === undefined || change.message.includes(e.message)),
    );
    if (!entry) continue;
    change.ignored = entry.reason;
    used.add(entry);
  }
  return entries
    .filter((e) => !used.has(e))
    .map((e) => ({
      id: 'ignore-entry-unused',
      level: 'warning' as const,
      operation: e.operation === '*' ? null : e.operation,
      pointer: '',
      message: `the ignore entry for ${e.id}${e.operation ? ` on ${e.operation}` : ''} matches no change (${e.reason})`,
    }));
}
