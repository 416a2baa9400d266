// Contract calls for the VM Agent's file routes (`/files/*`, except the `/files/watch` WebSocket) and
// its environment-variable routes (`/env`). Values come from the spec's examples.
import { expect } from 'vitest';
import { BadRequestError, ConflictError, FileNotFoundError, PathNotAllowedError } from '../../../src/index.js';
import type { ContractCall } from '../contract-harness.js';

/** A file the spec's examples read and write. */
const HELLO = '/workspace/hello.py';
const HELLO_SOURCE = "print('Hello from HopX')\n";
/** A binary file the spec's examples upload and download. */
const REPORT = '/workspace/data/report.pdf';
/** Asks Prism for a declared error status, optionally with one of its named examples. */
const prefer = (code: number, example?: string) => ({
  Prefer: example ? `code=${code}, example=${example}` : `code=${code}`,
});

export const agentFilesCalls: ContractCall[] = [
  // ---- GET /files/read
  {
    operation: 'GET /files/read',
    async run({ agent }) {
      const { data, error, response } = await agent.GET('/files/read', { params: { query: { path: HELLO } } });
      expect(error).toBeUndefined();
      expect(response.status).toBe(200);
      expect(data?.path).toBe(HELLO);
      expect(data?.content).toBe(HELLO_SOURCE);
      expect(data?.size).toBe(25);
    },
  },
  {
    operation: 'GET /files/read',
    name: '404 FILE_NOT_FOUND rejects with FileNotFoundError',
    async run({ agentOrThrow }) {
      const promise = agentOrThrow.GET('/files/read', {
        params: { query: { path: '/workspace/missing.txt' } },
        headers: prefer(404, 'file'),
      });
      await expect(promise).rejects.toBeInstanceOf(FileNotFoundError);
      await expect(promise).rejects.toMatchObject({ status: 404, code: 'FILE_NOT_FOUND' });
    },
  },
  {
    operation: 'GET /files/read',
    name: '403 PATH_NOT_ALLOWED as { error }',
    async run({ agent }) {
      const { data, error, response } = await agent.GET('/files/read', {
        params: { query: { path: '/etc/shadow' } },
        headers: prefer(403, 'notAllowed'),
      });
      expect(data).toBeUndefined();
      expect(response.status).toBe(403);
      expect(error?.code).toBe('PATH_NOT_ALLOWED');
      expect(error?.path).toBe('/etc/shadow');
    },
  },

  // ---- POST /files/write
  {
    operation: 'POST /files/write',
    name: 'text content',
    async run({ agent }) {
      const { data, response } = await agent.POST('/files/write', {
        body: { path: HELLO, content: HELLO_SOURCE, mode: '0644', overwrite: true },
      });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
      expect(data?.path).toBe(HELLO);
      expect(data?.size).toBe(25);
    },
  },
  {
    operation: 'POST /files/write',
    name: 'base64 content',
    async run({ agentOrThrow }) {
      const data = await agentOrThrow.POST('/files/write', {
        body: {
          path: '/workspace/data/pixel.png',
          content: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
          encoding: 'base64',
          mode: '0644',
          overwrite: true,
        },
      });
      expect(data.success).toBe(true);
      expect(data.message).toBe('File written successfully');
    },
  },
  {
    operation: 'POST /files/write',
    name: '403 PATH_NOT_ALLOWED rejects with PathNotAllowedError',
    async run({ agentOrThrow }) {
      const promise = agentOrThrow.POST('/files/write', {
        body: { path: '/etc/shadow', content: 'root::0:0:99999:7:::\n', mode: '0640', overwrite: true },
        headers: prefer(403, 'notAllowed'),
      });
      await expect(promise).rejects.toBeInstanceOf(PathNotAllowedError);
      await expect(promise).rejects.toMatchObject({ status: 403, code: 'PATH_NOT_ALLOWED' });
    },
  },
  {
    operation: 'POST /files/write',
    name: '409 with overwrite: false rejects with ConflictError',
    async run({ agentOrThrow }) {
      const promise = agentOrThrow.POST('/files/write', {
        body: { path: '/workspace/run.sh', content: '#!/bin/bash\necho ready\n', mode: '0755', overwrite: false },
        headers: prefer(409),
      });
      await expect(promise).rejects.toBeInstanceOf(ConflictError);
      await expect(promise).rejects.toMatchObject({ status: 409 });
    },
  },

  // ---- GET /files/list
  {
    operation: 'GET /files/list',
    async run({ agent }) {
      const { data, response } = await agent.GET('/files/list', { params: { query: { path: '/workspace' } } });
      expect(response.status).toBe(200);
      expect(data?.path).toBe('/workspace');
      expect(data?.files?.map((f) => f?.name)).toEqual(['hello.py', 'data']);
      expect(data?.files?.[1]?.is_directory).toBe(true);
    },
  },
  {
    operation: 'GET /files/list',
    name: 'alternate field names and a null entry',
    async run({ agent }) {
      const { data } = await agent.GET('/files/list', { headers: { Prefer: 'example=alternate' } });
      expect(data?.files).toHaveLength(2);
      expect(data?.files?.[0]?.is_dir).toBe(false);
      expect(data?.files?.[1]).toBeNull();
    },
  },

  // ---- GET /files/exists
  {
    operation: 'GET /files/exists',
    async run({ agentOrThrow }) {
      const data = await agentOrThrow.GET('/files/exists', { params: { query: { path: HELLO } } });
      expect(data.exists).toBe(true);
      expect(data.is_directory).toBe(false);
    },
  },
  {
    operation: 'GET /files/exists',
    name: 'a missing path is 200 with exists: false',
    async run({ agent }) {
      const { data, response } = await agent.GET('/files/exists', {
        params: { query: { path: '/workspace/missing.txt' } },
        headers: { Prefer: 'example=missing' },
      });
      expect(response.status).toBe(200);
      expect(data?.exists).toBe(false);
      expect(data?.path).toBe('/workspace/missing.txt');
    },
  },

  // ---- DELETE /files/remove
  {
    operation: 'DELETE /files/remove',
    async run({ agent }) {
      const { data, response } = await agent.DELETE('/files/remove', {
        params: { query: { path: '/workspace/old-results' } },
      });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
      expect(data?.path).toBe('/workspace/old-results');
    },
  },
  {
    operation: 'DELETE /files/remove',
    name: '404 FILE_NOT_FOUND as { error }',
    async run({ agent }) {
      const { data, error, response } = await agent.DELETE('/files/remove', {
        params: { query: { path: '/workspace/missing.txt' } },
        headers: prefer(404, 'file'),
      });
      expect(data).toBeUndefined();
      expect(response.status).toBe(404);
      expect(error?.code).toBe('FILE_NOT_FOUND');
    },
  },

  // ---- POST /files/mkdir
  {
    operation: 'POST /files/mkdir',
    async run({ agentOrThrow }) {
      const data = await agentOrThrow.POST('/files/mkdir', { body: { path: '/workspace/data/raw' } });
      expect(data.success).toBe(true);
      expect(data.path).toBe('/workspace/data/raw');
      expect(data.message).toBe('Directory created successfully');
    },
  },

  // ---- POST /files/upload (multipart/form-data)
  {
    operation: 'POST /files/upload',
    async run({ agent }) {
      const pdf = new Blob(['%PDF-1.7\n', new Uint8Array([0x25, 0xe2, 0xe3, 0xcf, 0xd3, 0x0a])]);
      const { data, response } = await agent.POST('/files/upload', { body: { file: pdf, path: REPORT } });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
      expect(data?.path).toBe(REPORT);
      expect(data?.size).toBe(184320);
    },
  },

  // ---- GET /files/download (application/octet-stream)
  {
    operation: 'GET /files/download',
    name: 'as a Blob',
    async run({ agent }) {
      const { data, response } = await agent.GET('/files/download', {
        params: { query: { path: REPORT } },
        parseAs: 'blob',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/octet-stream/);
      expect(data).toBeInstanceOf(Blob);
    },
  },
  {
    operation: 'GET /files/download',
    name: 'as an ArrayBuffer',
    async run({ agentOrThrow }) {
      const data = await agentOrThrow.GET('/files/download', {
        params: { query: { path: REPORT } },
        parseAs: 'arrayBuffer',
      });
      expect(data).toBeInstanceOf(ArrayBuffer);
    },
  },
  {
    operation: 'GET /files/download',
    name: '404 FILE_NOT_FOUND as a JSON { error }',
    async run({ agent }) {
      const { data, error, response } = await agent.GET('/files/download', {
        params: { query: { path: '/workspace/missing.txt' } },
        parseAs: 'blob',
        headers: prefer(404, 'file'),
      });
      expect(data).toBeUndefined();
      expect(response.status).toBe(404);
      expect(error?.code).toBe('FILE_NOT_FOUND');
      expect(error?.path).toBe('/workspace/missing.txt');
    },
  },

  // ---- /env
  {
    operation: 'GET /env',
    async run({ agent }) {
      const { data, response } = await agent.GET('/env');
      expect(response.status).toBe(200);
      expect(data?.env_vars).toMatchObject({ DATABASE_URL: 'postgres://localhost/app', API_KEY: '***MASKED***' });
      expect(data?.count).toBe(3);
    },
  },
  {
    operation: 'PUT /env',
    async run({ agent }) {
      const { data, response } = await agent.PUT('/env', {
        body: { env_vars: { DATABASE_URL: 'postgres://localhost/app', DEBUG: 'true' } },
      });
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
      expect(data?.count).toBe(2);
      expect(data?.env_vars).toEqual({ DATABASE_URL: 'postgres://localhost/app', DEBUG: 'true' });
    },
  },
  {
    operation: 'PUT /env',
    name: '400 INVALID_REQUEST rejects with BadRequestError',
    async run({ agentOrThrow }) {
      const promise = agentOrThrow.PUT('/env', { body: { env_vars: { DEBUG: 'true' } }, headers: prefer(400) });
      await expect(promise).rejects.toBeInstanceOf(BadRequestError);
      await expect(promise).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    },
  },
  {
    operation: 'PUT /env',
    name: '204 No Content resolves to undefined data',
    async run({ agentOrThrow }) {
      const data = await agentOrThrow.PUT('/env', { body: { env_vars: { DEBUG: 'true' } }, headers: prefer(204) });
      expect(data).toBeUndefined();
    },
  },
  {
    operation: 'PATCH /env',
    async run({ agentOrThrow }) {
      const data = await agentOrThrow.PATCH('/env', {
        body: { env_vars: { API_KEY: 'sk-1234567890abcdef', LOG_LEVEL: 'info' }, merge: true },
      });
      expect(data?.success).toBe(true);
      expect(data?.count).toBe(4);
      expect(data?.env_vars).toMatchObject({ LOG_LEVEL: 'info', API_KEY: '***MASKED***' });
    },
  },
  {
    operation: 'PATCH /env',
    name: 'without merge (it defaults to true), answered 204 with no body',
    async run({ agent }) {
      const { data, error, response } = await agent.PATCH('/env', {
        body: { env_vars: { LOG_LEVEL: 'debug' } },
        headers: prefer(204),
      });
      expect(response.status).toBe(204);
      expect(error).toBeUndefined();
      expect(data).toBeUndefined();
    },
  },
  {
    operation: 'DELETE /env',
    async run({ agent }) {
      const { data, response } = await agent.DELETE('/env');
      expect(response.status).toBe(200);
      expect(data?.success).toBe(true);
      expect(data?.count).toBe(0);
    },
  },
];
