// Sandbox tokens that expire (a 1 s lifetime here): an expired token opens no WebSocket (401
// TOKEN_EXPIRED); our client renews it through the Control Plane and connects; a socket opened
// before the expiry keeps working after it (the token is checked at the upgrade only).
import { describe, expect, it } from 'vitest';
import { openTerminal, runCode } from '../../src/index.js';
import { useLocalHopx } from './local-harness.js';
import { upgrade } from './sockets-support.js';
import { transcript } from './terminal-scenarios.js';

const local = useLocalHopx({ tokenTtlSeconds: 1 });
const pastExpiry = () => new Promise((resolve) => setTimeout(resolve, 1_500));

describe('expired sandbox tokens on the WebSocket routes', () => {
  it('refuses an expired token with 401 TOKEN_EXPIRED', async () => {
    const { sandbox } = await local.sandbox();
    await pastExpiry();
    for (const route of ['/execute/stream', '/terminal', '/files/watch']) {
      expect(
        await upgrade(`${sandbox.public_host}${route}`, { Authorization: `Bearer ${sandbox.auth_token}` }),
        route,
      ).toMatchObject({ status: 401, body: { code: 'TOKEN_EXPIRED' } });
    }
  });

  it('lets our client renew the token through the Control Plane and connect', async () => {
    const { agent } = await local.sandbox();
    await pastExpiry();
    expect(await runCode(agent, { code: 'print(6*7)' })).toMatchObject({ stdout: '42\n', exitCode: 0 });
  });

  it('keeps a terminal opened before the expiry working after it', async () => {
    const { agent } = await local.sandbox();
    const terminal = await openTerminal(agent);
    const screen = transcript(terminal);
    await pastExpiry();
    terminal.write('echo still-$((40+2))\nexit 0\n');
    await screen.until(/still-42/);
    expect(await terminal.exitCode).toBe(0);
  });
});
