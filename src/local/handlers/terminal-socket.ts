// `/terminal`: a real interactive shell on a pseudo-terminal in the sandbox (host/pty-session.ts).
// `input` is typed into it, `resize` resizes it, what it prints goes out as `output`; when the
// shell exits, `exit` carries its code and the server closes. The socket closing, or the sandbox
// going, kills the shell and everything it started from the terminal.
import type { SocketHandler } from '../context.js';
import { runEnv } from '../host/processes.js';
import { startPtySession } from '../host/pty-session.js';
import { SocketOutbox } from './socket-outbox.js';

/** A terminal's size before the client says otherwise (the VT100's). */
const COLS = 80;
const ROWS = 24;
/** Beyond this a size is a client's mistake, not a window. */
const MAX_SIDE = 10_000;
/** Milliseconds between two messages (socket-outbox.ts says why). */
const PACE_MS = 5;

export const terminalRoute: SocketHandler = (ctx) => {
  const { local, sandbox } = ctx;
  const session = startPtySession(sandbox.host, {
    // bash where this machine has it (the sandbox sees this machine's programs), else sh.
    argv: [local.interpreters.bash ?? '/bin/sh'],
    cwd: '/workspace',
    env: runEnv(local.interpreters.paths, Object.fromEntries(sandbox.env), { TERM: 'xterm-256color' }),
    cols: COLS,
    rows: ROWS,
  });
  const outbox = new SocketOutbox(ctx, { paceMs: PACE_MS, mergeable: ['output'] });
  outbox.source = session;
  const end = () => {
    sandbox.closers.delete(end);
    if (session.running()) session.kill();
  };
  sandbox.closers.add(end);
  ctx.onClose(end);

  session.onData((data) => outbox.push({ type: 'output', data }));
  session.onExit((code) => {
    sandbox.closers.delete(end);
    // Both spellings the spec accepts (clients differ on which they read), with the same value.
    outbox.push({ type: 'exit', code, exitCode: code });
    void outbox.drained().then(() => ctx.close(1000, 'the shell exited'));
  });
  ctx.onMessage((message: { type: 'input'; data: string } | { type: 'resize'; cols: number; rows: number }) => {
    if (message.type === 'input') {
      session.write(message.data);
      return;
    }
    const { cols, rows } = message;
    if (cols < 1 || rows < 1 || cols > MAX_SIDE || rows > MAX_SIDE) {
      // The route has no error message to answer with; the shell keeps its size.
      local.log(`local HopX: /terminal in sandbox ${sandbox.id}: ignored a resize to ${cols}x${rows}`);
      return;
    }
    session.resize(cols, rows);
  });
};
