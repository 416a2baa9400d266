// A response field is `required` only where every source shows it always present: where either
// official SDK reads it with a default or a fallback, checks for it first, or hard-codes it, a client
// must not count on it (issue 9, item 8). docs/spec-audit.md has the source of each decision.
import { describe, expect, it } from 'vitest';
import { validatorFor } from '../support/spec-schemas.js';
import { deref, type Json, operations, walkSchemas } from './bundled-spec.js';

/** Every `required` of a schema a server sends (responses, event payloads, WebSocket server messages). */
function responseRequired(): string[] {
  const found = new Set<string>();
  const visited = new Set<object>();
  const walk = (node: unknown, where: string) =>
    walkSchemas(
      node,
      where,
      (schema, at) => {
        if (Array.isArray(schema.required) && schema.properties) found.add(`${at}: ${schema.required.join(', ')}`);
      },
      visited,
    );
  for (const { op } of operations) {
    for (const [status, response] of Object.entries<Json>(op.responses ?? {})) {
      if (status !== '101') walk(deref(response).content, 'response');
    }
    if (op['x-websocket']) walk({ $ref: op['x-websocket'].server }, 'message');
  }
  return [...found].sort();
}

function expectValid(schema: string, value: unknown) {
  const validate = validatorFor(schema);
  expect(validate(value), `${schema}: ${JSON.stringify(validate.errors)}`).toBe(true);
}

describe('required means guaranteed', () => {
  it('the required response fields are exactly the audited ones (docs/spec-audit.md)', () => {
    expect(responseRequired()).toEqual([
      'AsyncExecuteResponse: execution_id, status, callback_url', // TypeScript model; no SDK contradicts it
      'BackgroundExecuteResponse: process_id, execution_id, status', // TypeScript model
      'BuildStatusResponse: build_id, template_id, status', // both SDKs read them without a fallback
      'CacheClearResponse: message', // Python docstring reads result['message']
      'CommandStreamExit: type', // a message's `type` tells the messages of a route apart
      'DesktopRegion: x, y, width, height', // JavaScript getBounds type; also a request body
      'ErrorResponseFlat: error', // what makes a body the flat shape
      'ErrorResponseMessage: message', // what makes a body the message shape
      'ErrorResponseNested: error', // what makes a body the nested shape
      'ExecuteStreamComplete: type, success', // the Python SDK's documented stream messages
      'ExecuteStreamError: type, error',
      'ExecuteStreamResult: type, exit_code',
      'ExecuteStreamStderr: type, data',
      'ExecuteStreamStdout: type, data',
      'FileContent: path, size', // TypeScript model; the SDKs read only `content`, with a default
      'FileList: path', // TypeScript model
      'FileResponse: success, path', // TypeScript model
      'FileWatchChange: type, path, event, timestamp', // the Python SDK's documented watch events
      'FileWatchError: type',
      'JupyterSession: kernel_id', // read without a fallback in the SDKs' docs
      'ProcessInfo: process_id, status', // TypeScript model
      'RichOutput: type, data', // the SDKs' generated models
      'RichStreamDisplay: type',
      'Sandbox: status', // both SDKs read it without a fallback
      'SandboxEvent: type', // the event kind (the payload has no source beyond its name)
      'SandboxMetricsEvent: type',
      'Screenshot: image, format, width, height', // TypeScript model (the JavaScript SDK's screenshot type)
      'SystemProcess: pid', // read without a fallback in the SDKs' docs
      'Template: id, name', // both SDKs read them without a fallback (Python's model requires them)
      'TemplateBuildResponse: build_id, template_id', // both SDKs read them without a fallback
      'TemplateEvent: type',
      'TemplateListItem: id, name',
      'TemplateUploadLinkResponse: present', // both SDKs read it without a fallback
      'TerminalExit: type',
      'TerminalOutput: type',
    ]);
  });

  it('the values the SDKs tolerate validate: the examples of issue 9', () => {
    expectValid('DesktopWindow', { id: '0x02200004', title: 'Terminal', x: 0, y: 0, width: 800, height: 600 }); // no pid
    expectValid('TerminalExit', { type: 'exit', exitCode: 0 }); // the other client's spelling
    expectValid('TerminalExit', { type: 'exit', code: 0 });
    expectValid('TemplateBuildLogs', { status: 'building', complete: false }); // no logs, no offset
    expectValid('Template', { id: '318', name: 'my-python-env', status: 'publishing', is_active: null }); // null seen
  });

  it('and more of the audit: defaults, fallbacks, guards and hard-coded fields', () => {
    expectValid('Sandbox', { sandbox_id: '1761048129dsaqav4n', status: 'running' }); // JS falls back to sandbox_id
    expectValid('SandboxList', { data: null }); // data || [], has_more ?? false
    expectValid('SandboxTokenResponse', {}); // both SDKs check for the token before using it
    expectValid('ExecuteResponse', { stdout: '42\n' }); // Python reads every field with a default
    expectValid('VncInfo', { display: 1, port: 5901 }); // both SDKs hard-code running: true
    expectValid('EnvVarsResponse', { count: 0 }); // env_vars || {}
    expectValid('CacheStats', { hits: 30, misses: 10, hit_rate: 0.75, size: 1.5, count: 12 }); // the Python docstring's shape
  });
});
