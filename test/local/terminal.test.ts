// The terminal on a local HopX in its default isolation (namespaces, where the machine allows them).
import { useLocalHopx } from './local-harness.js';
import { terminalScenarios } from './terminal-scenarios.js';

terminalScenarios(useLocalHopx());
