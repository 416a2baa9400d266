// The file watch on a local HopX in its default isolation (namespaces, where the machine allows them).
import { fileWatchScenarios } from './file-watch-scenarios.js';
import { useLocalHopx } from './local-harness.js';

fileWatchScenarios(useLocalHopx());
