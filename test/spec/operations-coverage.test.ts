// The spec must describe every operation the platform has: operations.txt is the list we were given
// (upstream files, seed docs, and the routes the official SDKs send).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizePath, operations } from './bundled-spec.js';

const required = readFileSync(new URL('./fixtures/operations.txt', import.meta.url), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));

const described = new Set(operations.map((o) => `${o.method.toUpperCase()} ${normalizePath(o.path)}`));

describe('operations.txt coverage', () => {
  it('lists the 102 operations we were asked for', () => {
    expect(required).toHaveLength(102);
  });

  it.each(required)('%s is described', (line) => {
    const [method, path] = line.split(' ');
    expect(described.has(`${method} ${normalizePath(path!)}`)).toBe(true);
  });

  it('describes nothing twice', () => {
    const keys = operations.map((o) => `${o.method} ${normalizePath(o.path)}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
