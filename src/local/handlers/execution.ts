// (to be written) handlers of the execution group.
import type { Handler } from '../context.js';

export const executionHandlers: Record<string, Handler> = {};

/** `/stream/ipython` shares this group's interpreter. */
export const executionSocketRoutes: Record<string, import('../context.js').SocketHandler> = {};
