// Starts one Prism mock for the whole run (with --errors, so a request that breaks the spec, or an
// example that breaks its own schema, fails the test) and stops it afterwards.
import type { TestProject } from 'vitest/node';
// @ts-expect-error plain ESM script without type declarations
import { startPrism } from '../../scripts/prism.mjs';
import { freePort } from './free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    prismUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const prism = await startPrism({ port: await freePort() });
  project.provide('prismUrl', prism.url);
  return () => prism.stop();
}
