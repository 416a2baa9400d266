// (to be written) the agent's WebSocket routes, by path.
import type { SocketHandler } from '../context.js';

export const socketRoutes: Record<string, SocketHandler> = {};
