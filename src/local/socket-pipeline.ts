// WebSocket upgrades on a sandbox's agent: the route must be one of the spec's WebSocket routes,
// the Host ours, the Origin (when a browser sends one) a loopback page, and the sandbox token valid
// for this sandbox. Every frame both ways is checked against the route's `x-websocket` schemas: a
// client message that breaks them gets an `error` message, a server message that would break them
// is counted and the socket closed (1011).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { bearerOf } from './auth.js';
import type { Local, SocketContext, SocketHandler } from './context.js';
import { faultsOf } from './faults.js';
import { hostAllowed } from './http-pipeline.js';
import type { Router } from './router.js';
import type { LocalSandbox } from './state.js';

export function upgradeHandler(
  local: Local,
  sandbox: LocalSandbox,
  router: Router,
  port: () => number,
  options: { handlers: Record<string, SocketHandler>; allowedHosts: string[]; latencyMs: number },
) {
  // 16 MiB per client message: far above any message of the spec (ws's default is 100 MiB).
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
  const refuse = (socket: Duplex, status: number, reason: string, code: string, body: string) => {
    const text = JSON.stringify({ error: body, code });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
    );
  };
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    if (!hostAllowed(req.headers.host, port(), options.allowedHosts))
      return refuse(socket, 421, 'Misdirected Request', 'PERMISSION_DENIED', 'wrong Host');
    if (!originAllowed(req.headers.origin))
      return refuse(
        socket,
        403,
        'Forbidden',
        'PERMISSION_DENIED',
        `WebSocket connections from ${req.headers.origin} are refused`,
      );
    const url = new URL(req.url ?? '/', 'http://local');
    const match = router.match('GET', url.pathname);
    const operation = match && !('allowed' in match) ? match.operation : undefined;
    const handler = operation?.websocket ? options.handlers[operation.path] : undefined;
    if (!operation || !handler)
      return refuse(socket, 404, 'Not Found', 'INVALID_REQUEST', `no WebSocket route ${url.pathname}`);
    const check = local.tokens.check(bearerOf(req.headers));
    if (!check.ok) return refuse(socket, 401, 'Unauthorized', check.code, check.reason);
    if (check.claims.sub !== sandbox.id)
      return refuse(socket, 401, 'Unauthorized', 'TOKEN_INVALID', 'the token belongs to another sandbox');
    const faults = faultsOf(req.headers.prefer, options.latencyMs);
    wss.handleUpgrade(req, socket, head, (ws) => {
      sandbox.closers.add(close);
      function close() {
        ws.terminate();
      }
      ws.once('close', () => sandbox.closers.delete(close));
      void Promise.resolve(handler(socketContext(local, sandbox, operation, ws, faults))).catch((error) => {
        local.log(`local HopX: WebSocket ${operation.path} failed: ${error instanceof Error ? error.stack : error}`);
        ws.close(1011, 'internal error');
      });
    });
  };
  return {
    upgrade,
    close: () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

function socketContext(
  local: Local,
  sandbox: LocalSandbox,
  operation: SocketContext['operation'],
  ws: WebSocket,
  faults: SocketContext['faults'],
): SocketContext {
  let sent = 0;
  const send = (message: Record<string, unknown>) => {
    if (ws.readyState !== ws.OPEN) return;
    const found = local.validator.validateFrame(operation, 'server', message);
    if (found.length) {
      local.violationLog.push(...found);
      local.log(
        `local HopX: SPEC VIOLATION in a ${operation.path} message: ${found.map((v) => `${v.pointer} ${v.message}`).join('; ')}`,
      );
      ws.close(1011, 'the local HopX built a message that breaks the spec');
      return;
    }
    ws.send(JSON.stringify(message));
    if (faults.cutAfter !== undefined && ++sent >= faults.cutAfter) ws.terminate();
  };
  return {
    local,
    operation,
    sandbox,
    ws,
    faults,
    send,
    onMessage(listener) {
      // A client message that breaks the spec gets the route's `error` message when it has one;
      // routes without one (the terminal) close with 1007 (invalid data) and say why.
      const refuse = (reason: string, code: string) => {
        const error = { type: 'error', error: reason, code, timestamp: new Date().toISOString() };
        if (local.validator.validateFrame(operation, 'server', error).length === 0) send(error);
        else ws.close(1007, reason.slice(0, 120));
      };
      ws.on('message', (data) => {
        let message: unknown;
        try {
          message = JSON.parse(data.toString());
        } catch {
          refuse('the message is not JSON', 'INVALID_JSON');
          return;
        }
        const found = local.validator.validateFrame(operation, 'client', message);
        if (found.length) {
          refuse(
            `the message does not match the spec: ${found.map((v) => `${v.pointer} ${v.message}`).join('; ')}`,
            'INVALID_REQUEST',
          );
          return;
        }
        listener(message);
      });
    },
    onClose(listener) {
      ws.once('close', listener);
    },
    close(code = 1000, reason = '') {
      ws.close(code, reason);
    },
  };
}

/** No Origin (not a browser), or a page served from this machine's loopback. */
function originAllowed(origin: string | undefined): boolean {
  if (!origin) return true;
  try {
    const { hostname } = new URL(origin);
    return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]' || hostname === '::1';
  } catch {
    return false;
  }
}
