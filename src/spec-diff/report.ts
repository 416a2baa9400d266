// A diff's report for people (terminal and Markdown) and the CHANGELOG's spec section. One change
// in a shared component shows up in every operation that uses it: the report groups them, so a
// removed field reads as one line with the operations it touches, not as 80 lines.
import type { Change, Level } from './change.js';

export interface Group {
  id: string;
  level: Level;
  message: string;
  /** Operations (and statuses) it touches, sorted. */
  operations: string[];
  ignored?: string;
  count: number;
}

const ORDER: Level[] = ['breaking', 'warning', 'info'];
const TITLES: Record<Level, string> = { breaking: 'Breaking', warning: 'Warnings', info: 'Other changes' };

/** Changes that say the same thing of several operations or statuses, as one group each. */
export function groupChanges(changes: Change[]): Group[] {
  const groups = new Map<string, Group>();
  for (const change of changes) {
    // `the 400 response (...)` and `the 401 response (...)` say the same of two statuses.
    const status = /^the (\d{3}|\dXX|default) response/.exec(change.message)?.[1];
    const message = status ? change.message.replace(/^the \S+ response/, 'the … response') : change.message;
    const key = `${change.level}\u0000${change.id}\u0000${message}\u0000${change.ignored ?? ''}`;
    const group = groups.get(key) ?? {
      id: change.id,
      level: change.level,
      message,
      operations: [],
      count: 0,
      ...(change.ignored ? { ignored: change.ignored } : {}),
    };
    group.count += 1;
    const where = change.operation ?? change.pointer;
    const named = status ? `${where} (${status})` : where;
    if (named && !group.operations.includes(named)) group.operations.push(named);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map((g) => ({ ...g, operations: g.operations.sort() }))
    .sort(
      (a, b) =>
        ORDER.indexOf(a.level) - ORDER.indexOf(b.level) ||
        a.id.localeCompare(b.id) ||
        a.message.localeCompare(b.message),
    );
}

export function counts(changes: Change[]): Record<Level, number> {
  const out: Record<Level, number> = { breaking: 0, warning: 0, info: 0 };
  for (const change of changes) if (!change.ignored) out[change.level] += 1;
  return out;
}

export function summary(changes: Change[]): string {
  const c = counts(changes);
  const ignored = changes.filter((x) => x.ignored).length;
  return `${c.breaking} breaking, ${c.warning} warning${c.warning === 1 ? '' : 's'}, ${c.info} info${ignored ? `, ${ignored} ignored` : ''}`;
}

/** The terminal: breaking changes and warnings in full, other changes counted by rule. */
export function textReport(changes: Change[], base: string, head: string): string {
  const lines = [`Spec changes from ${base} to ${head}: ${summary(changes)}`];
  const groups = groupChanges(changes);
  for (const level of ORDER) {
    const these = groups.filter((g) => g.level === level && !g.ignored);
    if (!these.length) continue;
    lines.push('', `${TITLES[level]}:`);
    if (level === 'info') {
      const byId = new Map<string, number>();
      for (const g of these) byId.set(g.id, (byId.get(g.id) ?? 0) + g.count);
      for (const [id, n] of [...byId].sort()) lines.push(`  ${id}: ${n}`);
      continue;
    }
    for (const g of these) lines.push(`  [${g.id}] ${clip(g.message)}${where(g)}`);
  }
  const ignored = groups.filter((g) => g.ignored);
  if (ignored.length) {
    lines.push('', 'Ignored (--ignore):');
    for (const g of ignored) lines.push(`  [${g.id}] ${g.message}${where(g)} — ${g.ignored}`);
  }
  return lines.join('\n');
}

export function markdownReport(changes: Change[], base: string, head: string): string {
  const out = [`# Spec changes from \`${base}\` to \`${head}\``, '', `**${summary(changes)}**.`, ''];
  out.push(...changelogSections(changes, 2));
  return out.join('\n');
}

/** The body of the CHANGELOG's spec section (and of the Markdown report), headings at `depth`. */
export function changelogSections(changes: Change[], depth = 4): string[] {
  const hashes = '#'.repeat(depth);
  const out: string[] = [];
  const groups = groupChanges(changes);
  for (const level of ORDER) {
    const these = groups.filter((g) => g.level === level && !g.ignored);
    if (!these.length) continue;
    out.push(`${hashes} ${TITLES[level]}`, '');
    for (const g of these) out.push(`- ${g.message} (\`${g.id}\`)${whereMarkdown(g)}`);
    out.push('');
  }
  const ignored = groups.filter((g) => g.ignored);
  if (ignored.length) {
    out.push(`${hashes} Accepted (ignore file)`, '');
    for (const g of ignored) out.push(`- ${g.message} (\`${g.id}\`)${whereMarkdown(g)}: ${g.ignored}`);
    out.push('');
  }
  if (!groups.length) out.push('No change to the spec.', '');
  return out;
}

/** A compiler's message can run to pages: the terminal shows its start (the Markdown and JSON keep it whole). */
function clip(message: string): string {
  return message.length > 300 ? `${message.slice(0, 297)}...` : message;
}

function where(g: Group): string {
  if (!g.operations.length) return '';
  const shown = g.operations.slice(0, 4).join(', ');
  return ` — ${shown}${g.operations.length > 4 ? ` and ${g.operations.length - 4} more` : ''}`;
}

function whereMarkdown(g: Group): string {
  if (!g.operations.length) return '';
  if (g.operations.length > 6) {
    const operations = new Set(g.operations.map((o) => o.replace(/ \([^)]*\)$/, ''))).size;
    return `: ${g.operations.length} responses of ${operations} operations`;
  }
  return `: ${g.operations.map((o) => `\`${o}\``).join(', ')}`;
}
