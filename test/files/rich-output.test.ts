// Rich execution output: the inline fields of POST /execute and the rich_outputs list of
// POST /execute/rich, as one typed list, and images decoded to their exact bytes. The JSON contract
// is checked against Prism (the spec's own named examples); the mapping rules against local values
// that the spec's schemas accept.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import {
  type components,
  createAgentClient,
  type DisplayData,
  decodeBase64,
  firstImage,
  imageBytes,
  richOutputsOf,
} from '../../src/index.js';
import { assertMatchesSchema } from '../support/spec-schemas.js';

type ExecuteResponse = components['schemas']['ExecuteResponse'];
type RichExecuteResponse = components['schemas']['RichExecuteResponse'];

const spec = JSON.parse(readFileSync(fileURLToPath(new URL('../../generated/openapi.json', import.meta.url)), 'utf8'));
const executeExamples = spec.paths['/execute'].post.responses['200'].content['application/json'].examples;
const richExample = spec.paths['/execute/rich'].post.responses['200'].content['application/json'].example;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function prismAgent() {
  return createAgentClient({
    sandbox: {
      id: '1761048129dsaqav4n',
      public_host: inject('prismUrl'),
      auth_token: 'eyJhbGciOiJIUzI1NiJ9.eyJzYW5kYm94X2lkIjoiMTc2MTA0ODEyOWRzYXFhdjRuIn0.c2lnbmF0dXJl',
      token_expires_at: '2099-01-01T00:00:00Z',
    },
    maxRetries: 0,
  });
}

/** Width and height from a PNG's IHDR chunk (bytes 16-23). */
function pngSize(bytes: Uint8Array): [number, number] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(String.fromCharCode(...bytes.subarray(12, 16))).toBe('IHDR');
  return [view.getUint32(16), view.getUint32(20)];
}

describe('against Prism', () => {
  it('POST /execute "plot" example: the image/png output, decoded to a real PNG', async () => {
    const expected = executeExamples.plot.value;
    expect(typeof expected.png).toBe('string');
    const { data, error, response } = await prismAgent().POST('/execute', {
      body: { code: 'import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\n', language: 'python' },
      headers: { Prefer: 'example=plot' },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(200);
    if (!data) throw new Error('no data');
    expect(data).toEqual(expected);

    const outputs = richOutputsOf(data);
    expect(outputs).toEqual([
      { type: 'image/png', base64: expected.png },
      { type: 'text/plain', text: expected.result },
    ]);
    const image = firstImage(data);
    expect(image).toBeInstanceOf(Uint8Array);
    expect([...image!.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(sha256(image!)).toBe(sha256(Buffer.from(expected.png, 'base64')));
    expect(image!.length).toBe(Buffer.from(expected.png, 'base64').length);
    expect(pngSize(image!)).toEqual([1, 1]);
    const png = outputs[0] as DisplayData & { type: 'image/png' };
    expect(sha256(imageBytes(png))).toBe(sha256(image!));
  });

  it('POST /execute "text" example: no rich output, no image (stdout is not a rich output)', async () => {
    const { data, error } = await prismAgent().POST('/execute', {
      body: { code: 'print(1)', language: 'python' },
      headers: { Prefer: 'example=text' },
    });
    expect(error).toBeUndefined();
    if (!data) throw new Error('no data');
    expect(data).toEqual(executeExamples.text.value);
    expect(data.stdout).not.toBe('');
    expect(richOutputsOf(data)).toEqual([]);
    expect(firstImage(data)).toBeUndefined();
  });

  it('POST /execute/rich: the rich_outputs list is mapped, types and values', async () => {
    const { data, error, response } = await prismAgent().POST('/execute/rich', {
      body: { code: "plt.savefig('/workspace/plot.png')", language: 'python', timeout: 60 },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(200);
    if (!data) throw new Error('no data');
    expect(data).toEqual(richExample);
    expect(data.rich_outputs).toHaveLength(1);
    expect(richOutputsOf(data)).toEqual([{ type: 'image/png', base64: richExample.rich_outputs[0].data }]);
    const image = firstImage(data)!;
    expect([...image.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(sha256(image)).toBe(sha256(Buffer.from(richExample.rich_outputs[0].data, 'base64')));
  });
});

describe('mapping', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle r="4"/></svg>';
  const html = '<table><tr><th>a</th></tr><tr><td>1</td></tr></table>';
  const markdown = '**Total:** 42 — ünïcode ✓';
  const json = { total: 42, items: [1, 2, { nested: null }], ok: true };
  const png = executeExamples.plot.value.png as string;

  it('inline fields map to their types in the documented order: image, svg, html, markdown, json, text', () => {
    // Keys deliberately in another order than the output order.
    const result: ExecuteResponse = {
      result: '42',
      json,
      markdown,
      html,
      svg,
      png,
      success: true,
      stdout: '',
      stderr: '',
      exit_code: 0,
      execution_time: 0.2,
    };
    assertMatchesSchema('ExecuteResponse', result);
    expect(richOutputsOf(result)).toEqual([
      { type: 'image/png', base64: png },
      { type: 'image/svg+xml', text: svg },
      { type: 'text/html', text: html },
      { type: 'text/markdown', text: markdown },
      { type: 'application/json', value: json },
      { type: 'text/plain', text: '42' },
    ]);
  });

  it('only the fields present are listed; an empty json object is still an output', () => {
    const result: ExecuteResponse = {
      html,
      json: {},
      success: true,
      stdout: 'x\n',
      stderr: '',
      exit_code: 0,
      execution_time: 0.01,
    };
    assertMatchesSchema('ExecuteResponse', result);
    expect(richOutputsOf(result)).toEqual([
      { type: 'text/html', text: html },
      { type: 'application/json', value: {} },
    ]);
    expect(firstImage(result)).toBeUndefined();
  });

  it('a rich_outputs list keeps its order; JSON data given as text is parsed, objects kept', () => {
    const frame = {
      columns: ['a', 'b'],
      data: [
        [1, 2],
        [3, 4],
      ],
    };
    const result: RichExecuteResponse = {
      success: true,
      stdout: '',
      stderr: '',
      exit_code: 0,
      execution_time: 1.4,
      rich_outputs: [
        { type: 'text/html', format: 'html', data: html, metadata: { source: 'pandas' } },
        {
          type: 'image/png',
          format: 'base64',
          data: png,
          metadata: { source: 'matplotlib', filename: '/workspace/plot.png', size: 18432 },
        },
        { type: 'application/json', format: 'json', data: json },
        { type: 'application/json', format: 'text', data: '{"from":"text","n":[1,2]}' },
        { type: 'application/vnd.dataframe+json', format: 'json', data: frame },
        { type: 'image/svg+xml', format: 'text', data: svg },
        { type: 'text/markdown', format: 'text', data: markdown },
        { type: 'text/plain', format: 'text', data: 'plain' },
      ],
    };
    assertMatchesSchema('RichExecuteResponse', result);
    expect(richOutputsOf(result)).toEqual([
      { type: 'text/html', text: html },
      { type: 'image/png', base64: png },
      { type: 'application/json', value: json },
      { type: 'application/json', value: { from: 'text', n: [1, 2] } },
      { type: 'application/vnd.dataframe+json', value: frame },
      { type: 'image/svg+xml', text: svg },
      { type: 'text/markdown', text: markdown },
      { type: 'text/plain', text: 'plain' },
    ]);
    // The first image, although it is not the first output.
    expect(sha256(firstImage(result)!)).toBe(sha256(Buffer.from(png, 'base64')));
  });

  it('an empty rich_outputs list falls back to the inline fields', () => {
    const result: RichExecuteResponse = {
      success: true,
      stdout: '',
      stderr: '',
      exit_code: 0,
      execution_time: 1,
      png,
      rich_outputs: [],
    };
    assertMatchesSchema('RichExecuteResponse', result);
    expect(richOutputsOf(result)).toEqual([{ type: 'image/png', base64: png }]);
    expect([...firstImage(result)!.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  });
});

describe('decodeBase64', () => {
  it('round-trips random bytes of every length remainder, exactly as Buffer decodes them', () => {
    for (const length of [0, 1, 2, 3, 4, 5, 255, 256, 257, 4096, 65_537]) {
      const bytes = randomBytes(length);
      const base64 = bytes.toString('base64');
      const decoded = decodeBase64(base64);
      expect(decoded, `length ${length}`).toBeInstanceOf(Uint8Array);
      expect(decoded.length, `length ${length}`).toBe(length);
      expect(Buffer.from(decoded).equals(Buffer.from(base64, 'base64')), `length ${length}`).toBe(true);
      expect(Buffer.from(decoded).equals(bytes), `length ${length}`).toBe(true);
    }
  });

  it('1 MiB of random bytes: the same SHA-256 after decoding', () => {
    const bytes = randomBytes(1024 * 1024);
    expect(sha256(decodeBase64(bytes.toString('base64')))).toBe(sha256(bytes));
  });

  it('ignores line breaks and spaces (MIME-wrapped base64)', () => {
    const bytes = randomBytes(1000);
    const wrapped = `${bytes.toString('base64').replace(/.{76}/g, '$&\r\n')}\n`;
    expect(Buffer.from(decodeBase64(wrapped)).equals(bytes)).toBe(true);
    expect(Buffer.from(imageBytes({ type: 'image/png', base64: ` ${wrapped} ` })).equals(bytes)).toBe(true);
  });
});
