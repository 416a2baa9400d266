// The local mock behind `npm start`: one address for both APIs. WebSocket upgrades and event streams
// (which Prism cannot serve) are answered here with plausible, spec-shaped traffic; every other
// request is passed through to Prism, which answers from the spec's examples and validates it.

import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { WebSocketServer } from 'ws';

const spec = JSON.parse(readFileSync(new URL('../generated/openapi.json', import.meta.url), 'utf8'));
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** SSE routes and the literal example each one documents (replayed, then kept alive with comments). */
const eventStreams = Object.entries(spec.paths)
  .filter(([, item]) => item.get?.responses?.['200']?.content?.['text/event-stream'])
  .map(([path, item]) => ({
    pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    example: item.get.responses['200'].content['text/event-stream'].example,
  }));

/** What each WebSocket route does with a client message. */
const sockets = {
  '/execute/stream': executeLike,
  '/commands/stream': executeLike,
  '/stream': executeLike,
  '/stream/ipython': executeLike,
  '/terminal': terminal,
  '/files/watch': watch,
};

function executeLike(ws, message) {
  const code = message.code ?? [message.command, ...(message.args ?? [])].join(' ');
  // Enough of Python's print() to make a tour readable: print("...") and print(<number expression>).
  const printed = [...code.matchAll(/print\((.*)\)/g)].map(([, arg]) => {
    const text = arg.trim().replace(/^f?["'](.*)["']$/, '$1');
    return /^[\d\s+\-*/().]+$/.test(text) ? String(Function(`return (${text})`)()) : text;
  });
  const lines = printed.length
    ? printed
    : [`(the mock ran ${code.split('\n').length} line(s) of ${message.language ?? 'python'})`];
  let i = 0;
  const timer = setInterval(() => {
    if (ws.readyState !== ws.OPEN) return clearInterval(timer);
    if (i < lines.length) {
      ws.send(JSON.stringify({ type: 'stdout', data: `${lines[i++]}\n`, timestamp: now() }));
      return;
    }
    clearInterval(timer);
    ws.send(JSON.stringify({ type: 'result', exit_code: 0, execution_time: 0.042, timestamp: now() }));
    ws.send(JSON.stringify({ type: 'complete', success: true }));
  }, 150);
}

function terminal(ws, message) {
  if (message.type !== 'input') return;
  ws.send(JSON.stringify({ type: 'output', data: message.data.replace(/\n/g, '\r\n') }));
  if (/^exit\s*$/m.test(message.data)) ws.send(JSON.stringify({ type: 'exit', code: 0 }));
}

function watch(ws, message) {
  const path = `${message.path ?? '/workspace'}/notes.txt`;
  const timer = setInterval(() => {
    if (ws.readyState !== ws.OPEN) return clearInterval(timer);
    ws.send(JSON.stringify({ type: 'change', path, event: 'modified', timestamp: now() }));
  }, 2000);
}

/**
 * @param {{ port: number, prismUrl: string, host?: string }} options
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startStreamMock({ port, prismUrl, host = '127.0.0.1' }) {
  const prism = new URL(prismUrl);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const stream = eventStreams.find((s) => s.pattern.test(path));
    if (stream && req.method === 'GET' && (req.headers.accept ?? '').includes('text/event-stream')) {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        'access-control-allow-origin': '*',
      });
      res.write(stream.example);
      const heartbeat = setInterval(() => res.write(': keepalive\n\n'), 15_000);
      req.on('close', () => clearInterval(heartbeat));
      return;
    }
    const upstream = httpRequest(
      { host: prism.hostname, port: prism.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      res
        .writeHead(502, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: `mock: Prism is not answering (${error.message})` }));
    });
    req.pipe(upstream);
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const route = sockets[(req.url ?? '').split('?')[0]];
    if (!route || !/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      const status = route ? '401 Unauthorized' : '404 Not Found';
      socket.end(
        `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"error":"${route ? 'missing sandbox token' : 'no such WebSocket route'}"}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data) => {
        try {
          route(ws, JSON.parse(data.toString()));
        } catch {
          ws.send(
            JSON.stringify({
              type: 'error',
              error: 'the mock could not read that message',
              code: 'INVALID_JSON',
              timestamp: now(),
            }),
          );
        }
      });
    });
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  return {
    url: `http://${host}:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
