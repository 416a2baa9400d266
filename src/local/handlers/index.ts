// Every operation's handler, by operationId (HTTP) and by path (WebSocket). Each group, named like
// the spec's tags, keeps to its own file and reaches other groups' state only through the sandbox.
import type { Handler, SocketHandler } from '../context.js';
import { agentInfoHandlers } from './agent-info.js';
import { buildsHandlers } from './builds.js';
import { commandsHandlers } from './commands.js';
import { cpStreamsHandlers } from './cp-streams.js';
import { desktopHandlers } from './desktop.js';
import { envHandlers } from './env.js';
import { executionHandlers, executionSocketRoutes } from './execution.js';
import { filesHandlers } from './files.js';
import { healthHandlers } from './health.js';
import { processesHandlers } from './processes.js';
import { sandboxHandlers } from './sandboxes.js';
import { socketRoutes } from './sockets.js';
import { templatesHandlers } from './templates.js';

export const httpHandlers: Record<string, Handler> = {
  ...healthHandlers,
  ...sandboxHandlers,
  ...templatesHandlers,
  ...buildsHandlers,
  ...cpStreamsHandlers,
  ...executionHandlers,
  ...commandsHandlers,
  ...processesHandlers,
  ...filesHandlers,
  ...envHandlers,
  ...agentInfoHandlers,
  ...desktopHandlers,
};

export const socketHandlers: Record<string, SocketHandler> = {
  ...socketRoutes,
  ...executionSocketRoutes,
};
