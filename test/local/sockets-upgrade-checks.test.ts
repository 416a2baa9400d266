// Who may open the agent's WebSocket routes: a page from another origin may not (403), nor a
// request for another Host (421); a missing token, a token the local HopX never issued and another
// sandbox's token are refused (401) on every route; our client turns a refusal into a typed error.
import { describe, expect, it } from 'vitest';
import { AuthenticationError, createAgentClient, openTerminal } from '../../src/index.js';
import { useLocalHopx } from './local-harness.js';
import { upgrade } from './sockets-support.js';

const local = useLocalHopx();
const ROUTES = ['/execute/stream', '/commands/stream', '/stream', '/terminal', '/files/watch'];

describe('WebSocket upgrades on the agent', () => {
  it('refuses a page from another origin with 403, on every route', async () => {
    const { sandbox } = await local.sandbox();
    for (const route of ROUTES) {
      for (const origin of ['https://evil.example', 'http://127.0.0.1.evil.example:8080', 'null']) {
        const refused = await upgrade(`${sandbox.public_host}${route}`, {
          Authorization: `Bearer ${sandbox.auth_token}`,
          Origin: origin,
        });
        expect(refused, `${route} from ${origin}`).toMatchObject({ status: 403, body: { code: 'PERMISSION_DENIED' } });
      }
    }
  });

  it('lets a page served from this machine connect', async () => {
    const { sandbox } = await local.sandbox();
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000']) {
      const opened = await upgrade(`${sandbox.public_host}/terminal`, {
        Authorization: `Bearer ${sandbox.auth_token}`,
        Origin: origin,
      });
      expect(opened.status).toBe(101);
      if ('ws' in opened) opened.ws.terminate();
    }
  });

  it('refuses a request for another Host with 421 (a DNS-rebinding page)', async () => {
    const { sandbox } = await local.sandbox();
    const refused = await upgrade(`${sandbox.public_host}/terminal`, {
      Authorization: `Bearer ${sandbox.auth_token}`,
      Host: 'rebound.example',
    });
    expect(refused.status).toBe(421);
  });

  it('refuses a missing token, a foreign token and another sandbox’s token with 401, on every route', async () => {
    const [{ sandbox }, { sandbox: other }] = await Promise.all([local.sandbox(), local.sandbox()]);
    const forged = `${sandbox.auth_token?.split('.').slice(0, 2).join('.')}.bm90LXRoZS1zaWduYXR1cmU`;
    for (const route of ROUTES) {
      const url = `${sandbox.public_host}${route}`;
      expect(await upgrade(url, {}), `${route} without a token`).toMatchObject({
        status: 401,
        body: { code: 'TOKEN_INVALID' },
      });
      expect(await upgrade(url, { Authorization: `Bearer ${forged}` }), `${route} with a forged token`).toMatchObject({
        status: 401,
        body: { code: 'TOKEN_INVALID' },
      });
      expect(
        await upgrade(url, { Authorization: `Bearer ${other.auth_token}` }),
        `${route} with another sandbox's token`,
      ).toMatchObject({ status: 401, body: { code: 'TOKEN_INVALID' } });
    }
  });

  it('answers 404 for a path that is no WebSocket route', async () => {
    const { sandbox } = await local.sandbox();
    const refused = await upgrade(`${sandbox.public_host}/no-such-socket`, {
      Authorization: `Bearer ${sandbox.auth_token}`,
    });
    expect(refused.status).toBe(404);
  });

  it('reaches our client as an AuthenticationError when the token is refused and cannot be renewed', async () => {
    const [{ sandbox }, { sandbox: other }] = await Promise.all([local.sandbox(), local.sandbox()]);
    // The other sandbox's token, and no Control Plane client to renew it with.
    const agent = createAgentClient({ sandbox: { ...sandbox, auth_token: other.auth_token }, throwOnError: true });
    await expect(openTerminal(agent)).rejects.toBeInstanceOf(AuthenticationError);
  });
});
