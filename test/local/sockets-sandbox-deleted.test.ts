// Deleting a sandbox with open streams, in the default isolation (namespaces, where the machine allows them).
import { useLocalHopx } from './local-harness.js';
import { sandboxDeletedScenarios } from './sockets-sandbox-deleted.js';

sandboxDeletedScenarios(useLocalHopx());
