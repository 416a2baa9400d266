// (to be written) handlers of the desktop group.
import type { Handler } from '../context.js';

export const desktopHandlers: Record<string, Handler> = {};
