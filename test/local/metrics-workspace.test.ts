// Metrics in workspace mode (the sandbox's processes are found by the marker every one of them
// carries in its environment): see metrics-scenarios.ts.
import { describe } from 'vitest';
import { useLocalHopx } from './local-harness.js';
import { metricsScenarios } from './metrics-scenarios.js';

const local = useLocalHopx({ isolation: 'workspace' });

describe('metrics (workspace isolation)', () => {
  metricsScenarios(local);
});
