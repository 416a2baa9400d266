// A sandbox's VM Agent: its own HTTP server on a port of its own, so that its `public_host`
// (`http://127.0.0.1:<port>`) works as an agent host for any client, the official SDKs included
// (they keep only the host of `public_host`). While the sandbox is paused or stopped it accepts no
// connection, as a frozen VM would not.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Handler, Local, SocketHandler } from './context.js';
import { requestHandler } from './http-pipeline.js';
import type { Router } from './router.js';
import { upgradeHandler } from './socket-pipeline.js';
import type { LocalSandbox } from './state.js';

export interface AgentEndpoint {
  url: string;
  /** Drops every open connection (pausing: a frozen VM answers nothing, not even on a kept-alive socket). */
  dropConnections(): void;
  close(): Promise<void>;
}

export interface EndpointOptions {
  bind: string;
  /** The host name clients use in URLs (127.0.0.1 unless the bind address says otherwise). */
  urlHost: string;
  router: Router;
  handlers: Record<string, Handler>;
  socketHandlers: Record<string, SocketHandler>;
  allowedHosts: string[];
  latencyMs: number;
}

export async function startAgentEndpoint(
  local: Local,
  sandbox: LocalSandbox,
  options: EndpointOptions,
): Promise<AgentEndpoint> {
  let port = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer(
    requestHandler(local, { kind: 'agent', router: options.router, sandbox, port: () => port }, options),
  );
  const sockets_ = upgradeHandler(local, sandbox, options.router, () => port, {
    handlers: options.socketHandlers,
    allowedHosts: options.allowedHosts,
    latencyMs: options.latencyMs,
  });
  server.on('upgrade', sockets_.upgrade);
  server.on('connection', (socket: Socket) => {
    // A paused (or stopped) sandbox answers nothing: the connection is reset, as for a frozen VM.
    if (sandbox.status !== 'running') {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.bind, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.urlHost}:${port}`,
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        sockets_.close();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
