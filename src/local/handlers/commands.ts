// (to be written) handlers of the commands group.
import type { Handler } from '../context.js';

export const commandsHandlers: Record<string, Handler> = {};
