// Deleting a sandbox with open streams, in workspace isolation (no namespace to end it all at once).
import { useLocalHopx } from './local-harness.js';
import { sandboxDeletedScenarios } from './sockets-sandbox-deleted.js';

sandboxDeletedScenarios(useLocalHopx({ isolation: 'workspace' }));
