// A client message that breaks a route's spec is refused the way the route can say it: with its
// `error` message where the spec gives it one, else by closing with 1007. Either way no answer of
// the local HopX breaks the spec (the harness checks), and the server keeps serving.

import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { useLocalHopx } from './local-harness.js';

const harness = useLocalHopx();

function connect(host: string, path: string, token: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${host.replace(/^http/, 'ws')}${path}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('a malformed client message', () => {
  it('on /execute/stream: an error message naming what is wrong', async () => {
    const { sandbox } = await harness.sandbox();
    const ws = await connect(sandbox.public_host!, '/execute/stream', sandbox.auth_token!);
    const reply = new Promise<any>((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))));
    ws.send(JSON.stringify({ type: 'execute', code: 42 }));
    expect(await reply).toMatchObject({
      type: 'error',
      code: 'INVALID_REQUEST',
      error: expect.stringContaining('/code must be string'),
    });
    ws.close();
  });

  it('on /terminal, which has no error message: the socket closes with 1007 and the reason', async () => {
    const { sandbox } = await harness.sandbox();
    const ws = await connect(sandbox.public_host!, '/terminal', sandbox.auth_token!);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    ws.send('not json');
    expect(await closed).toEqual({ code: 1007, reason: 'the message is not JSON' });
    expect((await fetch(`${sandbox.public_host}/health`)).status).toBe(200);
  });
});
