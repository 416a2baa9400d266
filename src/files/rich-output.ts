// Typed access to what an execution displayed: plots, SVG, HTML, Markdown, JSON. `POST /execute`
// returns them as inline fields (png, svg, ...); `POST /execute/rich` as a `rich_outputs` list.
// Both become one list of outputs, and an image can be decoded to its bytes.
import type { components } from '../../generated/schema.js';

type Schemas = components['schemas'];

/**
 * One thing an execution displayed, decoded by kind (a PNG as base64, text as text, JSON as a
 * value). The spec's `RichOutput` is the raw `{ type, data }` entry of `rich_outputs`.
 */
export type DisplayData =
  | { type: 'image/png'; base64: string }
  | { type: 'image/svg+xml'; text: string }
  | { type: 'text/html'; text: string }
  | { type: 'text/markdown'; text: string }
  | { type: 'text/plain'; text: string }
  | { type: 'application/json'; value: unknown }
  | { type: 'application/vnd.dataframe+json'; value: unknown };

/** Every rich output of an execution result, in a fixed order (image, svg, html, markdown, json, text). */
export function richOutputsOf(result: Schemas['ExecuteResponse'] | Schemas['RichExecuteResponse']): DisplayData[] {
  const listed =
    'rich_outputs' in result && Array.isArray(result.rich_outputs) ? result.rich_outputs.map(fromListed) : [];
  if (listed.length) return listed;
  const out: DisplayData[] = [];
  if (result.png) out.push({ type: 'image/png', base64: result.png });
  if (result.svg) out.push({ type: 'image/svg+xml', text: result.svg });
  if (result.html) out.push({ type: 'text/html', text: result.html });
  if (result.markdown) out.push({ type: 'text/markdown', text: result.markdown });
  if (result.json !== undefined && result.json !== null) out.push({ type: 'application/json', value: result.json });
  if (result.result) out.push({ type: 'text/plain', text: result.result });
  return out;
}

function fromListed(output: Schemas['RichOutput']): DisplayData {
  const { type, data } = output;
  switch (type) {
    case 'image/png':
      return { type, base64: typeof data === 'string' ? data : '' };
    case 'application/json':
    case 'application/vnd.dataframe+json':
      return { type, value: typeof data === 'string' ? safeJson(data) : data };
    default:
      return { type, text: typeof data === 'string' ? data : JSON.stringify(data) };
  }
}

/** The PNG's bytes (decoded from base64), ready to write to a file or a Blob. */
export function imageBytes(output: DisplayData & { type: 'image/png' }): Uint8Array {
  return decodeBase64(output.base64);
}

/** The first image of an execution result as bytes, or undefined when it drew none. */
export function firstImage(result: Parameters<typeof richOutputsOf>[0]): Uint8Array | undefined {
  const image = richOutputsOf(result).find((o): o is DisplayData & { type: 'image/png' } => o.type === 'image/png');
  return image ? imageBytes(image) : undefined;
}

export function decodeBase64(base64: string): Uint8Array {
  const binary = atob(base64.replace(/\s+/g, ''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
