// (to be written) handlers of the processes group.
import type { Handler } from '../context.js';

export const processesHandlers: Record<string, Handler> = {};
