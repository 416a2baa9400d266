// The terminal on a local HopX in workspace isolation (the shell starts in the sandbox's folder).
import { useLocalHopx } from './local-harness.js';
import { terminalScenarios } from './terminal-scenarios.js';

terminalScenarios(useLocalHopx({ isolation: 'workspace' }));
