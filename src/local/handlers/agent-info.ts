// (to be written) handlers of the agent-info group.
import type { Handler } from '../context.js';

export const agentInfoHandlers: Record<string, Handler> = {};
