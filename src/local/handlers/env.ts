// (to be written) handlers of the env group.
import type { Handler } from '../context.js';

export const envHandlers: Record<string, Handler> = {};
