// Which port a local server of npm start listens on. A port the user chose (a flag or an environment
// variable) must be free, or npm start stops with a one-line message saying how to choose another;
// a default that is taken gives way to a free port, which npm start prints.
import { createServer } from 'node:net';

export class PortTakenError extends Error {}

/**
 * @param {{ what: string, chosen: string | undefined, flag: string, env: string, fallback: number, host?: string }} options
 * @returns {Promise<{ port: number, note?: string }>}
 */
export async function choosePort({ what, chosen, flag, env, fallback, host = '127.0.0.1' }) {
  if (chosen !== undefined) {
    const port = Number(chosen);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new PortTakenError(`npm start: ${chosen} is not a port number (${flag} or ${env} for the ${what}).`);
    if (port === 0 || (await isFree(port, host))) return { port };
    throw new PortTakenError(
      `npm start: port ${port} (the ${what}) is taken; choose another with ${flag} <port> or ${env}=<port>.`,
    );
  }
  if (await isFree(fallback, host)) return { port: fallback };
  const port = await anyFreePort(host);
  return {
    port,
    note: `port ${fallback} is taken: the ${what} uses ${port} instead (choose with ${flag} <port> or ${env}=<port>)`,
  };
}

/** Whether nothing listens on `port` right now (there is a short race until our server binds it). */
export function isFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

function anyFreePort(host) {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
