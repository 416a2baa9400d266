// Streamed runs on a local HopX in its default isolation (namespaces, where the machine allows them).

import { useLocalHopx } from './local-harness.js';
import { streamedRunScenarios } from './sockets-streamed-runs.js';

streamedRunScenarios(useLocalHopx());
