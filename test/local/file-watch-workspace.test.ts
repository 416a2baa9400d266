// The file watch on a local HopX in workspace isolation (the sandbox's folder on this machine).
import { fileWatchScenarios } from './file-watch-scenarios.js';
import { useLocalHopx } from './local-harness.js';

fileWatchScenarios(useLocalHopx({ isolation: 'workspace' }));
