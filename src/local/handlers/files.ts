// (to be written) handlers of the files group.
import type { Handler } from '../context.js';

export const filesHandlers: Record<string, Handler> = {};
