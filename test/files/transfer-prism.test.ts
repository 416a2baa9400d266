// uploadFile and the download helpers against Prism, where the contract is the point: Prism checks
// the multipart body against the spec's FileUploadForm (it refuses one without `path`, see the
// control case) and answers with the spec's examples.
import type { Middleware } from 'openapi-fetch';
import { describe, expect, inject, it } from 'vitest';
import {
  createAgentClient,
  downloadBytes,
  downloadFile,
  FileNotFoundError,
  PathNotAllowedError,
  uploadFile,
} from '../../src/index.js';
import { SANDBOX_ID, SANDBOX_TOKEN } from '../contract/contract-harness.js';
import { patternBytes } from './transfer-support.js';

const REPORT = '/workspace/data/report.pdf';
const UPLOAD_EXAMPLE = {
  success: true,
  path: REPORT,
  size: 184320,
  message: 'File uploaded successfully',
  timestamp: '2025-10-21T14:32:05Z',
};

function prismAgent(headers?: Record<string, string>) {
  const responses: Array<{ operation: string; status: number; violations: string | null }> = [];
  const recorder: Middleware = {
    onResponse({ request, response, schemaPath }) {
      responses.push({
        operation: `${request.method} ${schemaPath}`,
        status: response.status,
        violations: response.headers.get('sl-violations'),
      });
    },
  };
  const agent = createAgentClient({
    sandbox: {
      id: SANDBOX_ID,
      public_host: inject('prismUrl'),
      auth_token: SANDBOX_TOKEN,
      token_expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    },
    maxRetries: 0,
    headers,
  });
  agent.use(recorder);
  return { agent, responses };
}

describe('POST /files/upload against Prism', () => {
  it('a small Blob: Prism accepts the multipart body and answers the FileResponse example', async () => {
    const { agent, responses } = prismAgent();
    const pdf = new Blob(['%PDF-1.7\n', new Uint8Array([0x25, 0xe2, 0xe3, 0xcf, 0xd3, 0x0a])], {
      type: 'application/pdf',
    });
    expect(await uploadFile(agent, REPORT, pdf)).toEqual(UPLOAD_EXAMPLE);
    expect(responses).toEqual([{ operation: 'POST /files/upload', status: 200, violations: null }]);
  });

  it.each([
    ['bytes', () => patternBytes(10_000)],
    ['a stream without a size (chunked)', () => new Blob([patternBytes(10_000)]).stream()],
    ['a Blob with onProgress', () => new Blob([patternBytes(10_000)])],
  ])('from %s: accepted too', async (name, make) => {
    const { agent, responses } = prismAgent();
    const result = await uploadFile(agent, REPORT, make(), name.includes('onProgress') ? { onProgress: () => {} } : {});
    expect(result).toEqual(UPLOAD_EXAMPLE);
    expect(responses).toEqual([{ operation: 'POST /files/upload', status: 200, violations: null }]);
  });

  it('control: a multipart body without the path part is refused by Prism (so the 200s above mean something)', async () => {
    const { agent, responses } = prismAgent();
    const body =
      '--b0undary\r\nContent-Disposition: form-data; name="file"; filename="report.pdf"\r\nContent-Type: application/octet-stream\r\n\r\n%PDF\r\n--b0undary--\r\n';
    const { error, response } = await agent.POST('/files/upload', {
      body: { path: REPORT, file: new Blob([]) },
      bodySerializer: () => body,
      headers: { 'Content-Type': 'multipart/form-data; boundary=b0undary' },
    });
    expect(response.status).toBe(400);
    expect(error?.code).toBeDefined();
    expect(responses[0]!.violations).toMatch(/path/);
  });

  it('403 PATH_NOT_ALLOWED (the spec example) is a PathNotAllowedError', async () => {
    const { agent } = prismAgent({ Prefer: 'code=403, example=notAllowed' });
    const error = await uploadFile(agent, '/etc/shadow', new Blob(['x'])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PathNotAllowedError);
    expect((error as PathNotAllowedError).body.path).toBe('/etc/shadow');
  });
});

describe('GET /files/download against Prism', () => {
  it('downloadBytes returns the octet-stream body (status 200)', async () => {
    const { agent, responses } = prismAgent();
    const bytes = await downloadBytes(agent, REPORT);
    expect(responses).toEqual([{ operation: 'GET /files/download', status: 200, violations: null }]);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes.length).toBeGreaterThan(0);
    // The same bytes the plain client reads from the same operation.
    const raw = await agent.GET('/files/download', { params: { query: { path: REPORT } }, parseAs: 'arrayBuffer' });
    expect(raw.response.status).toBe(200);
    expect(Buffer.from(bytes).equals(Buffer.from(raw.data!))).toBe(true);
  });

  it('downloadFile: size is the Content-Length and the stream holds that many bytes', async () => {
    const { agent } = prismAgent();
    const { stream, size } = await downloadFile(agent, REPORT);
    const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    expect(size).toBe(bytes.length);
  });

  it('404 FILE_NOT_FOUND (the spec example) is a FileNotFoundError', async () => {
    const { agent } = prismAgent({ Prefer: 'code=404, example=file' });
    await expect(downloadBytes(agent, '/workspace/missing.txt')).rejects.toBeInstanceOf(FileNotFoundError);
  });
});
