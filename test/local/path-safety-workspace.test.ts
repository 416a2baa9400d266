// Path safety in workspace mode: see path-safety-scenarios.ts. Here the sandbox's code sees this
// machine's paths, so every absolute path the API is given names a place inside the sandbox's
// folder, and a link that leaves the folder is refused.
import { describe } from 'vitest';
import { useLocalHopx } from './local-harness.js';
import { pathSafetyScenarios } from './path-safety-scenarios.js';

const local = useLocalHopx({ isolation: 'workspace' });

describe('path safety (workspace isolation)', () => {
  pathSafetyScenarios(local, 'workspace');
});
