// (to be written) handlers of the builds group.
import type { Handler } from '../context.js';

export const buildsHandlers: Record<string, Handler> = {};
