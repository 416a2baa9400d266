// (to be written) handlers of the cp-streams group.
import type { Handler } from '../context.js';

export const cpStreamsHandlers: Record<string, Handler> = {};
