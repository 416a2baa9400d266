// Path safety in namespace mode (the default where the machine allows it): see
// path-safety-scenarios.ts. Here the sandbox's code sees this machine's folders read-only in spirit
// through its overlay, and the file API refuses them.
import { describe } from 'vitest';
import { useLocalHopx } from './local-harness.js';
import { pathSafetyScenarios } from './path-safety-scenarios.js';

const local = useLocalHopx({ isolation: 'namespace' });

describe('path safety (namespace isolation)', () => {
  pathSafetyScenarios(local, 'namespace');
});
