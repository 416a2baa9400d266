// What a run really displayed, as the API shapes it. Python code reports Jupyter-style MIME bundles
// (display() calls, the last expression's value, matplotlib figures: see host/python-script-runner.ts
// and host/ipython-driver.ts); this module turns them into `/execute`'s inline fields, `/execute/rich`'s
// `rich_outputs` and the `display` messages of `/stream/ipython`. Nothing is made up: a run that
// displayed nothing has no rich fields at all.
import { readFile, stat } from 'node:fs/promises';
import type { components } from '../../generated/schema.js';

type Schemas = components['schemas'];
export type RichOutput = Schemas['RichOutput'];
export type InlineRichFields = Pick<
  Schemas['ExecuteResponse'],
  'png' | 'svg' | 'html' | 'markdown' | 'json' | 'result'
>;

/** One output of a run: a MIME bundle (`text/plain` plus richer forms), and how it came about. */
export interface DisplayedOutput {
  /** `result` is the cell's last expression (Jupyter's execute_result); `figure` a matplotlib figure. */
  kind: 'display' | 'result' | 'figure';
  data: Record<string, unknown>;
}

/** The MIME types the API can carry, richest first, with how `data` is encoded. */
const CARRIED: Array<[RichOutput['type'], NonNullable<RichOutput['format']>]> = [
  ['image/png', 'base64'],
  ['image/svg+xml', 'text'],
  ['text/html', 'html'],
  ['text/markdown', 'text'],
  ['application/json', 'json'],
  ['application/vnd.dataframe+json', 'json'],
];

/**
 * `/execute`'s inline fields: the last output of each kind (a later figure replaces an earlier one,
 * as the final state of a notebook cell shows it), and `result` from the last expression's plain text.
 */
export function inlineRichFields(outputs: DisplayedOutput[]): InlineRichFields {
  const fields: InlineRichFields = {};
  for (const { kind, data } of outputs) {
    const png = data['image/png'];
    if (typeof png === 'string') fields.png = png;
    const svg = data['image/svg+xml'];
    if (typeof svg === 'string') fields.svg = svg;
    const html = data['text/html'];
    if (typeof html === 'string') fields.html = html;
    const markdown = data['text/markdown'];
    if (typeof markdown === 'string') fields.markdown = markdown;
    const json = data['application/json'];
    // The field is an object; a JSON array or scalar has no place in it (it stays in rich_outputs).
    if (isObject(json)) fields.json = json;
    const plain = data['text/plain'];
    if (kind === 'result' && typeof plain === 'string') fields.result = plain;
  }
  return fields;
}

/**
 * `rich_outputs`: every output in order, each in the richest forms it has; a bundle with nothing but
 * text (a last expression such as `6*7`) is listed as its `text/plain`.
 */
export function richOutputList(outputs: DisplayedOutput[]): RichOutput[] {
  return outputs.flatMap((output) => richOutputsOf(output));
}

export function richOutputsOf({ kind, data }: DisplayedOutput): RichOutput[] {
  const source = kind === 'figure' ? 'matplotlib' : 'other';
  const list: RichOutput[] = [];
  for (const [type, format] of CARRIED) {
    const value = data[type];
    if (value === undefined) continue;
    if (typeof value === 'string') {
      list.push({ type, format, data: value, metadata: { source, size: sizeOf(value, format) } });
    } else if (isObject(value)) {
      list.push({ type, format, data: value, metadata: { source } });
    } else {
      // A JSON array or scalar: `data` is a string or an object, so it travels as JSON text.
      const text = JSON.stringify(value);
      list.push({ type, format: 'json', data: text, metadata: { source, size: Buffer.byteLength(text) } });
    }
  }
  const plain = data['text/plain'];
  if (list.length === 0 && typeof plain === 'string')
    list.push({
      type: 'text/plain',
      format: 'text',
      data: plain,
      metadata: { source, size: Buffer.byteLength(plain) },
    });
  return list;
}

/**
 * The outputs a Python run wrote to its side file (one JSON line each), read up to `limit` bytes: a
 * run that displays more than that keeps what fits, whole lines only.
 */
export async function readDisplayedOutputs(hostPath: string, limit: number): Promise<DisplayedOutput[]> {
  const info = await stat(hostPath).catch(() => undefined);
  if (!info?.isFile()) return [];
  const text = (await readFile(hostPath)).subarray(0, limit).toString('utf8');
  const outputs: DisplayedOutput[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const parsed = JSON.parse(line) as { kind?: unknown; data?: unknown };
      if ((parsed.kind === 'display' || parsed.kind === 'result' || parsed.kind === 'figure') && isObject(parsed.data))
        outputs.push({ kind: parsed.kind, data: parsed.data });
    } catch {
      // The last line was cut by the limit.
    }
  }
  return outputs;
}

function sizeOf(value: string, format: string): number {
  return format === 'base64' ? Buffer.from(value, 'base64').byteLength : Buffer.byteLength(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
