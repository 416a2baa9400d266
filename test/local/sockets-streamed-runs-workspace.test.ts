// Streamed runs on a local HopX in workspace isolation (runs start in the sandbox's folder).

import { useLocalHopx } from './local-harness.js';
import { streamedRunScenarios } from './sockets-streamed-runs.js';

streamedRunScenarios(useLocalHopx({ isolation: 'workspace' }));
