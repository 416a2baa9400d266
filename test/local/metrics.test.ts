// Metrics in namespace mode (the sandbox's processes are those of its PID namespace): see
// metrics-scenarios.ts.
import { describe } from 'vitest';
import { useLocalHopx } from './local-harness.js';
import { metricsScenarios } from './metrics-scenarios.js';

const local = useLocalHopx({ isolation: 'namespace' });

describe('metrics (namespace isolation)', () => {
  metricsScenarios(local);
});
