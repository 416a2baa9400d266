// (to be written) handlers of the templates group.
import type { Handler } from '../context.js';

export const templatesHandlers: Record<string, Handler> = {};
